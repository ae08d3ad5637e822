"""Kernel state: what a warm kernel restores between reports.

A batch worker keeps one kernel for many reports; :func:`remember_clean_state` records the
settings right after warm-up and :func:`restore_clean_state` puts them back after each report.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import warnings
from typing import Any

_CLEAN_STATE: dict[str, Any] = {}


def remember_clean_state() -> None:
    """Record the settings a fresh kernel has (called once after a warm kernel starts)."""
    import matplotlib as mpl
    import pandas as pd

    _CLEAN_STATE.update(
        rc=copy.deepcopy(dict(mpl.rcParams)),
        warnings=list(warnings.filters),
        pandas={key: pd.get_option(key) for key in _pandas_options()},
        cwd=os.getcwd(),
        path=list(sys.path),
        environ=dict(os.environ),
    )


def _pandas_options() -> list[str]:
    import pandas as pd

    keys = []
    for key in pd._config.config._registered_options:  # every registered option
        if key.startswith(("display.", "mode.", "plotting.", "styler.", "future.", "compute.")):
            keys.append(key)
    return keys


def restore_clean_state() -> None:
    """Put back the settings recorded by :func:`remember_clean_state` after a report ran."""
    import matplotlib as mpl
    import pandas as pd

    if not _CLEAN_STATE:
        raise RuntimeError("remember_clean_state() was not called in this kernel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mpl.rcParams.update(_CLEAN_STATE["rc"])
        for key, value in _CLEAN_STATE["pandas"].items():
            with contextlib.suppress(KeyError, ValueError, TypeError):
                pd.set_option(key, value)
    warnings.filters[:] = _CLEAN_STATE["warnings"]
    warnings._filters_mutated()
    os.chdir(_CLEAN_STATE["cwd"])
    sys.path[:] = _CLEAN_STATE["path"]
    for key in set(os.environ) - set(_CLEAN_STATE["environ"]):
        del os.environ[key]
    os.environ.update(_CLEAN_STATE["environ"])
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
