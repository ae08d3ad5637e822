"""Reporting completeness (dataset/completeness.py) against its definitions, row by row.

The module docstring defines 应报, 缺报, 报送率 and 数据完整至; :func:`reference` below
recomputes them one park, month and enterprise at a time on generated registries and rows
that hold every case the definitions name: enterprises whose 投产日期 is blank, in the future
or inside the data; exits inside the data (on the first and on the last day of a month);
enterprises that start filing late; rows of enterprises missing from the registry; the same
enterprise code in two parks; repeated rows; rows after ``today``; months nobody filed; parks
whose threshold is set or left to the default. The statement of a period (``PeriodStatus``),
its gate (``require_complete``) and the month ranges it prints are held to their docstrings
in tables at their boundaries.

These are the tests ``make mutate MODULES=completeness`` runs first (they take a second).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parkanalysis.dataset.completeness import (
    DEFAULT_MIN_REPORTING_RATE,
    Completeness,
    PeriodStatus,
    month_ranges,
    period_status,
    rate_text,
    reporting_status,
    require_complete,
    today_t,
)
from parkanalysis.errors import IncompleteDataError


def _month_end(y: int, m: int) -> pd.Timestamp:
    return pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)


def _date_in(rng, y: int, m: int) -> pd.Timestamp:
    day = int(rng.choice([1, 2, 15, 28, _month_end(y, m).day]))
    return pd.Timestamp(y, m, day)


def generated(seed: int):
    """Registry, rows, thresholds and ``today`` of 1-3 parks over 2015-2016."""
    rng = np.random.default_rng(seed)
    months = [(y, m) for y in (2015, 2016) for m in range(1, 13)]
    parks = [f"P{i}" for i in range(int(rng.integers(1, 4)))]
    reg, rows = [], []
    for park in parks:
        skipped = {months[i] for i in rng.choice(len(months), 3, replace=False)}  # nobody filed
        for j in range(int(rng.integers(2, 9))):
            eid = f"E{j:02d}"  # the same codes in every park
            kind = rng.choice(["always", "late_start", "blank_start", "exit", "unregistered"],
                              p=[0.45, 0.2, 0.1, 0.15, 0.1])  # fmt: skip
            start = pd.Timestamp(2014, 1, 1)
            leave = pd.NaT
            if kind == "late_start":
                start = _date_in(rng, *months[int(rng.integers(0, len(months)))])
            elif kind == "exit":
                leave = _date_in(rng, *months[int(rng.integers(1, len(months)))])
            if kind != "unregistered":
                reg.append((park, eid, pd.NaT if kind == "blank_start" else start, leave,
                            f"企业{park}{j}"))  # fmt: skip
            begin = int(rng.integers(0, 6))  # starts filing some months into the data
            for y, m in months[begin:]:
                if (y, m) in skipped:
                    continue
                if rng.random() < 0.12:  # a 缺报 (or nothing to file)
                    continue
                rows.append((park, eid, y, m))
                if rng.random() < 0.03:
                    rows.append((park, eid, y, m))  # filed twice
    registry = pd.DataFrame(reg, columns=["park_id", "enterprise_id", "production_start_date",
                                          "exit_date", "name"])  # fmt: skip
    registry["production_start_date"] = pd.to_datetime(registry["production_start_date"])
    registry["exit_date"] = pd.to_datetime(registry["exit_date"])
    if len(registry) > 1:  # a registry row repeated
        registry = pd.concat([registry, registry.iloc[[0]]], ignore_index=True)
    registry = registry.sample(frac=1, random_state=seed).reset_index(drop=True)
    frame = pd.DataFrame(rows, columns=["park_id", "enterprise_id", "year", "month"])
    frame = frame.sample(frac=1, random_state=seed + 1).reset_index(drop=True)
    thresholds = {p: float(rng.choice([0.5, 0.8, 0.9, 1.0])) for p in parks if rng.random() < 0.7}
    today = months[int(rng.integers(12, len(months)))]
    return registry, frame, thresholds, today


def reference(registry, rows, thresholds, today):
    """The module docstring's definitions, one park, month and enterprise at a time."""
    filed = {(p, e, y, m) for p, e, y, m in rows.itertuples(index=False) if (y, m) <= today}
    reg = {
        (p, e): (start, leave, name)
        for p, e, start, leave, name in registry[
            ["park_id", "enterprise_id", "production_start_date", "exit_date", "name"]
        ].itertuples(index=False)
    }  # a repeated registry row is the same enterprise
    rates, missing, complete_to, last = [], [], {}, {}
    for park in sorted({f[0] for f in filed}):
        mine = [f for f in filed if f[0] == park]
        months = sorted({(y, m) for _, _, y, m in mine})
        first = {}
        for _, e, y, m in mine:
            first[e] = min(first.get(e, (y, m)), (y, m))
        for y, m in months:
            end = _month_end(y, m)
            expected = reported = 0
            for e in sorted(first):
                if (park, e) not in reg or first[e] > (y, m):
                    continue
                start, leave, name = reg[(park, e)]
                if pd.isna(start) or start > end or (pd.notna(leave) and leave <= end):
                    continue
                expected += 1
                if (park, e, y, m) in filed:
                    reported += 1
                else:
                    missing.append((park, e, name, y, m))
            rates.append((park, y, m, expected, reported,
                          reported / expected if expected else np.nan))  # fmt: skip
        thr = thresholds.get(park, DEFAULT_MIN_REPORTING_RATE)
        ok = [(y, m) for p, y, m, e, r, rate in rates if p == park and not rate < thr]
        complete_to[park] = max(ok) if ok else months[-1]
        last[park] = months[-1]
    rate_frame = pd.DataFrame(
        rates, columns=["park_id", "year", "month", "expected", "reported", "rate"]
    ).astype({"year": "int64", "month": "int64", "expected": "int64", "reported": "int64",
              "rate": "float64"})  # fmt: skip
    missing.sort(key=lambda x: (x[0], x[1], x[3], x[4]))
    miss_frame = pd.DataFrame(
        missing, columns=["park_id", "enterprise_id", "name", "year", "month"]
    ).astype({"year": "int64", "month": "int64"})
    return rate_frame, miss_frame, complete_to, last


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object (the string dtype is the pandas version's choice)."""
    out = df.reset_index(drop=True).copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_reporting_status_is_its_definition(seed):
    registry, rows, thresholds, today = generated(seed)
    c = reporting_status(registry, rows, thresholds=thresholds, jan_feb_combined=False,
                         today=today)  # fmt: skip
    rates, missing, complete_to, last = reference(registry, rows, thresholds, today)
    assert_frame_equal(_plain(c.rates), _plain(rates))
    assert_frame_equal(_plain(c.missing), _plain(missing))
    assert c.complete_to == complete_to and c.last_reported == last
    assert c.thresholds == thresholds and c.thresholds is not thresholds
    # the rates and the 缺报 answer the period questions the reports ask
    for park in complete_to:
        for first, last_month in ((1, 12), (3, 5), (7, 7)):
            sel = rates[(rates["park_id"] == park) & (rates["year"] == 2016)
                        & rates["month"].between(first, last_month)]  # fmt: skip
            e, r = int(sel["expected"].sum()), int(sel["reported"].sum())
            rate, e_got, r_got = c.period_rate(park, 2016, first, last_month)
            assert (e_got, r_got) == (e, r)
            assert rate == r / e if e else np.isnan(rate)
            if first == last_month:
                assert c.month_rate(park, 2016, first)[1:] == (e, r)
            got = c.missing_in(park, 2016, first, last_month)
            want = missing[(missing["park_id"] == park) & (missing["year"] == 2016)
                           & missing["month"].between(first, last_month)]  # fmt: skip
            assert_frame_equal(_plain(got), _plain(want))
        every = c.missing_in(None, 2015, 2, 11)
        want = missing[(missing["year"] == 2015) & missing["month"].between(2, 11)]
        assert_frame_equal(_plain(every), _plain(want))


def test_the_generated_cases_hold_what_the_definitions_name():
    """The generator reaches every case (else the comparison above proves less)."""
    seen = set()
    for seed in range(12):
        registry, rows, thresholds, today = generated(seed)
        rates, missing, complete_to, last = reference(registry, rows, thresholds, today)
        seen |= {"missing"} if len(missing) else set()
        seen |= {"below"} if any(complete_to[p] < last[p] for p in last) else set()
        after = rows["year"] * 12 + rows["month"] > today[0] * 12 + today[1]
        seen |= {"future"} if after.any() else set()
        seen |= {"nobody"} if rates["expected"].eq(0).any() else set()
        seen |= {"default"} if set(last) - set(thresholds) else set()
        seen |= {"blank"} if registry["production_start_date"].isna().any() else set()
        seen |= {"exit"} if registry["exit_date"].notna().any() else set()
        seen |= {"parks"} if len(last) > 1 else set()
    assert seen == {"missing", "below", "future", "nobody", "default", "blank", "exit", "parks"}


def test_without_names_or_rows():
    registry, rows, thresholds, today = generated(3)
    c = reporting_status(registry.drop(columns="name"), rows, thresholds=thresholds,
                         jan_feb_combined=True, today=today)  # fmt: skip
    _, missing, _, _ = reference(registry, rows, thresholds, today)
    assert_frame_equal(_plain(c.missing), _plain(missing.drop(columns="name")))
    # nothing filed up to today: no month, no 缺报, and every question answered with none
    c = reporting_status(registry, rows, thresholds=thresholds, jan_feb_combined=False,
                         today=(2014, 12))  # fmt: skip
    assert c.rates.empty and c.missing.empty and c.complete_to == {} and c.last_reported == {}
    assert c.rates.columns.tolist() == ["park_id", "year", "month", "expected", "reported", "rate"]
    assert c.missing.columns.tolist() == ["park_id", "enterprise_id", "year", "month"]
    assert c.thresholds == thresholds
    rate, expected, reported = c.period_rate("P0", 2016, 1, 12)
    assert np.isnan(rate) and (expected, reported) == (0, 0)
    assert c.missing_in("P0", 2016, 1, 12).empty


@pytest.mark.parametrize(
    ("exit_date", "expected_months"),
    [
        (None, [1, 2, 3, 4]),
        ("2016-03-01", [1, 2]),  # exited in March: March is not expected
        ("2016-02-29", [1]),  # on the last day of February: February is not expected
        ("2016-03-31", [1, 2]),
        ("2016-04-01", [1, 2, 3]),
    ],
)
@pytest.mark.parametrize(
    ("start", "started"),
    [("2015-12-31", 1), ("2016-01-01", 1), ("2016-01-31", 1), ("2016-02-01", 2), (None, 99)],
)
def test_expected_months_at_production_and_exit_dates(exit_date, expected_months, start, started):
    """Enterprise B files nothing; A files January-April. B is expected from its 投产 month
    (blank: never) to the month before its exit."""
    registry = pd.DataFrame({
        "park_id": ["P", "P"], "enterprise_id": ["A", "B"],
        "production_start_date": pd.to_datetime(["2010-01-01", start]),
        "exit_date": pd.to_datetime([None, exit_date]),
    })  # fmt: skip
    rows = pd.DataFrame({"park_id": ["P"] * 5, "enterprise_id": ["A"] * 4 + ["B"],
                         "year": [2016] * 4 + [2015], "month": [1, 2, 3, 4, 12]})  # fmt: skip
    c = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False, today=(2016, 4))
    b = [m for m in expected_months if m >= started]
    got = c.missing[c.missing["enterprise_id"] == "B"]
    assert got[["year", "month"]].values.tolist() == [[2016, m] for m in b]
    r16 = c.rates[c.rates["year"] == 2016]
    assert r16["expected"].tolist() == [1 + (m in b) for m in (1, 2, 3, 4)]
    assert r16["reported"].tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize(
    ("threshold", "rates_", "complete_to"),
    [
        # 报送率 of January-April: 1.0, 0.5, 0.75, 0.5; at the threshold is enough
        (0.75, None, (2016, 3)),
        (0.7499, None, (2016, 3)),
        (0.7501, None, (2016, 1)),
        (0.5, None, (2016, 4)),
        (1.0, None, (2016, 1)),
    ],
)
def test_complete_to_at_the_threshold(threshold, rates_, complete_to):
    registry = pd.DataFrame({
        "park_id": ["P"] * 4, "enterprise_id": list("ABCD"),
        "production_start_date": pd.to_datetime(["2010-01-01"] * 4),
        "exit_date": pd.to_datetime([None] * 4),
    })  # fmt: skip
    filed = {1: "ABCD", 2: "AB", 3: "ABC", 4: "AD"}
    rows = pd.DataFrame([("P", e, 2016, m) for m, es in filed.items() for e in es],
                        columns=["park_id", "enterprise_id", "year", "month"])  # fmt: skip
    c = reporting_status(registry, rows, thresholds={"P": threshold}, jan_feb_combined=False,
                         today=(2016, 4))  # fmt: skip
    assert c.rates["rate"].tolist() == [1.0, 0.5, 0.75, 0.5]
    assert c.complete_to == {"P": complete_to} and c.last_reported == {"P": (2016, 4)}
    # the default threshold (0.9) when the park has none
    c = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False, today=(2016, 4))
    assert c.complete_to == {"P": (2016, 1)}


