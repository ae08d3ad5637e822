"""Report kinds and notebook parameters, checked before any kernel starts.

A report kind (``period``, ``land``, ``explore``) names a notebook in :data:`NOTEBOOK_DIR`;
any other parameterized ``.ipynb`` file is accepted by path. Its parameters are what the
cell tagged ``parameters`` declares (:class:`ParamSpec`): :func:`check_parameters` refuses
unknown names, wrong types and unsafe file-name parts, :func:`check_report_inputs` what the
data cannot answer (the same refusals as ``parkanalysis indicators`` and ``land``).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parkanalysis._io import resolve_data_folder
from parkanalysis.errors import ParameterError

#: Folder of the report notebooks (next to the package in the repository).
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"

#: Report kinds and their notebooks.
REPORT_KINDS = {
    "period": "period_report.ipynb",
    "land": "land_report.ipynb",
    "overview": "overview_report.ipynb",
    "explore": "explore.ipynb",
}

#: Reserved device names on Windows, rejected in anything that becomes a file name.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


@dataclass(frozen=True)
class ParamSpec:
    """One notebook parameter as declared in its ``parameters`` cell."""

    name: str
    type_name: str
    default: Any
    help: str

    def describe(self) -> str:
        """Return ``name (type, 默认 default): help``."""
        return f"{self.name} ({self.type_name}, 默认 {self.default!r}): {self.help}"


def resolve_notebook(kind_or_path: str | os.PathLike) -> Path:
    """Return the notebook for a report kind (``period``, ``land``, ``explore``) or a path.

    Raises
    ------
    ParameterError
        When neither a known kind nor an existing ``.ipynb`` file.
    """
    text = os.fspath(kind_or_path)
    if text in REPORT_KINDS:
        return NOTEBOOK_DIR / REPORT_KINDS[text]
    path = Path(text)
    if path.suffix == ".ipynb" and path.is_file():
        return path.resolve()
    kinds = ", ".join(REPORT_KINDS)
    raise ParameterError(
        f"未知的报告类型或笔记本: {text!r}。可用类型: {kinds};或给出 .ipynb 文件路径。"
    )


def notebook_parameters(notebook: str | os.PathLike) -> dict[str, ParamSpec]:
    """Return the parameters a notebook declares, in order, with their help text."""
    import papermill

    path = resolve_notebook(notebook)
    specs: dict[str, ParamSpec] = {}
    for name, info in papermill.inspect_notebook(str(path)).items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            default = info["default"]
        specs[name] = ParamSpec(
            name, info.get("inferred_type_name") or "None", default, info.get("help", "")
        )
    return specs


def _coerce(spec: ParamSpec, value: Any) -> Any:
    """Convert a value to the type of the parameter's default, or raise ParameterError."""
    default = spec.default
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "1", "yes", "是"}:
            return True
        if isinstance(value, str) and value.lower() in {"false", "0", "no", "否"}:
            return False
    elif isinstance(default, int):
        try:
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            pass
    elif isinstance(default, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    elif default is None or isinstance(default, str):
        if value is None or isinstance(value, str | int | float):
            return value if value is None or isinstance(value, str) else str(value)
    else:
        return value
    raise ParameterError(f"参数 {spec.name} 应为 {type(default).__name__} 类型,收到 {value!r}。")


def _check_text(name: str, value: str) -> None:
    if len(value) > 500 or any(ord(ch) < 32 for ch in value):
        raise ParameterError(f"参数 {name} 含有控制字符或过长: {value[:40]!r}…")


def check_parameters(notebook: str | os.PathLike, params: dict[str, Any]) -> dict[str, Any]:
    """Validate parameters before any kernel starts; return them normalised.

    Unknown names, wrong types, malformed periods and missing data folders raise
    :class:`ParameterError` listing the notebook's valid parameters.
    """
    from parkanalysis.periods import parse_period

    specs = notebook_parameters(notebook)
    unknown = sorted(set(params) - set(specs))
    if unknown:
        listing = "\n".join(f"  {spec.describe()}" for spec in specs.values())
        raise ParameterError(f"未知参数: {', '.join(unknown)}。该报告的参数为:\n{listing}")
    checked: dict[str, Any] = {}
    for name, value in params.items():
        value = _coerce(specs[name], value)
        if isinstance(value, str):
            _check_text(name, value)
        if name == "period" and value is not None:
            parse_period(value)  # raises PeriodError (a ParameterError-like ValueError)
        if name == "data" and value is not None:
            folder = resolve_data_folder(value)
            if not folder.is_dir():
                raise ParameterError(f"数据文件夹不存在: {value}")
            if not (folder / "park.yaml").is_file() and not (
                Path(notebook).name == REPORT_KINDS["overview"] and office_folders(folder)
            ):
                raise ParameterError(f"数据文件夹 {value} 中没有 park.yaml(园区概况)。")
            value = str(folder.resolve())
        if name == "park" and value is not None:
            safe_name(value, what="园区代码")
        if name == "copy" and value is not None:
            from parkanalysis.report.naming import resolve_copy

            value = resolve_copy(value)  # 工作稿/上报稿/对外版 are accepted too
        if name == "date" and value not in (None, ""):
            from parkanalysis.report.form import parse_date

            try:
                value = parse_date(value).isoformat()
            except ValueError as exc:
                raise ParameterError(f"参数 date(成文日期):{exc}") from None
        checked[name] = value
    return checked


def office_folders(folder: Path) -> list[Path]:
    """The subfolders of ``folder`` that hold a park.yaml (a folder of office folders: the
    overview's province), in name order; empty when ``folder`` is itself a dataset."""
    if (folder / "park.yaml").exists() or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "park.yaml").is_file())


