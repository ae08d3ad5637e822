"""What a batch's warm kernel keeps across reports gives the bytes a fresh computation gives.

A chart's PNG is kept by the figure's state (:func:`parkanalysis.report.model.drawn_png`), the
land outlook per dataset and month; both only where ``PARKANALYSIS_WARM_KERNEL`` is set.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest

from parkanalysis import plots
from parkanalysis.report import model
from parkanalysis.report.sections import legible, phone_figure


def chart(title: str, values):
    fig, ax = phone_figure()
    labels = [f"1-{m}月" for m in range(2, 2 + len(values))]
    trend = pd.DataFrame(
        {"label": labels, "value": values, "yoy_pct": np.linspace(-5, 9, len(values))}
    )
    plots.plot_cumulative_trend(ax, trend, title=title, unit="万元")
    legible(fig)
    return fig


def plain_png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=model.FIGURE_DPI, metadata={"Software": None})
    return out.getvalue()


@pytest.fixture
def warm(monkeypatch):
    monkeypatch.setenv("PARKANALYSIS_WARM_KERNEL", "1")
    model._PNGS.clear()
    yield
    model._PNGS.clear()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_kept_png_is_the_png_the_figure_draws(warm, seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 500, int(rng.integers(3, 11))).round(1)
    first = model.drawn_png(chart("工业总产值", values), model.FIGURE_DPI)
    assert len(model._PNGS) == 1
    again = model.drawn_png(chart("工业总产值", values), model.FIGURE_DPI)
    assert len(model._PNGS) == 1  # the same chart again: not drawn again
    assert first == again == plain_png(chart("工业总产值", values))
    changed = values.copy()
    changed[-1] += 1.0
    other = model.drawn_png(chart("工业总产值", changed), model.FIGURE_DPI)
    assert len(model._PNGS) == 2 and other == plain_png(chart("工业总产值", changed))
    retitled = model.drawn_png(chart("工业增加值", values), model.FIGURE_DPI)
    assert len(model._PNGS) == 3 and retitled != first
    with mpl.rc_context({"axes.unicode_minus": not mpl.rcParams["axes.unicode_minus"]}):
        model.drawn_png(chart("工业总产值", values), model.FIGURE_DPI)  # other rc: drawn
    assert len(model._PNGS) == 4


def test_nothing_is_kept_outside_a_warm_kernel(monkeypatch):
    monkeypatch.delenv("PARKANALYSIS_WARM_KERNEL", raising=False)
    model._PNGS.clear()
    values = [1.0, 2.0, 3.0]
    assert model.drawn_png(chart("产值", values), model.FIGURE_DPI) == plain_png(
        chart("产值", values)
    )
    assert not model._PNGS


def test_a_kept_outlook_equals_a_fresh_one_and_is_a_copy(monkeypatch):
    from parkanalysis.dataset import load_dataset
    from parkanalysis.land import land_outlook_for

    fresh = land_outlook_for(load_dataset("data/sample"), as_of="2015-08")
    monkeypatch.setenv("PARKANALYSIS_WARM_KERNEL", "1")
    ds = load_dataset("data/sample")
    first = land_outlook_for(ds, as_of="2015-08")
    first.history.loc[:, "area_mu"] = -1.0  # a caller changing its copy changes nobody else's
    kept = land_outlook_for(ds, as_of="2015-08")
    for a in (first, kept):
        assert a.remaining_mu == fresh.remaining_mu
        pd.testing.assert_frame_equal(a.backtest, fresh.backtest)
        pd.testing.assert_frame_equal(a.outlook.expansion_need, fresh.outlook.expansion_need)
        pd.testing.assert_frame_equal(a.outlook.exhaustion, fresh.outlook.exhaustion)
    pd.testing.assert_frame_equal(kept.history, fresh.history)
    # a replaced frame (one parcel not supplied yet gone): computed again, as a cold call does
    p = ds.parcels
    ds.parcels = p.drop(p.index[p["supply_date"].isna()][:1])
    changed = land_outlook_for(ds, as_of="2015-08")
    monkeypatch.delenv("PARKANALYSIS_WARM_KERNEL")
    assert changed.remaining_mu != fresh.remaining_mu
    assert changed.remaining_mu == land_outlook_for(ds, as_of="2015-08").remaining_mu


@pytest.mark.parametrize("year", [2015, 2016])
def test_kept_trend_points_equal_fresh_ones(monkeypatch, year):
    from parkanalysis.dataset import load_dataset
    from parkanalysis.indicators import trend_table

    ids = ("industrial_output", "tax_revenue", "employees")
    monkeypatch.delenv("PARKANALYSIS_WARM_KERNEL", raising=False)
    fresh = {i: trend_table(load_dataset("data/sample"), i, year=year) for i in ids}
    monkeypatch.setenv("PARKANALYSIS_WARM_KERNEL", "1")
    ds = load_dataset("data/sample")
    for _ in range(2):  # computed, then kept
        for i in ids:
            pd.testing.assert_frame_equal(trend_table(ds, i, year=year), fresh[i])
    assert len(ds.__dict__["_trend_points"]) == len(fresh[ids[0]])  # one entry per 1-N月
    # a replaced frame (one enterprise's rows dropped): computed again, as a cold call does
    m = ds.monthly
    ds.monthly = m.loc[m["enterprise_id"] != m["enterprise_id"].iloc[0]]
    changed = trend_table(ds, "industrial_output", year=year)
    monkeypatch.delenv("PARKANALYSIS_WARM_KERNEL")
    assert not changed["value"].equals(fresh["industrial_output"]["value"])
    pd.testing.assert_frame_equal(changed, trend_table(ds, "industrial_output", year=year))


def test_kept_release_backtest_equals_a_fresh_one(monkeypatch):
    from parkanalysis.dataset import load_dataset
    from parkanalysis.land import release_backtest

    monkeypatch.delenv("PARKANALYSIS_WARM_KERNEL", raising=False)
    cutoffs = [pd.Timestamp(d) for d in ("2015-06-30", "2016-06-30", "2015-12-31")]
    ds0 = load_dataset("data/sample")
    # dated 征迁: finished a year before supply (a parcel in 征迁 at the year ends before)
    parcels = ds0.parcels.copy()
    supplied = pd.to_datetime(parcels["supply_date"])
    parcels["resettlement_date"] = supplied - pd.Timedelta(days=400)
    ds0.parcels = parcels
    park = next(iter(ds0.profile.parks))
    fresh = [release_backtest(ds0, park, c) for c in cutoffs]
    assert all(len(f) for f in fresh)  # parcels in 征迁 to check at some year end
    monkeypatch.setenv("PARKANALYSIS_WARM_KERNEL", "1")
    ds = load_dataset("data/sample")
    ds.parcels = parcels
    for _ in range(2):
        for cutoff, expected in zip(cutoffs, fresh, strict=True):
            pd.testing.assert_frame_equal(release_backtest(ds, park, cutoff), expected)
    assert ds.__dict__["_blocked_at"][1]  # year ends kept
