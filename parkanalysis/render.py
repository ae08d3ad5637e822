"""Render one report: check parameters, execute the notebook with papermill, export HTML.

The recipe (:func:`render_report`) reads top to bottom::

    resolve notebook → check parameters → cache check → execute → export HTML → atomic write

Only this module and :mod:`parkanalysis.batch` write report files.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import hashlib
import html
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parkanalysis._io import atomic_write, folder_fingerprint
from parkanalysis.errors import ParameterError, RenderError

#: Folder of the report notebooks (next to the package in the repository).
NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"

#: Report kinds and their notebooks.
REPORT_KINDS = {
    "period": "period_report.ipynb",
    "land": "land_report.ipynb",
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

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


# --------------------------------------------------------------------------- parameters
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
            folder = Path(value).expanduser()
            if not folder.is_dir():
                raise ParameterError(f"数据文件夹不存在: {value}")
            if not (folder / "park.yaml").is_file():
                raise ParameterError(f"数据文件夹 {value} 中没有 park.yaml(园区概况)。")
            value = str(folder.resolve())
        if name == "park" and value is not None:
            safe_name(value, what="园区代码")
        checked[name] = value
    return checked


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


# --------------------------------------------------------------------------- execution
#: Run in a kernel once, right after it starts: the heavy imports every report needs.
WARMUP_CODE = """
import matplotlib
import pandas
import parkanalysis.report
parkanalysis.report.remember_clean_state()
"""

#: Run after every report in a reused kernel so that the next one starts as if fresh.
RESET_CODE = """
get_ipython().run_line_magic("reset", "-f")
import parkanalysis.report
parkanalysis.report.restore_clean_state()
del parkanalysis
"""


class ExecutionFailed(RenderError):
    """A cell raised or the kernel died; ``notebook`` holds what was executed."""

    def __init__(self, message: str, notebook=None):
        super().__init__(message)
        self.notebook = notebook


def _readable_translator():
    """papermill's Python translator, but strings as ``repr`` literals (Chinese stays readable).

    ``repr`` of a ``str`` is a Python literal that evaluates back to the same string, so a
    value can never break out of its quotes.
    """
    from papermill.translators import PythonTranslator

    class ReadablePythonTranslator(PythonTranslator):
        @classmethod
        def translate_str(cls, val):
            return repr(str(val))

    return ReadablePythonTranslator


def parameterize(notebook: str | os.PathLike, params: dict[str, Any]):
    """Return the notebook node with papermill's injected-parameters cell."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook
    from papermill.translators import papermill_translators

    papermill_translators.register("python3", _readable_translator())

    path = resolve_notebook(notebook)
    nb = load_notebook_node(str(path))
    return parameterize_notebook(nb, params, kernel_name="python3", language="python")


