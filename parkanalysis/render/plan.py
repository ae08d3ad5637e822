"""Everything decided about one report before any kernel runs (:class:`ReportPlan`).

A report's HTML file name follows from its kind and parameters (:func:`report_filename`);
its cache key (:func:`cache_key`) from the notebook, the parameters, the data's fingerprint
(with the office's texts and Word template) and the package version: a report whose key
is unchanged is not rendered again. :class:`RenderResult` says what happened to it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parkanalysis._io import folder_fingerprint, resolve_data_folder
from parkanalysis.errors import ParameterError
from parkanalysis.render.formats import FORMATS, check_formats
from parkanalysis.render.params import (
    REPORT_KINDS,
    check_parameters,
    failed_name,
    resolve_notebook,
    safe_name,
)

if TYPE_CHECKING:
    from parkanalysis.dataset.description import Description


def package_version() -> str:
    """Return the installed parkanalysis version."""
    from parkanalysis import __version__

    return __version__


def cache_key(notebook: Path, params: dict[str, Any], data_fingerprint: str) -> str:
    """Return the key that decides whether a report must be rendered again."""
    digest = hashlib.sha256()
    digest.update(notebook.read_bytes())
    digest.update(json.dumps(params, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    digest.update(data_fingerprint.encode())
    digest.update(package_version().encode())
    return digest.hexdigest()


@dataclass
class RenderResult:
    """What happened to one report."""

    kind: str
    params: dict[str, Any]
    html_path: Path
    status: str  # "rendered", "cached", "failed"
    seconds: float = 0.0
    error: str | None = None
    failed_notebook: Path | None = None
    problems: list[str] = field(default_factory=list)
    #: Every file written or reused, by format (``html``, ``docx``, ``pdf``).
    outputs: dict[str, Path] = field(default_factory=dict)


def report_filename(
    kind: str, params: dict[str, Any], description: Description | None = None
) -> str:
    """Return the HTML file name for a report, e.g. 「工贸园2016年上半年工作总结.html」.

    Period and land reports with a data folder are named after their titles
    (:mod:`parkanalysis.report.naming`; the park's name from ``description``, read from
    ``params["data"]`` when not given); other notebooks by code, e.g.
    ``GMY_2016-01_05_explore.html``.
    """
    from parkanalysis.periods import parse_period

    if description is None and params.get("data"):
        description = describe(params["data"])
    titled = _titled_stem(kind, params, description)
    if titled:
        return titled + ".html"
    parts = []
    if params.get("park"):
        parts.append(safe_name(str(params["park"]), what="园区代码"))
    if params.get("period"):
        parts.append(parse_period(params["period"]).slug)
    if params.get("as_of"):
        parts.append("asof" + re.sub(r"[^0-9]", "", str(params["as_of"]))[:8])
    parts.append(safe_name(kind, what="报告类型"))
    if params.get("share"):
        parts.append("share")
    return "_".join(parts) + ".html"


def _titled_stem(kind: str, params: dict[str, Any], description: Description | None) -> str | None:
    """The title-based stem of a period or land report (None: name it by code)."""
    from parkanalysis.report.naming import TITLED_KINDS, report_stem

    if kind not in TITLED_KINDS or description is None:
        return None
    if kind == "period" and not params.get("period"):
        return None
    parks = description.park_names
    park = params.get("park") or (next(iter(parks)) if len(parks) == 1 else None)
    if park not in parks:
        return None  # refused later with the data's own message
    name = parks[park]
    shared = sum(n == name for n in parks.values()) > 1
    code = safe_name(str(park), what="园区代码") if shared else None
    fallback = re.sub(r"[^A-Za-z0-9_-]", "_", f"{park}_{kind}")
    return report_stem(
        kind,
        name,
        period=params.get("period"),
        as_of=params.get("as_of"),
        share=bool(params.get("share")),
        park_code=code,
        fallback=fallback,
    )


def describe(data: str | os.PathLike) -> Description:
    """The dataset's :class:`~parkanalysis.dataset.description.Description`, read once.

    Remembered per process while park.yaml (size, modification time, inode) and the
    folder's file names are unchanged (``sources:`` names files that must be there), so a
    batch that plans many reports of one dataset reads it once too.
    """
    folder = resolve_data_folder(data)
    try:
        st = (folder / "park.yaml").stat()
        names = tuple(sorted(os.listdir(folder)))
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, names)
    except OSError:
        stamp = None
    return _describe_at(str(folder), stamp)


@functools.lru_cache(maxsize=32)
def _describe_at(folder: str, _stamp) -> Description:
    from parkanalysis.dataset.description import describe_dataset

    return describe_dataset(folder)


#: Report kinds that implement share mode (``--share``); any other refuses it.
SHARE_KINDS = ("period", "land")


def report_kind_name(kind: str | os.PathLike) -> str:
    """The kind as it appears in file names: ``period``, ``land`` … or the notebook's stem."""
    text = os.fspath(kind)
    return text if text in REPORT_KINDS else safe_name(Path(text).stem, what="笔记本名")


