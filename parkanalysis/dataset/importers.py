"""Importers of public records, and :func:`write_dataset` to turn frames into a dataset folder.

- :func:`import_landchina`: 中国土地市场网 供地结果 records → the parcels schema.
- :func:`import_tbhb`: published national 1-N月 figures with official 累计同比 → the
  published schema (growth kept exactly as published, never recomputed).
- :func:`write_dataset`: canonical frames → CSV files with Chinese headers and units plus
  ``park.yaml``, which :func:`~parkanalysis.dataset.load_dataset` reads back. This is the way
  to load imported records as a dataset (see :func:`landchina_dataset`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from parkanalysis.dataset._parse import parse_date, parse_finite
from parkanalysis.dataset.schema import (
    AREA,
    AREA_COLUMNS,
    AREA_M2,
    BOOL,
    DATE,
    FLOAT,
    INT,
    LIST,
    MONEY,
    MONTH,
    PEOPLE,
    TABLES,
)
from parkanalysis.errors import DataError, Finding, ParameterError
from parkanalysis.units import to_mu

#: 土地用途 (GB/T 21010 names and codes, as landchina writes them) → planned_use.
LANDCHINA_USES = {
    "工业用地": "工业",
    "采矿用地": "工业",
    "仓储用地": "仓储物流",
    "物流仓储用地": "仓储物流",
    "批发零售用地": "商业",
    "住宿餐饮用地": "商业",
    "商务金融用地": "商业",
    "其他商服用地": "商业",
    "商服用地": "商业",
    "住宅用地": "住宅",
    "城镇住宅用地": "住宅",
    "其他普通商品住房用地": "住宅",
    "中低价位、中小套型普通商品住房用地": "住宅",
    "经济适用住房用地": "住宅",
    "廉租住房用地": "住宅",
    "公共租赁住房用地": "住宅",
    "公共设施用地": "公共设施",
    "科教用地": "公共设施",
    "医卫慈善用地": "公共设施",
    "机关团体用地": "公共设施",
    "文体娱乐用地": "公共设施",
    "新闻出版用地": "公共设施",
    "水工建筑用地": "公共设施",
    "街巷用地": "道路",
    "公路用地": "道路",
    "铁路用地": "道路",
    "交通服务场站用地": "公共设施",
    "公园与绿地": "绿地",
    "风景名胜设施用地": "绿地",
    "水域及水利设施用地": "水域",
}
#: GB/T 21010-2007 second-level codes → planned_use (first two digits).
LANDCHINA_USE_CODES = {
    "05": "商业",
    "06": "工业",
    "07": "住宅",
    "08": "公共设施",
    "10": "道路",
    "11": "水域",
}
LANDCHINA_USE_CODES_EXACT = {"0603": "仓储物流", "0810": "绿地", "1001": "道路"}
LANDCHINA_SUPPLY = {m: m for m in ("出让", "划拨", "挂牌出让", "拍卖出让", "协议出让", "招标出让")}


def _landchina_use(text: object) -> str:
    s = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text).strip()
    if s in LANDCHINA_USES:
        return LANDCHINA_USES[s]
    if s.isdigit():
        return LANDCHINA_USE_CODES_EXACT.get(s) or LANDCHINA_USE_CODES.get(s[:2], "其他")
    return "其他"


def import_landchina(csv_path: str | os.PathLike, *, park_id: str, phase_id: str) -> pd.DataFrame:
    """Read 中国土地市场网 供地结果 records into the canonical parcels frame.

    Each record becomes one parcel: ``parcel_id`` = 电子监管号 (``idnumber``), area 公顷 × 15
    → ``area_mu``, 土地用途 → ``planned_use`` (:data:`LANDCHINA_USES`; unknown → 其他),
    供地方式 → ``supply_method``, 合同签订日期 (``date4sign``) → ``supply_date``,
    成交价格 (万元) → ``price_wan_yuan``, 受让人 (else the project name) → ``transferee``,
    actual start/completion dates → ``construction_status``. Every parcel was supplied, so
    it is 已报批 / 已供 — except public land (道路/绿地/水域 uses, usually 划拨), which the park
    ledger never counts as supplied: those rows are 未供 with no supply date or method.

    Parameters
    ----------
    csv_path : str or PathLike
        ``landchina_supply_results_*.csv`` (UTF-8 or GBK).
    park_id, phase_id : str
        Park and phase the parcels are booked under.

    Returns
    -------
    DataFrame
        The columns and dtypes of ``Dataset.parcels``.

    Raises
    ------
    DataError
        ``missing_column`` / ``bad_value`` / ``bad_choice`` findings naming the file and row.
    """
    path = Path(csv_path)
    raw = _read_text_csv(path)
    file = path.name
    need = ("idnumber", "area", "use", "supply", "date4sign")
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(
            [
                Finding("error", "missing_column", f"供地结果文件缺少列 {c}", file, 1, c)
                for c in missing
            ]
        )
    rows = np.arange(len(raw)) + 2
    findings: list[Finding] = []
    area_ha, bad_area = parse_finite(raw["area"])
    price, bad_price = (
        parse_finite(raw["price"])
        if "price" in raw
        else (np.full(len(raw), np.nan), np.zeros(len(raw), bool))
    )
    date, bad_date = parse_date(raw["date4sign"])
    for mask, col in ((bad_area, "area"), (bad_price, "price"), (bad_date, "date4sign")):
        for i in np.flatnonzero(mask):
            findings.append(
                Finding(
                    "error",
                    "bad_value",
                    f"{col} 无法解析",
                    file,
                    int(rows[i]),
                    col,
                    raw[col].iat[i],
                )
            )
    supply = raw["supply"].fillna("").astype("str").str.strip()
    method = supply.map(LANDCHINA_SUPPLY)
    for i in np.flatnonzero(method.isna().to_numpy() & (supply != "").to_numpy()):
        findings.append(
            Finding(
                "error",
                "bad_choice",
                f"未知的供地方式;可用:{'、'.join(LANDCHINA_SUPPLY)}",
                file,
                int(rows[i]),
                "supply",
                supply.iat[i],
            )
        )
    if findings:
        raise DataError(findings)
    use = raw["use"].map(_landchina_use).astype("str")
    public = use.isin(("道路", "绿地", "水域")).to_numpy()
    n = len(raw)

    def text(col):
        if col not in raw:
            return pd.Series([pd.NA] * n, dtype="str")
        s = raw[col].astype("str").str.strip()
        return s.where(s != "", pd.NA).astype("str")

    holder = text("holder")
    transferee = holder.where(holder.notna(), text("name"))
    started = text("time4commencement_reality").notna().to_numpy()
    finished = text("time4completion_reality").notna().to_numpy()
    construction = np.where(finished, "已建成", np.where(started, "在建", "未建"))
    na_str = pd.Series([pd.NA] * n, dtype="str")
    nat = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    out = pd.DataFrame(
        {
            "park_id": pd.Series([park_id] * n, dtype="str"),
            "parcel_id": text("idnumber"),
            "phase_id": pd.Series([phase_id] * n, dtype="str"),
            "planned_use": use,
            "current_use": na_str,
            "approval_status": pd.Series(["已报批"] * n, dtype="str"),
            "approval_date": nat,
            "supply_status": pd.Series(np.where(public, "未供", "已供"), dtype="str"),
            "supply_method": method.where(~public, pd.NA).astype("str"),
            "supply_date": date.where(~public, pd.NaT).reset_index(drop=True),
            "transferee": transferee,
            "project_id": na_str,
            "resettlement_status": na_str,
            "resettlement_date": nat,
            "construction_status": pd.Series(construction, dtype="str"),
            "floor_area_m2": np.full(n, np.nan),
            "footprint_m2": np.full(n, np.nan),
            "investment_wan_yuan": np.full(n, np.nan),
            "price_wan_yuan": price,
            "area_mu": to_mu(area_ha, "公顷"),
        }
    )
    return out[_canonical_columns("parcels")]


def import_tbhb(
    csv_path: str | os.PathLike,
    *,
    park_id: str = "CN",
    indicator_id: str = "above_size_profit",
    source: str = "国家统计局(经 Wind,common2016/TBHB)",
) -> pd.DataFrame:
    """Read published national 1-N月 profit figures into the canonical published frame.

    One row per published month: ``period`` is the 1-N月 cumulative period (the February row
    is 1-2月; there is no January row), ``value`` the cumulative level exactly as published
    (亿元, ``unit = "亿元"``) and ``yoy_pct`` the official 累计同比 (``cumTB``) exactly as
    published — never recomputed from the levels (the official rate is on a 同口径 basis).

    Parameters
    ----------
    csv_path : str or PathLike
        ``tbhb_profit_2012_2019.csv`` (columns ``date, yr, mon, cumValue, cumTB, value, TB``).
    park_id : str, default "CN"
        Code under which the national figures are stored.
    indicator_id : str, default "above_size_profit"
        Indicator id of the rows.
    source : str
        Text of the ``source`` column.

    Returns
    -------
    DataFrame
        Columns ``park_id, indicator_id, period, value, unit, yoy_pct, source``.
    """
    from parkanalysis.periods import Period

    path = Path(csv_path)
    raw = _read_text_csv(path)
    missing = [c for c in ("yr", "mon", "cumValue", "cumTB") if c not in raw.columns]
    if missing:
        raise DataError(
            [Finding("error", "missing_column", f"缺少列 {c}", path.name, 1, c) for c in missing]
        )
    year, bad_y = parse_finite(raw["yr"])
    month, bad_m = parse_finite(raw["mon"])
    value, bad_v = parse_finite(raw["cumValue"])
    yoy, bad_t = parse_finite(raw["cumTB"])
    bad = bad_y | bad_m | bad_v | bad_t | np.isnan(year) | np.isnan(month)
    if bad.any():
        raise DataError(
            [
                Finding("error", "bad_value", "年份、月份或数值无法解析", path.name, int(i) + 2)
                for i in np.flatnonzero(bad)
            ]
        )
    periods = [str(Period.of_cumulative(int(y), int(m))) for y, m in zip(year, month, strict=True)]
    n = len(raw)
    return pd.DataFrame(
        {
            "park_id": pd.Series([park_id] * n, dtype="str"),
            "indicator_id": pd.Series([indicator_id] * n, dtype="str"),
            "period": pd.Series(periods, dtype="str"),
            "value": value,
            "unit": pd.Series(["亿元"] * n, dtype="str"),
            "yoy_pct": yoy,
            "source": pd.Series([source] * n, dtype="str"),
        }
    )


def _read_text_csv(path: Path) -> pd.DataFrame:
    """Read a small public CSV as text (UTF-8, UTF-8-BOM or GB18030); raw file untouched."""
    with path.open("rb") as fh:
        data = fh.read()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(Finding("error", "unreadable_file", "无法识别文件编码", path.name))
    import io

    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _canonical_columns(table: str) -> list[str]:
    cols: list[str] = []
    for c in TABLES[table].columns:
        if c.kind == MONTH:
            cols += ["year", "month"]
        elif c.name in AREA_COLUMNS:
            cols.append(AREA_COLUMNS[c.name][1])
        elif any(c.name == u for u, _ in AREA_COLUMNS.values()):
            continue
        else:
            cols.append(c.name)
    # area_mu sits where area was; keep the order of Dataset.parcels (area_mu appended last)
    for _, out in AREA_COLUMNS.values():
        if out in cols:
            cols.remove(out)
            cols.append(out)
    return cols


# -- writing a dataset folder -----------------------------------------------------------------

_UNIT_TEXT = {MONEY: "万元", AREA_M2: "平方米", PEOPLE: "人"}
_TABLE_OF_FRAME = {"monthly": "monthly_stats"}


def write_dataset(
    folder: str | os.PathLike,
    tables: dict[str, pd.DataFrame],
    *,
    profile: dict,
    overwrite: bool = False,
) -> Path:
    """Write canonical frames as a dataset folder (UTF-8 CSV, Chinese headers with units).

    Parameters
    ----------
    folder : str or PathLike
        Target folder; created if needed.
    tables : dict
        Table or frame name (``"parcels"``, ``"monthly"`` or ``"monthly_stats"``, …) → frame
        with the internal column names (as in :class:`~parkanalysis.dataset.Dataset`).
    profile : dict
        Content of ``park.yaml`` (``{"schema_version": 1, "parks": [...], "config": {...}}``).
    overwrite : bool, default False
        Replace existing files of the same names; otherwise refuse a non-empty folder.

    Returns
    -------
    Path
        The folder, ready for :func:`~parkanalysis.dataset.load_dataset`.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    if not overwrite and any(root.iterdir()):
        raise ParameterError(f"目录 {root} 不为空;请换一个空目录,或传 overwrite=True")
    text = yaml.safe_dump(profile, allow_unicode=True, sort_keys=False)
    (root / "park.yaml").write_text(text, encoding="utf-8")
    for name, frame in tables.items():
        table = _TABLE_OF_FRAME.get(name, name)
        if table not in TABLES:
            raise ParameterError(f"未知的表 {name!r};可用:{'、'.join(TABLES)}")
        _to_file_frame(table, frame).to_csv(root / f"{table}.csv", index=False, encoding="utf-8")
    return root


