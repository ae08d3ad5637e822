"""Loading a dataset folder: find files → read → parse → validate → canonical frames.

:func:`load_dataset` reads like a recipe; each step is a named function in the module that
owns it (:mod:`.readers`, :mod:`.tables`, :mod:`.validate`, :mod:`.frames`, :mod:`.profile`).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis._io import resolve_data_folder
from parkanalysis.dataset import layouts, office
from parkanalysis.dataset.description import Description
from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.frames import cumulative_to_monthly, derive_above_size
from parkanalysis.dataset.profile import Profile, read_profile
from parkanalysis.dataset.readers import ReadFailure, ReadLimits
from parkanalysis.dataset.schema import FRAME_NAMES, MONTHLY_VALUE_COLUMNS, TABLES
from parkanalysis.dataset.sources import norm, read_sources
from parkanalysis.dataset.tables import TableData, merge_tables, parse_table
from parkanalysis.dataset.validate import check_dataset
from parkanalysis.errors import DataError, Finding, ParameterError

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")
_FRAME_ATTRS = (
    "enterprises",
    "monthly",
    "above_size",
    "parcels",
    "projects",
    "buildings",
    "hazards",
    "relocations",
    "published",
)


@dataclass
class ValidationReport:
    """The outcome of :func:`validate_dataset`: findings and the rows read per table."""

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    #: park → ``(year, month)``: the "data complete to" month (see dataset.completeness)
    complete_to: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there is no blocking error."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``ok``, ``errors``, ``warnings``, ``tables``)."""
        return {
            "ok": self.ok,
            "errors": [f.to_dict() for f in self.errors],
            "warnings": [f.to_dict() for f in self.warnings],
            "tables": dict(self.tables),
            "complete_to": {k: f"{y:04d}-{m:02d}" for k, (y, m) in self.complete_to.items()},
        }

    def to_text(self) -> str:
        """Return a Chinese plain-text table for the terminal."""
        lines = []
        if self.tables:
            lines.append("读取的表:" + ",".join(f"{k} {v} 行" for k, v in self.tables.items()))
        if self.complete_to:
            lines.append(
                "数据完整至:"
                + ",".join(f"{k} {y}年{m}月" for k, (y, m) in self.complete_to.items())
            )
        status = "通过" if self.ok else "未通过"
        infos = sum(f.severity == "info" for f in self.warnings)  # said, not a problem
        counts = f"错误 {len(self.errors)} 处,警告 {len(self.warnings) - infos} 处"
        lines.append(f"校验{status}:{counts}" + (f",提示 {infos} 处" if infos else ""))
        rows = [("级别", "规则", "文件", "行", "列", "值", "说明")]
        for f in [*self.errors, *self.warnings]:
            rows.append(
                (
                    {"error": "错误", "info": "提示"}.get(f.severity, "警告"),
                    f.rule,
                    f.file or "",
                    "" if f.row is None else str(f.row),
                    f.column or "",
                    "" if f.value is None else str(f.value)[:30],
                    f.message,
                )
            )
        if len(rows) > 1:
            widths = [max(_width(r[i]) for r in rows) for i in range(6)]
            for r in rows:
                cells = [_pad(r[i], widths[i]) for i in range(6)]
                lines.append("  ".join([*cells, r[6]]))
        return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Dataset:
    """A validated park dataset: canonical frames, profile, warnings, fingerprint.

    Build it with :func:`load_dataset`; the frames use the internal column names of
    data/README.md and are meant to be read, not modified.
    """

    def __init__(
        self,
        *,
        path: Path,
        fingerprint: str,
        profile: Profile,
        frames: dict[str, pd.DataFrame],
        warnings: list[Finding],
        jan_feb_combined: bool,
        sources: dict[str, str],
    ):
        self.path = path
        self.fingerprint = fingerprint
        self.profile = profile
        self.warnings = list(warnings)
        self.jan_feb_combined = jan_feb_combined
        self.sources = dict(sources)
        for name in _FRAME_ATTRS:
            setattr(self, name, frames[name])

    enterprises: pd.DataFrame
    monthly: pd.DataFrame
    above_size: pd.DataFrame
    parcels: pd.DataFrame
    projects: pd.DataFrame
    buildings: pd.DataFrame
    hazards: pd.DataFrame
    relocations: pd.DataFrame
    published: pd.DataFrame

    def __repr__(self) -> str:
        return (
            f"<Dataset {self.path} parks={self.parks} enterprises={len(self.enterprises)} "
            f"monthly={len(self.monthly)} parcels={len(self.parcels)} "
            f"warnings={len(self.warnings)}>"
        )

    @property
    def parks(self) -> list[str]:
        """Park ids of the profile, in the order of park.yaml."""
        return list(self.profile.parks)

    @property
    def month_range(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """``((first_year, first_month), (last_year, last_month))`` of the data, or None.

        The end is the latest "data complete to" month of the parks
        (:mod:`parkanalysis.dataset.completeness`): months most enterprises have not
        reported yet do not move it; :attr:`reported_range` includes them.
        """
        rng = self.reported_range
        if rng is None:
            return None
        ends = list(self.completeness.complete_to.values())
        return (rng[0], max(ends)) if ends else rng

    @property
    def reported_range(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """First and last month with any statistics row (late, incomplete months included)."""
        if self.monthly.empty:
            return None
        ym = self.monthly["year"].to_numpy() * 100 + self.monthly["month"].to_numpy()
        lo, hi = int(ym.min()), int(ym.max())
        return divmod(lo, 100), divmod(hi, 100)

    @property
    def completeness(self):
        """The :class:`~parkanalysis.dataset.completeness.Completeness` (报送率, 缺报)."""
        cached = self.__dict__.get("_completeness")
        # keyed on the frames themselves (not their ids, which a new frame may reuse)
        if (
            cached is None
            or cached[0][0] is not self.monthly
            or cached[0][1] is not self.enterprises
        ):
            from parkanalysis.dataset.completeness import reporting_status
            from parkanalysis.dataset.logic import thresholds_of

            thresholds = thresholds_of(self.profile)
            status = reporting_status(
                self.enterprises,
                self.monthly,
                thresholds=thresholds,
                jan_feb_combined=bool(self.jan_feb_combined),
            )
            cached = ((self.monthly, self.enterprises), status)
            self.__dict__["_completeness"] = cached
        return cached[1]

    def resolve_park(self, park: str | None = None) -> str:
        """Return the park id a computation is about: ``park`` itself, or the only park.

        ``park`` may be a park id or a park name of park.yaml (``"工贸园"``).

        Raises
        ------
        ParameterError
            When ``park`` is not in the dataset, or is omitted while the dataset holds
            several parks (the message lists them).
        """
        if park is not None and park not in self.profile.parks:
            by_name = [i for i, info in self.profile.parks.items() if info.name == park]
            if len(by_name) == 1:
                return by_name[0]
        if park is None:
            if len(self.profile.parks) == 1:
                return next(iter(self.profile.parks))
            raise ParameterError(
                f"数据集含 {len(self.parks)} 个园区({'、'.join(self.parks)}),"
                "请用 park= 指定其一(命令行 --park)。"
            )
        if park not in self.profile.parks:
            choices = "、".join(f"{i}({info.name})" for i, info in self.profile.parks.items())
            raise ParameterError(f"园区 {park!r} 不在数据集中;可选:{choices}")
        return park

    def config(self, park_id: str | None = None) -> dict[str, Any]:
        """Return the merged configuration (defaults ← top-level ← park) of ``park_id``.

        With one park the id may be omitted; without it in a multi-park dataset the
        top-level configuration is returned.
        """
        if park_id is None:
            if len(self.profile.parks) == 1:
                return next(iter(self.profile.parks.values())).config
            return self.profile.config
        try:
            return self.profile.parks[park_id].config
        except KeyError:
            raise ParameterError(
                f"园区 {park_id!r} 不在数据集中;可选:{'、'.join(self.parks)}"
            ) from None

    def subset(self, park_id: str) -> Dataset:
        """Return the dataset of one park (frames filtered, profile reduced)."""
        if park_id not in self.profile.parks:
            raise ParameterError(f"园区 {park_id!r} 不在数据集中;可选:{'、'.join(self.parks)}")
        frames = {}
        for name in _FRAME_ATTRS:
            df = getattr(self, name)
            sub = df.loc[(df["park_id"] == park_id).to_numpy()].reset_index(drop=True)
            for col in ("park_id", "enterprise_id"):
                if col in sub.columns and isinstance(sub[col].dtype, pd.CategoricalDtype):
                    sub[col] = sub[col].cat.remove_unused_categories()
            frames[name] = sub
        profile = Profile(
            parks={park_id: self.profile.parks[park_id]},
            config=self.profile.config,
            schema_version=self.profile.schema_version,
        )
        warnings = [w for w in self.warnings if _finding_park(w) in (None, park_id)]
        import hashlib

        fp = hashlib.sha256(f"{self.fingerprint}:{park_id}".encode()).hexdigest()
        return Dataset(
            path=self.path,
            fingerprint=fp,
            profile=profile,
            frames=frames,
            warnings=warnings,
            jan_feb_combined=self.jan_feb_combined,
            sources=self.sources,
        )


def _finding_park(f: Finding) -> str | None:
    """The park a ledger finding is about (its column starts with ``park_id.``), else None."""
    if f.rule == "ledger_not_closed" and f.column and "." in f.column:
        return f.column.split(".", 1)[0]
    return None


# -- the recipe -------------------------------------------------------------------------------


def validate_dataset(
    path: str | os.PathLike, *, limits: ReadLimits | None = None, strict: bool = False
) -> ValidationReport:
    """Check a dataset folder against every rule of data/README.md; never raises for data.

    Parameters
    ----------
    path : str or PathLike
        The dataset folder (or its ``park.yaml``).
    limits : ReadLimits, optional
        File size guards; defaults of :class:`ReadLimits`.
    strict : bool, default False
        Unknown columns (``unknown_column``) are errors instead of warnings.

    Returns
    -------
    ValidationReport
        ``errors`` block loading, ``warnings`` do not; ``tables`` counts the data rows read.
    """
    _, _, _, report, _ = _read_and_check(path, limits or ReadLimits(), strict=strict, account=True)
    return report


def load_dataset(
    path: str | os.PathLike,
    *,
    park: str | None = None,
    limits: ReadLimits | None = None,
    description: Description | None = None,
) -> Dataset:
    """Read and validate a dataset folder once; return canonical frames.

    Parameters
    ----------
    path : str or PathLike
        The dataset folder (or its ``park.yaml``).
    park : str, optional
        Keep only this park (see :meth:`Dataset.subset`).
    limits : ReadLimits, optional
        File size guards; defaults of :class:`ReadLimits`.
    description : Description, optional
        ``park.yaml`` of this folder as already read
        (:func:`~parkanalysis.dataset.description.describe_dataset`); not read again.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Carrying every blocking finding (and the warnings), when any rule fails.
    ParameterError
        When ``park`` is not in the dataset.
    """
    folder, profile, tables, report, sources = _read_and_check(
        path, limits or ReadLimits(), description=description
    )
    if report.errors:
        raise DataError(report.errors, warnings=report.warnings)
    frames, jan_feb = _canonical_frames(profile, tables)
    from parkanalysis._io import folder_fingerprint

    ds = Dataset(
        path=folder,
        fingerprint=folder_fingerprint(
            folder, contents=description.contents() if description else None
        ),
        profile=profile,
        frames=frames,
        warnings=report.warnings,
        jan_feb_combined=jan_feb,
        sources=sources,
    )
    return ds.subset(park) if park is not None else ds


def _read_and_check(path, limits, *, strict=False, description=None, account=False):
    """Read, adapt, parse and check the folder; ``account``: also list the filled cells that
    were neither read nor named by a finding (:mod:`.accounting`, ``validate`` only)."""
    findings = Findings()
    folder = resolve_data_folder(path) if description is None else description.folder
    if folder.is_file() and folder.suffix.lower() in (".yaml", ".yml"):
        folder = folder.parent
    if not folder.is_dir():
        findings.add(
            "missing_table", f"数据目录 {folder} 不存在或不是文件夹;请检查路径", file=str(folder)
        )
        errors, warnings = findings.finish()
        return folder, None, {}, ValidationReport(errors, warnings, {}), {}
    if description is None:
        profile, sources_read = read_profile(folder, findings), read_sources(folder, findings)
    else:  # park.yaml as already read: its findings, profile and sources
        for finding in description.findings:
            findings.add_finding(finding)
        profile, sources_read = description.profile, dict(description.sources)
    parks = profile.parks if profile is not None else {}
    ctx = office.Context(
        sources_read,
        tuple(parks),
        strict=strict,
        park_names={norm(p.name): pid for pid, p in parks.items() if p.name},
        phases={pid: tuple(p.phases) for pid, p in parks.items()},
    )
    files = office.assign_files(
        folder,
        find_table_files(folder, findings, quiet=bool(ctx.sources)),
        ctx,
        findings,
        TABLE_SUFFIXES,
    )
    tables: dict[str, TableData] = {}
    read: list = []  # (path, spec, source) of every table file read
    used: dict[str, set] = {}  # file → (sheet, Excel row) of the dataset's rows
    for name, first in files.items():
        parts: list[TableData] = []
        sheets: list[np.ndarray] = []
        for path_ in [first, *ctx.more_files.get(name, [])]:
            spec = office.spec_for(name, ctx, ctx.sources.get(path_.name))
            try:
                raw = layouts.read_file(path_, path_.name, spec, limits, findings)
            except ReadFailure as exc:
                findings.add_finding(exc.finding)
                continue
            if raw.row_sheets is not None:  # a cell finding names the sheet of its row
                findings.place_rows(raw.file, raw.rows, raw.row_sheets)
            row_sheets = raw.row_sheets
            span_sheets = raw.rows_span_sheets
            raw = office.adapt_raw(raw, spec, ctx, findings)
            td = parse_table(raw, findings, spec)
            read.append((path_, spec, ctx.sources.get(path_.name)))
            if td is not None:
                parts.append(td)
                if account:
                    known = row_sheets is not None and len(row_sheets) == len(td.frame)
                    known &= not span_sheets  # a row of every indicator's sheet
                    at = row_sheets if known else [None] * len(td.frame)
                    used.setdefault(path_.name, set()).update(
                        zip(at, td.frame["_row"].tolist(), strict=True)
                    )
                known = row_sheets is not None and len(row_sheets) == len(td.frame)
                sheets.append(row_sheets if known else np.full(len(td.frame), None, dtype=object))
        td = merge_tables(parts, findings) if len(parts) > 1 else (parts[0] if parts else None)
        if td is not None and len(parts) > 1:  # the checks that follow name each row's file
            findings.place_rows(
                td.file,
                td.frame["_row"].to_numpy(),
                np.concatenate(sheets),
                np.concatenate([np.full(len(p.frame), p.file, dtype=object) for p in parts]),
            )
        if td is not None:
            tables[name] = td
            if name == "enterprises":
                office.after_register(ctx, td)
    if "published" in tables:
        _canonical_periods(tables["published"], findings)
    status = check_dataset(profile, tables, findings)
    if account:
        from parkanalysis.dataset.accounting import unread_content

        for finding in unread_content(read, used, findings.items):
            findings.add_finding(finding)
    errors, warnings = findings.finish()
    counts = {name: len(td.frame) for name, td in tables.items()}
    sources = {name: p.name for name, p in files.items()}
    complete_to = dict(status.complete_to) if status is not None else {}
    report = ValidationReport(errors, warnings, counts, complete_to)
    return folder, profile, tables, report, sources


def find_table_files(folder: Path, findings: Findings, *, quiet: bool = False) -> dict[str, Path]:
    """Map table names to their files (English or Chinese stem, CSV or XLSX).

    ``quiet``: do not report missing tables (park.yaml's ``sources:`` names the files).
    """
    by_stem: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "~$")) or p.suffix.lower() not in TABLE_SUFFIXES:
            continue
        by_stem.setdefault(unicodedata.normalize("NFKC", p.stem).strip().lower(), []).append(p)
    found: dict[str, Path] = {}
    for spec in TABLES.values():
        candidates = [*by_stem.get(spec.name, []), *by_stem.get(spec.zh, [])]
        if len(candidates) > 1:
            findings.add(
                "duplicate_table",
                f"表「{spec.zh}」有多个文件({'、'.join(c.name for c in candidates)});请只保留一个",
                file=candidates[1].name,
            )
        if candidates:
            found[spec.name] = candidates[0]
    if "monthly_stats" in found and "cumulative_stats" in found:
        findings.add(
            "duplicate_table",
            "同时提供了企业月度统计和企业累计统计;请只保留其中一种",
            file=found["cumulative_stats"].name,
        )
        del found["cumulative_stats"]
    if quiet:
        return found
    for name, zh in (("enterprises", "企业名录"), ("parcels", "土地台账")):
        if name not in found:
            findings.add(
                "missing_table",
                f"缺少必需的表「{zh}」;请提供 {name}.csv 或 {zh}.xlsx",
                file=f"{name}.csv",
            )
    if "monthly_stats" not in found and "cumulative_stats" not in found:
        findings.add(
            "missing_table",
            "缺少企业统计表;请提供 monthly_stats.csv(当月值)或 cumulative_stats.csv(1-N月累计值)",
            file="monthly_stats.csv",
        )
    return found


