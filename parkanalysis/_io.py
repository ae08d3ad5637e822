"""Small file-system helpers shared by the readers and the renderers."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def folder_fingerprint(
    folder: str | os.PathLike, *, suffixes=(".csv", ".xlsx", ".yaml", ".yml")
) -> str:
    """Return a sha256 over the names and bytes of the data files in ``folder``.

    Files are taken in sorted order; hidden files and other suffixes are ignored, so the
    fingerprint changes exactly when the data a report reads change.
    """
    digest = hashlib.sha256()
    root = Path(folder)
    for path in sorted(root.iterdir()):
        if path.name.startswith((".", "~$")) or path.suffix.lower() not in suffixes:
            continue
        if not path.is_file():
            continue
        digest.update(path.name.encode("utf-8") + b"\0")
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, are flushed to disk, then renamed
    over the target. On any error the temporary file is removed and the old file is intact.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target