def _to_file_frame(table: str, df: pd.DataFrame) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    n = len(df)
    for c in TABLES[table].columns:
        if c.kind == MONTH:
            if "year" in df and "month" in df:
                out[c.zh] = (
                    df["year"]
                    .astype("int64")
                    .astype("str")
                    .str.cat(df["month"].astype("int64").map("{:02d}".format), sep="-")
                )
            continue
        if c.name in AREA_COLUMNS:
            src = AREA_COLUMNS[c.name][1]
            if src in df:
                out[f"{c.zh}(亩)"] = df[src]
            continue
        if any(c.name == u for u, _ in AREA_COLUMNS.values()) or c.name not in df:
            continue
        s = df[c.name]
        header = f"{c.zh}({_UNIT_TEXT[c.unit]})" if c.unit in _UNIT_TEXT else c.zh
        if c.kind == DATE:
            s = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif c.kind == BOOL:
            s = s.map({True: "是", False: "否"})
        elif c.kind == LIST:
            s = s.map(lambda v: ";".join(v) if isinstance(v, tuple | list) else "")
        elif c.kind in (FLOAT, INT) and c.unit != AREA:
            s = pd.Series(s.to_numpy(dtype="float64", na_value=np.nan))
            if c.kind == INT:
                s = s.astype("Int64")
        out[header] = s.reset_index(drop=True) if len(s) == n else s
    return pd.DataFrame(out)