def test_rows_after_today_and_the_clock():
    registry = pd.DataFrame({"park_id": ["P"], "enterprise_id": ["A"],
                             "production_start_date": pd.to_datetime(["2010-01-01"]),
                             "exit_date": pd.to_datetime([None])})  # fmt: skip
    rows = pd.DataFrame({"park_id": ["P"] * 3, "enterprise_id": ["A"] * 3,
                         "year": [2016, 2016, 2017], "month": [11, 12, 1]})  # fmt: skip
    at = {
        (2016, 11): (2016, 11),
        (2016, 12): (2016, 12),
        (2017, 1): (2017, 1),
        (2030, 6): (2017, 1),
    }
    for today, end in at.items():
        c = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False, today=today)
        assert c.last_reported == {"P": end} and c.complete_to == {"P": end}
    now = dt.date.today()
    assert today_t() == now.year * 12 + now.month - 1
    assert today_t((2016, 1)) == 2016 * 12 and today_t((2016, 12)) == 2016 * 12 + 11
    # the clock's default: rows of this month count, rows of next month do not
    nxt = (now.year + now.month // 12, now.month % 12 + 1)
    rows = pd.DataFrame({"park_id": ["P"] * 2, "enterprise_id": ["A"] * 2,
                         "year": [now.year, nxt[0]], "month": [now.month, nxt[1]]})  # fmt: skip
    c = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False)
    assert c.last_reported == {"P": (now.year, now.month)}