class KernelSession:
    """One IPython kernel that executes report notebooks one after another.

    The kernel starts once with the heavy imports done (:data:`WARMUP_CODE`); after each
    report :data:`RESET_CODE` clears the user namespace and restores matplotlib, pandas
    and warnings settings, so every report sees a clean kernel. Call :meth:`restart`
    after a failure; :meth:`close` at the end. ``with KernelSession() as s:`` does both.
    """

    def __init__(self, *, cwd: str | os.PathLike | None = None, timeout: int = 600):
        self.cwd = str(cwd or NOTEBOOK_DIR)
        self.timeout = timeout
        self._client = None
        self._ipc_dir: str | None = None
        self.reports_run = 0

    def __enter__(self) -> KernelSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """Process id of the kernel, when one is running."""
        if self._client is None or self._client.km is None:
            return None
        provisioner = getattr(self._client.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def _start(self) -> None:
        import nbformat
        from nbclient import NotebookClient

        client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name="python3",
            timeout=self.timeout,
            startup_timeout=120,
            resources={"metadata": {"path": self.cwd}},
        )
        client.km = client.create_kernel_manager()
        # Local IPC sockets instead of TCP: nothing listens on the network, and the kernel
        # has no reason to warn about unencrypted TCP in the batch log.
        self._ipc_dir = tempfile.mkdtemp(prefix="pa-kernel-")
        client.km.transport = "ipc"
        client.km.ip = os.path.join(self._ipc_dir, "k")
        client.start_new_kernel(cwd=self.cwd)
        client.start_new_kernel_client()
        self._client = client
        self._run_code(WARMUP_CODE)

    def _run_code(self, code: str) -> None:
        import nbformat

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        try:
            self._runner(nb).execute()
        except Exception as exc:
            raise ExecutionFailed(f"内核初始化失败: {exc}") from exc

    def _runner(self, nb):
        from nbclient import NotebookClient

        runner = NotebookClient(
            nb,
            km=self._client.km,
            timeout=self.timeout,
            kernel_name="python3",
            resources={"metadata": {"path": self.cwd}},
        )
        runner.kc = self._client.kc  # reuse the running kernel's client (not a trait)
        return runner

    def execute(self, nb):
        """Execute ``nb`` in place and return it; raise :class:`ExecutionFailed` on errors."""
        from nbclient.exceptions import CellExecutionError, DeadKernelError

        if self._client is None:
            self._start()
        try:
            self._runner(nb).execute()
        except CellExecutionError as exc:
            self.restart()
            raise ExecutionFailed(f"报告执行失败: {exc.ename}: {exc.evalue}", nb) from exc
        except (DeadKernelError, RuntimeError, TimeoutError) as exc:
            self.close()
            raise ExecutionFailed(f"内核异常终止或超时: {exc}", nb) from exc
        self.reports_run += 1
        try:
            self._run_code(RESET_CODE)
        except Exception:  # a report that leaves the kernel unusable gets a new one next time
            self.close()
        return nb

    def restart(self) -> None:
        """Replace the kernel by a fresh, warmed-up one."""
        self.close()
        self._start()

    def close(self) -> None:
        """Shut the kernel down (idempotent)."""
        client, self._client = self._client, None
        if client is None:
            return
        ipc_dir, self._ipc_dir = self._ipc_dir, None
        # nbclient's own shutdown of the kernel it started; a killed kernel is already gone
        with contextlib.suppress(Exception):
            client._cleanup_kernel()
        if ipc_dir:
            shutil.rmtree(ipc_dir, ignore_errors=True)


def execute_notebook(
    notebook: str | os.PathLike, params: dict[str, Any], *, timeout: int = 600, session=None
):
    """Parameterize and execute a report notebook; return the executed node.

    Uses ``session`` (a warm :class:`KernelSession`) when given, else a fresh kernel that
    is shut down afterwards. Raises :class:`ExecutionFailed` carrying the executed notebook.
    """
    nb = parameterize(notebook, params)
    if session is not None:
        return session.execute(nb)
    with KernelSession(cwd=resolve_notebook(notebook).parent, timeout=timeout) as fresh:
        return fresh.execute(nb)


# --------------------------------------------------------------------------- HTML
def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="parkreport",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="zh",
    )
    return exporter


