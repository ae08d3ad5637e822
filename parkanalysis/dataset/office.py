"""Reading the layouts park offices keep, and saying what was not read.

Between reading a file (:mod:`.readers`) and parsing it (:mod:`.tables`), a raw table is
brought to the dataset's contract without modifying the file:

- the ``sources:`` mapping of park.yaml (:mod:`.sources`) adds the file's own headers as
  accepted spellings of their fields;
- 园区代码 may be absent when the dataset holds one park (the park's id is used);
- statistics may identify enterprises by **name** (企业名称/单位名称) instead of a code: names
  are matched to the register after NFKC normalisation and removal of blanks; a name found
  nowhere, or in several enterprises, is an ``unknown_enterprise`` error naming the nearest
  register names (:func:`difflib.get_close_matches`);
- statistical periods as the statistics bureau writes them — ``2016年1-5月``, ``1-5月`` with a
  年份 column, ``1-2月`` — stand for the period's last month of a 1-N月累计 table;
- the register may lack 企业代码 (统一社会信用代码 is used, else the name), 入园日期 (投产日期
  is used, with a warning) and 企业类型 (工业 is assumed, with a warning); its 是/否 columns
  ``规模以上(2016)``/``规上2016年`` give 规上 membership by year, which is authoritative over
  the revenue threshold (:func:`merge_register_flags`); a ``是否规上`` column naming no year
  gives the membership of the statistics' latest year (the register is the current one;
  earlier years are derived from the threshold: :func:`resolve_flag_years`);
- which park a row belongs to (:mod:`.park_column`): a park column may name parks (所属园区:
  工贸园), read as ids; statistics without a park column in a dataset of several parks are
  placed by the register; blank park cells are the one park, or the register's (info
  ``filled_park``); a name is looked up in the row's park when the statistics have a park
  column;
- ``values:`` maps of ``sources:`` are applied to the cells first (:mod:`.words`); what the
  data implies instead of absent columns (industry names, 企业状态, a ledger's 期别 / 供应状态 /
  报批状态) is read by :mod:`.implied`; an empty header over data names its column letter
  and neighbours;
- every header that names no field and is not listed as ignored in ``sources:`` is an
  ``unknown_column`` warning 「未识别的列『X』,已忽略;是否指『Y』?」 (an error with
  ``strict``); every file of the folder is read as a table or is an ``unrecognised_file``
  warning.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from parkanalysis.dataset import _parse as P
from parkanalysis.dataset import implied, park_column, words
from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.readers import RawTable, header_lookup, match_header
from parkanalysis.dataset.schema import (
    INT,
    NAME_ALIASES,
    STR,
    TABLES,
    ColumnSpec,
    TableSpec,
)
from parkanalysis.dataset.sources import Source, norm
from parkanalysis.units import split_header_unit

#: Headers that only number the rows; never reported as unknown.
ROW_NUMBER_HEADERS = ("序号", "行号", "编号(序号)")

_ABOVE_SIZE_HEADER = re.compile(
    r"^(?:是否)?(?:规模以上|规上)(?:工业)?(?:企业)?\(?(\d{4})年?\)?$|^(\d{4})年?(?:是否)?(?:规模以上|规上)"
)
_FLAG_HEADER = re.compile(r"^(?:是否)?(?:规模以上|规上)(?:工业)?(?:企业)?$")
#: The year of a register's 规上 flag that names none: the statistics' latest year.
LATEST_YEAR = 0
_CUMULATIVE_LABEL = re.compile(r"^(?:(\d{4})年)?(\d{1,2})[-－—~～至](\d{1,2})月(?:累计)?$")
_STATS = ("monthly_stats", "cumulative_stats")


@dataclass
class Context:
    """What adapting a file needs from the rest of the dataset."""

    sources: dict[str, Source]
    park_ids: tuple[str, ...] = ()
    strict: bool = False
    #: park names of park.yaml (compared by :func:`.sources.norm`) → park id
    park_names: dict[str, str] = field(default_factory=dict)
    #: park id → its phase ids (park.yaml)
    phases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: statistics table → its further files (one table kept in several files, by ``sources:``)
    more_files: dict[str, list[Path]] = field(default_factory=dict)
    #: filled while reading: the parsed register (for names → ids)
    register: pd.DataFrame | None = None
    register_file: str | None = None
    #: 规上 flags of the register: DataFrame park_id, enterprise_id, year, above_size
    flags: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)
    #: the register's 统一社会信用代码 when it also has 企业代码 (raw, then code → id)
    credit_codes: np.ndarray | None = None
    credit: dict[str, str] = field(default_factory=dict)

    @property
    def single_park(self) -> str | None:
        """The park id when the profile declares exactly one park."""
        return self.park_ids[0] if len(self.park_ids) == 1 else None


def above_size_year(header: str) -> int | None:
    """The year of a register's 规上 column (``规模以上(2016)``, ``2016年规上``), else None.

    >>> [above_size_year(h) for h in ("规模以上(2016)", "规上（2015年）", "2016年是否规上", "规上")]
    [2016, 2015, 2016, None]
    """
    m = _ABOVE_SIZE_HEADER.match(norm(header))
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def is_flag_header(header: str) -> bool:
    """Whether ``header`` is a register's 规上 flag naming no year (``是否规上``).

    >>> [is_flag_header(h) for h in ("是否规上", "规模以上企业", "规上(2016)", "规上产值")]
    [True, True, False, False]
    """
    return bool(_FLAG_HEADER.match(norm(header)))


def _alias_of(header: str) -> str:
    """The spelling a mapped header adds: without its unit when the brackets hold a unit
    (``面积(公顷)`` → ``面积``, so 公顷 is still read), else as written (``总产值(现价)``).

    >>> _alias_of("面积(公顷)"), _alias_of("工业总产值(现价)"), _alias_of("从业人员期末人数(人)")
    ('面积', '工业总产值(现价)', '从业人员期末人数')
    """
    text = P.normalize_header(header)
    name, unit = split_header_unit(text)
    if name == text or unit is None:
        return text
    if unit in ("人", "人数", "%") or _is_unit(unit):
        return name
    return text


def _is_unit(unit: str) -> bool:
    from parkanalysis.units import parse_unit

    try:
        parse_unit(unit)
    except Exception:
        return False
    return True


def spec_for(table: str, ctx: Context, source: Source | None) -> TableSpec:
    """The table's spec as this file is read: its own headers accepted, office relaxations."""
    base = TABLES[table]
    cols: list[ColumnSpec] = []
    for c in base.columns:
        changes: dict = {}
        if c.name == "park_id" and (ctx.single_park is not None or table in _STATS):
            changes["optional"] = True  # one park; statistics: placed by the register
        if table == "parcels" and c.name in ("phase_id", "approval_status", "supply_status"):
            changes["optional"] = True  # implied by the ledger (adapt_raw), else reported there
        if c.name == "enterprise_id" and table in ("enterprises", *_STATS):
            changes["optional"] = True  # the name stands in (matched to the register)
        if table == "enterprises" and c.name in ("entry_date", "kind"):
            changes["optional"] = True  # filled by adapt_raw, or reported missing there
        cols.append(dataclasses.replace(c, **changes) if changes else c)
    if table in _STATS:
        cols.append(
            ColumnSpec(
                "enterprise_name",
                "企业名称",
                STR,
                optional=True,
                aliases=NAME_ALIASES,
            )
        )
        cols.append(
            ColumnSpec(
                "report_year",
                "年份",
                INT,
                optional=True,
                aliases=("统计年度", "年度", "报告年份"),
            )
        )
    overrides: list[tuple[str, str]] = []
    if source is not None:  # the file's own headers, as park.yaml's sources: maps them
        names = {c.name for c in cols}
        overrides += [(_alias_of(h), "") for h in source.ignored]
        overrides += [(_alias_of(h), f) for h, f in source.columns.items() if f in names]
    return dataclasses.replace(base, columns=tuple(cols), overrides=tuple(overrides))


