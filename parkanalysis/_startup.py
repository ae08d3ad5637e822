"""Start-up cost of the processes this package owns (the CLI, batch workers).

Every process that renders imports ``nbformat``, which imports ``jsonschema``, which imports
``rfc3987_syntax`` when it is installed (JupyterLab's ``jupyter-events`` installs it). That
module compiles Earley parsers for the RFC 3987 grammar at import time: about 2 s of CPU in
every CLI run and every batch worker, for a check (``format: iri``) that notebook validation
never makes. :func:`defer_iri_grammar` puts a stand-in module in its place that imports the
real one the first time anything is asked of it, so every check still behaves as before.

It changes ``sys.modules`` and is therefore called only where this package owns the process
(``parkanalysis.cli.main``, a batch worker's main); ``import parkanalysis`` changes nothing.
``benchmarks/startup.py`` prints the saving.

A batch's warm kernel (:mod:`parkanalysis.render.kernel`) sets :data:`WARM_KERNEL` in its
environment; :func:`in_warm_kernel` is how the rooms that keep results across its reports
(chart PNGs, the land backtest and outlook) ask.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

_NAME = "rfc3987_syntax"

#: Set (``"1"``) in a warm kernel's environment: results worth keeping across its reports are
#: kept (:func:`parkanalysis.report.model.drawn_png`, the land backtest and outlook).
WARM_KERNEL = "PARKANALYSIS_WARM_KERNEL"


def in_warm_kernel() -> bool:
    """Whether this process is a batch's warm kernel (see :data:`WARM_KERNEL`)."""
    import os

    return os.environ.get(WARM_KERNEL) == "1"


def kept_in_warm_kernel(owner: Any, slot: str, frames: tuple, key: Any, compute) -> Any:
    """``compute()``, kept on ``owner`` (a dataset) in a batch's warm kernel.

    The results are kept in ``owner.__dict__[slot]`` by ``key``, each with the objects it was
    computed from (``frames``): a hit counts only while every one of them is the very same
    object (a frame replaced invalidates it; one changed in place is not noticed). Outside a
    warm kernel every call computes. The caller copies what it must not share.

    >>> class Owner: ...
    >>> calls = []
    >>> [kept_in_warm_kernel(Owner(), "_x", (), "k", lambda: calls.append(1) or len(calls))
    ...  for _ in range(2)]  # not a warm kernel: computed each time
    [1, 2]
    """
    if not in_warm_kernel():
        return compute()
    kept = getattr(owner, "__dict__", {}).setdefault(slot, {})
    hit = kept.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], frames, strict=True)):
        hit = kept[key] = (frames, compute())
    return hit[1]


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is asked for."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(_load_real(), attribute)


def _load_real() -> types.ModuleType:
    if isinstance(sys.modules.get(_NAME), _Deferred):
        del sys.modules[_NAME]
    return importlib.import_module(_NAME)


def _is_valid_syntax(*args: Any, **kwargs: Any) -> Any:
    # jsonschema binds this name at import (``from rfc3987_syntax import is_valid_syntax``),
    # so the stand-in offers it and forwards the first call to the real module
    return _load_real().is_valid_syntax(*args, **kwargs)


def defer_iri_grammar() -> bool:
    """Defer ``rfc3987_syntax``'s grammar compilation to its first use; True if deferred.

    Does nothing when the module is not installed or is already imported (or deferred).

    >>> import subprocess, sys
    >>> code = ("from parkanalysis._startup import defer_iri_grammar as d; d(); "
    ...         "import jsonschema, sys; print('lark' in sys.modules)")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    'False\\n'
    """
    if _NAME in sys.modules:
        return False
    spec = importlib.util.find_spec(_NAME)
    if spec is None:
        return False
    stand_in = _Deferred(_NAME, "deferred: imported on first use (parkanalysis._startup)")
    stand_in.__spec__ = spec
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    stand_in.is_valid_syntax = _is_valid_syntax
    sys.modules[_NAME] = stand_in
    return True
