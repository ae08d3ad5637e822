"""``parkanalysis init``: a draft park.yaml from the files a park office already keeps.

:func:`init_folder` inspects every CSV/XLSX of a folder (any file names), recognises each
table by its headers (the table whose accepted spellings name the most header cells, key
columns present), and writes ``park.yaml`` with:

- the park (``--name``, else the title row of a file such as 「新桥工业园区企业名录」, else the
  folder's name; ``--park-id``, else an id derived from the name) — or, when the register has
  a park column (所属园区/园区) naming several parks, one park per value: the value as its
  name, an id derived from it (a code written there is kept as the id);
- value maps (``values:``) for the choice columns whose office words are not the contract's
  (:mod:`.words`): 征迁完成 → 已完成, 已迁出 → 迁出 …; words it cannot place are listed;
- its phases (the ledger's distinct 期别; one phase 「一期」 when the ledger names none) with
  declared areas in the ledger's unit — the ledger's sums (total; 道路/绿地/水域 by planned
  use; usable = the rest) when nothing better is known, with a comment saying so;
- ``sources:`` (:mod:`parkanalysis.dataset.sources`): for each file its table and each header
  as written → its field; row-number columns under ``ignored``; headers it could not map as a
  comment (``validate`` reports them until the user maps or ignores them).

Data files are only read, never written. An existing park.yaml is kept unless ``force``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from parkanalysis._io import atomic_write
from parkanalysis.dataset import layouts, office, words
from parkanalysis.dataset.core import TABLE_SUFFIXES
from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.profile import PROFILE_FILE
from parkanalysis.dataset.readers import (
    ReadFailure,
    ReadLimits,
    header_lookup,
    match_header,
)
from parkanalysis.dataset.schema import PUBLIC_LAND_USES, TABLES
from parkanalysis.dataset.sources import norm
from parkanalysis.dataset.tables import parse_table
from parkanalysis.errors import ParameterError
from parkanalysis.units import to_mu

#: Tables tried, in order of preference when two recognise a file equally well.
_ORDER = (
    "enterprises",
    "cumulative_stats",
    "parcels",
    "above_size",
    "projects",
    "buildings",
    "hazards",
    "relocations",
    "published",
)
_DECLARED_BY_USE = {"道路": "road", "绿地": "green", "水域": "water"}


@dataclass
class FileReport:
    """How one file was recognised."""

    file: str
    table: str | None
    header_row: int = 0
    encoding: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    rows: int = 0
    periods: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    #: the header's rows as shown (``3``, or ``2-3`` for a two-row header)
    header_rows: str = ""
    #: the distinct values of its 园区代码 column, when it has one
    park_codes: set[str] = field(default_factory=set)
    #: what reading the file's structure inferred (sheets per month, total rows …)
    notes: list[str] = field(default_factory=list)
    #: drafted value maps: header → {office word: value}; words not placed: header → words
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    unplaced: dict[str, list[str]] = field(default_factory=dict)

    @property
    def header_text(self) -> str:
        """``第3行`` / ``第2-3行``."""
        return f"第{self.header_rows or self.header_row}行"


@dataclass
class InitResult:
    """What :func:`init_folder` found and wrote."""

    path: Path
    park_id: str
    name: str
    files: list[FileReport]
    phases: dict[str, dict[str, float]]
    area_unit: str
    text: str
    #: every park of the draft: id → name (one unless a park column names several)
    parks: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Chinese summary for the terminal: recognised, not recognised, what to check."""
        if len(self.parks) > 1:
            listed = "、".join(f"{n}(代码 {p})" for p, n in self.parks.items())
            lines = [f"已生成 {self.path}(共 {len(self.parks)} 个园区:{listed})"]
            lines.append(
                "  推断:园区取自企业名录的园区列,每个不同的值一个园区;代码由名称生成,可修改"
            )
            lines.append("")
        else:
            lines = [f"已生成 {self.path}(园区 {self.name},代码 {self.park_id})", ""]
        lines.append("识别的文件:")
        same: list[FileReport] = []  # further files of one table with the same headers
        for i, f in enumerate(self.files):
            if f.table is None:
                continue
            prev = next((g for g in reversed(self.files[:i]) if g.table is not None), None)
            if prev is not None and _same_shape(prev, f) and f.table in layouts.STATS:
                same.append(f)
                continue
            if same:
                lines.append(_same_line(same))
                same = []
            zh = TABLES[f.table].zh
            enc = f",编码 {f.encoding}" if f.encoding else ""
            lines.append(f"  {f.file} → {zh}({f.table}),表头在{f.header_text}{enc},{f.rows} 行数据")
            for h, fld in f.columns.items():
                lines.append(f"      {h} → {fld}")
            if f.periods:
                lines.append(
                    f"      统计期:{f.periods[0]} … {f.periods[-1]}(共 {len(f.periods)} 期)"
                )
            for note in f.notes:
                lines.append(f"      推断:{note}")
            for h, mapping in f.values.items():
                pairs = "、".join(f"{a} → {b}" for a, b in mapping.items())
                lines.append(
                    f"      推断:「{h}」的取值 {pairs}(写在 park.yaml 的 values 中,可修改)"
                )
            for h, unplaced in f.unplaced.items():
                lines.append(
                    f"      请核对:「{h}」的取值 {'、'.join(unplaced)} 无法对应,"
                    "请在 park.yaml 的 values 中写明"
                )
            if f.ignored:
                lines.append(f"      忽略:{'、'.join(f.ignored)}")
            if f.unknown:
                lines.append(f"      未识别的列:{'、'.join(f.unknown)}")
        if same:
            lines.append(_same_line(same))
        missed = [f for f in self.files if f.table is None]
        if missed:
            lines.append("未识别的文件(不会读取):")
            for f in missed:
                lines.append(f"  {f.file}:{f.problem}")
        lines.append("")
        lines.append("请核对:")
        if self.phases:
            lines.append(
                f"  1. park.yaml 中各期的申报面积({self.area_unit})取自土地台账合计,"
                "请按批复文件改正"
            )
        elif any(f.table == "parcels" for f in self.files):  # recognised, but no phases read
            ledger = next(f.file for f in self.files if f.table == "parcels")
            lines.append(
                f"  1. 土地台账 {ledger} 中读不出期别及面积合计(原因见 parkanalysis validate),"
                "park.yaml 中的期别和申报面积需要手工填写"
            )
        else:
            lines.append("  1. 没有土地台账,park.yaml 中的期别和申报面积需要手工填写")
        lines.append(
            "  2. sources 中每个表头对应的字段是否正确;未识别的列请对应到字段或列入 ignored"
        )
        inferred = [
            what
            for what, seen in (
                ("园区及其代码", len(self.parks) > 1),
                ("取值的对应关系(values)", any(f.values or f.unplaced for f in self.files)),
                ("每个工作表或文件对应的统计期", any(f.notes for f in self.files)),
            )
            if seen
        ]
        n = 3
        if inferred:
            lines.append(f"  3. 上面以「推断:」开头的{'、'.join(inferred)}是否正确")
            n = 4
        lines.append(f"  {n}. 然后运行:parkanalysis validate {self.path.parent}")
        return "\n".join(lines)


