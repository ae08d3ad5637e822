"""Execution: parameterize a notebook (papermill) and run it in a warm kernel (nbclient).

Beyond papermill's parameters, a report's notebook is prepared once (:func:`prepare_notebook`:
the office's own sections, no ``office_only`` cells outside the 工作稿), here before it runs, or
by the ``parkreport`` template at export for a notebook papermill ran
(:mod:`parkanalysis.render.office`).

A warm kernel has done the heavy imports once (:func:`warmup_code`) and is reset between
reports (:data:`RESET_CODE`), so each report is computed as in a fresh kernel;
:class:`KernelSession` owns the kernels (replacement after a failure, periodic restarts,
a standby warming up). A cell that raises or a kernel that dies gives
:class:`ExecutionFailed`, carrying the executed notebook.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Any

from parkanalysis._startup import WARM_KERNEL
from parkanalysis.errors import RenderError
from parkanalysis.render.params import NOTEBOOK_DIR, resolve_notebook

#: Modules every report imports; a warm kernel imports them once, before the first report.
#: (``parkanalysis.dataset`` and ``parkanalysis.report`` export lazily: their modules are named.)
REPORT_MODULES = (
    "parkanalysis.dataset.core",
    "parkanalysis.dataset.cache",
    "parkanalysis.indicators",
    "parkanalysis.grading",
    "parkanalysis.land",
    "parkanalysis.forecast",
    "parkanalysis.safety",
    "parkanalysis.projects",
    "parkanalysis.narrative",
    "parkanalysis.labels",
    "parkanalysis.plots",
    "parkanalysis.report.period",
    "parkanalysis.report.land",
)


def warmup_code(preload: str | None = None) -> str:
    """Code run in a kernel once, right after it starts: the heavy imports every report
    needs and, when ``preload`` names a data folder, loading that dataset into the
    per-process cache of :mod:`parkanalysis.report` (it survives ``%reset -f``).

    The clean state that :data:`RESET_CODE` restores is recorded last, so every report of
    a reused kernel starts from the state a fresh kernel has after the same imports; then
    what the warm-up made is frozen for the garbage collector (:func:`gc.freeze`).
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
    # a warm kernel keeps what one report computed and the next may ask for again (the
    # PNG of a chart, the land backtest and outlook), each a pure function of its inputs:
    # the same bytes as a fresh kernel, which computes them anyway (and tests and other
    # processes, where a result kept would hide the code under test, keep nothing)
    lines += ["import os", f"os.environ[{WARM_KERNEL!r}] = '1'", "del os"]
    lines += ["parkanalysis.report.remember_clean_state()", "del importlib, matplotlib, pandas"]
    lines += ["del parkanalysis"]
    # What the warm-up made lives as long as the kernel: the garbage collector stops
    # traversing it, so the full collections of every reset (``%reset -f``) only look at what
    # a report left (0.15 s less per report with the sample dataset loaded).
    lines += ["import gc", "gc.collect()", "gc.freeze()", "del gc"]
    return "\n".join(lines) + "\n"


#: Kept for callers that want the plain warm-up (no dataset preloaded).
WARMUP_CODE = warmup_code()

#: Run after every report in a reused kernel so that the next one starts as if fresh.
#: ``%reset -f`` clears the user namespace; imported modules and the dataset cache in
#: :mod:`parkanalysis.report` stay. Garbage is collected once, after the namespace is
#: cleared and the settings restored (``%reset`` collects twice, the first time before
#: anything is freed: 4 % of a report's CPU); what survives is frozen (:func:`gc.freeze`)
#: like the warm-up, so the next report's collections only look at what that report made.
RESET_CODE = """
def _pa_reset(shell=get_ipython()):
    import gc

    import parkanalysis.report

    collect = gc.collect
    gc.collect = lambda generation=2: 0
    try:
        shell.run_line_magic("reset", "-f")
    finally:
        gc.collect = collect
    parkanalysis.report.restore_clean_state()
    gc.collect()
    gc.freeze()


_pa_reset()
"""


def _join_adjacent_streams(cell, **_kwargs) -> None:
    """nbclient's ``on_cell_executed`` hook: adjacent pieces of one stream become one output.

    What a cell prints arrives in as many stream messages as the kernel happened to flush
    (more on a loaded machine: one ``print`` of Chinese text came back as 「工贸园」 and
    「 2」), so the notebook, its HTML and everything reading them see what the cell
    printed, not how it was flushed. Output order is kept (unlike ``coalesce_streams``).
    """
    joined: list = []
    for out in cell.get("outputs", []):
        prev = joined[-1] if joined else None
        if (
            prev is not None
            and out.get("output_type") == "stream"
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] += out["text"]
        else:
            joined.append(out)
    cell["outputs"] = joined


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

    papermill_translators.register("python3", _readable_translator())

    path = resolve_notebook(notebook)
    nb = load_notebook_node(str(path))
    nb = parameterize_notebook(nb, params, kernel_name="python3", language="python")
    nb = prepare_notebook(nb, params)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"pa-{index:03d}"
    return nb