def _canonical_periods(td: TableData, findings: Findings) -> None:
    """``published.period`` → canonical string of :func:`parkanalysis.periods.parse_period`."""
    from parkanalysis.errors import PeriodError
    from parkanalysis.periods import parse_period

    col = td.frame["period"]
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    canon, bad_u = [], []
    for u in uniques:
        try:
            canon.append(str(parse_period(u)))
            bad_u.append(False)
        except PeriodError:
            canon.append(None)
            bad_u.append(True)
    bad = np.array([*bad_u, False])[codes]
    findings.add_mask(
        "bad_value",
        bad,
        file=td.file,
        rows=td.frame["_row"].to_numpy(),
        column=td.header("period"),
        values=col.to_numpy(dtype=object),
        message="无法识别的时期;可写 2016-05、2016-01..2016-05、2016年1-5月、2016Q2、2016H1、2016",
    )
    td.frame["period"] = pd.Series(np.array([*canon, None], dtype=object)[codes], dtype="str")


# -- canonical frames -------------------------------------------------------------------------


def _canonical_frames(profile: Profile, tables: dict[str, TableData]):
    frames: dict[str, pd.DataFrame] = {}
    for name, td in tables.items():
        frames[FRAME_NAMES[name]] = td.frame.drop(columns="_row").reset_index(drop=True)
    for name in _FRAME_ATTRS:
        if name not in frames:
            frames[name] = _empty_frame(name)
    jan_feb = bool(profile.config.get("jan_feb_combined", True))
    if "cumulative_stats" in tables:
        cum = frames["monthly"]
        frames["monthly"] = cumulative_to_monthly(cum)
        if not (cum["month"] == 1).any():
            jan_feb = True
    frames["monthly"] = _monthly_frame(frames["monthly"])
    if "above_size" in tables:
        a = frames["above_size"]
        a["year"] = a["year"].astype("int64")
        a["above_size"] = a["above_size"].astype(bool)
        a["derived"] = False
    else:
        thresholds = {
            pid: float(p.config["above_size_revenue_threshold_wan_yuan"])
            for pid, p in profile.parks.items()
        }
        frames["above_size"] = office.merge_register_flags(
            derive_above_size(
                frames["monthly"], frames["enterprises"], thresholds, jan_feb_combined=jan_feb
            ),
            office.resolve_flag_years(
                getattr(tables.get("enterprises"), "above_size_flags", None), frames["monthly"]
            ),
        )
    return frames, jan_feb


