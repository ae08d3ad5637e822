"""Tables for people in a notebook: Chinese headers, numbers by unit, sortable and filterable.

:func:`zh` wraps any table of the package in a :class:`ZhTable`: the frame itself is kept
(``.frame``, internal names for code); what is *shown* has the Chinese headers of the table
it came from (:func:`parkanalysis.labels.with_labels`) and numbers formatted by unit
(:func:`parkanalysis.labels.format_value`: 万元 1 decimal, 万元/亩 2, % 1, counts 0, 「—」 for
missing). In a table with a ``unit`` column (indicator tables) the numbers of a row follow
that row's unit. A column of unknown unit whose numbers are all whole (counts from a
``groupby``, a pivot) shows them as integers (``232``, not ``232.0``).

A derived table keeps what its index says: a named index, a text or date index, or a
MultiIndex (``groupby`` keys, ``set_index("division_name")``) is shown as leading columns
(:func:`with_index`); an unnamed integer index (row numbers, left by filtering) is not. A
Series is shown as a one-column table.

The HTML is self-contained — a ``<table>`` with a filter box and clickable headers whose
behaviour is a few lines of inline JavaScript in ``oninput``/``onclick`` attributes — so it
sorts and filters offline, in JupyterLab and in HTML exported by nbconvert, with no script
to load from anywhere. Where scripts do not run (an untrusted notebook) it is still a plain,
readable table.
"""

from __future__ import annotations

import html
import itertools
import os
from pathlib import Path
from typing import Any

import pandas as pd

from parkanalysis.labels import (
    TABLE_ATTR,
    cell_units,
    format_value,
    infer_table,
    labels_for,
    with_labels,
)

__all__ = ["ZhTable", "format_frame", "to_excel", "with_index", "zh"]

#: Internal columns not shown (the package's plumbing); still in ``.frame``.
HIDDEN_COLUMNS = ("parcel_ids",)
_PLAIN_INT = ("year", "month", "rank", "horizon_years", "p10", "p50", "p90")
_COUNTER = itertools.count(1)

_SORT_JS = (
    "var th=this,t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,"
    "d=th.getAttribute('data-d')==='a'?'d':'a';th.setAttribute('data-d',d);"
    "[].forEach.call(t.tHead.rows[0].cells,function(c){if(c!==th)c.removeAttribute('data-d')});"
    "var r=[].slice.call(b.rows);r.sort(function(x,y){"
    "var p=x.cells[i].getAttribute('data-v'),q=y.cells[i].getAttribute('data-v');"
    "if(p===q)return 0;if(p==='')return 1;if(q==='')return -1;"
    "var a=parseFloat(p),c=parseFloat(q),s=(isNaN(a)||isNaN(c))?p.localeCompare(q,'zh'):a-c;"
    "return d==='a'?s:-s});r.forEach(function(x){b.appendChild(x)})"
)
_FILTER_JS = (
    "var q=this.value.toLowerCase(),t=this.parentNode.querySelector('table');"
    "[].forEach.call(t.tBodies[0].rows,function(r){"
    "r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none'})"
)
_CSS = """<style>
.pa-zh{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif}
.pa-zh .pa-cap{font-weight:600;margin:2px 0 4px}
.pa-zh .pa-filter{margin:2px 0 6px;padding:2px 6px;width:16em;font-size:12px}
.pa-zh table{border-collapse:collapse;font-size:12px}
.pa-zh th{white-space:nowrap;cursor:pointer;background:#f3f5f8;padding:3px 8px;
  border-bottom:1px solid #c8ccd2;text-align:center}
.pa-zh th[data-d=a]::after{content:" ▲"}.pa-zh th[data-d=d]::after{content:" ▼"}
.pa-zh td{padding:2px 8px;border-bottom:1px solid #eceef1;text-align:right;white-space:nowrap}
.pa-zh td.t{text-align:left;max-width:32em;overflow:hidden;text-overflow:ellipsis}
.pa-zh .pa-note{color:#57606a;font-size:11px;margin-top:4px}
</style>"""


def _meta(frame: pd.DataFrame) -> dict[str, Any]:
    meta = frame.attrs.get(TABLE_ATTR)
    return meta if isinstance(meta, dict) else {}


def _is_missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _cell(value: Any, column: Any, unit: str | None) -> str:
    if _is_missing(value):
        return "—"
    if column in _PLAIN_INT and isinstance(value, int | float) and float(value).is_integer():
        return str(int(value))
    return format_value(value, unit)