# -- files ------------------------------------------------------------------------------------


def assign_files(
    folder: Path, found: dict[str, Path], ctx: Context, findings: Findings, suffixes
) -> dict[str, Path]:
    """Files of ``sources:`` take their table; other table files are reported if unused."""
    out = dict(found)
    superseded: set[str] = set()  # files reported as replaced, not as unrecognised
    for name, src in ctx.sources.items():
        prev = out.get(src.table)
        if prev is not None and prev.name != name and prev.name not in ctx.sources:
            findings.add(
                "duplicate_table",
                f"表「{TABLES[src.table].zh}」有两个文件({prev.name}、{name});"
                f"按 park.yaml 的 sources 读取 {name},{prev.name} 未读取",
                file=prev.name,
                severity="warning",
            )
            superseded.add(prev.name)
        elif prev is not None and prev.name != name and src.table in _STATS:
            ctx.more_files.setdefault(src.table, []).append(folder / name)
            continue  # one table kept in several files (a file per month or per year)
        elif prev is not None and prev.name != name:
            findings.add(
                "duplicate_table",
                f"sources 把 {prev.name} 和 {name} 都登记为表「{TABLES[src.table].zh}」;"
                "请只保留一个",
                file=name,
            )
            continue
        out[src.table] = folder / name
    if "monthly_stats" in out and "cumulative_stats" in out:
        listed = {s.table for s in ctx.sources.values()}
        drop = "monthly_stats" if "cumulative_stats" in listed else "cumulative_stats"
        findings.add(
            "duplicate_table",
            f"同时有企业月度统计和企业累计统计;按 park.yaml 的 sources 只读取 "
            f"{out['cumulative_stats' if drop == 'monthly_stats' else 'monthly_stats'].name},"
            f"{out[drop].name} 未读取",
            file=out[drop].name,
            severity="warning",
        )
        superseded.add(out.pop(drop).name)
    if ctx.sources:
        for table in ("enterprises", "parcels"):
            if table not in out:
                findings.add(
                    "missing_table",
                    f"缺少必需的表「{TABLES[table].zh}」;请在 park.yaml 的 sources 中登记它的文件",
                    file="park.yaml",
                )
        if not {"monthly_stats", "cumulative_stats"} & set(out):
            findings.add(
                "missing_table",
                "缺少企业统计表;请在 park.yaml 的 sources 中登记"
                "(monthly_stats 或 cumulative_stats)",
                file="park.yaml",
            )
    used = {p.name for p in out.values()} | superseded
    used |= {p.name for t, more in ctx.more_files.items() if t in out for p in more}
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "~$")) or p.suffix.lower() not in suffixes:
            continue
        if p.name not in used:
            findings.add(
                "unrecognised_file",
                f"文件「{p.name}」未识别为任何表,没有读取;如它是数据表,请运行 parkanalysis init "
                "或在 park.yaml 的 sources 中登记它",
                file=p.name,
                severity="warning",
            )
    # the register first: statistics keyed by name are matched against it
    order = ["enterprises", *[t for t in out if t != "enterprises"]]
    return {t: out[t] for t in order if t in out}


