"""Indicator definitions (indicators/measures.py) at the edges the generated data do not reach.

tests/test_indicators_reference.py recomputes every column of the indicator table from the
definitions on irregular generated data; these cases add the edges it cannot produce:

* the first year a period can have (1949, ``periods.MIN_YEAR``): there is no previous year at
  all, and the table must be the one of a first year of data whose previous year merely has
  no rows — levels, 亩均 on shared parcels, productivity, and no growth, said why;
* shares and counts at the boundaries of their groups;
* the edges the mutation run found untested (docs/MUTATION.md, "### measures"): land under
  one 亩, no land at all, a 同口径 scope of one firm, the 规上 share's groups and a total under
  1 万元, a register without 投产日期, firms without employees, 全口径 growth over a zero and a
  small base, a zone of no park, and no warning from any 0 ÷ 0.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from parkanalysis.dataset import load_dataset
from parkanalysis.indicators import indicator_table
from tests.boundary_park import HEADERS, groups, monthly_rows, write_park

SHIFT = {"2015-": "1949-", "2016-": "1950-", "2010-01-": "1948-12-", "2009-05-01": "1948-05-01"}


def linked_park(folder, *, first_year: int):
    """The boundary park with C01 and C02 sharing 1号地 (500 亩; the entrant N03 and the leaver
    X04 have no land), its years moved to start in ``first_year`` (2015 or 1949)."""
    write_park(folder, comparable=2, entrants=1, leavers=1)
    lines = (folder / "enterprises.csv").read_text(encoding="utf-8").splitlines()
    links = {"C01": "1号地", "C02": "1号地"}
    for i, line in enumerate(lines[1:], start=1):
        eid = line.split(",")[1]
        if eid in links:
            lines[i] = line + links[eid]
    (folder / "enterprises.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if first_year != 2015:
        for name in ("enterprises.csv", "monthly_stats.csv", "parcels.csv"):
            text = (folder / name).read_text(encoding="utf-8")
            for old, new in SHIFT.items():
                text = text.replace(old, new)
            (folder / name).write_text(text, encoding="utf-8")
    return folder


COLUMNS = ["value", "prev_value", "yoy_pct", "scope", "scope_value", "all_prev_value",
           "all_yoy_pct", "note", "n_enterprises"]  # fmt: skip


def test_a_first_year_without_any_year_before_is_a_first_year_of_data(tmp_path):
    ours = indicator_table(
        load_dataset(linked_park(tmp_path / "a", first_year=1949)), "1949年1-5月"
    ).set_index("id")
    usual = indicator_table(
        load_dataset(linked_park(tmp_path / "b", first_year=2015)), "2015年1-5月"
    ).set_index("id")
    counts = ["above_size_enterprises", "new_industrial_enterprises", "new_commercial_enterprises"]
    # counts of a year that cannot exist are unknown, not 0
    assert ours.loc[counts, "prev_value"].isna().all()
    assert (usual.loc[counts, "prev_value"] == 0).all()
    ours.loc[counts, "prev_value"] = 0.0
    pd.testing.assert_frame_equal(ours[COLUMNS], usual[COLUMNS])
    # and that table is the first year's levels, recomputed from the rows
    rows = monthly_rows(groups(2, 1, 1))
    first = rows[rows["month"].str.startswith("2015")]
    assert ours.loc["industrial_output", "value"] == pytest.approx(first["output"].sum())
    assert ours.loc["industrial_output", "n_enterprises"] == first["enterprise_id"].nunique()
    # 亩均: C01 and C02 share 1号地 (250 亩 each); the leaver X04 has rows but no land
    land = first[first["enterprise_id"].isin(["C01", "C02"])]
    assert ours.loc["tax_per_mu", "value"] == pytest.approx(land["tax"].sum() / 500)
    assert ours.loc["tax_per_ha", "value"] == pytest.approx(land["tax"].sum() / 500 * 15)
    assert ours.loc["tax_per_mu", "n_enterprises"] == 2
    may = first[first["month"] == "2015-05"]
    avg = first.groupby("enterprise_id")["employees"].mean()
    assert ours.loc["employees", "value"] == pytest.approx(may["employees"].sum())
    assert ours.loc["labour_productivity", "value"] == pytest.approx(
        first["value_added"].sum() / avg.sum()
    )
    growth = [i for i in ours.index if i not in counts and i != "above_size_output_share"]
    assert ours.loc[growth, "yoy_pct"].isna().all() and ours.loc[growth, "prev_value"].isna().all()
    assert (ours.loc[growth, "scope"] == "").all()
    assert ours.loc[growth, "note"].str.contains("上年同期无数据").all()


def test_growth_of_the_year_after_uses_the_shared_land_on_both_sides(tmp_path):
    """1950 against 1949 (the no-previous-year edge one year on): 亩均 growth is the growth
    of the flow over the firms with land in both years, the land the same on both sides."""
    t = indicator_table(
        load_dataset(linked_park(tmp_path / "a", first_year=1949)), "1950年1-5月"
    ).set_index("id")
    rows = monthly_rows(groups(2, 1, 1))
    both = rows[rows["enterprise_id"].isin(["C01", "C02"])]
    cur = both[both["month"].str.startswith("2016")]["tax"].sum()
    prev = both[both["month"].str.startswith("2015")]["tax"].sum()
    for ident, factor in (("tax_per_mu", 1.0), ("tax_per_ha", 15.0)):
        assert t.loc[ident, "yoy_pct"] == pytest.approx((cur / prev - 1) * 100)
        assert t.loc[ident, "prev_value"] == pytest.approx(prev / 500 * factor)
        assert t.loc[ident, "scope"] == "同口径(2家)"
    assert t.loc["tax_per_mu", "value"] == pytest.approx(cur / 500)
    assert t.loc["tax_per_mu", "n_enterprises"] == 2  # the entrant has no land
    assert np.isfinite(t.loc["labour_productivity", "yoy_pct"])


def test_growth_per_hectare_of_less_than_one_hectare(tmp_path):
    """亩均 / 地均 growth where the same-scope firms hold less than 1 公顷 (1号地 of 12 亩 =
    0.8 公顷 shared by C01 and C02): the land divides both sides, so the growth is the tax's
    growth and last year's figure the tax over that land — a denominator below 1 is land all
    the same."""
    folder = linked_park(tmp_path / "a", first_year=2015)
    text = (folder / "parcels.csv").read_text(encoding="utf-8")
    text = text.replace(",P1,500,", ",P1,12,").replace("已建成,12000", "已建成,5000")  # 8000 m²
    (folder / "parcels.csv").write_text(text, encoding="utf-8")
    t = indicator_table(load_dataset(folder), "2016年1-5月").set_index("id")
    rows = monthly_rows(groups(2, 1, 1))
    both = rows[rows["enterprise_id"].isin(["C01", "C02"])]
    cur = both[both["month"].str.startswith("2016")]["tax"].sum()
    prev = both[both["month"].str.startswith("2015")]["tax"].sum()
    for ident, factor in (("tax_per_mu", 1.0), ("tax_per_ha", 15.0)):
        assert t.loc[ident, "value"] == pytest.approx(cur / 12 * factor)
        assert t.loc[ident, "prev_value"] == pytest.approx(prev / 12 * factor)
        assert t.loc[ident, "yoy_pct"] == pytest.approx((cur / prev - 1) * 100)


# -- edges the mutation run found untested (docs/MUTATION.md, "### measures") -----------------
#
# Hand-built parks with every figure chosen: a firm's month is its base × SEASON[month] (1-2月
# in one row, April below March so that nothing looks cumulative), so a year's Σ is 5 × base;
# 增加值 is 产值 ÷ 4, 从业人员 the base itself. The expectations below are that arithmetic and
# the module docstring's definitions, never the package's own output.

SEASON = {2: 2.0, 3: 1.1, 4: 0.9, 5: 1.0}
FIGURES = ("output", "value_added", "revenue", "tax", "employees", "investment")


def year(output=100.0, *, employees=20.0, tax=3.0, investment=5.0):
    """One firm's base figures for a year (``None``: the cell left blank every month)."""
    return {
        "output": output,
        "value_added": None if output is None else output / 4,
        "revenue": 110.0,
        "tax": tax,
        "employees": employees,
        "investment": investment,
    }


