"""Per-process dataset cache (it lives in a module, so a kernel's ``%reset -f`` keeps it).

Reports (:mod:`parkanalysis.report`), the data checks of ``render`` and the share sidecar
share one loaded dataset per process; ``parkanalysis.report.load_cached`` re-exports it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_DATASETS: dict[tuple, Any] = {}


def _stat_key(folder: Path) -> tuple:
    entries = []
    for path in sorted(folder.iterdir()):
        if path.is_file():
            stat = path.stat()
            entries.append((path.name, stat.st_size, stat.st_mtime_ns))
    return (str(folder.resolve()), tuple(entries))


def load_cached(data: str | os.PathLike, *, park: str | None = None, description=None):
    """Load a dataset (or one park of it) once per process; reload when a file changes.

    Report kernels are reused between reports, so the dataset is read and validated once
    per worker. Datasets are never modified by the package, which makes sharing them safe.
    ``description``: the folder's park.yaml as already read
    (:class:`~parkanalysis.dataset.description.Description`), used when loading.
    """
    from parkanalysis._io import resolve_data_folder
    from parkanalysis.dataset import load_dataset

    folder = resolve_data_folder(data)
    key = _stat_key(folder) if folder.is_dir() else (str(folder), ())
    if key not in _DATASETS:
        _DATASETS.clear()  # one dataset per process: a batch renders one folder
        _DATASETS[key] = load_dataset(folder, description=description)
    if park is None:
        return _DATASETS[key]
    park_key = (*key, park)
    if park_key not in _DATASETS:
        _DATASETS[park_key] = _DATASETS[key].subset(park)
    return _DATASETS[park_key]
