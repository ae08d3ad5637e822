"""Tests of parkanalysis.forecast on small hand-made series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parkanalysis.errors import ParameterError
from parkanalysis.forecast import (
    LandOutlook,
    annual_supply,
    backtest_annual,
    backtest_exhaustion,
    backtest_supply,
    fit_supply_model,
    forecast_annual,
    land_outlook,
    simulate_supply,
    summarize_backtest,
    summarize_supply_backtest,
    supply_paths,
)
from tests.helpers import SHARED, require_path


def series(values, start=2010):
    return pd.Series(np.asarray(values, dtype=float), index=range(start, start + len(values)))


SERIES = {
    "trend": series([10, 12, 13, 15, 16, 18, 19, 21, 22, 24]),
    "noisy": series([50, 47, 55, 60, 52, 58, 66, 61, 70, 64, 72]),
    "lumpy_with_zeros": series([0, 120, 0, 0, 300, 45, 0, 80, 0, 150, 60, 0]),
    "short": series([3, 4, 4, 6, 5]),
    "declining": series([90, 80, 72, 60, 55, 41, 33, 20, 12, 6]),
    "negative_values": series([-5, 2, -3, 4, 1, -2, 3, 0]),
}


def steady_transactions(area=50.0, first=2014, last=2023):
    years = list(range(first, last + 1))
    return pd.DataFrame({"year": years, "area_mu": [area] * len(years)})


@pytest.mark.parametrize("name", list(SERIES))
@pytest.mark.parametrize("horizon", [1, 4])
def test_shape_columns_index_and_nesting(name, horizon):
    y = SERIES[name]
    fc = forecast_annual(y, horizon)
    assert list(fc.columns) == ["mean", "lo80", "hi80", "lo95", "hi95"]
    assert list(fc.index) == list(range(y.index[-1] + 1, y.index[-1] + 1 + horizon))
    assert fc.index.name == "year"
    assert np.isfinite(fc.to_numpy()).all()
    tol = 1e-9
    assert (fc["lo95"] <= fc["lo80"] + tol).all()
    assert (fc["lo80"] <= fc["mean"] + tol).all()
    assert (fc["mean"] <= fc["hi80"] + tol).all()
    assert (fc["hi80"] <= fc["hi95"] + tol).all()


@pytest.mark.parametrize(
    ("levels", "columns"),
    [
        ((95, 80), ["mean", "lo80", "hi80", "lo95", "hi95"]),
        ((50,), ["mean", "lo50", "hi50"]),
        ((67.5, 99), ["mean", "lo67.5", "hi67.5", "lo99", "hi99"]),
    ],
)
def test_columns_follow_levels(levels, columns):
    assert list(forecast_annual(SERIES["noisy"], 2, levels=levels).columns) == columns


@pytest.mark.parametrize("name", ["trend", "lumpy_with_zeros", "short", "declining"])
def test_nonnegative_series_get_nonnegative_bounds(name):
    fc = forecast_annual(SERIES[name], 8)
    assert (fc.to_numpy() >= 0).all()


def test_series_with_negative_values_may_go_below_zero():
    fc = forecast_annual(SERIES["negative_values"], 3)
    assert (fc["lo95"] < 0).all()


@pytest.mark.parametrize("value", [0.0, 7.0, 1234.5])
def test_constant_series_gives_flat_forecast(value):
    fc = forecast_annual(series([value] * 8), 5)
    assert np.allclose(fc["mean"], value)
    assert np.allclose(fc["lo95"], value) and np.allclose(fc["hi95"], value)


@pytest.mark.parametrize(("intercept", "slope"), [(10.0, 2.0), (500.0, 35.0), (100.0, -3.0)])
def test_linear_series_is_extrapolated_roughly_linearly(intercept, slope):
    y = series(intercept + slope * np.arange(12))
    fc = forecast_annual(y, 4)
    expected = intercept + slope * np.arange(12, 16)
    steps = np.abs(slope) * np.arange(1, 5)
    # within 10 % of the trend increment, and each year moves in the trend's direction
    assert np.all(np.abs(fc["mean"].to_numpy() - expected) <= 0.1 * steps)
    assert np.all(np.sign(np.diff(fc["mean"].to_numpy())) == np.sign(slope))


def test_intervals_widen_with_horizon():
    fc = forecast_annual(SERIES["noisy"], 6)
    width = (fc["hi95"] - fc["lo95"]).to_numpy()
    assert np.all(np.diff(width) >= -1e-9)


def test_unsorted_index_is_accepted():
    y = SERIES["noisy"]
    pd.testing.assert_frame_equal(forecast_annual(y.iloc[::-1], 3), forecast_annual(y, 3))


@pytest.mark.parametrize(
    ("y", "kwargs", "match"),
    [
        (series([1, 2, 3, 4]), {"horizon": 2}, "at least 5"),
        (series([1, 2, np.nan, 4, 5, 6]), {"horizon": 2}, "NaN"),
        (series([1, 2, 3, 4, 5, 6]), {"horizon": 0}, "horizon"),
        (series([1, 2, 3, 4, 5, 6]), {"horizon": 2.5}, "horizon"),
        (series([1, 2, 3, 4, 5, 6]), {"horizon": 2, "levels": (80, 100)}, "between 0 and 100"),
        (series([1, 2, 3, 4, 5, 6]), {"horizon": 2, "levels": (0,)}, "between 0 and 100"),
        (series([1, 2, 3, 4, 5, 6]), {"horizon": 2, "levels": ()}, "at least one"),
        (
            pd.Series([1.0, 2, 3, 4, 5, 6], index=[2000, 2001, 2003, 2004, 2005, 2006]),
            {"horizon": 2},
            "consecutive",
        ),
        (series([1, 2, np.inf, 4, 5, 6]), {"horizon": 2}, "infinite"),
        ([1.0, 2, 3, 4, 5, 6], {"horizon": 2}, "pandas Series"),
    ],
)
def test_forecast_argument_errors(y, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        forecast_annual(y, **kwargs)


def test_backtest_table_and_summary():
    y = SERIES["noisy"]
    bt = backtest_annual(y, horizon=3, min_train=6)
    expected_columns = ["origin", "year", "h", "actual", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert list(bt.columns) == [*expected_columns, "covered80", "covered95"]
    # origins 2015..2019 (train lengths 6..10); h limited by the end of the history
    assert bt["origin"].unique().tolist() == [2015, 2016, 2017, 2018, 2019]
    assert len(bt) == 3 + 3 + 3 + 2 + 1
    assert (bt["year"] == bt["origin"] + bt["h"]).all()
    assert (bt["actual"].to_numpy() == y.loc[bt["year"]].to_numpy()).all()
    first = bt[bt["origin"] == 2015].set_index("year")
    pd.testing.assert_frame_equal(
        first[["mean", "lo80", "hi80", "lo95", "hi95"]],
        forecast_annual(y.loc[:2015], 3),
    )
    summary = summarize_backtest(bt)
    assert summary.index.tolist() == [1, 2, 3]
    assert summary["n"].tolist() == [5, 4, 3]
    assert summary[["coverage80", "coverage95"]].stack().between(0, 1).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"horizon": 2, "min_train": 11}, "smaller than"), ({"horizon": 2, "min_train": 3}, ">= 5")],
)
def test_backtest_argument_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        backtest_annual(SERIES["noisy"], **kwargs)


LUMPY_TX = pd.DataFrame(
    {
        "year": [2014, 2014, 2016, 2017, 2019, 2019, 2019, 2021, 2023],
        "area_mu": [80.0, 35, 120, 60, 20, 45, 200, 90, 55],
    }
)


def test_annual_supply_fills_missing_years_with_zero():
    totals = annual_supply(LUMPY_TX, first_year=2013, last_year=2023)
    assert totals.index.tolist() == list(range(2013, 2024))
    assert totals.loc[2013] == 0 and totals.loc[2015] == 0
    assert totals.loc[2019] == 265.0
    assert totals.sum() == LUMPY_TX["area_mu"].sum()


@pytest.mark.parametrize("func", [simulate_supply, supply_paths])
def test_simulations_are_deterministic_with_seed(func):
    kw = {"first_year": 2013, "last_year": 2023, "horizon": 6, "n_sims": 500}
    a = func(LUMPY_TX, seed=3, **kw)
    b = func(LUMPY_TX, seed=3, **kw)
    c = func(LUMPY_TX, seed=4, **kw)
    assert a.shape == (500, 6)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert (a >= 0).all()


def test_compound_simulation_uses_historical_parcels_and_zero_years():
    paths = simulate_supply(
        LUMPY_TX, first_year=2013, last_year=2023, horizon=5, n_sims=4000, seed=0
    )
    # 6 of the 11 history years have no transaction, so many simulated years are empty
    share_zero = (paths == 0).mean()
    assert 0.4 < share_zero < 0.7
    # every non-zero year is a sum of historical parcels, each at least 20 亩
    assert (paths[paths > 0] >= 20).all()
    # no trend assumed: the mean stays near the historical annual mean (705 / 11)
    assert abs(paths.mean() - 705 / 11) < 8


def test_land_outlook_is_deterministic():
    kw = {"first_year": 2013, "last_year": 2023, "horizon": 6, "n_sims": 1000, "seed": 5}
    a = land_outlook(LUMPY_TX, 400.0, **kw)
    b = land_outlook(LUMPY_TX, 400.0, **kw)
    assert isinstance(a, LandOutlook)
    pd.testing.assert_frame_equal(a.exhaustion, b.exhaustion)
    pd.testing.assert_frame_equal(a.expansion_need, b.expansion_need)
    pd.testing.assert_frame_equal(a.supply_forecast, b.supply_forecast)


def test_steady_history_exhausts_in_two_years():
    out = land_outlook(steady_transactions(50.0), 100.0, first_year=2014, last_year=2023)
    row = out.exhaustion.set_index("scenario").loc["baseline"]
    assert row["p50"] == 2025  # two years after the last history year
    # a Poisson count model keeps a small chance of a long gap even on a regular history
    assert row["prob_within_horizon"] > 0.97
    assert out.years_of_supply_left == pytest.approx(2.0)
    columns = ["year", "exposure", "point", "mean", "median", "lo80", "hi80", "lo95", "hi95", "p80"]
    assert list(out.supply_forecast.columns) == columns
    assert out.supply_forecast["year"].tolist() == list(range(2024, 2034))


def test_zero_history_is_not_within_horizon():
    empty = pd.DataFrame({"year": pd.Series([], dtype=int), "area_mu": pd.Series([], dtype=float)})
    out = land_outlook(empty, 500.0, first_year=2014, last_year=2023, horizon=5)
    row = out.exhaustion.iloc[0]
    assert row["p10"] is pd.NA and row["p50"] is pd.NA and row["p90"] is pd.NA
    assert row["prob_within_horizon"] == 0.0
    assert out.recent_average_mu == 0.0
    assert out.years_of_supply_left is None
    assert "None" in out.note
    assert (out.expansion_need["net_mu"] == 0).all()


def test_relocation_scenario_pushes_exhaustion_later():
    scenarios = [
        {"name": "relocation", "relocations": {2025: 150.0}},
        {"name": "conversion", "conversions": {2025: -100.0}},
        {"name": "target", "annual_target": 20.0},
    ]
    out = land_outlook(
        LUMPY_TX, 300.0, first_year=2013, last_year=2023, n_sims=2000, scenarios=scenarios
    )
    ex = out.exhaustion.set_index("scenario")
    assert ex.index.tolist() == ["baseline", "relocation", "conversion", "target"]
    base, reloc, conv = ex.loc["baseline"], ex.loc["relocation"], ex.loc["conversion"]
    assert reloc["prob_within_horizon"] < base["prob_within_horizon"]
    assert conv["prob_within_horizon"] > base["prob_within_horizon"]
    assert reloc["p10"] > base["p10"]
    assert reloc["p50"] > base["p50"]
    assert conv["p50"] <= base["p50"]
    # a fixed 20 亩/year target uses up 300 亩 after 15 years: beyond the 10-year horizon
    assert ex.loc["target"]["p50"] is pd.NA


def test_target_scenario_is_exact():
    out = land_outlook(
        LUMPY_TX,
        100.0,
        first_year=2013,
        last_year=2023,
        horizon=5,
        gross_to_net=1.5,
        scenarios={"plan": {"annual_target": 40.0}},
    )
    ex = out.exhaustion.set_index("scenario").loc["plan"]
    assert (ex["p10"], ex["p50"], ex["p90"]) == (2026, 2026, 2026)
    need = out.expansion_need.query("scenario == 'plan'")
    assert need["net_mu"].tolist() == pytest.approx([0, 0, 20, 60, 100])
    assert need["gross_mu"].tolist() == pytest.approx([0, 0, 30, 90, 150])


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.95])
def test_expansion_need_grows_with_horizon(confidence):
    out = land_outlook(
        LUMPY_TX,
        150.0,
        first_year=2013,
        last_year=2023,
        confidence=confidence,
        gross_to_net=3585 / 2508,
        n_sims=2000,
    )
    need = out.expansion_need.query("scenario == 'baseline'")
    assert need["horizon_years"].tolist() == list(range(1, 11))
    net = need["net_mu"].to_numpy()
    assert np.all(np.diff(net) >= 0) and net[-1] > 0
    assert np.allclose(need["gross_mu"], net * 3585 / 2508)


def test_expansion_need_grows_with_confidence():
    kw = {"first_year": 2013, "last_year": 2023, "n_sims": 2000}
    low = land_outlook(LUMPY_TX, 150.0, confidence=0.5, **kw).expansion_need["net_mu"]
    high = land_outlook(LUMPY_TX, 150.0, confidence=0.9, **kw).expansion_need["net_mu"]
    assert (high.to_numpy() >= low.to_numpy()).all() and high.iloc[-1] > low.iloc[-1]


@pytest.mark.parametrize(
    ("recent_years", "expected_avg"),
    [(3, (90.0 + 0 + 55) / 3), (1, 55.0), (5, (265.0 + 0 + 90 + 0 + 55) / 5)],
)
def test_years_of_supply_left_hand_example(recent_years, expected_avg):
    out = land_outlook(
        LUMPY_TX,
        290.0,
        first_year=2013,
        last_year=2023,
        horizon=3,
        recent_years=recent_years,
        n_sims=200,
    )
    assert out.recent_average_mu == pytest.approx(expected_avg)
    assert out.years_of_supply_left == pytest.approx(290.0 / expected_avg)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"remaining_mu": -1.0}, "remaining_mu"),
        ({"confidence": 1.0}, "confidence"),
        ({"gross_to_net": 0.0}, "gross_to_net"),
        ({"horizon": 0}, "horizon"),
        ({"last_year": 2010}, "before first_year"),
        ({"recent_years": 20}, "recent_years"),
        ({"n_sims": 0}, "n_sims"),
        ({"scenarios": {"x": {"relocations": {2040: 10.0}}}}, "outside the forecast years"),
        ({"scenarios": {"x": {"relocations": {2025: -10.0}}}}, ">= 0"),
        ({"scenarios": {"x": {"typo": 1}}}, "unknown key"),
        ({"scenarios": [{"relocations": {2025: 10.0}}]}, "name"),
        ({"scenarios": {"x": {"annual_target": -5.0}}}, "annual_target"),
        ({"transactions": pd.DataFrame({"year": [2020], "area": [1.0]})}, "area_mu"),
        ({"transactions": pd.DataFrame({"year": [2020], "area_mu": [-1.0]})}, "non-negative"),
    ],
)
def test_land_outlook_argument_errors(kwargs, match):
    args = {
        "transactions": LUMPY_TX,
        "remaining_mu": 100.0,
        "first_year": 2013,
        "last_year": 2023,
        "n_sims": 100,
    }
    args.update(kwargs)
    tx = args.pop("transactions")
    remaining = args.pop("remaining_mu")
    with pytest.raises(ParameterError, match=match):
        land_outlook(tx, remaining, **args)


def test_m3_sample_coverage_is_sane():
    data = pd.read_csv(require_path(SHARED / "benchmarks" / "m3_yearly.csv"))
    ids = sorted(data["series_id"].unique())[:60]
    hits = []
    for sid in ids:
        g = data[data["series_id"] == sid].sort_values("t")
        train = g.loc[g["split"] == "train", "value"].to_numpy()
        test = g.loc[g["split"] == "test", "value"].to_numpy()
        fc = forecast_annual(pd.Series(train, index=range(1, train.size + 1)), test.size)
        hits.extend((test >= fc["lo80"].to_numpy()) & (test <= fc["hi80"].to_numpy()))
    coverage = float(np.mean(hits))
    assert 0.6 <= coverage <= 0.95, coverage


# --------------------------------------------------------------------------- scale floors
@pytest.mark.parametrize("horizon", [1, 5, 10])
def test_tiny_early_parcel_does_not_explode_intervals(horizon):
    with_tiny = series([0, 0, 0, 0, 0.5, 0, 150, 80, 0, 200, 60, 120])
    without = series([0, 0, 0, 0, 0, 0, 150, 80, 0, 200, 60, 120])
    a = forecast_annual(with_tiny, horizon)["hi95"].to_numpy()
    b = forecast_annual(without, horizon)["hi95"].to_numpy()
    ratio = np.maximum(a, b) / np.minimum(a, b)
    assert (ratio <= 1.5).all(), ratio


# --------------------------------------------------------------------------- supply model
def compound_history(rng, *, rate, mu_log, sd_log, dispersion, years):
    """Transactions of a known compound process: NB counts x log-normal sizes."""
    if dispersion > 1:
        lam = rng.gamma(rate / (dispersion - 1), dispersion - 1, years)
    else:
        lam = np.full(years, rate)
    counts = rng.poisson(lam)
    rows = [
        (2000 + y, float(a)) for y in range(years) for a in rng.lognormal(mu_log, sd_log, counts[y])
    ]
    return pd.DataFrame(rows, columns=["year", "area_mu"])


def test_cumulative_supply_coverage_on_lumpy_corpus():
    """Park-like lumpy histories from known processes: do the intervals of the 5-year
    cumulative supply hold the simulated future as often as they claim?"""
    rng = np.random.default_rng(20160630)
    hits80, hits95 = [], []
    n_hist, horizon = 10, 5
    for i in range(200):
        tx = compound_history(
            rng,
            rate=rng.uniform(0.8, 6.0),
            mu_log=rng.uniform(2.5, 4.5),
            sd_log=rng.uniform(0.4, 1.2),
            dispersion=float(rng.choice([1.0, 1.5, 2.5])),
            years=n_hist + horizon,
        )
        history = tx.loc[tx["year"] < 2000 + n_hist]
        if history.empty:
            continue
        future = float(tx.loc[tx["year"] >= 2000 + n_hist, "area_mu"].sum())
        model = fit_supply_model(history, first_year=2000, last_year=2000 + n_hist - 1)
        total = model.simulate(horizon, n_sims=1000, seed=i).sum(axis=1)
        lo80, hi80, lo95, hi95 = np.quantile(total, [0.1, 0.9, 0.025, 0.975])
        hits80.append(lo80 <= future <= hi80)
        hits95.append(lo95 <= future <= hi95)
    assert len(hits80) >= 190
    # binomial noise of ~200 checks is about 3 points; the model is allowed to be slightly
    # short (estimated dispersion), not far off
    assert 0.70 <= np.mean(hits80) <= 0.90
    assert 0.86 <= np.mean(hits95) <= 0.995


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_simulated_mean_tracks_point_forecast(seed):
    rng = np.random.default_rng(seed)
    tx = compound_history(rng, rate=3.0, mu_log=3.5, sd_log=0.9, dispersion=2.0, years=12)
    model = fit_supply_model(tx, first_year=2000, last_year=2011, elapsed=0.5)
    paths = model.simulate(8, n_sims=40000, seed=seed)
    point = model.expected(8)
    assert paths.mean(axis=0) == pytest.approx(point, rel=0.04)
    # only half of the first year is left (the averaged trend moves it a little)
    assert point[0] == pytest.approx(point[1] * 0.5, rel=0.03)
    # cumulative median near the cumulative point forecast: no zero-truncation drift
    cum = np.cumsum(paths, axis=1)
    assert np.median(cum[:, -1]) == pytest.approx(point.sum(), rel=0.15)


def test_trend_weight_follows_the_evidence():
    flat = pd.DataFrame({"year": np.repeat(range(2006, 2016), 4), "area_mu": 30.0})
    m = fit_supply_model(flat, first_year=2006, last_year=2015)
    assert not m.has_trend and m.trend_weight < 0.3
    counts = [20, 18, 15, 12, 10, 8, 6, 5, 4, 3]
    falling = pd.DataFrame({"year": np.repeat(range(2006, 2016), counts), "area_mu": 30.0})
    m = fit_supply_model(falling, first_year=2006, last_year=2015)
    assert m.has_trend and m.slope < 0 and m.trend_weight > 0.95
    # the damped trend keeps falling but never below zero and never explodes
    point = m.expected(10)
    assert (np.diff(point) <= 1e-9).all() and (point > 0).all()


@pytest.mark.parametrize("seed", range(4))
def test_a_tiny_parcel_moves_the_fit_continuously(seed):
    """Random lumpy histories: a parcel of 1 % of the mean annual supply, added in any year,
    moves the trend weight by < 0.05 and the 5-year expected supply by < 3 %, and the
    simulated 80th percentile (common random numbers) by < 5 %."""
    rng = np.random.default_rng(seed)
    for _ in range(10):
        tx = compound_history(rng, rate=rng.uniform(1, 6), mu_log=3.5, sd_log=0.8,
                              dispersion=float(rng.choice([1.0, 2.0])), years=10)  # fmt: skip
        if tx.empty:
            continue
        base = fit_supply_model(tx, first_year=2000, last_year=2009)
        tiny = 0.01 * tx["area_mu"].sum() / 10
        year = int(rng.integers(2000, 2010))
        more = pd.concat([tx, pd.DataFrame({"year": [year], "area_mu": [tiny]})])
        new = fit_supply_model(more, first_year=2000, last_year=2009)
        assert abs(new.trend_weight - base.trend_weight) < 0.05
        a, b = base.expected(5).sum(), new.expected(5).sum()
        assert abs(b - a) / a < 0.03
        qa = np.quantile(base.simulate(5, n_sims=1000, seed=1).sum(axis=1), 0.8)
        qb = np.quantile(new.simulate(5, n_sims=1000, seed=1).sum(axis=1), 0.8)
        assert abs(qb - qa) / qa < 0.05, (qa, qb, year)


def test_peer_parks_pool_the_dispersion():
    rng = np.random.default_rng(7)
    lumpy = pd.DataFrame(
        {"year": np.repeat(range(2006, 2016), [12, 0, 1, 9, 0, 11, 1, 0, 10, 2]), "area_mu": 20.0}
    )
    own = fit_supply_model(lumpy, first_year=2006, last_year=2015)
    peers = [
        (compound_history(rng, rate=5.0, mu_log=3, sd_log=0.5, dispersion=1.0, years=10),
         2000, 2009)
        for _ in range(3)
    ]  # fmt: skip
    pooled = fit_supply_model(lumpy, first_year=2006, last_year=2015, peers=peers)
    assert own.dispersion > 3
    assert 1.0 <= pooled.dispersion < own.dispersion
    assert pooled.rate == own.rate  # pooling shares spread, not the park's own level


def test_supply_backtest_counts_every_origin_and_checks_coverage():
    rng = np.random.default_rng(3)
    tx = compound_history(rng, rate=3.0, mu_log=3.5, sd_log=0.8, dispersion=1.5, years=12)
    bt = backtest_supply(tx, first_year=2000, last_year=2011, horizon=3, n_sims=400)
    origins = list(range(2004, 2011))
    assert sorted(bt["origin"].unique()) == origins
    assert len(bt) == sum(min(3, 2011 - o) for o in origins)
    totals = tx.groupby("year")["area_mu"].sum()
    for _, row in bt.iterrows():
        years = range(row["origin"] + 1, row["origin"] + 1 + row["k"])
        assert row["actual_mu"] == pytest.approx(totals.reindex(years, fill_value=0).sum())
        assert row["covered80"] == (row["lo80"] <= row["actual_mu"] <= row["hi80"])
    summary = summarize_supply_backtest(bt)
    assert summary["n"].tolist() == [7, 6, 5]


def test_blocked_land_brings_the_shortage_forward():
    tx = steady_transactions(50.0)
    kw = dict(first_year=2014, last_year=2023, horizon=5, n_sims=500)
    free = land_outlook(tx, 200.0, **kw)
    ep = free.exhaustion_probability
    assert (ep["shortage_prob"] == ep["prob"]).all()
    held = land_outlook(tx, 200.0, blocked=[(150.0, 2027)], **kw)
    ep = held.exhaustion_probability.set_index("year")
    assert held.blocked_mu == 150.0
    assert ep.loc[2024, "shortage_prob"] > 0.5 > ep.loc[2024, "prob"]
    with pytest.raises(ParameterError, match="blocked land"):
        land_outlook(tx, 100.0, blocked=[(150.0, 2025)], **kw)


def test_need_median_and_confidence():
    out = land_outlook(LUMPY_TX, 150.0, first_year=2014, last_year=2023, horizon=6, n_sims=2000)
    need = out.expansion_need
    assert (need["median_net_mu"] <= need["net_mu"]).all()
    cum = np.cumsum(out.paths, axis=1)
    # the need is the Harrell-Davis 80 % quantile of the demand (scipy's own estimator)
    from scipy.stats.mstats import hdquantiles

    hd = np.array([float(hdquantiles(cum[:, k], prob=[0.8])[0]) for k in range(cum.shape[1])])
    assert need["net_mu"].to_numpy() == pytest.approx(np.maximum(hd - 150.0, 0))
    # within the order statistics around the 80th percentile
    lo, hi = np.quantile(cum, [0.78, 0.82], axis=0)
    assert ((need["demand_mu"] >= lo) & (need["demand_mu"] <= hi)).all()


def test_exhaustion_backtest_counts_not_yet_run_out_as_such():
    """Steady supply that stops after 2011: stocks fixed at the origin are never used up.

    The model, fitted on steady years, said they would be: those checks fail (the backtest
    can fail); a stock the model did not expect to run out by 2015 stays open or holds,
    never counted as exhausted."""
    tx = pd.DataFrame({"year": np.repeat(range(2000, 2012), 3), "area_mu": 20.0})
    ex = backtest_exhaustion(
        tx, first_year=2000, last_year=2015, stock_years=(1.0, 2.0, 3.0), n_sims=400
    )
    assert ex["actual_year"].notna().sum() == 0 or (ex["origin"] < 2011).any()
    late = ex.loc[ex["origin"] >= 2011]
    assert len(late) and late["actual_year"].isna().all()
    for _, row in late.iterrows():
        if pd.isna(row["p90"]) or row["p90"] > 2015:
            assert row["outcome"] in {"open", "held"}
        else:
            assert row["outcome"] == "failed"
    assert (late["outcome"] == "failed").any()
    # an early origin whose stock the later steady years did use up: the year is the first
    # with cumulative supply >= stock
    early = ex.loc[ex["actual_year"].notna()].iloc[0]
    totals = tx.groupby("year")["area_mu"].sum()
    later = totals.reindex(range(early["origin"] + 1, 2016), fill_value=0).cumsum()
    assert early["actual_year"] == later.index[later >= early["stock_mu"] - 1e-9][0]


def test_supply_backtest_summary_reports_width_and_bias():
    rng = np.random.default_rng(3)
    tx = compound_history(rng, rate=3.0, mu_log=3.5, sd_log=0.8, dispersion=1.5, years=12)
    bt = backtest_supply(tx, first_year=2000, last_year=2011, horizon=3, n_sims=400)
    s = summarize_supply_backtest(bt)
    for k, g in bt.groupby("k"):
        assert s.loc[k, "width80"] == pytest.approx((g["hi80"] - g["lo80"]).mean())
        assert s.loc[k, "bias"] == pytest.approx((g["actual_mu"] - g["median_mu"]).mean())
    assert (s["width95"] >= s["width80"]).all()
