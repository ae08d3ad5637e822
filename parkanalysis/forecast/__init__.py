"""Forecasting: short annual series with calibrated intervals, and the park's land supply.

* :mod:`~parkanalysis.forecast.annual` — :func:`forecast_annual` (point forecast chosen by
  rolling-origin validation, Laplace intervals calibrated on the series' own errors) and
  its backtest.
* :mod:`~parkanalysis.forecast.supply` — lumpy land supply as parcels per year × parcel
  size (a compound count model) and its simulated paths;
  :mod:`~parkanalysis.forecast.backtest` its backtests (cumulative supply with interval
  width and bias; exhaustion against what the data later show).
* :mod:`~parkanalysis.forecast.outlook` — when the supplyable land runs out and how much
  must be added (:func:`land_outlook`), with scenarios.
"""

from parkanalysis.forecast._checks import MIN_OBSERVATIONS
from parkanalysis.forecast.annual import backtest_annual, forecast_annual, summarize_backtest
from parkanalysis.forecast.backtest import (
    backtest_exhaustion,
    backtest_supply,
    summarize_supply_backtest,
)
from parkanalysis.forecast.outlook import LandOutlook, date_of, decimal_year, land_outlook
from parkanalysis.forecast.supply import (
    SupplyModel,
    annual_supply,
    fit_supply_model,
    simulate_supply,
    supply_paths,
)

__all__ = [
    "MIN_OBSERVATIONS",
    "LandOutlook",
    "SupplyModel",
    "annual_supply",
    "backtest_annual",
    "backtest_exhaustion",
    "backtest_supply",
    "date_of",
    "decimal_year",
    "fit_supply_model",
    "forecast_annual",
    "land_outlook",
    "simulate_supply",
    "summarize_backtest",
    "summarize_supply_backtest",
    "supply_paths",
]