# -- the statement of a period --------------------------------------------------------------------


def _ranges(months) -> str:
    """month_ranges from its docstring: per year (in order), runs of consecutive months."""
    years: dict = {}
    for y, m in months:
        years.setdefault(y, []).append(m)
    out = []
    for y, ms in years.items():
        runs = [[ms[0]]]
        for m in ms[1:]:
            if m == runs[-1][-1] + 1:
                runs[-1].append(m)
            else:
                runs.append([m])
        text = "、".join(f"{r[0]}月" if len(r) == 1 else f"{r[0]}-{r[-1]}月" for r in runs)
        out.append(f"{y}年{text}")
    return ",".join(out)


@pytest.mark.parametrize("seed", range(30))
def test_month_ranges(seed):
    rng = np.random.default_rng(seed)
    years = sorted(rng.choice(range(2010, 2020), int(rng.integers(1, 4)), replace=False))
    months = [
        (int(y), int(m))
        for y in years
        for m in sorted(rng.choice(range(1, 13), int(rng.integers(1, 13)), replace=False))
    ]
    assert month_ranges(months) == _ranges(months)
    assert month_ranges([(2016, m) for m in range(1, 13)]) == "2016年1-12月"
    assert month_ranges([(2016, 1), (2016, 3)]) == "2016年1月、3月"
    assert month_ranges([(2016, 12), (2017, 1)]) == "2016年12月,2017年1月"