_HEADING = re.compile(r"<h([23])([^>]*)\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _toc(body: str) -> str:
    items = []
    for level, _attrs, anchor, inner in _HEADING.findall(body):
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        if text:
            items.append(
                f'<li class="pa-toc-h{level}"><a href="#{html.escape(anchor, quote=True)}">'
                f"{html.escape(text)}</a></li>"
            )
    if not items:
        return ""
    return (
        '<nav class="pa-toc" aria-label="目录"><strong>目录</strong><ol>'
        + "".join(items)
        + "</ol></nav>"
    )


def _footer(provenance: dict[str, Any]) -> str:
    rows = "".join(
        f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>"
        for k, v in provenance.items()
    )
    return f'<footer class="pa-provenance"><p>报告来源信息</p><dl>{rows}</dl></footer>'


def export_html(nb, *, provenance: dict[str, Any]) -> str:
    """Export an executed notebook to one self-contained HTML page.

    Code is hidden, images are embedded, no script or stylesheet is loaded from elsewhere;
    the page gets ``lang="zh-CN"``, the first heading as its title, a table of contents
    after that heading and a provenance footer.
    """
    body, _resources = _exporter().from_notebook_node(nb)
    body = body.replace('<html lang="zh">', '<html lang="zh-CN">', 1)
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    if match:
        title = html.unescape(_TAG.sub("", match.group(1))).replace("¶", "").strip()
        body = re.sub(
            r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", body, count=1, flags=re.S
        )
        end = body.find("</h1>", match.start()) + len("</h1>")
        body = body[:end] + _toc(body) + body[end:]
    body = body.replace("</main>", _footer(provenance) + "\n</main>", 1)
    return body


def notebook_problems(nb) -> list[str]:
    """Return error and stderr outputs of an executed notebook (empty when clean)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"单元 {index}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                problems.append(f"单元 {index} 输出了警告: {output.get('text', '')[:200]}")
    return problems


# --------------------------------------------------------------------------- recipe
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


def report_filename(kind: str, params: dict[str, Any]) -> str:
    """Return the HTML file name for a report, e.g. ``GMY_2016-01_05_period.html``."""
    from parkanalysis.periods import parse_period

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


def render_report(
    kind: str,
    *,
    out_dir: str | os.PathLike = "reports",
    force: bool = False,
    timeout: int = 600,
    session: KernelSession | None = None,
    **params: Any,
) -> RenderResult:
    """Render one report to ``out_dir`` and return what happened.

    Parameters
    ----------
    kind : str
        ``period``, ``land``, ``explore`` or the path of a parameterized notebook.
    out_dir : path, default ``"reports"``
        Output folder; the HTML goes straight into it, nothing is written elsewhere.
    force : bool, default False
        Render even when notebook, data, parameters and package version are unchanged.
    session : KernelSession, optional
        A warm kernel to execute in (batch workers); a fresh kernel when omitted.
    **params
        Notebook parameters (``data``, ``period``, ``park``, ``share`` …), checked first.

    Raises
    ------
    ParameterError
        Before any kernel starts, for unknown or malformed parameters.
    RenderError
        When a cell fails; the executed notebook is kept next to the output for debugging.
    """
    import time

    notebook = resolve_notebook(kind)
    checked = check_parameters(notebook, params)
    kind_name = kind if kind in REPORT_KINDS else safe_name(notebook.stem, what="笔记本名")
    out = Path(out_dir)
    html_path = out / report_filename(kind_name, checked)
    key_path = out / ".cache" / (html_path.name + ".key")
    data_fp = folder_fingerprint(checked["data"]) if checked.get("data") else ""
    key = cache_key(notebook, checked, data_fp)
    if not force and html_path.is_file() and key_path.is_file() and key_path.read_text() == key:
        return RenderResult(kind_name, checked, html_path, "cached")

    failed_path = out / ".failed" / (html_path.stem + ".ipynb")
    start = time.perf_counter()
    try:
        nb = execute_notebook(notebook, checked, timeout=timeout, session=session)
    except ExecutionFailed as exc:
        if exc.notebook is not None:
            import nbformat

            atomic_write(failed_path, nbformat.writes(exc.notebook))
        return RenderResult(
            kind_name,
            checked,
            html_path,
            "failed",
            time.perf_counter() - start,
            str(exc),
            failed_path if exc.notebook is not None else None,
        )
    failed_path.unlink(missing_ok=True)
    provenance = {
        "报告": notebook.name,
        "参数": json.dumps(
            {k: v for k, v in checked.items() if k != "data"}, ensure_ascii=False, sort_keys=True
        ),
        "数据集": Path(checked["data"]).name if checked.get("data") else "",
        "数据指纹(SHA-256)": data_fp,
        "parkanalysis 版本": package_version(),
        "生成时间": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    atomic_write(html_path, export_html(nb, provenance=provenance))
    atomic_write(key_path, key)
    return RenderResult(
        kind_name,
        checked,
        html_path,
        "rendered",
        time.perf_counter() - start,
        problems=notebook_problems(nb),
    )