def _same_shape(a: FileReport, b: FileReport) -> bool:
    return a.table == b.table and a.columns == b.columns and a.header_row == b.header_row


def _same_line(files: list[FileReport]) -> str:
    rows = sum(f.rows for f in files)
    periods = sorted(
        n.split(":", 1)[-1] for f in files for n in f.notes if n.startswith("统计期取自文件名")
    )
    span = f",统计期 {periods[0]} … {periods[-1]}" if periods else ""
    return (
        f"  另 {len(files)} 个文件表头相同,同上:{files[0].file} … {files[-1].file}"
        f"(共 {rows} 行数据{span})"
    )


def init_folder(
    folder: str | Path,
    *,
    name: str | None = None,
    park_id: str | None = None,
    force: bool = False,
    limits: ReadLimits | None = None,
) -> InitResult:
    """Write a draft ``park.yaml`` with ``sources:`` for the office files in ``folder``.

    Raises
    ------
    ParameterError
        When the folder does not exist, holds no table file, or already has a park.yaml
        (without ``force``).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"目录 {folder} 不存在或不是文件夹;请检查路径")
    target = folder / PROFILE_FILE
    if (target.exists() or (folder / "park.yml").exists()) and not force:
        raise ParameterError(f"{target} 已存在,未覆盖;如要重新生成,请加 --force(原文件会被替换)")
    limits = limits or ReadLimits()
    files = [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith((".", "~$")) and p.suffix.lower() in TABLE_SUFFIXES
    ]
    if not files:
        raise ParameterError(
            f"目录 {folder} 中没有 CSV/XLSX 文件;请把企业名录、统计表、土地台账等文件放入该目录"
        )
    ctx = office.Context({}, ("_",))
    reports = [_recognise(p, ctx, limits) for p in files]
    _one_per_table(reports)
    title = name or _park_name(files, limits) or folder.resolve().name
    parks = _parks(reports)
    if len(parks) > 1:
        pid = next(iter(parks))
    else:
        # the office's own 园区代码 when its files name exactly one; else one made from the name
        codes = set().union(*(r.park_codes for r in reports if r.table))
        pid = park_id or (next(iter(codes)) if len(codes) == 1 else None) or _derive_id(title)
        parks = {pid: title}
    ctx = office.Context(
        {},
        tuple(parks),
        park_names={norm(n): p for p, n in parks.items()} if len(parks) > 1 else {},
        phases={p: ("一期",) for p in parks},
    )
    by_park, unit = _phases(folder, reports, ctx, limits)
    text = _yaml(parks, by_park, unit, reports)
    atomic_write(target, text.encode("utf-8"))
    phases = by_park.get(pid, {})
    return InitResult(target, pid, parks[pid], reports, phases, unit, text, parks)


def _parks(reports: list[FileReport]) -> dict[str, str]:
    """Parks a park column names (the register's, else any file's): id → name; empty when
    it names fewer than two (the single park is made from the title)."""
    own = [r.park_codes for r in reports if r.table == "enterprises" and r.park_codes]
    values = sorted(own[0] if own else set().union(*(r.park_codes for r in reports if r.table)))
    if len(values) < 2:
        return {}
    out: dict[str, str] = {}
    for v in values:
        code = v if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,15}", v) else _derive_id(v)
        out[code if code not in out else f"{code}{len(out) + 1}"] = v
    return out


# -- recognition ------------------------------------------------------------------------------


def _recognise(path: Path, ctx: office.Context, limits: ReadLimits) -> FileReport:
    best: tuple[int, str, object] | None = None
    problem = "没有一行表头与任何表的列名相符"
    for table in _ORDER:
        spec = office.spec_for(table, ctx, None)
        try:
            raw = layouts.read_file(path, path.name, spec, limits, None)
        except ReadFailure as exc:
            problem = exc.finding.message
            break
        if not raw.headers:
            continue
        lookup = header_lookup(spec)
        named = {m[0] for h in raw.headers if (m := match_header(h, lookup)) is not None}
        required = [c.name for c in spec.columns if c.required]
        if sum(r in named for r in required) < max(1, len(required) // 2):
            continue
        score = len(named) + sum(r in named for r in required)
        if best is None or score > best[0]:
            best = (score, table, raw)
    if best is None:
        return FileReport(path.name, None, problem=problem)
    _, table, raw = best
    return _describe(path, table, raw, ctx)


def _describe(path: Path, table: str, raw, ctx: office.Context) -> FileReport:
    spec = office.spec_for(table, ctx, None)
    lookup = header_lookup(spec)
    rep = FileReport(path.name, table, raw.header_row, raw.encoding, rows=len(raw.data))
    if raw.header_cell_rows and max(raw.header_cell_rows) > raw.header_row:
        rep.header_rows = f"{raw.header_row}-{max(raw.header_cell_rows)}"
    month_pos = year_pos = None
    rep.notes = list(raw.layout_notes)
    for i, h in enumerate(raw.headers):
        if not norm(h):
            continue
        m = match_header(h, lookup)
        if i in raw.derived_positions:  # e.g. the month taken from the sheet names
            month_pos = i if m is not None and m[0] == "month" else month_pos
            continue
        if m is not None and m[0] == "enterprise_id" and "enterprise_id" in rep.columns.values():
            # 企业代码 and 统一社会信用代码 both given: the credit code is not the id
            first = next(k for k, v in rep.columns.items() if v == "enterprise_id")
            if office.is_credit_header(first):
                rep.columns[first], rep.columns[h] = "credit_code", "enterprise_id"
            else:
                rep.columns[h] = "credit_code"
        elif m is not None and m[0] == "employees" and "employees" in rep.columns.values():
            # 期末 and 平均 人数 both given: 从业人员 is the month-end stock
            first = next(k for k, v in rep.columns.items() if v == "employees")
            if "期末" in h or "平均" in first:
                del rep.columns[first]
                rep.columns[h] = "employees"
                rep.ignored.append(first)
            else:
                rep.ignored.append(h)
        elif m is not None and m[0] not in rep.columns.values():
            rep.columns[h] = m[0]
            if m[1]:
                rep.units[h] = m[1]
            month_pos = i if m[0] == "month" else month_pos
            year_pos = i if m[0] == "report_year" else year_pos
        elif table == "enterprises" and office.above_size_year(h) is not None:
            rep.columns[h] = f"above_size_{office.above_size_year(h)}"
        elif table == "enterprises" and office.is_flag_header(h):
            rep.columns[h] = "above_size"
            rep.notes.append(
                f"「{h}」没有写年份:按统计数据最后一年的规上标志读取(之前各年按主营业务收入"
                "门槛推算);如是别的年份,请在 park.yaml 中把它改成 above_size_年份"
                "(如 above_size_2016)"
            )
        elif table == "enterprises" and norm(h) in words.STATUS_HEADERS:
            rep.columns[h] = "status"
        elif norm(h) in office.ROW_NUMBER_HEADERS:
            rep.ignored.append(h)
        else:
            rep.unknown.append(h)
    for i, h in enumerate(raw.headers):
        fld = rep.columns.get(h)
        if i in raw.derived_positions or fld is None:
            continue
        choices = words.STATUS_CHOICES if (table, fld) == ("enterprises", "status") else None
        if choices is None and fld in {c.name for c in spec.columns}:
            col = spec.column(fld)
            choices = col.choices if col.kind == "choice" and not fld.endswith("_unit") else None
        if choices:
            mapping, unplaced = words.draft_value_map(fld, raw.data[i], choices)
            if mapping:
                rep.values[h] = mapping
            if unplaced:
                rep.unplaced[h] = unplaced[:10]
    if table == "enterprises":
        _register_notes(rep, raw)
    if table == "parcels":  # what the ledger implies instead of columns it does not keep
        have = set(rep.columns.values())
        if "phase_id" not in have:
            rep.notes.append(
                "台账没有期别列:全部地块计入一期「一期」(如分期,请在台账中加「期别」列)"
            )
        if "supply_status" not in have:
            rep.notes.append("台账没有供应状态列:供地日期或供地方式已填的地块计为已供,其余计为未供")
        if "approval_status" not in have:
            how = "报批日期已填的计为已报批" if "approval_date" in have else "全部地块计为已报批"
            rep.notes.append(f"台账没有报批状态列:{how}")
    park_pos = next((i for i, h in enumerate(raw.headers) if rep.columns.get(h) == "park_id"), None)
    if park_pos is not None:
        codes = raw.data[park_pos].astype(object).dropna().astype(str).str.strip()
        rep.park_codes = {c for c in codes if c}
    if table == "cumulative_stats" and month_pos is not None:
        labels = raw.data[month_pos].astype(object)
        years = raw.data[year_pos].astype(object) if year_pos is not None else None
        seen: dict[str, str | None] = {}
        for i, lab in enumerate(labels):
            y = years.iat[i] if years is not None else None
            key = f"{lab}\x00{y}"
            if key not in seen:
                seen[key] = office.period_month(lab, y)
        months = sorted({v for v in seen.values() if v})
        if months:
            rep.periods = [f"{m[:4]}年1-{int(m[5:])}月" for m in months]
        else:
            rep.table = "monthly_stats"
    return rep


def _register_notes(rep: FileReport, raw) -> None:
    """What reading the register infers: industry names, month-precision dates, 企业状态."""
    import pandas as pd

    from parkanalysis.dataset._parse import month_only
    from parkanalysis.industry import code_of

    at = {fld: raw.headers.index(h) for h, fld in rep.columns.items() if h in raw.headers}
    if "industry_code" in at:
        cells = raw.data[at["industry_code"]].dropna().astype(str).str.strip()
        named = [v for v in dict.fromkeys(cells) if v and code_of(v) not in (None, v.upper())]
        if named:
            rep.notes.append(
                f"「{raw.headers[at['industry_code']]}」写的是行业名称,按 GB/T 4754 读作行业代码"
                f"(如 {named[0]} → {code_of(named[0])})"
            )
    for fld in ("entry_date", "production_start_date", "exit_date"):
        if fld in at:
            n = int(month_only(pd.Series(raw.data[at[fld]], dtype=object)).sum())
            if n:
                rep.notes.append(
                    f"「{raw.headers[at[fld]]}」有 {n} 个只写到月的日期(如 2014.03),按该月 1 日计"
                )
    if "status" in at:
        rep.notes.append(
            f"「{raw.headers[at['status']]}」为迁出/注销且有退出日期的企业按该日期退出"
        )


def _one_per_table(reports: list[FileReport]) -> None:
    """Two files recognised as the same table: keep the first, report the other — except
    statistics of one kind in several files (a file per month or per year), which are kept as
    one table (``sources:`` lists each; they are read and stacked)."""
    seen: dict[str, str] = {}
    stats: list[FileReport] = []
    for r in reports:
        if r.table is None:
            continue
        t = "stats" if r.table in ("monthly_stats", "cumulative_stats") else r.table
        if t == "stats" and stats and stats[0].table == r.table:
            stats.append(r)
        elif t in seen:
            r.problem = (
                f"与 {seen[t]} 同为「{TABLES[r.table].zh}」;只登记了第一个文件,请合并两个文件"
            )
            r.table = None
        else:
            seen[t] = r.file
            if t == "stats":
                stats.append(r)
    if len(stats) > 1:
        stats[0].notes.append(
            f"{stats[0].file} … {stats[-1].file} 共 {len(stats)} 个文件是同一张表"
            f"「{TABLES[stats[0].table].zh}」(每个文件的统计期不同),读取时合为一张表"
        )


_TITLE = re.compile(r"^(.{2,30}?(?:园区|园|开发区|产业集聚区|集中区))")


def _park_name(files: list[Path], limits: ReadLimits) -> str | None:
    """A park name from a title row (the first cell above a header), if any file has one."""
    import csv
    import io

    from parkanalysis.dataset.readers import detect_encoding

    for p in files:
        first = None
        try:
            if p.suffix.lower() == ".csv":
                data = p.read_bytes()[: 1 << 16]
                enc = detect_encoding(data) or "utf-8"
                text = data.decode(enc, errors="ignore")
                row = next(csv.reader(io.StringIO(text)), [])
                first = next((c for c in row if c.strip()), None)
            else:
                import openpyxl

                wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
                try:
                    ws = wb.worksheets[0]
                    for r in ws.iter_rows(min_row=1, max_row=1, max_col=20, values_only=True):
                        first = next((c for c in r if c is not None and str(c).strip()), None)
                finally:
                    wb.close()
        except Exception:  # a title is a convenience: any problem just means "none"
            continue
        if first is None:
            continue
        m = _TITLE.match(norm(first))
        sentence = any(p in m.group(1) for p in ",。;:、") if m else True
        if m and not sentence and not any(k in m.group(1) for k in ("企业", "统计", "台账")):
            return m.group(1)
    return None


def _derive_id(name: str) -> str:
    """An ASCII park id from a name: its letters and digits, else ``P`` + a short hash.

    >>> _derive_id("Xinqiao Park"), _derive_id("新桥工业园")
    ('XINQIAOPARK', 'P60A9')
    """
    ascii_part = re.sub(r"[^A-Za-z0-9]", "", name).upper()
    if ascii_part:
        return ascii_part[:16]
    return "P" + hashlib.sha1(name.encode()).hexdigest()[:4].upper()


def _phases(folder, reports, ctx, limits):
    """Phases of the ledger with its sums by use, in the ledger's area unit, by park."""
    rep = next((r for r in reports if r.table == "parcels"), None)
    if rep is None:
        return {}, "亩"
    unit = next((u for h, u in rep.units.items() if rep.columns.get(h) == "area" and u), "亩")
    if unit not in ("亩", "公顷", "平方公里"):
        unit = "亩"
    spec = office.spec_for("parcels", ctx, None)
    try:
        raw = layouts.read_file(folder / rep.file, rep.file, spec, limits, Findings())
    except ReadFailure:
        return {}, unit
    findings = Findings()
    raw = office.adapt_raw(raw, spec, ctx, findings)
    td = parse_table(raw, findings, spec)
    if td is None or "phase_id" not in td.frame:
        return {}, unit
    f = td.frame
    if not f["phase_id"].notna().any():
        return {}, unit
    factor = float(to_mu(np.array([1.0]), unit)[0])
    out: dict[str, dict[str, dict[str, float]]] = {}
    parks = f["park_id"].astype(object).to_numpy()
    for pid in ctx.park_ids:
        in_park = f[parks == pid] if len(ctx.park_ids) > 1 else f
        for phase in dict.fromkeys(in_park["phase_id"].dropna().astype(str)):
            sub = in_park[in_park["phase_id"].astype(str) == phase]
            area = sub["area_mu"].to_numpy(dtype="float64") / factor
            d = {"total": float(np.nansum(area))}
            use = sub["planned_use"].astype(object).to_numpy()
            for u, key in _DECLARED_BY_USE.items():
                d[key] = float(np.nansum(area[use == u]))
            pub = np.isin(use, PUBLIC_LAND_USES)
            d["usable"] = float(np.nansum(area[~pub]))
            out.setdefault(pid, {})[phase] = {k: round(v, 4) for k, v in d.items()}
    return out, unit