def _status(**kw) -> PeriodStatus:
    base = dict(park="P", label="2016年1-5月", rate=1.0, expected=40, reported=40, prev_rate=1.0,
                threshold=0.9, complete_to=(2016, 5), beyond=False,
                missing=pd.DataFrame(columns=["enterprise_id", "year", "month"]))  # fmt: skip
    return PeriodStatus(**{**base, **kw})


@pytest.mark.parametrize(
    ("rate", "prev_rate", "beyond", "threshold", "complete", "sufficient"),
    [
        (1.0, 1.0, False, 0.9, True, True),
        (np.nan, np.nan, False, 0.9, True, True),  # nobody expected: nothing missing
        (1.0, np.nan, False, 0.9, True, True),
        (np.nan, 1.0, False, 0.9, True, True),
        (0.999, 1.0, False, 0.9, False, True),
        (1.0, 0.999, False, 0.9, False, True),
        (1.0, 1.0, True, 0.9, False, False),  # beyond the data's end
        (0.9, 1.0, False, 0.9, False, True),  # at the threshold: enough
        (0.8999, 1.0, False, 0.9, False, False),
        (0.5, 0.2, False, 0.5, False, True),
        (0.4999, 1.0, False, 0.5, False, False),
        (np.nan, 0.2, True, 0.9, False, False),
    ],
)
def test_complete_and_sufficient(rate, prev_rate, beyond, threshold, complete, sufficient):
    s = _status(rate=rate, prev_rate=prev_rate, beyond=beyond, threshold=threshold)
    assert s.complete is complete and s.sufficient is sufficient