# -- raw tables -------------------------------------------------------------------------------


def _append(raw: RawTable, header: str, values) -> None:
    raw.append_column(header, values)


def adapt_raw(raw: RawTable, spec: TableSpec, ctx: Context, findings: Findings) -> RawTable:
    """Bring one raw table to the contract (see the module docstring); report unknown headers."""
    if not raw.headers:
        return raw
    lookup = header_lookup(spec)
    source = ctx.sources.get(raw.file)
    if source is not None and source.values:  # the office's words, as sources: maps them
        for i, h in enumerate(raw.headers):
            mapping = source.value_map(h)
            if mapping:
                raw.rewritten.setdefault(i, raw.data[i].to_numpy(dtype=object))
                raw.data[i] = words.apply_value_map(raw.data[i], mapping)
    matched: dict[str, int] = {}
    status: int | None = None
    flag_cols: list[tuple[int, int]] = []
    credit: int | None = None
    averages: list[int] = []
    for i, h in enumerate(raw.headers):
        m = match_header(h, lookup)
        if m is not None and m[0] == "enterprise_id" and "enterprise_id" in matched:
            # 企业代码 and 统一社会信用代码 both given: the first is the id, the other a credit code
            j = matched["enterprise_id"]
            credit = i if is_credit_header(h) or not is_credit_header(raw.headers[j]) else j
            matched["enterprise_id"] = j if credit == i else i
            continue
        if m is not None and m[0] == "employees" and "employees" in matched:
            # 从业人员期末人数 and 从业人员平均人数 both given: the stock is the month-end one
            j = matched["employees"]
            other = i if "期末" in raw.headers[j] or "平均" in h else j
            matched["employees"] = j if other == i else i
            averages.append(other)
            continue
        if m is not None:
            matched.setdefault(m[0], i)
            continue
        fld = source.field_of(h) if source is not None else None
        if spec.name == "enterprises" and (fld == "status" or norm(h) in words.STATUS_HEADERS):
            status = i
            continue
        year = None
        if spec.name == "enterprises":
            year = above_size_year(h)
            if year is None and fld and fld.startswith("above_size_"):
                year = int(fld.rsplit("_", 1)[1])
            elif year is None and (fld == "above_size" or (fld is None and is_flag_header(h))):
                year = LATEST_YEAR
        if year is not None:
            flag_cols.append((year, i))
            continue
        if not norm(h) or norm(h) in ROW_NUMBER_HEADERS:
            if not norm(h) and raw.data[i].notna().any():
                _unknown(raw, i, "(空表头)", spec, ctx, findings)
            continue
        if source is not None and source.is_ignored(h):
            continue
        _unknown(raw, i, h, spec, ctx, findings)
    for pos in sorted(averages, reverse=True):
        findings.add(
            "column_not_used",
            f"列『{raw.headers[pos]}』与『{raw.headers[matched['employees']]}』都是从业人员;"
            "按期末人数计(从业人员是期末存量),该列未使用",
            file=raw.file,
            row=raw.header_row_of(pos),
            column=raw.headers[pos],
            severity="warning",
        )
        _drop_column(raw, pos)
        matched = {k: (v - (v > pos)) for k, v in matched.items()}
        flag_cols = [(y, p - (p > pos)) for y, p in flag_cols]
        credit = None if credit is None else credit - (credit > pos)
    if credit is not None:
        codes = raw.data[credit].to_numpy(dtype=object)
        _drop_column(raw, credit)
        matched = {k: (v - (v > credit)) for k, v in matched.items()}
        flag_cols = [(y, p - (p > credit)) for y, p in flag_cols]
        if spec.name == "enterprises":
            ctx.credit_codes = codes
    elif spec.name == "enterprises":
        ctx.credit_codes = None
    n = len(raw.data)
    if "park_id" not in matched and ctx.single_park is not None:
        _append(raw, "园区代码", [ctx.single_park] * n)
    elif "park_id" in matched:
        if ctx.park_names:
            park_column.names_to_ids(raw, matched["park_id"], ctx.park_names)
        if ctx.single_park is not None:  # a blank is the one park (said: filled_park)
            park_column.fill_blank_cells(raw, matched, findings, single_park=ctx.single_park)
    if spec.name in _STATS and "enterprise_id" in matched and ctx.credit:
        pos = matched["enterprise_id"]  # ids given as 统一社会信用代码 of a register with 企业代码
        ids = raw.data[pos].to_numpy(dtype=object)
        raw.rewritten[pos] = ids
        known = (
            set(ctx.register["enterprise_id"].astype(str)) if ctx.register is not None else set()
        )
        raw.data[pos] = pd.Series(
            [ctx.credit.get(_name_key(v), v) if str(v) not in known else v for v in ids],
            index=raw.data.index,
            dtype=object,
        )
    if spec.name in _STATS:
        _adapt_periods(raw, matched, findings)
        if "enterprise_id" not in matched and "enterprise_name" in matched:
            ids = _names_to_ids(
                raw, matched["enterprise_name"], ctx, findings, matched.get("park_id")
            )
            _append(raw, "企业代码", ids)
            matched["enterprise_id"] = len(raw.headers) - 1
        if "park_id" not in matched and ctx.single_park is None:
            park_column.place_by_register(raw, matched, ctx.register, findings)
        elif "park_id" in matched and ctx.single_park is None:  # blanks: the register's park
            park_column.fill_blank_cells(
                raw, matched, findings, single_park=None, register=ctx.register
            )
    if spec.name == "enterprises":
        _adapt_register(raw, matched, flag_cols, ctx, findings)
        implied.register_words(raw, matched, status, findings)
    if spec.name == "parcels":
        implied.ledger_columns(raw, matched, ctx.single_park, ctx.phases, findings)
    return raw