def custom_park(folder, firms, *, shift_to_1949=False):
    """The boundary park's park.yaml and parcels with the register, monthly rows and 规上 list
    of ``firms`` (dicts: ``id``, ``years`` {year: :func:`year`}, optional ``kind``, ``start``
    ('' = no 投产日期), ``parcels``, ``above`` (years))."""
    write_park(folder, comparable=1)
    register = ["园区代码,企业代码,企业名称,行业代码,企业类型,入园日期,投产日期,退出日期,用地地块"]
    rows, above = [], ["园区代码,企业代码,年份,是否规上"]
    for f in firms:
        start = f.get("start", "1948-01-01" if shift_to_1949 else "2010-01-01")
        register.append(
            f"TP,{f['id']},{f['id']}制造有限公司,C3311,{f.get('kind', '工业')},{start},{start},,"
            f"{f.get('parcels', '')}"
        )
        above += [f"TP,{f['id']},{y},是" for y in f.get("above", ())]
        for y, base in f["years"].items():
            for month, s in SEASON.items():
                row = {"park_id": "TP", "enterprise_id": f["id"], "month": f"{y}-{month:02d}"}
                for c in FIGURES:
                    v = base[c]
                    row[c] = "" if v is None else v if c == "employees" else round(v * s, 6)
                rows.append(row)
    (folder / "enterprises.csv").write_text("\n".join(register) + "\n", encoding="utf-8")
    pd.DataFrame(rows).rename(columns=HEADERS).to_csv(folder / "monthly_stats.csv", index=False)
    (folder / "above_size.csv").write_text("\n".join(above) + "\n", encoding="utf-8")
    if shift_to_1949:
        text = (folder / "parcels.csv").read_text(encoding="utf-8")
        for old, new in SHIFT.items():
            text = text.replace(old, new)
        (folder / "parcels.csv").write_text(text, encoding="utf-8")
    return folder