def _sentence(s: PeriodStatus, enterprises: bool) -> str:
    """The statement from PeriodStatus.sentence's docstring and the reports' wording."""
    parts = []
    if s.rate == s.rate:
        parts.append(s.label + "企业统计" + rate_text(s.rate, s.expected, s.reported))
    if s.beyond and s.complete_to:
        y, m = s.complete_to
        parts.append(f"数据仅完整至 {y}年{m}月(此后月份多数企业尚未报送)")
    if s.prev_rate == s.prev_rate and s.prev_rate < 1:
        parts.append(f"上年同期报送率 {s.prev_rate * 100:.1f}%")
    ids = sorted(set(s.missing["enterprise_id"]))
    if ids and not enterprises:
        parts.append(f"缺报企业 {len(ids)} 家")
    elif ids:
        listed = []
        for eid in ids[:10]:
            mine = s.missing[s.missing["enterprise_id"] == eid]
            listed.append(f"{eid}({_ranges(list(zip(mine['year'], mine['month'], strict=True)))})")
        parts.append(
            "缺报企业:" + "、".join(listed) + (f"等 {len(ids)} 家" if len(ids) > 10 else "")
        )
    return ";".join(parts)


@pytest.mark.parametrize("seed", range(16))
def test_sentence(seed):
    rng = np.random.default_rng(seed)
    n_ids = int(rng.choice([0, 1, 3, 10, 11, 14]))
    missing = pd.DataFrame(
        [(f"E{int(i):02d}", y, m) for i in rng.permutation(n_ids)
         for y, m in [(2016, 1), (2016, 2), (2016, 4), (2015, 12)][: int(rng.integers(1, 5))]],
        columns=["enterprise_id", "year", "month"],
    )  # fmt: skip
    s = _status(
        rate=float(rng.choice([np.nan, 0.5, 0.9125, 1.0])),
        expected=int(rng.integers(1, 99)), reported=int(rng.integers(0, 99)),
        prev_rate=float(rng.choice([np.nan, 0.25, 0.999, 1.0])),
        beyond=bool(rng.random() < 0.5),
        complete_to=[None, (2016, 4), (2015, 12)][int(rng.integers(0, 3))],
        missing=missing.sample(frac=1, random_state=seed),
    )  # fmt: skip
    for enterprises in (True, False):
        assert s.sentence(enterprises=enterprises) == _sentence(s, enterprises)
    assert s.sentence() == _sentence(s, True)


def test_sentence_parts_at_their_edges():
    s = _status(rate=0.5, expected=34, reported=17, beyond=True, complete_to=(2016, 4),
                prev_rate=0.25)  # fmt: skip
    assert s.sentence() == (
        "2016年1-5月企业统计报送率 50.0%(应报 34 户·月,实报 17 户·月);"
        "数据仅完整至 2016年4月(此后月份多数企业尚未报送);上年同期报送率 25.0%"
    )
    assert _status(beyond=True, complete_to=None).sentence().count(";") == 0
    assert "完整至" not in _status(beyond=False, complete_to=(2016, 4)).sentence()
    assert "上年同期" not in _status(prev_rate=1.0).sentence()
    assert _status(rate=np.nan, prev_rate=np.nan).sentence() == ""


# -- a period of a dataset: its status and its gate ------------------------------------------------