@dataclass(frozen=True)
class ReportPlan:
    """Everything decided about one report before any kernel runs."""

    kind: str
    notebook: Path
    params: dict[str, Any]
    out_dir: Path
    html_path: Path
    key_path: Path
    failed_path: Path
    data_fingerprint: str
    key: str
    formats: tuple[str, ...] = ("html",)
    #: The title-based stem of a period or land report (its Word and PDF files too);
    #: None for notebooks named by code.
    titled_stem: str | None = None
    #: The dataset's park.yaml as read once for this plan (None without a data folder).
    description: Description | None = field(default=None, repr=False, compare=False)

    @property
    def outputs_path(self) -> Path:
        """Where the names of the DOCX/PDF files made with the HTML are recorded."""
        return self.key_path.with_name(self.html_path.name + ".outputs.json")

    def recorded_outputs(self) -> dict[str, Path]:
        """The files of every format last written for this report (that still exist)."""
        outputs = {"html": self.html_path}
        try:
            names = json.loads(self.outputs_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            names = {}
        for fmt, name in names.items() if isinstance(names, dict) else ():
            path = self.out_dir / str(name)
            inside = path.resolve().parent == self.out_dir.resolve()
            if fmt in FORMATS and path.is_file() and inside:
                outputs[fmt] = path
        return outputs

    def is_cached(self) -> bool:
        """True when the HTML (and each other format asked for) exists from the same inputs."""
        try:
            same = self.html_path.is_file() and self.key_path.read_text() == self.key
        except OSError:
            return False
        return same and set(self.formats) <= set(self.recorded_outputs())


def plan_report(
    kind: str, *, out_dir: str | os.PathLike = "reports", formats=("html",), **params: Any
) -> ReportPlan:
    """Check the parameters and decide file names and cache key (no kernel, no writes).

    Raises :class:`ParameterError` for unknown or malformed parameters and for anything
    that would put a file outside ``out_dir``; :class:`RenderError` when a PDF is asked for
    and Chromium is missing.
    """
    formats = check_formats(formats)
    if "pdf" in formats:
        from parkanalysis.report.writers.pdf import find_chromium

        find_chromium()  # before any kernel runs: no half-done output
    notebook = resolve_notebook(kind)
    checked = check_parameters(notebook, params)
    kind_name = report_kind_name(kind)
    if kind_name == "land" and checked.get("period") is not None:
        # one way to give a report its period: the land report is as of the period's last
        # month, the same report (file, cache key) as papermill's ``as_of``
        from parkanalysis.report.naming import land_as_of

        checked["as_of"] = land_as_of(checked.pop("period"), checked.get("as_of"))
    if checked.get("share") and kind_name not in SHARE_KINDS:
        raise ParameterError(
            f"报告 {kind_name!r} 不支持对外版(--share):只有 {'、'.join(SHARE_KINDS)} "
            "报告按对外版规则保护企业数据(见 docs/SHARE.md)。"
        )
    description = describe(checked["data"]) if checked.get("data") else None
    if checked.get("share") and description is not None:  # bad share settings: exit 2
        from parkanalysis.share.rules import check_profile_share

        check_profile_share(description)
    out = Path(out_dir)
    titled = _titled_stem(kind_name, checked, description)
    name = report_filename(kind_name, checked, description)
    html_path = out / name
    if html_path.resolve().parent != out.resolve():  # defence in depth: safe_name did this
        raise ParameterError(f"报告文件 {name!r} 不在输出文件夹 {out} 内。")
    data_fp = ""
    if description is not None:
        data_fp = folder_fingerprint(description.folder, contents=description.contents())
    return ReportPlan(
        kind=kind_name,
        notebook=notebook,
        params=checked,
        out_dir=out,
        html_path=html_path,
        key_path=out / ".cache" / (name + ".key"),
        failed_path=out / ".failed" / (failed_name(html_path.stem) + ".ipynb"),
        data_fingerprint=data_fp,
        key=cache_key(notebook, checked, data_fp + _office_fp(description)),
        formats=formats,
        titled_stem=titled,
        description=description,
    )


def _office_fp(description: Description | None) -> str:
    """The office's texts and Word template change a report as data do."""
    from parkanalysis.report.texts import office_fingerprint

    return office_fingerprint(description.folder) if description is not None else ""