def is_credit_header(header: str) -> bool:
    """Whether ``header`` names a 统一社会信用代码 column (with or without brackets)."""
    return split_header_unit(P.normalize_header(header))[0] in ("统一社会信用代码", "社会信用代码")


def _drop_column(raw: RawTable, pos: int) -> None:
    keep = [i for i in range(len(raw.headers)) if i != pos]
    raw.headers = [raw.headers[i] for i in keep]
    raw.data = raw.data[keep].set_axis(range(len(keep)), axis=1)
    if raw.header_cell_rows is not None:
        raw.header_cell_rows = [raw.header_cell_rows[i] for i in keep]


def after_register(ctx: Context, td) -> None:
    """Remember the parsed register: names and credit codes → ids, its 规上 flags."""
    ctx.register = td.frame
    td.above_size_flags = register_flags(ctx, td.frame)
    if ctx.credit_codes is not None:
        ids = td.frame["enterprise_id"].astype(object).to_numpy()
        ctx.credit = {
            _name_key(c): str(e)
            for c, e in zip(ctx.credit_codes, ids, strict=True)
            if isinstance(c, str) and c.strip() and isinstance(e, str)
        }


def column_letter(position: int) -> str:
    """The Excel column letter of a 0-based position.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    out = ""
    n = position + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _unknown(raw, i, header, spec, ctx, findings) -> None:
    if header == "(空表头)":  # name what the user sees: the column letter, the neighbours
        shown = [j for j in range(len(raw.headers)) if j not in raw.derived_positions]
        left = next((raw.headers[j] for j in reversed(shown) if j < i and norm(raw.headers[j])),
                    None)  # fmt: skip
        right = next((raw.headers[j] for j in shown if j > i and norm(raw.headers[j])), None)
        near = "、".join(
            f"{side}「{h}」" for side, h in (("左边是", left), ("右边是", right)) if h is not None
        )
        at = int(np.flatnonzero(raw.data[i].notna().to_numpy())[0])
        sheet = raw.row_sheets[at] if raw.row_sheets is not None else None
        where = f"工作表「{sheet}」" if sheet else ""
        findings.add(
            "unknown_column",
            f"{where}第 {column_letter(i)} 列有数据"
            f"(如第{int(raw.rows[at])}行「{raw.data[i].iat[at]}」)"
            f"但表头是空的({near or '表头右边'}),该列未读取;"
            "如果表头是合并单元格,请在 Excel 中取消合并并给该列写上表头",
            file=raw.file,
            row=raw.header_row_of(i),
            column=f"{column_letter(i)}列(空表头)",
            severity="error" if ctx.strict else "warning",
        )
        return
    names = [n for c in spec.columns for n in (c.zh, *c.aliases)]
    base, _ = split_header_unit(P.normalize_header(header))
    close = difflib.get_close_matches(base, names, n=1, cutoff=0.5)
    hint = (
        f"是否指『{close[0]}』?" if close else "如需读取,请在 park.yaml 的 sources 中把它对应到字段"
    )
    findings.add(
        "unknown_column",
        f"未识别的列『{header}』,已忽略;{hint}(确认无用请列入 park.yaml 的 sources.ignored)",
        file=raw.file,
        row=raw.header_row_of(i),
        column=header,
        severity="error" if ctx.strict else "warning",
    )


def period_month(label: object, year: object = None) -> str | None:
    """The month a statistical period label stands for in a 1-N月累计 table (``YYYY-MM``).

    >>> period_month("2016年1-5月"), period_month("1-2月", 2016), period_month("1－12月", "2015")
    ('2016-05', '2016-02', '2015-12')
    >>> period_month("2016-05") is None, period_month("3-5月", 2016) is None
    (True, True)
    """
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return None
    m = _CUMULATIVE_LABEL.match(norm(label))
    if not m or int(m.group(2)) != 1:
        return None
    y = m.group(1)
    if y is None:
        if year is None or (isinstance(year, float) and np.isnan(year)):
            return None
        try:
            y = int(float(str(year).strip().rstrip("年")))
        except ValueError:
            return None
    end = int(m.group(3))
    return f"{int(y):04d}-{end:02d}" if 1 <= end <= 12 else None


def _adapt_periods(raw: RawTable, matched: dict[str, int], findings: Findings) -> None:
    if "month" not in matched:
        return
    pos = matched["month"]
    labels = raw.data[pos]
    years = raw.data[matched["report_year"]] if "report_year" in matched else None
    codes, uniques = pd.factorize(
        labels.astype(object).map(str)
        + "\x1f"
        + (years.astype(object).map(str) if years is not None else ""),
        use_na_sentinel=True,
    )
    conv = []
    for code, u in enumerate(uniques):
        label, _, year = u.partition("\x1f")
        conv.append(period_month(label, year or None))
        m = _CUMULATIVE_LABEL.match(norm(label))
        if conv[-1] is None and m and m.group(1) is None:
            first = int(np.flatnonzero(codes == code)[0])
            findings.add(
                "bad_value",
                f"统计期「{label}」没有年份(年份列为空或没有年份列);"
                "请加一列「年份」,或把统计期写成 2016年1-5月 的样子",
                file=raw.file,
                row=int(raw.rows[first]),
                column=raw.headers[pos],
                value=label,
                at=first,
                rows=raw.rows,
            )
    if not any(c is not None for c in conv):
        return
    cumulative = raw.table == "cumulative_stats"
    if not cumulative:
        findings.add(
            "bad_value",
            "统计期是 1-N月累计(如 2016年1-5月),但该文件被当作当月值表读取;"
            "请在 park.yaml 的 sources 中把它登记为 cumulative_stats(企业累计统计)",
            file=raw.file,
            row=raw.header_row_of(pos),
            column=raw.headers[pos],
        )
        return
    mapped = np.array([*conv, None], dtype=object)[codes]
    keep = pd.isna(mapped)
    new = np.where(keep, labels.to_numpy(dtype=object), mapped)
    raw.data[pos] = pd.Series(new, index=raw.data.index, dtype=object)


def _name_key(text: object) -> str:
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(s.split()).replace("(", "(").replace(")", ")")


def _names_to_ids(
    raw: RawTable, pos: int, ctx: Context, findings: Findings, park_pos: int | None = None
) -> np.ndarray:
    """Enterprise ids of the names in column ``pos`` (None where unmatched, with a finding);
    with a park column (``park_pos``) a name is looked up in the row's park."""
    names = raw.data[pos].to_numpy(dtype=object)
    parks = raw.data[park_pos].to_numpy(dtype=object) if park_pos is not None else None
    out = np.empty(len(names), dtype=object)
    reg = ctx.register
    if reg is None or reg.empty:
        findings.add(
            "unknown_reference",
            "统计表按企业名称填写,需要企业名录才能对应企业;请提供企业名录",
            file=raw.file,
            column=raw.headers[pos],
        )
        return out
    by_name: dict[str, set[str]] = {}
    in_park: dict[tuple[str, str], set[str]] = {}
    for n, e, p in zip(
        reg["name"].astype(object),
        reg["enterprise_id"].astype(object),
        reg["park_id"].astype(object),
        strict=True,
    ):
        if isinstance(n, str):
            by_name.setdefault(_name_key(n), set()).add(str(e))
            in_park.setdefault((str(p), _name_key(n)), set()).add(str(e))
    shown = sorted({str(n) for n in reg["name"].dropna()})
    keys = list(by_name)
    cache: dict[str, str | None] = {}
    bad_rows: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        if n is None or (isinstance(n, float) and np.isnan(n)):
            out[i] = None
            continue
        k = _name_key(n)
        if parks is not None and (str(parks[i]), k) in in_park:
            k = f"{parks[i]}\x1f{k}"
            by_name.setdefault(k, in_park[(str(parks[i]), _name_key(n))])
        if k not in cache:
            ids = by_name.get(k, set())
            cache[k] = next(iter(ids)) if len(ids) == 1 else None
            if len(ids) != 1:
                bad_rows[k] = []
        out[i] = cache[k]
        if k in bad_rows:
            bad_rows[k].append(i)
    for k, at in bad_rows.items():
        rows = [int(raw.rows[i]) for i in at]
        ids = by_name.get(k, set())
        if ids:
            what = f"在企业名录中对应 {len(ids)} 家企业({'、'.join(sorted(ids))}),无法确定是哪一家"
        else:
            close = difflib.get_close_matches(k, keys, n=3, cutoff=0.4)
            near = [s for s in shown if _name_key(s) in close]
            what = "不在企业名录中" + (f";最接近的名称:{'、'.join(near)}" if near else "")
        more = f"(共 {len(rows)} 行)" if len(rows) > 1 else ""
        findings.add(
            "unknown_enterprise",
            f"企业名称「{k}」{what}{more};请改正名称或在企业名录中登记该企业",
            file=raw.file,
            row=rows[0],
            column=raw.headers[pos],
            value=k,
            at=at[0],
            rows=raw.rows,
        )
    return out