@pytest.fixture(scope="module")
def two_parks(tmp_path_factory):
    """Two parks with the same enterprise codes. P002 lacks three of its six returns of March
    2016 and one of June 2016 (so its data are complete to May); P001 files everything."""
    from parkanalysis.dataset import load_dataset
    from parkanalysis.sample import write_synthetic

    folder = tmp_path_factory.mktemp("two_parks")
    write_synthetic(folder, parks=2, enterprises=6, years=2, seed=4)
    m = pd.read_csv(folder / "monthly_stats.csv", dtype=str, keep_default_na=False)
    p2 = m["park_id"] == "P002"
    march = (m["month"] == "2016-03") & m["enterprise_id"].isin(["E0001", "E0002", "E0003"])
    june = (m["month"] == "2016-06") & (m["enterprise_id"] == "E0004")
    m[~(p2 & (march | june))].to_csv(folder / "monthly_stats.csv", index=False)
    return load_dataset(folder)


def _same(a: PeriodStatus, b: PeriodStatus) -> bool:
    fields = ("park", "label", "expected", "reported", "threshold", "complete_to", "beyond")
    same = all(getattr(a, f) == getattr(b, f) for f in fields)
    for f in ("rate", "prev_rate"):
        x, y = getattr(a, f), getattr(b, f)
        same &= x == y or (np.isnan(x) and np.isnan(y))
    return same and a.missing.equals(b.missing)


@pytest.mark.parametrize(
    ("park", "period", "rate", "prev", "beyond", "ok"),
    [
        ("P001", "2016-05", 1.0, 1.0, False, True),
        ("P002", "2016-03", 0.5, 1.0, False, False),  # its own 报送率 below 0.9
        ("P002", "2016-04", 1.0, 1.0, False, True),
        ("P002", "2016-01..2016-05", 0.9, 1.0, False, True),  # 27 / 30: at the threshold
        ("P002", "2016-06", 5 / 6, 1.0, True, False),  # below, and after the data's end
        ("P002", "2016Q2", 17 / 18, 1.0, True, False),  # enough, but after the data's end
        ("P002", "2016H1", 32 / 36, 1.0, True, False),
        ("P001", "2016H1", 1.0, 1.0, False, True),
        ("P002", "2015-05", 1.0, np.nan, False, True),  # a year without a year before
    ],
)
def test_period_status_and_the_gate(two_parks, park, period, rate, prev, beyond, ok):
    from parkanalysis.periods import parse_period

    ds, p = two_parks, parse_period(period)
    assert ds.completeness.complete_to == {"P001": (2016, 6), "P002": (2016, 5)}
    s = period_status(ds, p, park)
    assert s.park == park and s.label == p.label
    assert s.rate == pytest.approx(rate) and s.beyond is beyond
    assert (np.isnan(s.prev_rate) and np.isnan(prev)) or s.prev_rate == prev
    assert s.threshold == ds.completeness.thresholds.get(park, DEFAULT_MIN_REPORTING_RATE)
    assert s.complete_to == ds.completeness.complete_to[park]
    n = 6 * (p.end_month - p.start_month + 1)
    assert (s.expected, s.reported) == (n, round(rate * n))
    want = ds.completeness.missing
    want = want[(want["park_id"] == park) & (want["year"] == p.year)
                & want["month"].between(p.start_month, p.end_month)]  # fmt: skip
    assert_frame_equal(_plain(s.missing), _plain(want))
    if ok:
        assert _same(require_complete(ds, p, park), s)
        return
    with pytest.raises(IncompleteDataError) as err:
        require_complete(ds, p, park)
    text = str(err.value)
    assert text.startswith(s.sentence() + "。")
    own = f"低于 park.yaml 的 completeness.min_reporting_rate ({s.threshold:g})"
    edge = "报告期末月超出数据完整月份"
    why = text[len(s.sentence()) + 1 :]
    assert why.startswith(own if s.rate < s.threshold else edge), why
    assert "不出报告" in text
    assert text.endswith(
        "如确需据不完整数据出报告,请加 --allow-incomplete(报告中所有数字将标注为不完整)。"
    )
    assert _same(require_complete(ds, p, park, allow_incomplete=True), s)


