"""Office words for the values of choice columns, and the value maps of ``sources:``.

Offices write 征迁完成 where the contract says 已完成, 在营 / 迁出 for an enterprise's state,
√ for 是. ``parkanalysis init`` drafts a **value map** for every choice column whose values
are not all the contract's (:func:`draft_value_map`, from :data:`OFFICE_WORDS`), writes it
under the file's ``values:`` in park.yaml, and prints it; the user may edit it. On every load
the map of ``sources:`` is applied to the cells before parsing (:func:`apply_value_map`), so
a word nobody mapped is still refused cell by cell (``bad_choice``) — the map is the user's
statement, not a guess made silently at each load.

Definitions:

- A cell is compared by its text after NFKC and without blanks (``征迁 完成`` = ``征迁完成``).
- :data:`OFFICE_WORDS` lists, per field, office words → the contract's value; a value the
  contract already accepts (also through :func:`~._parse.normalize_choice`, e.g. 工业用地 →
  工业) needs no entry and is left out of the drafted map.
- The enterprise's state (企业状态: ``status``, choices :data:`STATUS_CHOICES`) is read from the
  register: 迁出 / 注销 with a date in 退出日期 is the exit; without a date it is a
  ``missing_value`` warning (the enterprise is counted as present until a date is given).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

#: The register's 企业状态 values (after the value map).
STATUS_CHOICES = ("在营", "停产", "迁出", "注销")
#: States that end an enterprise's stay in the park.
EXIT_STATES = ("迁出", "注销")
#: Headers of the register read as 企业状态.
STATUS_HEADERS = ("企业状态", "经营状态", "状态", "在营状态")

#: field → office word → the contract's value.
OFFICE_WORDS: dict[str, dict[str, str]] = {
    "resettlement_status": {
        "征迁完成": "已完成",
        "完成": "已完成",
        "已征迁": "已完成",
        "已征收": "已完成",
        "征迁中": "进行中",
        "正在征迁": "进行中",
        "征收中": "进行中",
        "未征迁": "未启动",
        "未开始": "未启动",
        "未征收": "未启动",
        "无": "不涉及",
        "无需征迁": "不涉及",
        "不需征迁": "不涉及",
    },
    "supply_status": {
        "已供地": "已供",
        "已出让": "已供",
        "已划拨": "已供",
        "已供应": "已供",
        "未供地": "未供",
        "未出让": "未供",
        "未供应": "未供",
    },
    "approval_status": {"已批": "已报批", "已批准": "已报批", "未批": "未报批", "待报批": "未报批"},
    "construction_status": {
        "已建": "已建成",
        "建成": "已建成",
        "竣工": "已建成",
        "已竣工": "已建成",
        "正在建设": "在建",
        "建设中": "在建",
        "未开工": "未建",
        "空地": "未建",
        "停工": "闲置",
    },
    "kind": {"工业企业": "工业", "商贸企业": "商贸", "商贸业": "商贸", "服务": "服务业"},
    "status": {
        "正常": "在营",
        "营业": "在营",
        "存续": "在营",
        "在园": "在营",
        "生产": "在营",
        "正常生产": "在营",
        "停业": "停产",
        "半停产": "停产",
        "已迁出": "迁出",
        "搬迁": "迁出",
        "退园": "迁出",
        "已注销": "注销",
        "关闭": "注销",
        "已关闭": "注销",
        "吊销": "注销",
    },
}


def key(value: object) -> str:
    """A cell's text as compared: NFKC, no blanks.

    >>> key(" 征迁 完成 "), key(None)
    ('征迁完成', '')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def draft_value_map(fld: str, values, choices: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The value map ``init`` drafts for a choice column: ``(map, words it cannot place)``.

    >>> draft_value_map("resettlement_status", ["征迁完成", "已完成", "征迁中", "搬走了", None],
    ...                 ("不涉及", "未启动", "进行中", "已完成"))
    ({'征迁完成': '已完成', '征迁中': '进行中'}, ['搬走了'])
    """
    from parkanalysis.dataset._parse import normalize_choice

    words = OFFICE_WORDS.get(fld, {})
    out: dict[str, str] = {}
    unplaced: list[str] = []
    for v in dict.fromkeys(key(v) for v in values):
        if not v or normalize_choice(v, choices) is not None:
            continue
        if v in words:
            out[v] = words[v]
        elif v not in unplaced:
            unplaced.append(v)
    return out, unplaced


def apply_value_map(series: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """``series`` with each cell the map names replaced (compared by :func:`key`).

    >>> apply_value_map(pd.Series(["征迁完成", "已完成", None]), {"征迁完成": "已完成"}).tolist()
    ['已完成', '已完成', None]
    """
    table = {key(k): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    mapped = np.array([table.get(key(u), u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=object)