def _adapt_register(raw, matched, flag_cols, ctx, findings) -> None:
    n = len(raw.data)
    if "enterprise_id" not in matched and "name" in matched:
        _append(raw, "企业代码", raw.data[matched["name"]].to_numpy(dtype=object))
        findings.add(
            "column_fallback",
            "企业名录没有企业代码(或统一社会信用代码)列;以企业名称作为企业代码",
            file=raw.file,
            row=raw.header_row,
            severity="warning",
        )
    if "entry_date" not in matched:
        if "production_start_date" in matched:
            pos = matched["production_start_date"]
            _append(raw, "入园日期", raw.data[pos].to_numpy(dtype=object))
            findings.add(
                "column_fallback",
                f"企业名录没有入园日期列;以「{raw.headers[pos]}」作为入园日期",
                file=raw.file,
                row=raw.header_row,
                column=raw.headers[pos],
                severity="warning",
            )
        else:
            findings.add(
                "missing_column",
                "缺少必填列「入园日期」(也没有投产日期可代替);请添加该列,"
                "可用表头:「入园日期」「entry_date」",
                file=raw.file,
                row=raw.header_row,
                column="入园日期",
            )
    if "kind" not in matched:
        _append(raw, "企业类型", ["工业"] * n)
        findings.add(
            "column_fallback",
            "企业名录没有企业类型列;全部按「工业」企业计(如有商贸、服务业企业,请添加企业类型列)",
            file=raw.file,
            row=raw.header_row,
            severity="warning",
        )
    for year, pos in flag_cols:
        values, bad = P.parse_bool(raw.data[pos])
        findings.add_mask(
            "bad_value",
            bad,
            file=raw.file,
            rows=raw.rows,
            column=raw.headers[pos],
            values=raw.data[pos].to_numpy(dtype=object),
            message="规上标志应为 是/否;请改正该单元格(不确定请留空)",
        )
        ctx.flags.append((year, values.to_numpy(dtype=object), bad))