def _empty_frame(name: str) -> pd.DataFrame:
    table = {v: k for k, v in FRAME_NAMES.items() if k != "cumulative_stats"}[name]
    from parkanalysis.dataset.readers import RawTable

    spec = TABLES[table]
    headers = [c.name for c in spec.columns]
    raw = RawTable(
        table,
        "",
        1,
        headers,
        pd.DataFrame({i: pd.Series([], dtype=object) for i in range(len(headers))}),
        np.array([], dtype="int64"),
    )
    td = parse_table(raw, Findings())
    return td.frame.drop(columns="_row")


def _monthly_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Categorical ids, int64 year/month, float64 values, sorted by park, enterprise, month."""
    out = pd.DataFrame(
        {
            "park_id": pd.Categorical(df["park_id"].astype("str")),
            "enterprise_id": pd.Categorical(df["enterprise_id"].astype("str")),
            "year": df["year"].to_numpy(dtype="int64"),
            "month": df["month"].to_numpy(dtype="int64"),
        }
    )
    for c in MONTHLY_VALUE_COLUMNS:
        out[c] = df[c].to_numpy(dtype="float64", na_value=np.nan)
    key = (
        (
            out["park_id"].cat.codes.to_numpy().astype("int64")
            * (len(out["enterprise_id"].cat.categories) + 1)
            + out["enterprise_id"].cat.codes.to_numpy()
        )
        * 1_000_000
        + out["year"].to_numpy() * 100
        + out["month"].to_numpy()
    )
    if len(key) > 1 and not (np.diff(key) >= 0).all():
        out = out.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
    return out
