"""parkanalysis: an industrial park's records → the figures, charts, Chinese text and
forecasts of its work reports, shared as self-contained HTML.

The public face is small; everything else lives in the module that owns it.
"""

__version__ = "0.1.0"

from parkanalysis.errors import (
    DataError,
    Finding,
    ParameterError,
    ParkAnalysisError,
    PeriodError,
    RenderError,
)

__all__ = [
    "DataError",
    "Finding",
    "ParameterError",
    "ParkAnalysisError",
    "PeriodError",
    "RenderError",
    "__version__",
]
