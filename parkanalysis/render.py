"""Render one report: check parameters, execute the notebook with papermill, export HTML.

The recipe (:func:`render_report`) reads top to bottom::

    resolve notebook → check parameters → cache check → execute → export HTML → atomic write

Only this module and :mod:`parkanalysis.batch` write report files.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import functools
import hashlib
import html
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parkanalysis._io import (
    atomic_write,
    check_output_folder,
    folder_fingerprint,
    resolve_data_folder,
)
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
            folder = resolve_data_folder(value)
            if not folder.is_dir():
                raise ParameterError(f"数据文件夹不存在: {value}")
            if not (folder / "park.yaml").is_file():
                raise ParameterError(f"数据文件夹 {value} 中没有 park.yaml(园区概况)。")
            value = str(folder.resolve())
        if name == "park" and value is not None:
            safe_name(value, what="园区代码")
        checked[name] = value
    return checked


def check_report_inputs(params: dict[str, Any]) -> None:
    """Check checked parameters against the data, before any kernel starts.

    Exactly what ``parkanalysis indicators`` and ``land`` refuse is refused here, with the
    same messages: a dataset with errors, an unknown park (or none named in a multi-park
    dataset), a period the park's data do not cover, a cut-off date outside the data, a
    forecast horizon or confidence out of range.

    Raises
    ------
    ParkAnalysisError
        ``DataError``, ``PeriodError`` or ``ParameterError`` (the CLI exits with code 2).
    """
    from parkanalysis.dataset import load_dataset
    from parkanalysis.land.outlook import HORIZON_YEARS  # stated once there
    from parkanalysis.periods import check_period_available, parse_period

    if "horizon" in params and not HORIZON_YEARS[0] <= int(params["horizon"]) <= HORIZON_YEARS[1]:
        raise ParameterError(
            f"horizon 应为 {HORIZON_YEARS[0]}-{HORIZON_YEARS[1]} 年,收到 {params['horizon']!r}。"
        )
    if "confidence" in params and not 0 < float(params["confidence"]) < 1:
        raise ParameterError(f"confidence 应在 0 与 1 之间,收到 {params['confidence']!r}。")
    if not params.get("data"):
        return
    ds = load_dataset(params["data"])
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


def _failed_name(stem: str) -> str:
    """The kept notebook's file name: the report's stem, made safe (as the HTML's is)."""
    from parkanalysis.report.naming import safe_stem

    return safe_stem(stem, "report").lstrip("-") or "report"


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
#: Modules every report imports; a warm kernel imports them once, before the first report.
REPORT_MODULES = (
    "parkanalysis.dataset",
    "parkanalysis.indicators",
    "parkanalysis.grading",
    "parkanalysis.land",
    "parkanalysis.forecast",
    "parkanalysis.safety",
    "parkanalysis.projects",
    "parkanalysis.narrative",
    "parkanalysis.labels",
    "parkanalysis.plots",
)


def warmup_code(preload: str | None = None) -> str:
    """Code run in a kernel once, right after it starts: the heavy imports every report
    needs and, when ``preload`` names a data folder, loading that dataset into the
    per-process cache of :mod:`parkanalysis.report` (it survives ``%reset -f``).

    The clean state that :data:`RESET_CODE` restores is recorded last, so every report of
    a reused kernel starts from the state a fresh kernel has after the same imports.
    """
    lines = ["import importlib", "import matplotlib", "import pandas", "import parkanalysis.report"]
    lines += [f"importlib.import_module({name!r})" for name in REPORT_MODULES]
    if preload:
        # Data are passed as a literal (repr), never spliced into code; a dataset that does
        # not load is left to the report, which then fails with the real message.
        lines += [
            "try:",
            f"    parkanalysis.report.load_cached({str(preload)!r})",
            "except Exception:",
            "    pass",
        ]
    lines += ["parkanalysis.report.remember_clean_state()", "del importlib, matplotlib, pandas"]
    lines += ["del parkanalysis"]
    return "\n".join(lines) + "\n"


#: Kept for callers that want the plain warm-up (no dataset preloaded).
WARMUP_CODE = warmup_code()

#: Run after every report in a reused kernel so that the next one starts as if fresh.
#: ``%reset -f`` clears the user namespace (and collects garbage); imported modules and the
#: dataset cache in :mod:`parkanalysis.report` stay.
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
    """Return the notebook node with papermill's injected-parameters cell.

    Cells get stable ids (``pa-000``, ``pa-001`` …): the notebooks on disk carry none, and
    nbformat would otherwise invent random ones on every read, which end up in the HTML.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook
    from papermill.translators import papermill_translators

    from parkanalysis.report.texts import merge_office_texts

    papermill_translators.register("python3", _readable_translator())

    path = resolve_notebook(notebook)
    nb = load_notebook_node(str(path))
    nb = parameterize_notebook(nb, params, kernel_name="python3", language="python")
    if params.get("share"):  # internal sections (data checks with file names) stay inside
        nb.cells = [c for c in nb.cells if "office_only" not in c.metadata.get("tags", [])]
    nb = merge_office_texts(nb, params)  # the office's own sections (texts/<period>.md)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"pa-{index:03d}"
    return nb


class _Kernel:
    """One kernel process and its client; warming up from :meth:`launch` until :meth:`ready`.

    :meth:`launch` starts the process and sends the warm-up code without waiting, so a
    kernel can warm up while another one renders; :meth:`ready` waits for the warm-up's
    reply and for the IOPub channel (outputs published before it is connected would be lost).
    """

    def __init__(self, cwd: str, timeout: int, code: str, ipc_root: str | None = None):
        self.cwd, self.timeout, self.code, self.ipc_root = cwd, timeout, code, ipc_root
        self.client = None
        self.ipc_dir: str | None = None
        self._warm_id: str | None = None
        self.reports_run = 0

    @property
    def pid(self) -> int | None:
        km = getattr(self.client, "km", None)
        process = getattr(getattr(km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def launch(self) -> _Kernel:
        import nbformat
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient

        client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name="python3",
            timeout=self.timeout,
            startup_timeout=120,
            shutdown_kernel="immediate",  # nothing to save in a kernel we retire
            resources={"metadata": {"path": self.cwd}},
        )
        client.km = client.create_kernel_manager()
        # Local IPC sockets instead of TCP: nothing listens on the network, and the kernel
        # has no reason to warn about unencrypted TCP in the batch log.
        self.ipc_dir = tempfile.mkdtemp(prefix="pa-kernel-", dir=self.ipc_root)
        client.km.transport = "ipc"
        client.km.ip = os.path.join(self.ipc_dir, "k")
        self.client = client

        async def start() -> None:
            from jupyter_core.utils import ensure_async

            await client.async_start_new_kernel(cwd=self.cwd)
            kc = client.km.client()
            await ensure_async(kc.start_channels())
            kc.allow_stdin = False
            client.kc = kc
            self._warm_id = kc.execute(self.code, store_history=False, allow_stdin=False)

        try:
            run_sync(start)()
        except Exception as exc:
            self.close()
            raise ExecutionFailed(f"内核启动失败: {exc}") from exc
        return self

    def ready(self) -> _Kernel:
        """Wait until the warm-up has run; raise :class:`ExecutionFailed` when it did not."""
        import queue
        import time

        from jupyter_core.utils import ensure_async, run_sync

        if self._warm_id is None:
            return self
        client, warm_id = self.client, self._warm_id
        deadline = time.monotonic() + 120 + self.timeout

        async def wait() -> dict:
            while True:
                try:
                    msg = await ensure_async(client.kc.get_shell_msg(timeout=1))
                except queue.Empty:
                    if not await ensure_async(client.km.is_alive()):
                        raise RuntimeError("内核进程已退出") from None
                    if time.monotonic() > deadline:
                        raise TimeoutError("内核预热超时") from None
                    continue
                if msg["parent_header"].get("msg_id") == warm_id:
                    await ensure_async(client.kc.wait_for_ready(timeout=60))
                    return msg["content"]

        try:
            content = run_sync(wait)()
        except Exception as exc:
            self.close()
            raise ExecutionFailed(f"内核启动失败: {exc}") from exc
        if content.get("status") != "ok":
            self.close()
            raise ExecutionFailed(
                f"内核初始化失败: {content.get('ename')}: {content.get('evalue')}"
            )
        self._warm_id = None
        return self

    def runner(self, nb):
        from nbclient import NotebookClient

        runner = NotebookClient(
            nb,
            km=self.client.km,
            timeout=self.timeout,
            kernel_name="python3",
            resources={"metadata": {"path": self.cwd}},
        )
        runner.kc = self.client.kc  # reuse the running kernel's client (not a trait)
        return runner

    def run_code(self, code: str) -> None:
        import nbformat

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        self.runner(nb).execute()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            # nbclient's own shutdown of the kernel it started; a killed kernel is already gone
            with contextlib.suppress(Exception):
                client._cleanup_kernel()
        ipc_dir, self.ipc_dir = self.ipc_dir, None
        if ipc_dir:
            shutil.rmtree(ipc_dir, ignore_errors=True)


class KernelSession:
    """An IPython kernel that executes report notebooks one after another.

    The kernel starts once with the heavy imports done (:func:`warmup_code`, optionally
    with the dataset ``preload``-ed); after each report :data:`RESET_CODE` clears the user
    namespace and restores matplotlib, pandas, warnings, cwd, ``sys.path`` and environment,
    so every report sees a clean kernel.

    The kernel is replaced after any failure (a cell that raised, a dead kernel, a timeout)
    and, with ``restart_every``, after that many reports (memory stays flat). With
    ``standby=True`` the replacement is *started ahead*: right after a failure (failures
    come in runs: a park with broken data fails every report) the next kernel and a spare
    warm up at once, and the spare is swapped in at the next failure without waiting.
    ``ahead=N`` also starts the next kernel N reports before each periodic restart; that
    hides the restart but holds two kernels for a while, so the default (0) retires the old
    kernel first and keeps the peak memory of a long batch equal to that of a short one.
    ``with KernelSession() as s:`` closes everything at the end.
    """

    def __init__(
        self,
        *,
        cwd: str | os.PathLike | None = None,
        timeout: int = 600,
        standby: bool = False,
        restart_every: int | None = None,
        preload: str | os.PathLike | None = None,
        ahead: int = 0,
        ipc_root: str | None = None,
    ):
        self.cwd = str(cwd or NOTEBOOK_DIR)
        self.timeout = timeout
        self.standby = standby
        self.ahead = ahead
        self.ipc_root = ipc_root  # where kernel sockets go (a batch removes it at the end)
        self.restart_every = restart_every
        self.code = warmup_code(str(preload) if preload else None)
        self._kernel: _Kernel | None = None
        self._standby: _Kernel | None = None
        self.reports_run = 0
        self.kernels_started = 0

    def __enter__(self) -> KernelSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """Process id of the current kernel, when one is running."""
        return self._kernel.pid if self._kernel else None

    @property
    def standby_pid(self) -> int | None:
        """Process id of the kernel warming up in standby, when there is one."""
        return self._standby.pid if self._standby else None

    def _launch(self) -> _Kernel:
        self.kernels_started += 1
        return _Kernel(self.cwd, self.timeout, self.code, self.ipc_root).launch()

    def start(self) -> None:
        """Start the kernel now (warming up in the background); :meth:`execute` waits for it."""
        if self._kernel is None:
            self._kernel, self._standby = self._standby or self._launch(), None

    def wait_ready(self) -> None:
        """Start the kernel if needed and wait until it is warm."""
        self.start()
        try:
            self._kernel.ready()
        except ExecutionFailed:
            # the standby or a fresh kernel died while warming up: one more, from scratch
            self._kernel = None
            self._kernel = self._launch().ready()

    def _start_standby(self) -> None:
        if (self.standby or self.ahead) and self._standby is None:
            with contextlib.suppress(ExecutionFailed):
                self._standby = self._launch()

    def _retire(self) -> None:
        kernel, self._kernel = self._kernel, None
        if kernel is not None:
            kernel.close()

    def execute(self, nb):
        """Execute ``nb`` in place and return it; raise :class:`ExecutionFailed` on errors."""
        from nbclient.exceptions import CellExecutionError, DeadKernelError

        self.wait_ready()
        kernel = self._kernel
        try:
            kernel.runner(nb).execute()
        except CellExecutionError as exc:
            self._after_failure()
            raise ExecutionFailed(f"报告执行失败: {exc.ename}: {exc.evalue}", nb) from exc
        except (DeadKernelError, RuntimeError, TimeoutError) as exc:
            self._after_failure()
            raise ExecutionFailed(f"内核异常终止或超时: {exc}", nb) from exc
        self.reports_run += 1
        kernel.reports_run += 1
        try:
            kernel.run_code(RESET_CODE)
        except Exception:  # a report that leaves the kernel unusable gets a new one
            self._after_failure()
            return nb
        if self.restart_every:
            left = self.restart_every - kernel.reports_run
            if left <= 0:
                self._retire()  # the standby (or a fresh kernel) takes over next time
            elif left <= self.ahead:
                self._start_standby()
        return nb

    def _after_failure(self) -> None:
        self._retire()
        if self.standby:  # a batch goes on: the next kernel warms up now, plus a spare
            self.start()
            self._start_standby()

    def restart(self) -> None:
        """Replace the kernel by a fresh, warmed-up one."""
        self._retire()
        self.wait_ready()

    def close(self) -> None:
        """Shut the kernels down (idempotent)."""
        self._retire()
        standby, self._standby = self._standby, None
        if standby is not None:
            standby.close()

    # kept for callers of the previous API
    def _run_code(self, code: str) -> None:
        self.wait_ready()
        try:
            self._kernel.run_code(code)
        except Exception as exc:
            raise ExecutionFailed(f"内核执行失败: {exc}") from exc


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
_EXPORTERS = threading.local()


def _exporter():
    """The HTML exporter, created once per thread: its templates compile on first use."""
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        exporter = _EXPORTERS.exporter = _new_exporter()
    return exporter


def _new_exporter():
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
    #: Every file written or reused, by format (``html``, ``docx``, ``pdf``).
    outputs: dict[str, Path] = field(default_factory=dict)


def report_filename(kind: str, params: dict[str, Any]) -> str:
    """Return the HTML file name for a report, e.g. 「工贸园2016年上半年工作总结.html」.

    Period and land reports with a data folder are named after their titles
    (:mod:`parkanalysis.report.naming`); other notebooks by code, e.g.
    ``GMY_2016-01_05_explore.html``.
    """
    from parkanalysis.periods import parse_period

    titled = _titled_stem(kind, params)
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


def _titled_stem(kind: str, params: dict[str, Any]) -> str | None:
    """The title-based stem of a period or land report (None: name it by code)."""
    from parkanalysis.report.naming import TITLED_KINDS, report_stem

    if kind not in TITLED_KINDS or not params.get("data"):
        return None
    if kind == "period" and not params.get("period"):
        return None
    parks = _park_names(str(params["data"]))
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


def _park_names(data: str) -> dict[str, str]:
    """Park code → name from the folder's park.yaml (read again when the file changes)."""
    folder = resolve_data_folder(data)
    try:
        stamp = (folder / "park.yaml").stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _park_names_at(str(folder), stamp)


@functools.lru_cache(maxsize=32)
def _park_names_at(folder: str, _stamp: int) -> dict[str, str]:
    from parkanalysis.dataset.findings import Findings
    from parkanalysis.dataset.profile import read_profile

    try:
        profile = read_profile(Path(folder), Findings())
    except Exception:  # an unreadable park.yaml is reported by the checks that follow
        return {}
    return {pid: info.name for pid, info in profile.parks.items()} if profile else {}


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
    if checked.get("share") and kind_name not in SHARE_KINDS:
        raise ParameterError(
            f"报告 {kind_name!r} 不支持对外版(--share):只有 {'、'.join(SHARE_KINDS)} "
            "报告按对外版规则保护企业数据(见 docs/SHARE.md)。"
        )
    if checked.get("share") and checked.get("data"):  # bad share settings: exit 2, no kernel
        from parkanalysis.share.rules import check_profile_share

        check_profile_share(Path(checked["data"]))
    out = Path(out_dir)
    name = report_filename(kind_name, checked)
    html_path = out / name
    if html_path.resolve().parent != out.resolve():  # defence in depth: safe_name did this
        raise ParameterError(f"报告文件 {name!r} 不在输出文件夹 {out} 内。")
    data_fp = folder_fingerprint(checked["data"]) if checked.get("data") else ""
    return ReportPlan(
        kind=kind_name,
        notebook=notebook,
        params=checked,
        out_dir=out,
        html_path=html_path,
        key_path=out / ".cache" / (name + ".key"),
        failed_path=out / ".failed" / (_failed_name(html_path.stem) + ".ipynb"),
        data_fingerprint=data_fp,
        key=cache_key(notebook, checked, data_fp + _office_fp(checked)),
        formats=formats,
    )


def _office_fp(params: dict[str, Any]) -> str:
    """The office's texts and Word template change a report as data do."""
    from parkanalysis.report.texts import office_fingerprint

    return office_fingerprint(params["data"]) if params.get("data") else ""


def render_report(
    kind: str,
    *,
    out_dir: str | os.PathLike = "reports",
    force: bool = False,
    timeout: int = 600,
    session: KernelSession | None = None,
    formats=("html",),
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
    formats : str or sequence, default ``("html",)``
        Any of ``html``, ``docx``, ``pdf`` (``"html,docx,pdf"`` works too). The HTML is
        always written (the index links it; the cache is keyed on it); Word and PDF files
        are named after the document's title (:func:`document_filename`).
    **params
        Notebook parameters (``data``, ``period``, ``park``, ``share`` …), checked first.

    Raises
    ------
    ParameterError
        Before any kernel starts, for unknown or malformed parameters, a period, park or
        date the data do not have (:func:`check_report_inputs`) or an output folder that
        cannot be written (``DataError`` for a dataset with errors).
    WriteError
        When the HTML cannot be written (e.g. disk full); the previous HTML is intact.

    A cell that fails gives a ``"failed"`` result; the executed notebook is kept in
    ``out_dir/.failed/`` for debugging.
    """
    import time

    plan = plan_report(kind, out_dir=out_dir, formats=formats, **params)
    check_output_folder(plan.out_dir, data=plan.params.get("data"))
    if not force and plan.is_cached():
        outputs = {f: p for f, p in plan.recorded_outputs().items() if f in plan.formats}
        return RenderResult(plan.kind, plan.params, plan.html_path, "cached", outputs=outputs)
    if session is None:  # a batch checked its plan once; a single report is checked here
        check_report_inputs(plan.params)

    start = time.perf_counter()
    try:
        nb = execute_notebook(plan.notebook, plan.params, timeout=timeout, session=session)
    except ExecutionFailed as exc:
        kept = None
        if exc.notebook is not None:
            import nbformat

            with contextlib.suppress(OSError):  # a full disk must not hide the real error
                kept = atomic_write(plan.failed_path, nbformat.writes(exc.notebook))
        return RenderResult(
            plan.kind,
            plan.params,
            plan.html_path,
            "failed",
            time.perf_counter() - start,
            str(exc),
            kept,
        )
    provenance = {
        "报告": plan.notebook.name,
        "参数": json.dumps(
            {k: v for k, v in plan.params.items() if k != "data"},
            ensure_ascii=False,
            sort_keys=True,
        ),
        "数据集": Path(plan.params["data"]).name if plan.params.get("data") else "",
        "数据指纹(SHA-256)": plan.data_fingerprint,
        "parkanalysis 版本": package_version(),
        "生成时间": _dt.datetime.now(_dt.timezone(_dt.timedelta(hours=8))).strftime(
            "%Y-%m-%d %H:%M:%S 北京时间"
        ),
    }
    if plan.params.get("share"):  # no file names, folder names or hashes in a share copy
        for key in ("报告", "数据集", "数据指纹(SHA-256)"):
            provenance.pop(key)
        provenance["参数"] = json.dumps(
            {k: v for k, v in plan.params.items() if k not in {"data", "share"}},
            ensure_ascii=False,
            sort_keys=True,
        )
        from parkanalysis.share.sidecar import write_sidecar

        write_sidecar(plan.html_path, plan.params, plan.kind)  # before the HTML: both or none
    # HTML first, then its key: a write that fails leaves the old HTML with its old key.
    # Documents first, then the HTML, then its key: a failed write leaves the old key.
    documents = write_documents(nb, plan)
    atomic_write(plan.html_path, export_html(nb, provenance=provenance))
    outputs = {"html": plan.html_path, **documents}
    atomic_write(plan.key_path, plan.key)
    plan.failed_path.unlink(missing_ok=True)
    return RenderResult(
        plan.kind,
        plan.params,
        plan.html_path,
        "rendered",
        time.perf_counter() - start,
        problems=notebook_problems(nb),
        outputs=outputs,
    )


# --------------------------------------------------------------------------- formats
#: Output formats of a report.
FORMATS = ("html", "docx", "pdf")


def check_formats(formats) -> tuple[str, ...]:
    """Normalize ``"html,docx"`` or a sequence of format names; HTML is always included.

    >>> check_formats("pdf, docx")
    ('html', 'docx', 'pdf')
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats or ())
    wanted = {str(f).strip().lower() for f in items if str(f).strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise ParameterError(
            f"未知的输出格式:{'、'.join(unknown)};可选 {'、'.join(FORMATS)}(用逗号分隔)。"
        )
    return tuple(f for f in FORMATS if f in wanted | {"html"})


def document_filename(title: str, suffix: str, fallback: str) -> str:
    """A file name after the document title (「工贸园2016年上半年工作总结.docx」).

    Characters that some file system refuses (``/ \\ : * ? " < > |``, control characters)
    become ``_``; leading dots and spaces go; the name is cut at 80 characters. A title
    with nothing usable left gives ``fallback`` (the HTML file's stem).

    >>> document_filename("工贸园2016年上半年工作总结", ".docx", "x")
    '工贸园2016年上半年工作总结.docx'
    >>> document_filename("A/B: <C>", ".pdf", "x")
    'A_B_ _C_.pdf'
    >>> document_filename(" ..", ".pdf", "GMY_2016H1_period")
    'GMY_2016H1_period.pdf'
    """
    from parkanalysis.report.naming import safe_stem

    return safe_stem(title, fallback) + suffix


def write_documents(nb, plan: ReportPlan) -> dict[str, Path]:
    """Write the Word and PDF files asked for in ``plan`` from an executed notebook."""
    wanted = [f for f in plan.formats if f != "html"]
    if not wanted:  # documents of earlier inputs, if any, are no longer this report's
        plan.outputs_path.unlink(missing_ok=True)
        return {}
    from parkanalysis.report.document import document_from_notebook

    document = document_from_notebook(nb, share=bool(plan.params.get("share")))
    outputs: dict[str, Path] = {}
    for fmt in wanted:
        # titled reports: the HTML's stem (one naming rule); others: the document's title
        titled = _titled_stem(plan.kind, plan.params)
        path = plan.out_dir / (
            titled + "." + fmt
            if titled
            else document_filename(document.title, "." + fmt, plan.html_path.stem)
        )
        if path.resolve().parent != plan.out_dir.resolve():  # defence in depth
            raise ParameterError(f"文件名 {path.name!r} 不在输出文件夹 {plan.out_dir} 内。")
        if fmt == "docx":
            from parkanalysis.report.writers.docx import TEMPLATE_NAME, write_docx

            data = plan.params.get("data")
            template = Path(data) / TEMPLATE_NAME if data else None
            outputs[fmt] = write_docx(document, path, template=template)
        elif fmt == "pdf":
            from parkanalysis.report.writers.pdf import write_pdf

            outputs[fmt] = write_pdf(document, path)
    atomic_write(
        plan.outputs_path,
        json.dumps({f: p.name for f, p in outputs.items()}, ensure_ascii=False, sort_keys=True),
    )
    return outputs
