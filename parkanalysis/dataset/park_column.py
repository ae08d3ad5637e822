"""Which park each row of an office file belongs to (its 园区代码 column, or none).

Called by :func:`.office.adapt_raw` on a raw table before it is parsed:

- a park column may name parks (所属园区: 工贸园): park.yaml's park names are read as ids
  (:func:`names_to_ids`);
- statistics without a park column in a dataset of several parks are placed by the
  register: each enterprise's park is the register's, an enterprise registered in several
  parks cannot be placed (``unknown_reference``) (:func:`place_by_register`);
- a park column with **blank cells** (a row typed without its park, a copied block): in a
  dataset of one park the blank is that park; in statistics of several parks it is the
  register's park of the row's enterprise; either is said once per file (``filled_park``,
  info, naming the rows). A blank that cannot be placed is a ``missing_value`` error on
  that cell — not an enterprise "missing from the register" in every row of its
  statistics (:func:`fill_blank_cells`).

A row with nothing but a blank park is left alone (the parser drops empty rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.readers import RawTable
from parkanalysis.dataset.sources import norm

PARK_HEADER = "园区代码"


def _blank_cells(column: pd.Series) -> np.ndarray:
    """Which cells of a raw column are empty (None, NaN or only blanks), as a bool array.

    >>> _blank_cells(pd.Series([None, float("nan"), "  ", "GMY", 0], dtype=object)).tolist()
    [True, True, True, False, False]
    """
    empty = column.isna().to_numpy(dtype=bool)
    return empty | (column.astype(str).str.strip() == "").to_numpy(dtype=bool)


def _places(raw: RawTable, mask: np.ndarray, most: int = 5) -> str:
    """The rows of ``mask`` as the user finds them: 第3行、第6行, with the sheet (「1月」第3行)
    when the table was read from several sheets, the first ``most`` then 「等 N 行」."""
    idx = np.flatnonzero(mask)
    sheets = raw.row_sheets
    named = sheets is not None and len(sheets) == len(raw.rows) and not raw.rows_span_sheets
    parts = [
        (f"「{sheets[i]}」" if named and sheets[i] else "") + f"第{int(raw.rows[i])}行"
        for i in idx[:most]
    ]
    return "、".join(parts) + (f" 等 {len(idx)} 行" if len(idx) > most else "")


def names_to_ids(raw: RawTable, pos: int, park_names: dict[str, str]) -> None:
    """A park column naming parks (所属园区: 工贸园): the names of park.yaml read as ids."""
    cells = raw.data[pos].to_numpy(dtype=object)
    ids = [park_names.get(norm(v), v) if isinstance(v, str) else v for v in cells]
    if any(a is not b for a, b in zip(ids, cells, strict=True)):
        raw.rewritten.setdefault(pos, cells)
        raw.data[pos] = pd.Series(ids, index=raw.data.index, dtype=object)


def register_parks(register: pd.DataFrame) -> dict[str, set[str]]:
    """Each enterprise id of the register → the parks it is registered in (a register row
    without a park places nothing: it is a ``missing_value`` of the register).

    >>> reg = pd.DataFrame({"enterprise_id": ["A", "B", "B", "C"],
    ...                     "park_id": ["P", "P", "Q", None]})
    >>> sorted((e, sorted(p)) for e, p in register_parks(reg).items())
    [('A', ['P']), ('B', ['P', 'Q'])]
    """
    known = register.loc[register["park_id"].notna()]
    parks: dict[str, set[str]] = {}
    for e, p in zip(known["enterprise_id"].astype(str), known["park_id"].astype(str), strict=True):
        parks.setdefault(e, set()).add(p)
    return parks


def place_by_register(
    raw: RawTable, matched: dict[str, int], register: pd.DataFrame | None, findings: Findings
) -> None:
    """Statistics without a park column in a dataset of several parks: each enterprise's park
    is the register's (an enterprise id in several parks cannot be placed: reported)."""
    if register is None or "enterprise_id" not in matched:
        findings.add(
            "missing_column",
            "缺少「园区代码」列(数据有几个园区,且无法按企业名录确定每家企业的园区);"
            "请添加「所属园区」或「园区代码」列",
            file=raw.file,
            row=raw.header_row,
            column=PARK_HEADER,
        )
        return
    parks = register_parks(register)
    ids = raw.data[matched["enterprise_id"]].to_numpy(dtype=object)
    out = np.array(
        [next(iter(parks[str(e)])) if len(parks.get(str(e), ())) == 1 else None for e in ids],
        dtype=object,
    )
    raw.append_column(PARK_HEADER, out)
    twice = sorted({str(e) for e in ids if len(parks.get(str(e), ())) > 1})
    for e in twice:
        first = next(i for i, v in enumerate(ids) if str(v) == e)
        findings.add(
            "unknown_reference",
            f"企业「{e}」在企业名录中属于几个园区({'、'.join(sorted(parks[e]))}),"
            "统计表没有园区列,无法确定属于哪个园区;请在统计表中加一列「所属园区」",
            file=raw.file,
            row=int(raw.rows[first]),
            column=raw.headers[matched["enterprise_id"]],
            value=e,
            at=first,
            rows=raw.rows,
        )


def fill_blank_cells(
    raw: RawTable,
    matched: dict[str, int],
    findings: Findings,
    *,
    single_park: str | None,
    register: pd.DataFrame | None = None,
) -> None:
    """Blank cells of the park column: the dataset's one park, else (``register`` given:
    statistics) the register's park of the row's enterprise; see the module docstring."""
    pos = matched["park_id"]
    cells = raw.data[pos].to_numpy(dtype=object)
    blank = _blank_cells(raw.data[pos])
    if not blank.any():
        return
    others = np.zeros(len(cells), dtype=bool)
    for i, column in raw.data.items():
        if i != pos:
            others |= ~_blank_cells(column)
    blank &= others
    if not blank.any():
        return
    filled = cells.copy()
    if single_park is not None:
        filled[blank] = single_park
        how = f"数据只有一个园区,按园区 {single_park} 读入"
    elif register is not None and "enterprise_id" in matched:
        parks = register_parks(register)
        ids = raw.data[matched["enterprise_id"]].to_numpy(dtype=object)
        for i in np.flatnonzero(blank):
            found = parks.get(str(ids[i]), set())
            if len(found) == 1:
                filled[i] = next(iter(found))
        how = "按企业名录中该企业所属园区读入"
    else:
        return  # a required column (the register, the ledger): its parser says missing_value
    placed = blank & ~_blank_cells(pd.Series(filled, dtype=object))
    header = raw.headers[pos]
    if placed.any():
        raw.rewritten.setdefault(pos, cells)
        raw.data[pos] = pd.Series(filled, index=raw.data.index, dtype=object)
        shown = _places(raw, placed)
        findings.add(
            "filled_park",
            f"「{header}」为空的{shown}:{how};如不是这个园区,请填写",
            file=raw.file,
            row=int(raw.rows[placed][0]),
            column=header,
            severity="info",
        )
    unplaced = blank & ~placed
    if unplaced.any():
        findings.add_mask(
            "missing_value",
            unplaced,
            file=raw.file,
            rows=raw.rows,
            column=header,
            values=None,
            message="「园区代码」为空,企业名录也无法确定该企业属于哪个园区(未登记或登记在几个"
            "园区);请填写园区",
        )