def register_flags(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame | None:
    """The register's 规上 flags as ``park_id, enterprise_id, year, above_size`` (filled only)."""
    if not ctx.flags:
        return None
    parts = []
    for year, values, _bad in ctx.flags:
        filled = ~pd.isna(values)
        parts.append(
            pd.DataFrame(
                {
                    "park_id": frame["park_id"].astype("str").to_numpy()[filled],
                    "enterprise_id": frame["enterprise_id"].astype("str").to_numpy()[filled],
                    "year": np.full(int(filled.sum()), year, dtype="int64"),
                    "above_size": values[filled].astype(bool),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def resolve_flag_years(flags: pd.DataFrame | None, monthly: pd.DataFrame) -> pd.DataFrame | None:
    """The register's flags with a flag naming no year (:data:`LATEST_YEAR`) put in the
    statistics' latest year (dropped when there are no statistics).

    >>> f = pd.DataFrame({"park_id": ["P"], "enterprise_id": ["A"], "year": [0],
    ...                   "above_size": [True]})
    >>> resolve_flag_years(f, pd.DataFrame({"year": [2015, 2016]}))["year"].tolist()
    [2016]
    """
    if flags is None or not (flags["year"] == LATEST_YEAR).any():
        return flags
    latest = flags["year"] == LATEST_YEAR
    if not len(monthly):
        return flags.loc[~latest].reset_index(drop=True)
    out = flags.copy()
    out.loc[latest, "year"] = int(monthly["year"].max())
    return out


def merge_register_flags(derived: pd.DataFrame, flags: pd.DataFrame | None) -> pd.DataFrame:
    """Derived membership with the register's own flags taking precedence where given.

    >>> d = pd.DataFrame({"park_id": ["P", "P"], "enterprise_id": ["A", "B"], "year": [2016] * 2,
    ...                   "above_size": [True, False], "derived": [True, True]})
    >>> f = pd.DataFrame({"park_id": ["P"], "enterprise_id": ["A"], "year": [2016],
    ...                   "above_size": [False]})
    >>> merge_register_flags(d, f)[["enterprise_id", "above_size", "derived"]].values.tolist()
    [['A', False, False], ['B', False, True]]
    """
    if flags is None or flags.empty:
        return derived
    keys = ["park_id", "enterprise_id", "year"]
    f = flags.drop_duplicates(keys, keep="last").assign(derived=False)
    d = derived.astype({"park_id": "str", "enterprise_id": "str"})
    rest = d.merge(f[keys], on=keys, how="left", indicator=True)
    rest = rest.loc[rest["_merge"] == "left_only", d.columns]
    out = pd.concat([f[d.columns], rest], ignore_index=True)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
