"""Construction projects and relocations: latest progress and the report's sentences.

:func:`building_progress` takes the progress log (one row per building and report date)
and keeps, per building, the latest row on or before ``as_of``; :func:`progress_sentences`
writes it the way the seed report does::

    温莎公馆项目十三栋住宅主体结构已完工;5#、6#、7#、8#四栋已建至6层;9#、10#、11#、12#四栋
    已建至1层;39#已建至13层

Buildings at the same stage (from 主体完工 on) or at the same floor (主体施工) form one
group; groups are ordered by their first building number. Finished groups are described by
use ("十三栋住宅", "四栋商业楼及教堂"), groups under construction by their numbers.

:func:`relocation_status` gives the latest status of every relocation (搬迁置换) on or before
``as_of``; :func:`relocation_sentence` writes "九州华隆、九州方圆2家企业的搬迁置换工作正在进行
商谈中,九州兰天已签订搬迁协议,拆除工作正在进行。" using :func:`short_name`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from parkanalysis.errors import ParameterError

__all__ = [
    "STAGES",
    "building_progress",
    "chinese_count",
    "progress_sentences",
    "relocation_sentence",
    "relocation_status",
    "short_name",
]

#: 形象进度 in construction order.
STAGES: tuple[str, ...] = (
    "未开工",
    "基础施工",
    "主体施工",
    "主体完工",
    "二次结构",
    "装饰装修",
    "竣工",
)
_FINISHED_FROM = STAGES.index("主体完工")
_FINISHED_PHRASE = {
    "主体完工": "主体结构已完工",
    "二次结构": "主体已完工,二次结构正在进行",
    "装饰装修": "主体已完工,正在进行装饰装修",
    "竣工": "已竣工",
}
_USE_NOUN = {"住宅": "住宅", "商业": "商业楼", "公共": "公共建筑"}
_DIGITS = "零一二三四五六七八九"


def chinese_count(n: int) -> str:
    """Chinese numeral for a count before a measure word (两 for 2), 1..99.

    Examples
    --------
    >>> [chinese_count(n) for n in (1, 2, 4, 10, 13, 20, 22)]
    ['一', '两', '四', '十', '十三', '二十', '二十二']
    >>> chinese_count(120)
    '120'
    """
    if n == 2:
        return "两"
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def _natural_key(text: str) -> tuple:
    parts = re.split(r"(\d+)", str(text))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


def _in_park(df: pd.DataFrame, ds: Any, park: str | None) -> pd.DataFrame:
    pid = ds.resolve_park(park)
    return df.loc[(df["park_id"] == pid).to_numpy()]


def _cutoff(as_of: Any) -> pd.Timestamp:
    from parkanalysis.land import resolve_as_of

    if as_of is None:
        raise ParameterError("请给出截至日期 as_of(如 2016-06)")
    return resolve_as_of(None, as_of)


def building_progress(ds: Any, *, as_of: Any, park: str | None = None) -> pd.DataFrame:
    """Latest progress row per building on or before ``as_of``, grouped per project.

    Parameters
    ----------
    ds : Dataset
    as_of : str, Period, date or Timestamp
        Cut-off (``"2016-06"`` means 2016-06-30; see :func:`parkanalysis.land.resolve_as_of`).
    park : str, optional
        Park id; default every park.

    Returns
    -------
    pandas.DataFrame
        ``park_id, project_id, project_name, building_no, date, use, floors_planned,
        floors_built, stage`` ordered by project (order of the projects table) and building
        number (natural order: 2# before 10#).

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> bp = building_progress(load_dataset("data/sample"), as_of="2016-06")
    >>> bp.loc[bp.project_id == "WSGG", "building_no"].head(3).tolist()
    ['1#', '2#', '3#']
    """
    cutoff = _cutoff(as_of)
    b = _in_park(ds.buildings, ds, park)
    b = b.loc[(b["date"] <= cutoff).to_numpy()]
    b = b.sort_values(["park_id", "project_id", "building_no", "date"], kind="stable")
    latest = b.groupby(["park_id", "project_id", "building_no"], sort=False).tail(1)
    pj = ds.projects
    order = {
        (k, p): i for i, (k, p) in enumerate(zip(pj["park_id"], pj["project_id"], strict=True))
    }
    names = dict(zip(zip(pj["park_id"], pj["project_id"], strict=True), pj["name"], strict=True))
    out = latest.assign(
        project_name=[
            names.get((k, p), p)
            for k, p in zip(latest["park_id"], latest["project_id"], strict=True)
        ],
        _p=[
            order.get((k, p), 10**9)
            for k, p in zip(latest["park_id"], latest["project_id"], strict=True)
        ],
        _b=[_natural_key(x) for x in latest["building_no"]],
    )
    out = out.sort_values(["park_id", "_p", "_b"], kind="stable")
    cols = ["park_id", "project_id", "project_name", "building_no", "date", "use"]
    cols += ["floors_planned", "floors_built", "stage"]
    return out[cols].reset_index(drop=True)


def _group_key(row: pd.Series) -> tuple:
    stage = row["stage"]
    idx = STAGES.index(stage) if stage in STAGES else -1
    if idx >= _FINISHED_FROM:
        return ("finished", stage)
    built = row["floors_built"]
    if stage == "主体施工" and not pd.isna(built) and built > 0:
        return ("floors", int(built))
    return ("stage", stage)


def _finished_subject(group: pd.DataFrame) -> str:
    """ "十三栋住宅", "四栋商业楼及教堂", "2#仓库" — the subject of a finished group."""
    if len(group) == 1:
        return str(group["building_no"].iloc[0])
    parts = []
    named = []
    uses = group["use"].fillna("其他")
    for use in dict.fromkeys(uses):
        members = group.loc[(uses == use).to_numpy()]
        noun = _USE_NOUN.get(use)
        if noun is None:
            named.extend(members["building_no"])
        else:
            n = len(members)
            parts.append(
                f"{chinese_count(n)}栋{noun}" if n > 1 else f"{members['building_no'].iloc[0]}"
            )
    if named:
        if parts:
            return "、".join(parts) + "及" + "、".join(named)
        return "、".join(named) + f"{chinese_count(len(named))}栋"
    return "及".join(parts)


def _group_phrase(kind: str, value: Any, group: pd.DataFrame) -> str:
    if kind == "finished":
        return _finished_subject(group) + _FINISHED_PHRASE[value]
    nos = "、".join(group["building_no"])
    who = nos + (f"{chinese_count(len(group))}栋" if len(group) > 1 else "")
    if kind == "floors":
        return f"{who}已建至{value}层"
    verb = {"未开工": "尚未开工", "基础施工": "正在进行基础施工", "主体施工": "主体正在施工"}
    return who + verb.get(value, f"形象进度为{value}")


def _project_title(name: str) -> str:
    return name if name.endswith(("项目", "工程")) else name + "项目"


def progress_sentences(progress: pd.DataFrame) -> list[str]:
    """One clause per project describing its buildings, in the seed report's wording.

    Parameters
    ----------
    progress : pandas.DataFrame
        Output of :func:`building_progress` (columns ``project_id, project_name,
        building_no, use, floors_built, stage``).

    Returns
    -------
    list of str
        One string per project (no final "。"), groups joined by ";".

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"project_id": "A", "project_name": "温莎公馆",
    ...     "building_no": ["1#", "2#", "3#", "5#", "6#", "39#"], "use": "住宅",
    ...     "floors_built": [6, 6, 11, 6, 6, 13],
    ...     "stage": ["主体完工"] * 3 + ["主体施工"] * 3})
    >>> progress_sentences(p)
    ['温莎公馆项目三栋住宅主体结构已完工;5#、6#两栋已建至6层;39#已建至13层']
    """
    need = {"project_id", "project_name", "building_no", "use", "floors_built", "stage"}
    if not isinstance(progress, pd.DataFrame) or not need <= set(progress.columns):
        raise ParameterError(f"progress 应为 building_progress 的结果,需含列 {sorted(need)}")
    out = []
    for _, proj in progress.groupby("project_id", sort=False):
        proj = proj.iloc[
            sorted(range(len(proj)), key=lambda i: _natural_key(proj["building_no"].iloc[i]))
        ]
        groups: dict[tuple, list[int]] = {}
        for i in range(len(proj)):
            groups.setdefault(_group_key(proj.iloc[i]), []).append(i)
        phrases = [_group_phrase(k[0], k[1], proj.iloc[idx]) for k, idx in groups.items()]
        out.append(_project_title(str(proj["project_name"].iloc[0])) + ";".join(phrases))
    return out


# --------------------------------------------------------------------------- relocations
_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "总公司",
    "分公司",
    "公司",
    "集团",
    "厂",
)
_INDUSTRY_WORDS = (
    "家具",
    "文仪",
    "钢结构",
    "钢构",
    "食品",
    "科技",
    "新材料",
    "材料",
    "制品",
    "机械",
    "制造",
    "设备",
    "电子",
    "包装",
    "印刷",
    "塑料",
    "塑业",
    "木业",
    "纺织",
    "服饰",
    "物流",
    "实业",
    "贸易",
    "商贸",
    "工贸",
    "建材",
    "新型",
    "文化",
    "产业",
    "婚庆",
    "环保",
    "医疗器械",
    "器械",
    "生物",
)
_PROVINCES = (
    *("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江"),
    *("安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州"),
    *("云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆"),
)
# A generic 省/市/县/区 prefix ("阜阳市", "安徽省"); kept when fewer than 4 characters remain.
_ADMIN = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}(?:省|自治区)|[\u4e00-\u9fff]{2}(?:市|县|区))")


def short_name(name: str, *, region: str | None = None) -> str:
    """A short enterprise name: region prefixes, legal suffix and trade words stripped.

    Parameters
    ----------
    name : str
        Full registered name.
    region : str, optional
        The park's region (e.g. "安徽省阜阳市颍州区"): its parts, with and without the
        suffix 省/市/区/县, are stripped from the start as well.

    Returns
    -------
    str
        At least two characters are kept; the full name when nothing can be stripped.

    Examples
    --------
    >>> short_name("阜阳市九州华隆家具有限公司")
    '九州华隆'
    >>> short_name("阜阳市九州方圆文仪家具有限公司")
    '九州方圆'
    >>> short_name("阜阳华隆钢结构有限公司", region="安徽省阜阳市")
    '华隆'
    >>> short_name("阜阳市华联超市配送有限公司")
    '华联超市配送'
    >>> short_name("国药控股阜阳有限公司")
    '国药控股阜阳'
    """
    text = str(name).strip()
    prefixes = set(_PROVINCES)
    for part in re.findall(r"[\u4e00-\u9fff]+?(?:省|自治区|市|县|区)", region or ""):
        prefixes.add(part)
        prefixes.add(re.sub(r"(省|自治区|市|县|区)$", "", part))
    changed = True
    while changed:
        changed = False
        for pre in sorted(prefixes, key=len, reverse=True):
            if len(pre) >= 2 and text.startswith(pre) and len(text) - len(pre) >= 2:
                text, changed = text[len(pre) :], True
                break
        m = _ADMIN.match(text)
        if m and len(text) - m.end() >= 4:
            text, changed = text[m.end() :], True
    for suffix in _LEGAL_SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            text = text[: -len(suffix)]
            break
    changed = True
    while changed:
        changed = False
        for word in sorted(_INDUSTRY_WORDS, key=len, reverse=True):
            if text.endswith(word) and len(text) - len(word) >= 2:
                text, changed = text[: -len(word)], True
                break
    return text


def relocation_status(ds: Any, *, as_of: Any, park: str | None = None) -> pd.DataFrame:
    """Current status of every relocation (搬迁置换): the latest record on or before as_of.

    The relocation table is a log keyed by ``relocation_id``; one relocation (an enterprise
    and its parcels) may have several rows as it progresses, so rows are grouped by
    ``park_id``, ``enterprise_id`` and ``parcel_ids``.

    Parameters
    ----------
    ds : Dataset
    as_of : str, Period, date or Timestamp
    park : str, optional

    Returns
    -------
    pandas.DataFrame
        ``park_id, relocation_id, enterprise_id, enterprise_name, short_name, status,
        status_date, land_freed_mu, parcel_ids, done`` in the order the relocations first
        appear.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> r = relocation_status(load_dataset("data/sample"), as_of="2016-06")
    >>> r[["short_name", "status"]].values.tolist()
    [['九州华隆', '洽谈中'], ['九州方圆', '洽谈中'], ['九州兰天', '拆除中']]
    """
    cutoff = _cutoff(as_of)
    r = _in_park(ds.relocations, ds, park)
    r = r.loc[(r["status_date"] <= cutoff).to_numpy()].copy()
    r["_key"] = [
        f"{pk}|{e}|{';'.join(sorted(ids)) if isinstance(ids, tuple | list) else ''}"
        for pk, e, ids in zip(r["park_id"], r["enterprise_id"], r["parcel_ids"], strict=True)
    ]
    first_seen = {k: i for i, k in enumerate(dict.fromkeys(r["_key"]))}
    latest = r.sort_values(["_key", "status_date", "relocation_id"]).groupby("_key").tail(1)
    latest = latest.assign(_o=latest["_key"].map(first_seen)).sort_values("_o")
    ents = ds.enterprises.drop_duplicates(["park_id", "enterprise_id"])
    names = dict(
        zip(zip(ents["park_id"], ents["enterprise_id"], strict=True), ents["name"], strict=True)
    )
    regions = {pid: info.region for pid, info in ds.profile.parks.items()}
    full = [
        names.get((pk, e), e)
        for pk, e in zip(latest["park_id"], latest["enterprise_id"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "park_id": latest["park_id"].astype(str).to_numpy(),
            "relocation_id": latest["relocation_id"].astype(str).to_numpy(),
            "enterprise_id": latest["enterprise_id"].astype(str).to_numpy(),
            "enterprise_name": full,
            "short_name": [
                short_name(n, region=regions.get(pk))
                for n, pk in zip(full, latest["park_id"], strict=True)
            ],
            "status": latest["status"].astype(str).to_numpy(),
            "status_date": latest["status_date"].to_numpy(),
            "land_freed_mu": latest["land_freed_mu"].astype(float).to_numpy(),
            "parcel_ids": latest["parcel_ids"].to_numpy(),
        }
    )
    out["done"] = out["status"].eq("已完成")
    return out


_STATUS_PHRASE = {
    "洽谈中": "搬迁置换工作正在进行商谈中",
    "已签协议": "已签订搬迁协议",
    "拆除中": "已签订搬迁协议,拆除工作正在进行",
    "已完成": "已完成搬迁置换",
}


def _names(names: Iterable[str]) -> tuple[str, int]:
    names = list(names)
    return "、".join(names), len(names)


def relocation_sentence(status: pd.DataFrame) -> str:
    """The report sentence about relocations, grouped by status.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`relocation_status` (``short_name``, ``status``, ``land_freed_mu``).

    Returns
    -------
    str
        Empty when there is no relocation.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"short_name": ["九州华隆", "九州方圆", "九州兰天"],
    ...                   "status": ["洽谈中", "洽谈中", "拆除中"],
    ...                   "land_freed_mu": [48.4, 44.6, 27.6]})
    >>> relocation_sentence(s)
    '九州华隆、九州方圆2家企业的搬迁置换工作正在进行商谈中,九州兰天已签订搬迁协议,拆除工作正在进行。'
    """
    if status is None or len(status) == 0:
        return ""
    clauses = []
    for st in ("洽谈中", "已签协议", "拆除中", "已完成"):
        rows = status.loc[(status["status"] == st).to_numpy()]
        if rows.empty:
            continue
        who, n = _names(rows["short_name"])
        phrase = _STATUS_PHRASE[st]
        if n > 1:
            subject = f"{who}{n}家企业" + ("的" if phrase.startswith("搬迁") else "")
        else:
            subject = who + ("的" if phrase.startswith("搬迁") else "")
        if st == "已完成":
            freed = rows["land_freed_mu"].sum(min_count=1)
            tail = "" if pd.isna(freed) else f",腾退土地{float(freed):g}亩"
            clauses.append(subject + phrase + tail)
        else:
            clauses.append(subject + phrase)
    return ",".join(clauses) + "。"