def test_a_park_threshold_of_its_own(tmp_path):
    """park.yaml sets P001's completeness.min_reporting_rate to 0.95 (P002 keeps 0.9): the
    status and the gate of P001 use 0.95. P001 lacks one of its six returns of February 2016,
    so 2016年1-2月 has 11 / 12 = 91.7 %: enough at 0.9, refused at 0.95."""
    import yaml

    from parkanalysis.dataset import load_dataset
    from parkanalysis.periods import parse_period
    from parkanalysis.sample import write_synthetic

    write_synthetic(tmp_path, parks=2, enterprises=6, years=2, seed=4)
    doc = yaml.safe_load((tmp_path / "park.yaml").read_text(encoding="utf-8"))
    doc["parks"][0]["config"] = {"completeness": {"min_reporting_rate": 0.95}}
    (tmp_path / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    m = pd.read_csv(tmp_path / "monthly_stats.csv", dtype=str, keep_default_na=False)
    drop = (m["park_id"] == "P001") & (m["month"] == "2016-02") & (m["enterprise_id"] == "E0001")
    m[~drop].to_csv(tmp_path / "monthly_stats.csv", index=False)
    ds = load_dataset(tmp_path)
    assert ds.completeness.thresholds == {"P001": 0.95, "P002": 0.9}
    p = parse_period("2016-01..2016-02")
    s = period_status(ds, p, "P001")
    assert s.threshold == 0.95 and s.rate == 11 / 12 and not s.beyond and not s.sufficient
    with pytest.raises(IncompleteDataError, match=r"min_reporting_rate \(0\.95\)"):
        require_complete(ds, p, "P001")
    assert period_status(ds, p, "P002").threshold == 0.9
    assert require_complete(ds, p, "P002").sufficient


def test_completeness_of_a_period_outside_the_data():
    c = Completeness(
        pd.DataFrame({"park_id": ["P"], "year": [2016], "month": [3], "expected": [4],
                      "reported": [3], "rate": [0.75]}),
        pd.DataFrame(columns=["park_id", "enterprise_id", "year", "month"]),
    )  # fmt: skip
    for year, first, last in ((2016, 1, 2), (2016, 4, 12), (2015, 3, 3), (2017, 3, 3)):
        rate, e, r = c.period_rate("P", year, first, last)
        assert np.isnan(rate) and (e, r) == (0, 0)
    assert c.month_rate("P", 2016, 3) == (0.75, 4, 3)
    assert c.missing_in(None, 2016, 1, 12).empty


def _registry(parks, ids, starts, exits=None, names=None) -> pd.DataFrame:
    out = pd.DataFrame({
        "park_id": parks, "enterprise_id": ids,
        "production_start_date": pd.to_datetime(pd.Series(starts, dtype=object)),
        "exit_date": pd.to_datetime(pd.Series(exits or [None] * len(ids), dtype=object)),
    })  # fmt: skip
    if names is not None:
        out["name"] = names
    return out


def _rows(filed: dict) -> pd.DataFrame:
    """``{(park, enterprise): [months of 2016]}`` as statistics rows."""
    return pd.DataFrame([(p, e, 2016, m) for (p, e), ms in filed.items() for m in ms],
                        columns=["park_id", "enterprise_id", "year", "month"])  # fmt: skip


def test_an_undated_register_expects_from_the_first_return():
    """A park whose register gives no 投产日期 at all: filing counts as being in production
    (module docstring), so its enterprises are expected from their first return and their
    gaps are 缺报; in a park whose register has dates, a blank 投产日期 still means not
    expected. U: a files January-April, b January and April, c from March (exited 2016-04-01).
    D: d files January-April, e (dated) January and March, f (blank date) January only."""
    registry = _registry(
        ["U", "U", "U", "D", "D", "D"], list("abcdef"),
        [None, None, None, "2010-01-01", "2015-06-30", None],
        [None, None, "2016-04-01", None, None, None],
    )  # fmt: skip
    rows = _rows({("U", "a"): [1, 2, 3, 4], ("U", "b"): [1, 4], ("U", "c"): [3],
                  ("D", "d"): [1, 2, 3, 4], ("D", "e"): [1, 3], ("D", "f"): [1]})  # fmt: skip
    c = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False, today=(2016, 4))
    by_park = {p: g for p, g in c.rates.groupby("park_id")}
    # U: expected a, b (every month), c in March only (it exits on 1 April)
    assert by_park["U"]["expected"].tolist() == [2, 2, 3, 2]
    assert by_park["U"]["reported"].tolist() == [2, 1, 2, 2]
    # D: d and e every month; f never (blank date in a dated register)
    assert by_park["D"]["expected"].tolist() == [2, 2, 2, 2]
    assert by_park["D"]["reported"].tolist() == [2, 1, 2, 1]
    got = c.missing[["park_id", "enterprise_id", "month"]].values.tolist()
    assert got == [["D", "e", 2], ["D", "e", 4], ["U", "b", 2], ["U", "b", 3]]
    # 数据完整至: the latest month at the 0.9 default (U: 1, 0.5, 2/3, 1; D: 1, 0.5, 1, 0.5)
    assert c.complete_to == {"U": (2016, 4), "D": (2016, 3)}


