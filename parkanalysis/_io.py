"""Small file-system helpers shared by the readers and the renderers.

Atomic writes (:func:`atomic_write`), data fingerprints, writes that belong together
(:func:`written_together`: a stop request waits until the block ends), output checks
before any work and the data-folder resolution.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from parkanalysis.errors import ParkAnalysisError


class WriteError(ParkAnalysisError, OSError):
    """A file could not be written (disk full, no permission …); the old file is intact."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


_FINGERPRINTS: dict[tuple, str] = {}


def _data_files(root: Path, suffixes) -> list[Path]:
    files = []
    for path in sorted(root.iterdir()):
        if path.name.startswith((".", "~$")) or path.suffix.lower() not in suffixes:
            continue
        if path.is_file():
            files.append(path)
    return files


def folder_fingerprint(
    folder: str | os.PathLike,
    *,
    suffixes=(".csv", ".xlsx", ".yaml", ".yml"),
    contents: Mapping[str, bytes] | None = None,
) -> str:
    """Return a sha256 over the names and bytes of the data files in ``folder``.

    Files are taken in sorted order; hidden files and other suffixes are ignored, so the
    fingerprint changes exactly when the data a report reads change. The digest is
    remembered per process for an unchanged listing (names, sizes, modification times),
    so a batch worker hashes a large data folder once, not once per report. ``contents``:
    bytes of some files already read (by name; e.g. park.yaml in a dataset's
    :class:`~parkanalysis.dataset.description.Description`), hashed instead of reading
    them again.
    """
    root = Path(folder)
    files = _data_files(root, suffixes)
    stats = []
    for path in files:
        st = path.stat()
        stats.append((path.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    memo_key = (str(root.resolve()), tuple(suffixes), tuple(stats))
    if memo_key in _FINGERPRINTS:
        return _FINGERPRINTS[memo_key]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0")
        known = (contents or {}).get(path.name)
        if known is not None and len(known) == path.stat().st_size:  # read once, unchanged
            digest.update(known)
        else:
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        digest.update(b"\0")
    if len(_FINGERPRINTS) > 64:
        _FINGERPRINTS.clear()
    _FINGERPRINTS[memo_key] = digest.hexdigest()
    return _FINGERPRINTS[memo_key]


def temp_prefix(name: str, pid: int | None = None) -> str:
    """The prefix of :func:`atomic_write`'s temporary files for ``name`` written by ``pid``."""
    return f".{name}.{os.getpid() if pid is None else pid}."


def remove_temp_files(folder: str | os.PathLike, pid: int) -> list[Path]:
    """Remove the temporary files a (dead) process left in ``folder`` and its subfolders.

    Only files named by :func:`atomic_write` for that process id are touched, so a batch
    can clean up after a killed worker while another batch writes into the same folder.
    """
    removed = []
    root = Path(folder)
    if not root.is_dir():
        return removed
    marker = f".{pid}."
    for sub in (root, root / ".cache", root / ".failed"):
        if not sub.is_dir():
            continue
        for path in sub.glob(".*.tmp"):
            if marker in path.name:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return removed


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "磁盘空间不足(No space left on device)"
    elif exc.errno == errno.EFBIG:
        reason = "文件超过允许的大小(File too large)"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = f"没有写权限({exc.strerror})"
    else:
        reason = exc.strerror or str(exc)
    return reason


def _explain(exc: OSError, target: Path) -> str:
    return f"写入 {target} 失败:{_reason(exc)}。原有文件保持不变,请处理后重新运行。"


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder (named after the target and the
    writing process, see :func:`remove_temp_files`), are flushed to disk, then renamed over
    the target. On any error the temporary file is removed, the old file is intact and a
    :class:`WriteError` says what happened (e.g. the disk is full).
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=temp_prefix(target.name), suffix=".tmp", dir=target.parent
        )
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp makes 0600; reports are meant to be shared
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(exc.errno, _explain(exc, target)) from exc
        raise
    return target


# ------------------------------------------------------------- writes that belong together
_HOLD: dict = {"depth": 0, "pending": None}


@contextlib.contextmanager
def written_together():
    """Run writes that belong together with stop requests held until the block ends.

    A report is its documents, its page and its cache key; a batch worker told to stop
    (its SIGTERM handler calls :func:`request_stop`) while writing them finishes the block
    first, so a report on disk is always one its key describes and the batch can record it
    as rendered. A stop requested inside the block is raised when the block ends.

    >>> try:
    ...     with written_together():
    ...         request_stop(RuntimeError("stop"))
    ...         print("all written")
    ... except RuntimeError as exc:
    ...     print("then:", exc)
    all written
    then: stop
    """
    _HOLD["depth"] += 1
    try:
        yield
    finally:
        _HOLD["depth"] -= 1
        pending = _HOLD["pending"]
        if _HOLD["depth"] == 0 and pending is not None:
            _HOLD["pending"] = None
            raise pending


def request_stop(exc: BaseException) -> None:
    """Raise ``exc`` now, or when the :func:`written_together` block under way ends.

    >>> request_stop(RuntimeError("now"))
    Traceback (most recent call last):
    RuntimeError: now
    """
    if _HOLD["depth"] == 0:
        raise exc
    if _HOLD["pending"] is None:  # the first request wins
        _HOLD["pending"] = exc


# --------------------------------------------------------------------------- output checks
def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _dataset_folder(data: str | os.PathLike | None) -> Path | None:
    if data is None:
        return None
    folder = Path(data).expanduser()
    if folder.is_file():
        folder = folder.parent
    return folder.resolve() if folder.is_dir() else None


def _probe_writable(folder: Path) -> str | None:
    """Why nothing can be written in the existing ``folder`` (None when a file can be)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".write-test.", suffix=".tmp", dir=folder)
    except OSError as exc:
        return _reason(exc)
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    return None


def check_output_folder(
    folder: str | os.PathLike, *, data: str | os.PathLike | None = None, create: bool = True
) -> Path:
    """Check, before any work, that reports can be written into ``folder``; return it resolved.

    The folder must be a folder (or not exist yet, with ``create``: it is made when the first
    file is written, under an existing writable folder), be writable, and lie outside the
    dataset folder ``data`` (raw files are never overwritten, nor mixed with outputs).

    Raises
    ------
    ParameterError
        Saying what is wrong and how to fix it (the CLI exits with code 2).
    """
    from parkanalysis.errors import ParameterError

    target = Path(folder).expanduser().resolve()
    dataset = _dataset_folder(data)
    if dataset is not None and _inside(target, dataset):
        raise ParameterError(
            f"输出文件夹 {folder} 在数据文件夹 {data} 之内;原始数据不能与输出混放,"
            "请换一个输出文件夹(如 reports)。"
        )
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing != target and not create:
        raise ParameterError(f"输出文件夹 {target} 不存在;请先创建它,或检查路径是否写错。")
    if not existing.is_dir():
        raise ParameterError(
            f"输出位置 {existing} 不是文件夹(是一个文件);请换一个输出文件夹,或删除/改名该文件。"
        )
    problem = _probe_writable(existing)
    if problem is not None:
        raise ParameterError(f"无法在 {existing} 中写入文件:{problem};请换一个可写的输出文件夹。")
    return target


def check_output_file(path: str | os.PathLike, *, data: str | os.PathLike | None = None) -> Path:
    """Check, before any work, that ``path`` can be written; return it resolved.

    Its folder must exist (a mistyped folder is refused rather than silently created), be
    writable and lie outside the dataset folder ``data``; ``path`` itself must not be a
    folder. See :func:`check_output_folder`.
    """
    from parkanalysis.errors import ParameterError

    target = Path(path).expanduser().resolve()
    dataset = _dataset_folder(data)
    if dataset is not None and _inside(target, dataset):
        raise ParameterError(
            f"输出文件 {path} 在数据文件夹 {data} 之内,会覆盖或混入原始数据;请写到数据文件夹以外。"
        )
    if target.is_dir():
        raise ParameterError(f"输出文件 {path} 是一个文件夹;请给出文件名(如 结果.csv)。")
    if os.path.lexists(target) and not target.is_file():
        raise ParameterError(f"输出文件 {path} 不是普通文件;请换一个文件名。")
    check_output_folder(target.parent, data=data, create=False)
    return target


#: Folder the notebooks' relative ``data`` defaults (``"../data/sample"``) are written from.
NOTEBOOK_FOLDER = Path(__file__).resolve().parents[1] / "notebooks"


def resolve_data_folder(path: str | os.PathLike) -> Path:
    """The dataset folder ``path`` names, wherever the notebook or command runs from.

    A relative path is taken from the working folder when it exists there; otherwise from
    the repository's ``notebooks/`` folder, which the notebooks' defaults are relative to.
    So ``data="../data/sample"`` finds the sample in JupyterLab (working folder
    ``notebooks/``), in plain papermill run from the repository root, and in
    ``parkanalysis render``. Absolute paths and paths that exist are returned unchanged.
    """
    folder = Path(path).expanduser()
    if folder.is_absolute() or os.path.lexists(folder):
        return folder
    beside = NOTEBOOK_FOLDER / folder
    return beside if beside.exists() else folder