def with_index(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """The frame with a meaningful index as its leading columns (see the module docstring).

    Examples
    --------
    >>> t = pd.DataFrame({"division_name": ["家具制造业", "批发业"], "n": [3.0, 232.0]})
    >>> with_index(t.set_index("division_name")).columns.tolist()
    ['division_name', 'n']
    >>> with_index(t[t["n"] > 10]).columns.tolist()  # row numbers are not kept
    ['division_name', 'n']
    >>> with_index(t.set_index("division_name")["n"]).columns.tolist()
    ['division_name', 'n']
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name="value" if frame.name is None else frame.name)
    index = frame.index
    unnamed = all(n is None for n in index.names)
    if index.nlevels == 1 and unnamed and pd.api.types.is_integer_dtype(index.dtype):
        return frame
    names = [
        n if n is not None else ("项目" if index.nlevels == 1 else f"项目{i + 1}")
        for i, n in enumerate(index.names)
    ]
    taken = set(map(str, frame.columns))
    names = [f"{n}(索引)" if str(n) in taken else n for n in names]
    out = frame.set_axis(index.set_names(names), axis=0).reset_index()
    out.attrs = dict(frame.attrs)
    return out


def _whole(values: list, unit: str | None) -> bool:
    """A column of unknown unit whose numbers are all whole (shown as integers)."""
    if unit is not None:
        return False
    numbers = [v for v in values if isinstance(v, float) and not _is_missing(v)]
    return bool(numbers) and all(
        v == v and abs(v) != float("inf") and float(v).is_integer() for v in numbers
    )


def format_frame(frame: pd.DataFrame, *, table: str | None = None) -> pd.DataFrame:
    """Return ``frame`` as strings: Chinese headers, numbers by unit, 「—」 for missing.

    Examples
    --------
    >>> t = pd.DataFrame({"id": ["tax_revenue", "tax_per_mu"], "name": ["税收", "亩均税收"],
    ...                   "value": [3126.04, 0.4024], "unit": ["万元", "万元/亩"],
    ...                   "yoy_pct": [12.345, None]})
    >>> format_frame(t).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'指标代码': ['tax_revenue', 'tax_per_mu'], '指标': ['税收', '亩均税收'],
     '数值': ['3,126.0', '0.40'], '单位': ['万元', '万元/亩'], '同比(%)': ['12.3', '—']}
    """
    labels = labels_for(frame, table=table)
    shown = {}
    for column in frame.columns:
        if column in HIDDEN_COLUMNS:
            continue
        units = cell_units(frame, column, labels=labels)
        values = frame[column].tolist()
        if pd.api.types.is_float_dtype(frame[column]) and _whole(
            values, units[0] if units else None
        ):
            units = ["个"] * len(values)  # whole numbers of unknown unit: no decimals
        shown[column] = [_cell(v, column, u) for v, u in zip(values, units, strict=True)]
    out = pd.DataFrame(shown, index=frame.index, dtype=object)
    out.attrs = {}
    return with_labels(out.set_axis(list(shown), axis=1), extra=labels)


def _sort_key(value: Any) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(float(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y%m%d")
    return str(value)


class ZhTable:
    """A package table shown with Chinese headers; the frame (internal names) is ``.frame``.

    Parameters
    ----------
    frame : DataFrame
    table : str, optional
        The table it came from (default: ``frame.attrs`` or its columns decide).
    caption : str, optional
    max_rows : int, default 500
        Rows shown in HTML (the rest are counted in a note, never silently dropped).
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        table: str | None = None,
        caption: str | None = None,
        max_rows: int = 500,
    ):
        self.frame = frame.to_frame() if isinstance(frame, pd.Series) else frame
        #: what is shown: ``frame`` with a meaningful index as leading columns
        self.shown = with_index(frame)
        self.table = table or infer_table(self.shown)
        self.caption = caption or _meta(self.shown).get("caption")
        self.max_rows = max_rows

    def labelled(self) -> pd.DataFrame:
        """The frame's values with Chinese headers (numbers not rounded)."""
        return with_labels(self.shown, table=self.table)

    def formatted(self) -> pd.DataFrame:
        """The frame as shown: Chinese headers, formatted strings."""
        return format_frame(self.shown, table=self.table)

    def __repr__(self) -> str:
        parts = [self.caption, self.formatted().to_string(index=False)]
        parts.append(_meta(self.shown).get("note"))
        return "\n".join(str(p) for p in parts if p)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self) -> str:
        """Self-contained sortable, filterable HTML (see the module docstring)."""
        frame = self.shown
        shown = self.formatted()
        n = len(frame)
        head = frame.iloc[: self.max_rows]
        cells = shown.iloc[: self.max_rows]
        text_cols = [
            i
            for i, c in enumerate(c for c in frame.columns if c not in HIDDEN_COLUMNS)
            if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
        ]
        raw_columns = [c for c in frame.columns if c not in HIDDEN_COLUMNS]
        uid = f"pa-zh-{next(_COUNTER)}"
        parts = [_CSS, f'<div class="pa-zh" id="{uid}">']
        if self.caption:
            parts.append(f'<div class="pa-cap">{html.escape(str(self.caption))}</div>')
        if n > 5:
            parts.append(
                '<input class="pa-filter" type="search" placeholder="筛选…" '
                f'oninput="{html.escape(_FILTER_JS, quote=True)}">'
            )
        parts.append("<table><thead><tr>")
        onclick = html.escape(_SORT_JS, quote=True)
        for header in shown.columns:
            parts.append(
                f'<th title="点击排序" onclick="{onclick}">{html.escape(str(header))}</th>'
            )
        parts.append("</tr></thead><tbody>")
        raw = head[raw_columns].itertuples(index=False, name=None)
        for values, texts in zip(raw, cells.itertuples(index=False, name=None), strict=True):
            parts.append("<tr>")
            for i, (v, s) in enumerate(zip(values, texts, strict=True)):
                cls = ' class="t"' if i in text_cols else ""
                parts.append(
                    f'<td{cls} data-v="{html.escape(_sort_key(v), quote=True)}">'
                    f"{html.escape(str(s))}</td>"
                )
            parts.append("</tr>")
        parts.append("</tbody></table>")
        notes = []
        if n > self.max_rows:
            notes.append(f"共 {n} 行,显示前 {self.max_rows} 行(完整数据见 .frame)。")
        if _meta(frame).get("note"):
            notes.append(str(_meta(frame)["note"]))
        for note in notes:
            parts.append(f'<div class="pa-note">{html.escape(note)}</div>')
        parts.append("</div>")
        return "".join(parts)