def test_a_repeated_registry_entry_counts_once():
    """The same enterprise twice in the register (two 投产日期 before the data, one name):
    it is one enterprise, expected once per month and listed once per 缺报."""
    registry = _registry(
        ["P", "P", "P"],
        ["a", "a", "b"],
        ["2015-01-01", "2014-03-01", "2015-01-01"],
        names=["甲", "甲", "乙"],
    )
    rows = _rows({("P", "a"): [1, 3], ("P", "b"): [1, 2, 3]})
    c = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False, today=(2016, 3))
    assert c.rates["expected"].tolist() == [2, 2, 2]
    assert c.rates["reported"].tolist() == [2, 1, 2]
    assert c.missing.values.tolist() == [["P", "a", "甲", 2016, 2]]


def test_codes_written_as_numbers_in_the_register():
    """园区代码 and 企业代码 read as numbers in the register and as text in the statistics
    are the same codes: the 缺报 carries the register's name."""
    registry = _registry([1, 1], [101, 102], ["2015-01-01", "2015-01-01"], names=["甲", "乙"])
    rows = _rows({("1", "101"): [1, 2], ("1", "102"): [1]})
    c = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False, today=(2016, 2))
    assert c.missing.values.tolist() == [["1", "102", "乙", 2016, 2]]
    assert c.rates["rate"].tolist() == [1.0, 0.5]


def test_the_result_without_rows_has_the_dtypes_of_one_with_rows():
    """A statement with nothing filed up to ``today`` gives empty frames of the same columns
    and dtypes as a statement with returns (callers stack and compare them)."""
    registry = _registry(["P", "P"], ["a", "b"], ["2015-01-01", "2015-01-01"])
    rows = _rows({("P", "a"): [1, 3], ("P", "b"): [1, 2, 3]})
    full = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False,
                            today=(2016, 3))  # fmt: skip
    assert len(full.rates) == 3 and len(full.missing) == 1
    none = reporting_status(registry, rows, thresholds={}, jan_feb_combined=False,
                            today=(2015, 12))  # fmt: skip
    assert none.rates.empty and none.missing.empty
    assert none.rates.dtypes.to_dict() == full.rates.dtypes.to_dict()
    assert none.missing.dtypes.to_dict() == full.missing.dtypes.to_dict()
    # the numbers are int64 / float64 whatever pandas infers for text
    assert [str(none.rates[c].dtype) for c in ("year", "month", "expected", "reported",
                                                "rate")] == ["int64"] * 4 + ["float64"]  # fmt: skip
    assert [str(none.missing[c].dtype) for c in ("year", "month")] == ["int64"] * 2


def test_period_rates_follow_rates_replaced_after_a_query():
    """The memo of ``period_rates`` belongs to the ``rates`` frame it was built from: a
    Completeness whose ``rates`` are replaced answers from the new frame."""
    c = Completeness(
        pd.DataFrame({"park_id": ["P"], "year": [2016], "month": [3], "expected": [4],
                      "reported": [3], "rate": [0.75]}),
        pd.DataFrame(columns=["park_id", "enterprise_id", "year", "month"]),
    )  # fmt: skip
    assert c.period_rate("P", 2016, 1, 12) == (0.75, 4, 3)
    c.rates = pd.DataFrame({"park_id": ["P", "Q"], "year": [2016, 2016], "month": [3, 5],
                            "expected": [8, 2], "reported": [2, 2],
                            "rate": [0.25, 1.0]})  # fmt: skip
    assert c.period_rate("P", 2016, 1, 12) == (0.25, 8, 2)
    assert c.period_rate("Q", 2016, 5, 5) == (1.0, 2, 2)
