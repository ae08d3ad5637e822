"""Small file-system helpers shared by the readers and the renderers."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
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
    folder: str | os.PathLike, *, suffixes=(".csv", ".xlsx", ".yaml", ".yml")
) -> str:
    """Return a sha256 over the names and bytes of the data files in ``folder``.

    Files are taken in sorted order; hidden files and other suffixes are ignored, so the
    fingerprint changes exactly when the data a report reads change. The digest is
    remembered per process for an unchanged listing (names, sizes, modification times),
    so a batch worker hashes a large data folder once, not once per report.
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


def _explain(exc: OSError, target: Path) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "磁盘空间不足(No space left on device)"
    elif exc.errno == errno.EFBIG:
        reason = "文件超过允许的大小(File too large)"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = f"没有写权限({exc.strerror})"
    else:
        reason = exc.strerror or str(exc)
    return f"写入 {target} 失败:{reason}。原有文件保持不变,请处理后重新运行。"


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