#: Notebook metadata that :func:`prepare_notebook` leaves (``{"prepared": true}``).
PREPARED_KEY = "parkanalysis"


def prepare_notebook(nb, params: dict[str, Any]):
    """What a report's notebook gets beyond papermill's parameters, once; returns it.

    Every copy but the 工作稿 leaves out the cells tagged ``office_only`` (data checks with
    file names), and a period report gets the office's own sections
    (:func:`parkanalysis.report.texts.merge_office_texts`: ``texts/<period>.md`` and the
    【待填写】 topics of a 工作总结). :func:`parameterize` does it before the notebook runs;
    the ``parkreport`` template does it at export for a notebook that papermill or
    JupyterLab ran (:class:`parkanalysis.render.office.OfficeSections`), so both ways of
    rendering one notebook with the same parameters give the same page. The notebook's
    metadata records that it was done: a second call changes nothing.
    """
    from parkanalysis.report.texts import merge_office_texts

    if nb.metadata.get(PREPARED_KEY, {}).get("prepared"):
        return nb
    from parkanalysis.report.naming import resolve_copy

    if resolve_copy(params.get("copy"), bool(params.get("share"))) != "work":
        # the office's workings (data checks with file names) stay in the 工作稿
        nb.cells = [c for c in nb.cells if "office_only" not in c.metadata.get("tags", [])]
    nb = merge_office_texts(nb, params)  # the office's own sections (texts/<period>.md)
    nb.metadata[PREPARED_KEY] = {"prepared": True}
    return nb


def executed_parameters(nb) -> dict[str, Any]:
    """The parameter values a notebook ran with, read from its cells (literals only).

    The ``parameters`` cell's defaults, overridden by papermill's ``injected-parameters``
    cell, as the kernel saw them.

    >>> import nbformat
    >>> def cell(source, tag):
    ...     return nbformat.v4.new_code_cell(source, metadata={"tags": [tag]})
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     cell('period: str = "2016H1"  # 报告期\\nshare = False', "parameters"),
    ...     cell("share = True\\nx = f(1)", "injected-parameters"),
    ... ])
    >>> executed_parameters(nb)
    {'period': '2016H1', 'share': True}
    """
    import ast

    values: dict[str, Any] = {}
    for tag in ("parameters", "injected-parameters"):
        for cell in nb.cells:
            if cell.cell_type != "code" or tag not in cell.get("metadata", {}).get("tags", []):
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                else:
                    continue
                if isinstance(target, ast.Name):
                    with contextlib.suppress(ValueError, TypeError, SyntaxError):
                        values[target.id] = ast.literal_eval(value)
    return values


class _LoopThread:
    """An asyncio event loop on a thread of its own, where one kernel's client lives.

    Every coroutine on a kernel's client (start, warm-up, each notebook, shutdown) runs on
    this one loop, whatever the caller's thread and whether a loop already runs there
    (Playwright's sync API, an IPython kernel, a batch worker): the client's ZeroMQ sockets
    are never awaited from two loops, which could leave a reply unnoticed until a timeout.
    """

    def __init__(self) -> None:
        import asyncio
        import threading

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="parkanalysis-kernel-loop", daemon=True
        )
        self.thread.start()

    def run(self, coro):
        """Run ``coro`` on the loop and wait for it; an interrupted wait cancels it."""
        import asyncio

        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.thread.is_alive():
            self.loop.close()


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
        self._loop: _LoopThread | None = None

    def _run(self, coro):
        """Run a coroutine on this kernel's own loop (:class:`_LoopThread`)."""
        if self._loop is None:
            self._loop = _LoopThread()
        return self._loop.run(coro)

    @property
    def pid(self) -> int | None:
        km = getattr(self.client, "km", None)
        process = getattr(getattr(km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def launch(self) -> _Kernel:
        import nbformat
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
            self._run(start())
        except Exception as exc:
            self.close()
            raise ExecutionFailed(f"内核启动失败: {exc}") from exc
        return self

    def ready(self) -> _Kernel:
        """Wait until the warm-up has run; raise :class:`ExecutionFailed` when it did not."""
        import queue
        import time

        from jupyter_core.utils import ensure_async

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
            content = self._run(wait())
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
            on_cell_executed=_join_adjacent_streams,
        )
        runner.kc = self.client.kc  # reuse the running kernel's client (not a trait)
        return runner

    def run_code(self, code: str) -> None:
        import nbformat

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        self.execute(nb)

    def execute(self, nb):
        """Execute ``nb`` in place (nbclient) on this kernel's loop; return it."""
        self._run(self.runner(nb).async_execute())
        return nb

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            # nbclient's own shutdown of the kernel it started; a killed kernel is already gone
            with contextlib.suppress(Exception):
                self._run(client._async_cleanup_kernel())
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop()
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
            kernel.execute(nb)
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