def check_report_inputs(params: dict[str, Any], description=None, *, kind: str = "") -> None:
    """Check checked parameters against the data, before any kernel starts.

    Exactly what ``parkanalysis indicators`` and ``land`` refuse is refused here, with the
    same messages: a dataset with errors, an unknown park (or none named in a multi-park
    dataset), a period the park's data do not cover, a cut-off date outside the data, a
    forecast horizon or confidence out of range; for the overview (``kind="overview"``) a
    period no park covers (a park that does not cover it is 未报 in the report).
    ``description``: the dataset's park.yaml
    as already read for the plan (:attr:`ReportPlan.description`), not read again.

    Raises
    ------
    ParkAnalysisError
        ``DataError``, ``PeriodError`` or ``ParameterError`` (the CLI exits with code 2).
    """
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.land.projection import HORIZON_YEARS  # stated once there
    from parkanalysis.periods import check_period_available, parse_period

    if "horizon" in params and not HORIZON_YEARS[0] <= int(params["horizon"]) <= HORIZON_YEARS[1]:
        raise ParameterError(
            f"horizon 应为 {HORIZON_YEARS[0]}-{HORIZON_YEARS[1]} 年,收到 {params['horizon']!r}。"
        )
    if "confidence" in params and not 0 < float(params["confidence"]) < 1:
        raise ParameterError(f"confidence 应在 0 与 1 之间,收到 {params['confidence']!r}。")
    if not params.get("data"):
        return
    if kind == "overview":  # every park: refused only when none covers the period
        from parkanalysis.province import load_province, park_status

        folder = resolve_data_folder(params["data"])
        if office_folders(folder):
            ds = load_province([folder])
        else:
            ds = load_cached(folder, description=description)
            if params.get("park") is not None:
                ds.resolve_park(params["park"])  # an unknown park: the data's own message

        status = park_status(ds, params["period"])
        if status.empty or (status["status"] == "未报").all():
            reasons = ";".join(
                f"{p}:{r}" for p, r in zip(status["park"], status["reason"], strict=True)
            )
            raise ParameterError(f"没有园区的数据覆盖该报告期,不出综述报告。{reasons}")
        return
    ds = load_cached(params["data"], description=description)  # a share sidecar reuses it
    park = ds.resolve_park(params.get("park"))
    one = ds.subset(park) if len(ds.parks) > 1 else ds
    if params.get("period") is not None:
        # the months with any return first (a period outside them is "超出数据范围"), then
        # completeness: a period past the data-complete month or below the 报送率 threshold
        # is refused with its reporting rate, unless allow_incomplete
        if one.reported_range is None:
            raise ParameterError(
                f"{parse_period(params['period']).label} 无法计算:没有月度统计数据。"
            )
        first, last = one.reported_range
        period = parse_period(params["period"])
        check_period_available(
            period,
            first_month=first,
            last_month=last,
            jan_feb_combined=bool(one.jan_feb_combined),
        )
        if not params.get("allow_incomplete"):
            from parkanalysis.dataset.completeness import require_complete

            require_complete(ds, period, park)
    if params.get("as_of") is not None:
        from parkanalysis.land import resolve_as_of

        resolve_as_of(one, params["as_of"])


def failed_name(stem: str) -> str:
    """The kept notebook's file name: the report's stem, made safe (as the HTML's is), with
    full-width look-alikes folded (NFKC) and spaces replaced.

    >>> failed_name("ＧＭＹ 甲_2016H1_period"), failed_name("工贸园2016年上半年工作总结")
    ('GMY_甲_2016H1_period', '工贸园2016年上半年工作总结')
    """
    import unicodedata

    from parkanalysis.report.naming import safe_stem

    plain = re.sub(r"\s+", "_", unicodedata.normalize("NFKC", stem))
    return safe_stem(plain, "report").lstrip("-") or "report"


def safe_name(text: str, *, what: str = "名称") -> str:
    """Return ``text`` if it is safe as one file-name component, else raise ParameterError.

    Rejects path separators, ``..``, absolute paths, control characters, reserved device
    names and names longer than 100 characters.
    """
    if (
        not text
        or len(text) > 100
        or text in {".", ".."}
        or any(ch in text for ch in '/\\:*?"<>|')
        or any(ord(ch) < 32 for ch in text)
        or text.split(".")[0].lower() in _RESERVED
        or text.startswith((".", "-"))
    ):
        raise ParameterError(f"{what} {text!r} 不能用作文件名(不允许路径、保留名或特殊字符)。")
    return text