# -- writing ----------------------------------------------------------------------------------


def _q(text: object) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


def _num(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _yaml(parks, by_park, unit, reports) -> str:
    out = [
        "# 由 parkanalysis init 生成的草稿:请核对后再使用(数据文件未作任何修改)",
        "schema_version: 1",
        "parks:",
    ]
    if len(parks) > 1:
        out.insert(
            2, "# 推断:园区取自企业名录的园区列(每个值一个园区,名称照写,代码由名称生成,可修改)"
        )
    for pid, name in parks.items():
        out += [f"  - park_id: {_q(pid)}", f"    name: {_q(name)}", "    phases:"]
        phases = by_park.get(pid, {})
        if not phases:
            out += [
                "      # 没有找到土地台账的期别:请按批复文件填写期别和申报面积",
                '      - phase_id: "一期"',
                '        name: "一期"',
                "        unit: 亩",
                "        declared: {}",
            ]
        for ph, d in phases.items():
            out += [
                f"      - phase_id: {_q(ph)}",
                f"        name: {_q(ph)}",
                f"        unit: {unit}",
                "        # 申报面积取自土地台账合计(没有更好的来源);请按批复文件核对改正",
                "        declared:",
                *(f"          {k}: {_num(v)}" for k, v in d.items()),
            ]
    out += [
        "",
        "# 每个文件读作哪张表、每个表头对应哪个字段(可修改);未列出的表头会在 validate 中提示",
        "sources:",
    ]
    for r in reports:
        if r.table is None:
            out.append(f"  # {_q(r.file)}: 未识别({r.problem})")
            continue
        out.append(f"  {_q(r.file)}:")
        out.append(f"    table: {r.table}  # {TABLES[r.table].zh},表头在{r.header_text}")
        out += [f"    # 推断:{note}" for note in r.notes]
        out.append("    columns:")
        for h, fld in r.columns.items():
            unit_note = f"  # 单位 {r.units[h]}" if h in r.units else ""
            out.append(f"      {_q(h)}: {fld}{unit_note}")
        out.append(f"    ignored: [{', '.join(_q(h) for h in r.ignored)}]")
        if r.values or r.unplaced:
            out.append("    # 推断:办公室的写法 → 规定的取值(可修改;未列出的取值按原样读取)")
            out.append("    values:")
            for h, mapping in r.values.items():
                pairs = ", ".join(f"{_q(a)}: {_q(b)}" for a, b in mapping.items())
                out.append(f"      {_q(h)}: {{{pairs}}}")
            for h, unplaced in r.unplaced.items():
                out.append(f"      # 请核对:{_q(h)} 的取值 {'、'.join(unplaced)} 无法对应,请补写")
        for h in r.unknown:
            out.append(f"    # 未识别:{_q(h)}(请对应到字段,或确认无用后列入 ignored)")
    return "\n".join(out) + "\n"
