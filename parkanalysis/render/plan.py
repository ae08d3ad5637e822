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
    office_folders,
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

    data = params.get("data")
    if description is None and data and not office_folders(resolve_data_folder(data)):
        description = describe(data)
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
    if params.get("share") or params.get("copy") == "share":
        parts.append("share")
    elif params.get("copy") == "work":
        parts.append("work")
    return "_".join(parts) + ".html"


def _titled_stem(kind: str, params: dict[str, Any], description: Description | None) -> str | None:
    """The title-based stem of a period or land report (None: name it by code)."""
    from parkanalysis.report.naming import TITLED_KINDS, report_stem

    if kind == "overview" and params.get("period"):
        # named after the total: zone_name, else park.yaml's zone.name (「全区」); a folder of
        # office folders (no description) 「合计」
        profile = description.profile if description is not None else None
        cfg = profile.config if profile is not None else {}
        default = "全区" if description is not None else "合计"
        name = params.get("zone_name") or (cfg.get("zone") or {}).get("name") or default
        return report_stem(
            kind, str(name), period=params["period"], share=bool(params.get("share")),
            fallback="overview", copy=params.get("copy"),
        )  # fmt: skip
    if kind not in TITLED_KINDS or description is None:
        return None
    if kind in ("period", "overview") and not params.get("period"):
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
        copy=params.get("copy"),
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


#: Report kinds that implement share mode (``--share``) and the three copies (``--copy``);
#: any other refuses them.
SHARE_KINDS = ("period", "land", "overview")


def resolve_plan_copy(kind_name: str, checked: dict[str, Any]) -> None:
    """Put the report's copy in its parameters, once and explicitly (changed in place).

    A period or land report always gets ``copy`` (the 上报稿 unless asked otherwise), and
    ``share=True`` exactly when the copy is the 对外版, so that the file name, the cache
    key and the notebook agree. ``share=True`` with another copy is refused.
    """
    from parkanalysis.report.naming import COPIES, resolve_copy

    if kind_name not in SHARE_KINDS and "copy" not in checked:
        return
    copy = checked.get("copy")
    if checked.get("share") and copy not in (None, "share", COPIES["share"]):
        raise ParameterError(
            f"--share 即对外版(--copy share),与 --copy {copy} 矛盾;请只给其中一个。"
        )
    checked["copy"] = resolve_copy(copy, bool(checked.get("share")))
    if checked["copy"] == "share":
        checked["share"] = True
    else:
        checked.pop("share", None)


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
    if kind_name not in SHARE_KINDS and checked.get("copy") not in (None, "final"):
        raise ParameterError(
            f"报告 {kind_name!r} 只有一种稿别:--copy 只适用于 {'、'.join(SHARE_KINDS)} 报告。"
        )
    resolve_plan_copy(kind_name, checked)
    if checked.get("share") and kind_name not in SHARE_KINDS:
        raise ParameterError(
            f"报告 {kind_name!r} 不支持对外版(--share):只有 {'、'.join(SHARE_KINDS)} "
            "报告按对外版规则保护企业数据(见 docs/SHARE.md)。"
        )
    offices = office_folders(resolve_data_folder(checked["data"])) if checked.get("data") else []
    description = describe(checked["data"]) if checked.get("data") and not offices else None
    if checked.get("share") and description is not None:  # bad share settings: exit 2
        from parkanalysis.share.rules import check_profile_share

        check_profile_share(description)
    if description is not None and kind_name in SHARE_KINDS:
        check_office_text(kind_name, checked, description)
    out = Path(out_dir)
    titled = _titled_stem(kind_name, checked, description)
    name = report_filename(kind_name, checked, description)
    html_path = out / name
    if html_path.resolve().parent != out.resolve():  # defence in depth: safe_name did this
        raise ParameterError(f"报告文件 {name!r} 不在输出文件夹 {out} 内。")
    data_fp = ""
    if description is not None:
        data_fp = folder_fingerprint(description.folder, contents=description.contents())
    elif offices:  # the overview of a folder of office folders: every dataset's data
        data_fp = hashlib.sha256(
            "\n".join(f"{f.name}:{folder_fingerprint(f)}" for f in offices).encode()
        ).hexdigest()
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


def check_office_text(kind_name: str, checked: dict[str, Any], description: Description) -> None:
    """Read the office's texts file of the report once before any kernel runs: a file that
    is not UTF-8, has a bad front matter (``date:``, ``issuer:``, ``headings:``) or breaks
    the image, link and (for a share copy) disclosure policy of
    :mod:`parkanalysis.report.textpolicy` is a :class:`~parkanalysis.errors.DataError`
    naming file, row, key and value (exit 2)."""
    from parkanalysis.periods import parse_period
    from parkanalysis.report.texts import read_office_text

    when = checked.get("period") if kind_name == "period" else checked.get("as_of")
    if when:
        read_office_text(
            description.folder,
            parse_period(str(when)[:7] if kind_name == "land" else when),
            share=bool(checked.get("share")),
        )


def _office_fp(description: Description | None) -> str:
    """The office's texts and Word template change a report as data do."""
    from parkanalysis.report.texts import office_fingerprint

    return office_fingerprint(description.folder) if description is not None else ""