def landchina_dataset(
    csv_path: str | os.PathLike,
    folder: str | os.PathLike,
    *,
    park_id: str = "LC",
    phase_id: str = "P1",
    name: str = "土地市场网供地样本",
) -> Path:
    """Write a minimal loadable dataset around imported landchina parcels.

    The folder gets ``park.yaml`` (one park, one phase whose declared total is the ledger sum),
    ``parcels.csv`` and header-only ``enterprises.csv`` / ``monthly_stats.csv``.

    Returns
    -------
    Path
        The folder; ``load_dataset(folder)`` then gives the parcels as ``ds.parcels``.
    """
    parcels = import_landchina(csv_path, park_id=park_id, phase_id=phase_id)
    total = float(parcels["area_mu"].sum())
    profile = {
        "schema_version": 1,
        "parks": [
            {
                "park_id": park_id,
                "name": name,
                "phases": [
                    {
                        "phase_id": phase_id,
                        "name": phase_id,
                        "unit": "亩",
                        "declared": {"total": round(total, 4)},
                    }
                ],
            }
        ],
    }
    empty_ent = pd.DataFrame(
        {c: [] for c in ("park_id", "enterprise_id", "name", "kind", "entry_date")}
    )
    empty_monthly = pd.DataFrame({c: [] for c in ("park_id", "enterprise_id", "year", "month")})
    return write_dataset(
        folder,
        {"enterprises": empty_ent, "monthly": empty_monthly, "parcels": parcels},
        profile=profile,
    )