def quietly(compute, *args):
    """``compute(*args)`` with every warning an error: a warning printed while a report's
    notebook computes its table lands on its stderr, which the render lists among its
    problems (``render.export.notebook_problems``), so 0 ÷ 0 must stay silent."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return compute(*args)


def table_of(folder, period="2016年1-5月"):
    t = quietly(indicator_table, load_dataset(folder), period).set_index("id")
    # notes are joined with ";" and blanks skipped: never a dangling or doubled separator
    for note in t["note"]:
        assert not (note.startswith(";") or note.endswith(";") or ";;" in note), note
    return t


PER_AREA = ["tax_per_mu", "output_per_mu", "value_added_per_mu", "tax_per_ha", "output_per_ha",
            "value_added_per_ha"]  # fmt: skip
NO_LAND = "无有用地面积的企业数据"


@pytest.mark.parametrize("area", [0.8, 1.6])
def test_per_mu_on_land_under_one_mu(tmp_path, area):
    """亩均 over land of less than one 亩 (0.8 亩: the park's whole land; 1.6 亩: 0.8 亩 for each
    of the two firms sharing it) is land all the same: Σ tax ÷ Σ land, growth over both."""
    folder = linked_park(tmp_path / "a", first_year=2015)
    text = (folder / "parcels.csv").read_text(encoding="utf-8")
    text = text.replace(",P1,500,", f",P1,{area},").replace("已建成,12000", "已建成,300")
    (folder / "parcels.csv").write_text(text, encoding="utf-8")
    t = table_of(folder)
    rows = monthly_rows(groups(2, 1, 1))
    both = rows[rows["enterprise_id"].isin(["C01", "C02"])]
    cur = both[both["month"].str.startswith("2016")]["tax"].sum()
    prev = both[both["month"].str.startswith("2015")]["tax"].sum()
    for ident, factor in (("tax_per_mu", 1.0), ("tax_per_ha", 15.0)):
        assert t.loc[ident, "value"] == pytest.approx(cur / area * factor)
        assert t.loc[ident, "prev_value"] == pytest.approx(prev / area * factor)
        assert t.loc[ident, "yoy_pct"] == pytest.approx((cur / prev - 1) * 100)
        assert t.loc[ident, "n_enterprises"] == 2
        assert t.loc[ident, "scope"] == "同口径(2家)"
        assert NO_LAND not in t.loc[ident, "note"]


def test_per_mu_without_any_land_is_missing_and_says_why(tmp_path):
    """No firm linked to a parcel and no register land: 亩均 has no denominator — NaN, no
    growth, and the note tells the reader why."""
    t = table_of(write_park(tmp_path / "a", comparable=2, entrants=1))
    for ident in PER_AREA:
        row = t.loc[ident]
        assert np.isnan(row["value"]) and np.isnan(row["yoy_pct"]) and np.isnan(row["prev_value"])
        assert row["n_enterprises"] == 0 and row["scope"] == ""
        assert NO_LAND in row["note"].split(";"), row["note"]


def test_growth_scope_of_a_single_firm(tmp_path):
    """One firm in both years with land (C01 on 1号地; the entrant and the leaver have none):
    亩均 and 劳动生产率 growth run over a scope of one firm, and the label says so."""
    folder = write_park(tmp_path / "a", comparable=1, entrants=1, leavers=1)
    text = (folder / "enterprises.csv").read_text(encoding="utf-8")
    (folder / "enterprises.csv").write_text(
        text.replace("2010-01-01,,\n", "2010-01-01,,1号地\n", 1), encoding="utf-8"
    )
    t = table_of(folder)
    rows = monthly_rows(groups(1, 1, 1))
    c01 = rows[rows["enterprise_id"] == "C01"]
    cur, prev = (c01[c01["month"].str.startswith(y)] for y in ("2016", "2015"))
    assert t.loc["tax_per_mu", "yoy_pct"] == pytest.approx(
        (cur["tax"].sum() / prev["tax"].sum() - 1) * 100
    )
    va = cur["value_added"].sum() / cur["employees"].mean()
    va_prev = prev["value_added"].sum() / prev["employees"].mean()
    assert t.loc["labour_productivity", "yoy_pct"] == pytest.approx((va / va_prev - 1) * 100)
    for ident in ("tax_per_mu", "tax_per_ha", "labour_productivity"):
        assert t.loc[ident, "scope"] == "同口径(1家)", ident


SHARE_NOTE = "规上工业总产值占工业总产值的比重;占比不计同比"
BOTH = (2015, 2016)


@pytest.mark.parametrize(
    ("firms", "share", "n"),
    [
        # a single firm with output (规上): the share is 100 %, its smaller group empty
        ([dict(id="A01", above=BOTH, years={y: year() for y in BOTH})], 100.0, 0),
        # a total output under 1 万元 (0.5 + 0.3; one person each, or the output per head
        # looks like 元): a share all the same
        (
            [dict(id="A01", above=BOTH, years={y: year(0.1, employees=1.0) for y in BOTH}),
             dict(id="B02", years={y: year(0.06, employees=1.0) for y in BOTH})],
            0.5 / 0.8 * 100, 1,
        ),
        # three 规上 firms and one other with output (a second other one has none): the
        # smaller group is the one other firm
        (
            [*(dict(id=f"A0{i}", above=BOTH, years={y: year() for y in BOTH}) for i in (1, 2, 3)),
             dict(id="B04", years={y: year() for y in BOTH}),
             dict(id="B05", years={y: year(None) for y in BOTH})],
            75.0, 1,
        ),
        # no output this year (every firm 0): no share, and no count behind it
        (
            [dict(id="A01", above=BOTH, years={2015: year(), 2016: year(0.0)}),
             dict(id="B02", years={2015: year(), 2016: year(0.0)})],
            np.nan, np.nan,
        ),
    ],
    ids=["one-firm", "under-one-wan", "fewer-others", "zero-output"],
)  # fmt: skip
def test_above_size_share_and_its_groups(tmp_path, firms, share, n):
    """规上产值占比 = Σ 规上 output ÷ Σ output × 100 over the firms with output; its
    n_enterprises is the smaller of the two groups (NaN with the share)."""
    t = table_of(custom_park(tmp_path / "a", firms))
    row = t.loc["above_size_output_share"]
    np.testing.assert_allclose([row["value"], row["n_enterprises"]], [share, n], rtol=1e-9)
    assert row["note"] == SHARE_NOTE
    # the counts carry their definition and nothing else
    above = "规上工业企业中截至5月末在产、未退出且本期有数据的"
    assert t.loc["above_size_enterprises", "note"] == above
    for ident in ("new_industrial_enterprises", "new_commercial_enterprises"):
        assert t.loc[ident, "note"] == "投产日期在本期内"


@pytest.mark.parametrize("first_year", [2015, 1949])
def test_new_enterprises_without_start_dates_are_unknown(tmp_path, first_year):
    """A register without 投产日期: 新投产企业数 is unknown — NaN, with no count behind it and
    the reason noted — for two industrial firms and for a single 商贸 one, in a year with a
    year before it and in the first year there can be (1949, no previous year at all)."""
    years = (first_year, first_year + 1) if first_year == 2015 else (1949,)
    firms = [
        dict(id="C01", start="", years={y: year() for y in years}),
        dict(id="C02", start="", years={y: year() for y in years}),
        dict(id="S03", kind="商贸", start="", years={y: year(None) for y in years}),
    ]
    folder = custom_park(tmp_path / "a", firms, shift_to_1949=first_year == 1949)
    t = table_of(folder, f"{years[-1]}年1-5月")
    for ident in ("new_industrial_enterprises", "new_commercial_enterprises"):
        row = t.loc[ident]
        assert np.isnan(row["value"]) and np.isnan(row["n_enterprises"]), ident
        assert np.isnan(row["prev_value"]), ident  # the year before is as unknown
        assert "企业名录没有投产日期,无法计数" in row["note"].split(";"), row["note"]
    # the 规上 count needs no start date (the flag, not exited, data in the period)
    assert t.loc["above_size_enterprises", "value"] == 0


def test_labour_productivity_counts_firms_with_employees_only(tmp_path):
    """劳动生产率 = Σ 增加值 ÷ Σ average 从业人员 of the firms reporting both: a firm with blank
    从业人员 and one with 0 add neither value added nor firms; the one left has 1 employee."""
    firms = [
        dict(id="C01", years={y: year(employees=1.0) for y in BOTH}),
        dict(id="C02", years={y: year(employees=None) for y in BOTH}),
        dict(id="C03", years={y: year(employees=0.0) for y in BOTH}),
    ]
    t = table_of(custom_park(tmp_path / "a", firms))
    row = t.loc["labour_productivity"]
    assert row["value"] == pytest.approx(5 * 100.0 / 4 / 1.0)  # C01's Σ 增加值 ÷ 1 person
    assert row["n_enterprises"] == 1 and row["scope"] == "同口径(1家)"
    assert row["yoy_pct"] == pytest.approx(0.0)


def test_all_enterprises_growth_over_a_zero_and_a_small_base(tmp_path):
    """全口径增长 = value ÷ all_prev_value − 1 where the base is positive: none over a zero
    base (固定资产投资 0 last year), and computed over a base under 1 万元 (税收 0.1)."""
    firms = [dict(id="C01", years={2015: year(tax=0.02, investment=0.0), 2016: year()})]
    t = table_of(custom_park(tmp_path / "a", firms))
    inv, tax = t.loc["fixed_asset_investment"], t.loc["tax_revenue"]
    assert inv["value"] == pytest.approx(25.0) and inv["all_prev_value"] == 0
    assert np.isnan(inv["all_yoy_pct"]) and np.isnan(inv["yoy_pct"])
    assert tax["all_prev_value"] == pytest.approx(0.1)
    assert tax["all_yoy_pct"] == pytest.approx((15.0 / 0.1 - 1) * 100)


def test_pct_change_and_join_notes():
    """The two helpers the table shares with the published figures, at their edges."""
    from parkanalysis.indicators.measures import join_notes, pct_change

    got = pct_change(np.full(6, 3.0), np.array([0.0, 0.5, 1.0, 2.0, -1.0, np.nan]))
    np.testing.assert_allclose(got, [np.nan, 500.0, 200.0, 50.0, np.nan, np.nan])
    a = np.array(["甲", "", "", "甲"], dtype=object)
    b = np.array(["", "乙", "", "乙"], dtype=object)
    assert join_notes(a, b).tolist() == ["甲", "乙", "", "甲;乙"]
    assert join_notes(a[None, :], np.array([["丙"], [""]], dtype=object)).tolist() == [
        ["甲;丙", "丙", "丙", "甲;丙"], ["甲", "", "", "甲"],
    ]  # fmt: skip


def test_zone_total_of_no_park(tmp_path):
    """A zone none of whose parks reported: one row per indicator, no figure, and the note
    says there are no enterprise data (the merged core has no rows at all)."""
    from parkanalysis.indicators.zone import zone_rows
    from parkanalysis.periods import parse_period

    ds = load_dataset(write_park(tmp_path / "a", comparable=2))
    t = quietly(zone_rows, [(ds, [])], parse_period("2016年1-5月"), "全区").set_index("id")
    assert t.index.tolist() == [i for i in indicator_table(ds, "2016年1-5月")["id"]]
    counts = ["above_size_enterprises", "new_industrial_enterprises", "new_commercial_enterprises"]
    rest = t.drop(index=counts)
    assert rest["value"].isna().all() and rest["yoy_pct"].isna().all()
    assert rest["note"].str.contains("本期无企业统计数据").all()
    assert (t["park_id"] == "全区").all()