def zh(frame: pd.DataFrame, *, table: str | None = None, caption: str | None = None) -> ZhTable:
    """Show a package table with Chinese headers and numbers by unit (one call).

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> from parkanalysis.indicators import indicator_table
    >>> t = zh(indicator_table(load_dataset("data/sample"), "2016年1-5月"))
    >>> shown = t.formatted().set_index("指标代码")
    >>> shown.loc["tax_revenue", "数值"], shown.loc["tax_per_mu", "数值"]
    ('3,126.0', '1.71')
    >>> shown.loc["above_size_enterprises", "数值"], list(t.frame.columns[:3])
    ('11', ['id', 'name', 'value'])
    """
    return ZhTable(frame, table=table, caption=caption)


def to_excel(tables: Any, path: str | os.PathLike, *, sheet: str | None = None) -> Path:
    """Write one table (or ``{sheet name: table}``) to an XLSX file; return its path.

    Each sheet is what :func:`zh` shows: Chinese headers, a meaningful index as columns,
    numbers stored as numbers with the decimals of their unit (万元 1, 万元/亩 2, % 1, counts
    as integers) — :func:`parkanalysis.labels.to_excel_bytes`, which never writes a formula
    (text from the data that starts like one is stored as text). The file is written
    atomically (a failed write leaves no half-written file).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from parkanalysis.dataset import load_dataset
    >>> from parkanalysis.indicators import indicator_table
    >>> t = indicator_table(load_dataset("data/sample"), "2016年1-5月")
    >>> path = to_excel(t, tempfile.mkdtemp() + "/指标.xlsx")
    >>> ws = openpyxl.load_workbook(path).active
    >>> ws["A1"].value, ws.title
    ('指标代码', '结果')
    """
    from parkanalysis._io import atomic_write
    from parkanalysis.labels import to_excel_bytes

    if isinstance(tables, dict):
        named = dict(tables)
    else:
        named = {sheet or _meta(tables).get("caption") or "结果": tables}
    frames = {}
    for title, table in named.items():
        if isinstance(table, ZhTable):
            frame = table.shown
            if table.table and not _meta(frame).get("table"):
                frame = frame.copy()
                frame.attrs[TABLE_ATTR] = {**_meta(frame), "table": table.table}
        else:
            frame = with_index(table)
        frames[str(title)] = frame
    out = Path(path)
    atomic_write(out, to_excel_bytes(frames))
    return out


class ZhAccessor:
    """``df.pa``: ``df.pa.zh()`` shows the table in Chinese, ``df.pa.labelled()`` renames.

    Registered by ``%load_ext parkanalysis`` (:func:`register_accessor`), not at import.
    """

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame

    def zh(self, *, table: str | None = None, caption: str | None = None) -> ZhTable:
        """The frame as a :class:`ZhTable`."""
        return ZhTable(self._frame, table=table, caption=caption)

    def labelled(self, *, table: str | None = None) -> pd.DataFrame:
        """A copy with Chinese headers (values unchanged)."""
        return with_labels(self._frame, table=table)


def register_accessor() -> None:
    """Register ``DataFrame.pa`` (once)."""
    if "pa" not in getattr(pd.DataFrame, "_accessors", set()):
        pd.api.extensions.register_dataframe_accessor("pa")(ZhAccessor)


def is_package_table(frame: Any) -> bool:
    """Whether ``frame`` is one of the package's tables (tagged, or known by its columns)."""
    return isinstance(frame, pd.DataFrame) and infer_table(frame) is not None
