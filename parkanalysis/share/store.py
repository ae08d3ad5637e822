"""Protected park-year tables computed once for all the processes of a batch.

A share batch needs each park-year's :class:`~parkanalysis.share.table.ProtectedYear` in
every process that renders or records a share report: each report's kernel (what the page
prints) and the worker that writes its sidecar (what the page was allowed to print), and each
year's table holds the previous years' frozen inside it. Each process keeps its tables in
memory, but without this store every kernel and every worker of a batch built the same
chain again (the sample's 2016 chain, 2012…2016: tens of CPU-seconds each time).

The store is a folder named by the environment variable :data:`STORE_ENV`; processes started
while it is set (batch workers, their kernels, a ``render``'s kernel) inherit it.
:func:`table_store` sets it for the time of a batch or a render to a private temporary folder
(mode 0700, outside the output folder) and removes the folder afterwards. An entry is the
pickled table under a key of **everything the table is computed from**:

* the dataset's content: every frame of the dataset (values, index, columns, dtypes), the
  parsed park.yaml (``Profile``, which holds the share settings) and the 1-2月 convention;
* the park and the year;
* the code: a hash of every ``.py`` file of the installed package and the versions of Python,
  numpy, pandas and scipy (the LP solver).

A changed dataset, setting or source file therefore gives another key, never a stale entry.
The first process that needs an entry builds it while holding a lock on it (``fcntl.flock``:
released by the kernel if the process dies), so a second process waiting for the same
table reads it rather than computing it again. A store that cannot be used (no folder, no
``fcntl``, an unreadable entry, a frame that cannot be hashed) only means the table is built
in this process, as without a store.

>>> import os
>>> enclosing = os.environ.pop(STORE_ENV, None)  # (the test run's own store, put back below)
>>> with table_store() as folder:
...     os.environ[STORE_ENV] == str(folder), oct(folder.stat().st_mode & 0o777)
(True, '0o700')
>>> folder.exists(), STORE_ENV in os.environ
(False, False)
>>> os.environ.update({STORE_ENV: enclosing} if enclosing else {})
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "OFF",
    "STORE_ENV",
    "code_digest",
    "dataset_digest",
    "stored_table",
    "table_key",
    "table_store",
]

#: The environment variable naming the store's folder (unset: a batch or render makes one;
#: ``off``: no store, every process builds its own tables).
STORE_ENV = "PARKANALYSIS_SHARE_TABLES"
OFF = "off"

_CODE: list[str] = []


@contextlib.contextmanager
def table_store() -> Iterator[Path | None]:
    """Set :data:`STORE_ENV` to a new private folder for the block; remove it afterwards.

    When :data:`STORE_ENV` is already set (an enclosing batch, the test session) that store
    is used and left alone; the block then yields it as a path (None when it is ``off``).
    """
    current = os.environ.get(STORE_ENV)
    if current:
        yield None if current == OFF else Path(current)
        return
    folder = Path(tempfile.mkdtemp(prefix="parkanalysis-share-tables-"))
    os.environ[STORE_ENV] = str(folder)
    try:
        yield folder
    finally:
        if os.environ.get(STORE_ENV) == str(folder):
            del os.environ[STORE_ENV]
        shutil.rmtree(folder, ignore_errors=True)


def stored_table(ds, park: str, year: int, build: Callable[[Any, str, int], Any]):
    """``build(ds, park, year)``, or the same table from the store when an entry exists."""
    folder = os.environ.get(STORE_ENV)
    key = table_key(ds, park, year) if folder and folder != OFF else None
    if key is None:
        return build(ds, park, year)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return build(ds, park, year)
    entry = Path(folder) / f"{key}.pickle"
    try:
        lock = open(Path(folder) / f"{key}.lock", "ab")  # noqa: SIM115 - closed below
    except OSError:  # the store is gone (its batch ended) or not writable
        return build(ds, park, year)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process building it: wait and read it
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
            table = pickle.loads(entry.read_bytes())
            if getattr(table, "park", None) == park and getattr(table, "year", None) == year:
                return table
        table = build(ds, park, year)
        with contextlib.suppress(OSError, pickle.PicklingError):
            tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, entry)
        return table


def table_key(ds, park: str, year: int) -> str | None:
    """The store's key of ``park``'s ``year`` in ``ds`` (None: the data cannot be hashed).

    >>> from parkanalysis.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> key = table_key(ds, "GMY", 2016)
    >>> len(key), key == table_key(ds, "GMY", 2015), key == table_key(ds, "GMY", 2016)
    (64, False, True)
    """
    data = dataset_digest(ds)
    if data is None:
        return None
    text = "\0".join([data, code_digest(), str(park), str(int(year))])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dataset_digest(ds) -> str | None:
    """A sha256 of the dataset's content: its frames, its parsed park.yaml, its 1-2月 rule.

    Remembered on the dataset while its frames are the same objects (a dataset's frames are
    read, not modified: :class:`~parkanalysis.dataset.Dataset`).
    """
    import pandas as pd

    # the frames the class declares (results a computation keeps on the dataset are not data)
    declared = getattr(type(ds), "__annotations__", None) or vars(ds)
    frames = sorted((k, v) for k in declared if isinstance(v := getattr(ds, k, None), pd.DataFrame))
    ids = tuple((k, id(v)) for k, v in frames)
    memo = ds.__dict__.get("_share_store_digest")
    if (
        memo is not None
        and memo[0] == ids
        and all(a is b for a, b in zip(memo[1], (v for _k, v in frames), strict=True))
    ):
        return memo[2]
    digest = hashlib.sha256()
    try:
        for name, frame in frames:
            head = f"{name}\0{list(frame.columns)!r}\0{list(frame.dtypes)!r}\0{frame.index.dtype}"
            digest.update(head.encode("utf-8"))
            digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    except (TypeError, ValueError):  # an unhashable cell (a list …): no store for this dataset
        return None
    digest.update(repr(getattr(ds, "profile", None)).encode("utf-8"))
    digest.update(repr(bool(getattr(ds, "jan_feb_combined", False))).encode())
    value = digest.hexdigest()
    ds.__dict__["_share_store_digest"] = (ids, tuple(v for _k, v in frames), value)
    return value


def code_digest(root: str | os.PathLike | None = None) -> str:
    """A sha256 of the package's source files (``root``: another copy of them) and of the
    versions of Python and of the libraries the tables are computed with."""
    if root is not None or not _CODE:
        import numpy
        import pandas
        import scipy

        folder = Path(root) if root is not None else Path(__file__).resolve().parents[1]
        digest = hashlib.sha256()
        for path in sorted(folder.rglob("*.py")):
            digest.update(str(path.relative_to(folder)).encode("utf-8") + b"\0")
            digest.update(path.read_bytes() + b"\0")
        versions = (sys.version, numpy.__version__, pandas.__version__, scipy.__version__)
        digest.update(repr(versions).encode("utf-8"))
        if root is not None:
            return digest.hexdigest()
        _CODE.append(digest.hexdigest())
    return _CODE[0]
