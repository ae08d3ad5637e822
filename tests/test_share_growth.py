"""同口径 growth + 上年同期 + 本期 cannot recover the entrants or the leavers of a year.

Printed together, V − L·(1+g) = entrants' value − leavers' value·(1+g). Datasets are built
from copies of the sample (pandas): one entrant in 2016 (the other new enterprises start
after the data end), one leaver (an enterprise gone at the end of 2015), one dominant
taxpayer, two 规上 firms. The attacker is independent of the package: for every report period
of 2015 and 2016 and every measure whose 本期, 上年同期 and 同比 the share copy prints (each
as printed: one decimal, growth to 0.1 %), it solves the linear programme

    V = S + E,  L = S₀ + X,  S = (1+g)·S₀ (g within its rounding),  all ≥ 0

with :func:`scipy.optimize.linprog` for the smallest and largest E and X, and fails if a
single enterprise's entrant or leaver value is narrowed inside its protection interval
(either bound within ±10 % of the true value: the two-sided check of share.audit).
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE
from scipy.optimize import linprog

from parkanalysis.dataset import load_dataset
from parkanalysis.indicators import indicator_table
from parkanalysis.periods import report_periods
from parkanalysis.share import protect_park_year

MEASURES = {
    "tax_revenue": "税收(万元)",
    "fixed_asset_investment": "固定资产投资(万元)",
    "industrial_value_added": "工业增加值(万元)",
    "industrial_output": "工业总产值(万元)",
}
LATE = ["GMY061", "GMY057", "GMY062", "GMY058"]  # the sample's other 2016 entrants


def _dataset(tmp_path, kind: str):
    folder = tmp_path / kind
    shutil.copytree(SAMPLE, folder)
    m = pd.read_csv(folder / "monthly_stats.csv", dtype={"月份": str})
    # from 2014 on: the years attacked (2015, 2016) and the one 2015 is compared with; the
    # sample's 2012 and 2013 were two more tables of the chain to build and suppress first.
    # one_entrant and two_above are then byte for byte tests/test_share_links.py's sets of
    # those names (two_above also tests/adversary_data.py's entrant_two_above): a run builds
    # their tables once, in the run's store (parkanalysis.share.store)
    m = m[m["月份"] >= "2014-01"]
    ents = pd.read_csv(folder / "enterprises.csv", dtype=str, keep_default_na=False)
    # one entrant: the others start production after the data end
    m = m[~m["企业代码"].isin(LATE)]
    ents.loc[ents["企业代码"].isin(LATE), "投产日期"] = "2016-09-01"
    if kind == "one_leaver":  # no entrant; the largest 2015 taxpayer left at the end of 2015
        m = m[m["企业代码"] != "GMY060"]
        ents.loc[ents["企业代码"] == "GMY060", "投产日期"] = "2016-09-01"
        y15 = m[m["月份"].str.startswith("2015")]
        gone = y15.groupby("企业代码")["税收(万元)"].sum().idxmax()
        m = m[~((m["企业代码"] == gone) & (m["月份"] >= "2016-01"))]
        ents.loc[ents["企业代码"] == gone, "退出日期"] = "2015-12-31"
    if kind == "dominant":
        big = (m["企业代码"] == "GMY020") & (m["月份"] >= "2016-01")
        m.loc[big, "税收(万元)"] = m.loc[big, "税收(万元)"] * 60
    m.to_csv(folder / "monthly_stats.csv", index=False)
    ents.to_csv(folder / "enterprises.csv", index=False)
    if kind == "two_above":
        above = pd.read_csv(folder / "above_size.csv", dtype=str)
        yes = above["是否规上"] == "是"
        first_two = yes & (yes.groupby(above["年份"]).cumsum() <= 2)
        above.loc[yes & ~first_two, "是否规上"] = "否"  # two 规上 firms a year
        above.to_csv(folder / "above_size.csv", index=False)
    return folder


def _raw_entrants(folder, measure, year, s, e):
    """(entrant values, leaver values) from the CSV, independently of the package."""
    m = pd.read_csv(folder / "monthly_stats.csv", dtype={"月份": str})
    col = MEASURES[measure]
    month = m["月份"].str[5:7].astype(int)
    cur = m[(m["月份"].str[:4] == str(year)) & month.between(s, e)]
    old = m[(m["月份"].str[:4] == str(year - 1)) & month.between(s, e)]
    c = cur.groupby("企业代码")[col].sum()
    o = old.groupby("企业代码")[col].sum()
    return c[~c.index.isin(o.index)], o[~o.index.isin(c.index)]


def _attack(v, l_, g):
    """Smallest and largest entrants E and leavers X from printed V, L and g (%)."""
    # variables: S, S0, E, X
    lo_f, hi_f = 1 + (g - 0.05) / 100, 1 + (g + 0.05) / 100
    a_eq = [[1, 0, 1, 0], [0, 1, 0, 1]]
    a_ub = [[1, -hi_f, 0, 0], [-1, lo_f, 0, 0]]  # lo_f·S0 ≤ S ≤ hi_f·S0
    out = {}
    for i, name in ((2, "E"), (3, "X")):
        found = []
        for sign in (1, -1):
            c = np.zeros(4)
            c[i] = sign
            res = linprog(
                c, A_ub=a_ub, b_ub=[0, 0], A_eq=a_eq, b_eq=[v, l_],
                bounds=[(0, None)] * 4, method="highs",
            )  # fmt: skip
            assert res.status == 0
            found.append(sign * res.fun)
        out[name] = tuple(found)
    return out


@pytest.mark.parametrize("kind", ["one_entrant", "one_leaver", "dominant", "two_above"])
def test_growth_does_not_give_entrants_or_leavers_away(kind, tmp_path):
    folder = _dataset(tmp_path, kind)
    ds = load_dataset(folder)
    printed_growths = attacked = 0
    for year in (2015, 2016):
        table, last = protect_park_year(ds, "GMY", year), protect_park_year(ds, "GMY", year - 1)
        periods = report_periods(year, last_month=table.last_month)
        for p in periods:
            s, e = p.start_month, p.end_month
            ind = indicator_table(ds, str(p)).set_index("id")
            for measure in MEASURES:
                if table.withheld(measure, s, e) or last.withheld(measure, s, e):
                    continue  # 本期 or 上年同期 not printed
                if table.growth_withheld(measure, s, e) or pd.isna(ind.loc[measure, "yoy_pct"]):
                    continue
                printed_growths += 1
                v = table.cell(measure, s, e).printed
                l_ = last.cell(measure, s, e).printed
                g = round(float(ind.loc[measure, "yoy_pct"]), 1)
                bounds = _attack(v, l_, g)
                entrants, leavers = _raw_entrants(folder, measure, year, s, e)
                for name, values in (("E", entrants), ("X", leavers)):
                    values = values[values != 0]
                    if len(values) != 1:
                        continue  # only single-enterprise figures are checked here
                    attacked += 1
                    true = float(values.iloc[0])
                    lo, hi = bounds[name]
                    # the protection interval: neither bound may come within 10 % of the truth
                    narrowed = lo > true * 0.9 + 1e-6 or hi < true * 1.1 - 1e-6
                    assert not narrowed, (kind, str(p), measure, name, true, lo, hi)
    assert printed_growths > 0  # growth still reaches the share copies where it is safe


@pytest.mark.parametrize("kind", ["one_entrant", "one_leaver"])
def test_without_the_rule_the_attacker_would_succeed(kind, tmp_path):
    """Not vacuous: printing every growth, the attacker narrows a single entrant or leaver —
    and each such growth is one the rule withholds."""
    folder = _dataset(tmp_path, kind)
    ds = load_dataset(folder)
    table, last = protect_park_year(ds, "GMY", 2016), protect_park_year(ds, "GMY", 2015)
    broken = []
    for p in report_periods(2016, last_month=table.last_month):
        s, e = p.start_month, p.end_month
        ind = indicator_table(ds, str(p)).set_index("id")
        for measure in MEASURES:
            if pd.isna(ind.loc[measure, "yoy_pct"]) or table.cell(measure, s, e) is None:
                continue
            v, l_ = table.cell(measure, s, e).printed, last.cell(measure, s, e).printed
            bounds = _attack(v, l_, round(float(ind.loc[measure, "yoy_pct"]), 1))
            for name, values in zip("EX", _raw_entrants(folder, measure, 2016, s, e), strict=True):
                values = values[values != 0]
                if len(values) == 1:
                    true = float(values.iloc[0])
                    lo, hi = bounds[name]
                    if lo > true * 0.9 + 1e-6 or hi < true * 1.1 - 1e-6:
                        broken.append((str(p), measure, name))
                        assert table.growth_withheld(measure, s, e), broken[-1]
    assert broken, "the dataset does not put a single enterprise at risk"
