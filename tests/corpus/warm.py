"""A warm command line for the tests: the CLI's modules imported once, one fork per run.

Most of a data command's CPU (``validate``, ``indicators``, ``land``, ``init``) is the
interpreter importing pandas, numpy and openpyxl — about 0.8 s a run, paid some two hundred
times by the hardening corpus alone. :class:`WarmCli` starts one server per test process that
imports those modules, then forks a child per run, in which the real entry point
(``parkanalysis.cli.main``) runs in a fresh session, with the run's own working folder,
environment, standard streams and arguments, and ends with ``os._exit`` — as the console
script's process would. Exit code, output and the child's peak RSS (which includes the
server's imported modules, so it can only over-state the CLI's) are reported the same way as
for a cold run; an uncaught exception prints its traceback and exits 1, as Python does.

Commands that start workers or kernels (``render``, ``batch``) always run cold, and
``PA_TEST_COLD_CLI=1`` runs every command cold (``tests/corpus.run_cli``).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

#: Runs in the server process (``python -c SERVER SOCKET``).
SERVER = r"""
import json, os, signal, socket, sys, traceback

from parkanalysis._startup import defer_iri_grammar

defer_iri_grammar()
import numpy, pandas, openpyxl, yaml  # what every data command imports
import parkanalysis.cli, parkanalysis.dataset, parkanalysis.indicators, parkanalysis.land


def run_child(request, fds):
    os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sys.argv = ["parkanalysis", *request["args"]]
    try:
        code = parkanalysis.cli.main(request["args"])
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


def handle(conn):
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    request = json.loads(message)
    pid = os.fork()
    if pid == 0:
        conn.close()
        run_child(request, fds)
    for fd in fds:
        os.close(fd)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    _, status, usage = os.wait4(pid, 0)
    conn.sendall(json.dumps({"status": status, "maxrss": usage.ru_maxrss}).encode() + b"\n")


server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1])
server.listen(16)
server.settimeout(2.0)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the system
parent = os.getppid()
print("ready", flush=True)
while True:
    try:
        conn, _ = server.accept()
    except TimeoutError:
        if os.getppid() != parent:  # the test process is gone (killed): no orphan server
            break
        continue
    conn.settimeout(None)
    if os.fork() == 0:
        server.close()
        try:
            handle(conn)
        finally:
            os._exit(0)
    conn.close()
"""


class WarmCli:
    """One server per test process, started on first use and stopped at exit."""

    _lock = threading.Lock()
    _instance: WarmCli | None = None

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="pa-warm-cli-")
        self.address = os.path.join(self.folder, "cli.sock")
        env = {k: v for k, v in os.environ.items() if k != "PARKANALYSIS_DEBUG"}
        env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, self.address],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        line = self.process.stdout.readline()  # a state: the modules are imported
        if line.strip() != b"ready":
            raise RuntimeError(f"the warm CLI server did not start (exit {self.process.wait()})")
        atexit.register(self.stop)

    @classmethod
    def get(cls) -> WarmCli:
        with cls._lock:
            if cls._instance is None or cls._instance.process.poll() is not None:
                cls._instance = cls()
            return cls._instance

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self, args: list[str], *, cwd: Path, env: dict, streams: tuple) -> Run:
        """Start ``parkanalysis ARGS`` in a forked child; ``streams`` = (stdin, stdout, stderr)."""
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.address)
        request = json.dumps({"args": args, "cwd": str(cwd), "env": env}).encode()
        socket.send_fds(conn, [request], [s.fileno() for s in streams])
        run = Run(conn)
        run.pid = json.loads(run.line(timeout=None))["pid"]
        return run


class Run:
    """A started warm run: its pid (= its process group) and, once ended, status and peak."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn, self.pid, self._buffer = conn, 0, b""

    def line(self, timeout: float | None) -> bytes | None:
        """The server's next line, or None if none came within ``timeout`` seconds."""
        self.conn.settimeout(timeout)
        while b"\n" not in self._buffer:
            try:
                chunk = self.conn.recv(4096)
            except TimeoutError:
                return None
            if not chunk:
                raise RuntimeError("the warm CLI server closed the connection")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def wait(self, timeout: float | None) -> tuple[int, float] | None:
        """(exit code, peak RSS in KiB), or None if the run is still going after ``timeout``.

        A run killed by a signal exits 128 + the signal's number, as from a shell."""
        line = self.line(timeout)
        if line is None:
            return None
        self.conn.close()
        done = json.loads(line)
        code = os.waitstatus_to_exitcode(done["status"])
        return (code if code >= 0 else 128 - code), float(done["maxrss"])
