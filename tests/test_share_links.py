"""Growth, the previous year, 近12个月 and 亩均 in one linked system, against an LP attacker.

The attacker here is independent of :mod:`parkanalysis.share.audit`: it reads every
``*.cells.json`` the share batches write for two consecutive years (sample's 2015 + 2016
reports, or of datasets built to be hard with pandas: one entrant, one dominant taxpayer, two
规上 firms, a one-off tax payment) or for every year of a synthetic set (three parks over
three calendar years; one park over four, several seeds), builds per park one linear programme
of its own (published amounts within half a unit, counts exact, unknowns ≥ 0 unless declared
signed, every declared relation ``lo ≤ total − Σ coeff·part ≤ hi``) and minimises and
maximises every withheld cell (counts to the integers inside). A cell is **pinned** when both
bounds lie within ±p % of its true value — for a sensitive cell (one enterprise, a dominated
aggregate) when either bound does (the two-sided protection interval). With the rules,
nothing is pinned; with a rule switched off (every growth rate printed, or the 亩均 ratios
printed), the same attacker pins a single enterprise's figure — checked against the raw CSV.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from parkanalysis.dataset import load_dataset
from parkanalysis.periods import report_periods
from parkanalysis.share import Cell, Relation, bounds, cell_id, exposed, protect_park_year
from parkanalysis.share.links import factor_relations
from parkanalysis.share.sidecar import FORMAT, audit_folder, audit_text, report_cells, report_gates
from parkanalysis.share.table import relation_record

P = 0.10
LATE = ["GMY061", "GMY057", "GMY062", "GMY058"]  # the sample's other 2016 entrants


# --------------------------------------------------------------------------- datasets
def _dataset(tmp_path, kind: str):
    """A copy of the sample from 2014 on (two consecutive batches and their previous year),
    made hard as ``kind`` says (``sample``: the sample itself, not a copy: :func:`built`)."""
    folder = tmp_path / kind
    shutil.copytree(SAMPLE, folder)
    m = pd.read_csv(folder / "monthly_stats.csv", dtype={"月份": str})
    ents = pd.read_csv(folder / "enterprises.csv", dtype=str, keep_default_na=False)
    m = m[m["月份"] >= "2014-01"]
    if kind != "sample":  # one entrant in 2016: the others start after the data end
        m = m[~m["企业代码"].isin(LATE)]
        ents.loc[ents["企业代码"].isin(LATE), "投产日期"] = "2016-09-01"
    if kind == "dominant":
        big = (m["企业代码"] == "GMY020") & (m["月份"] >= "2015-01")
        m.loc[big, "税收(万元)"] = m.loc[big, "税收(万元)"] * 60
    if kind == "one_off":  # one firm pays a one-off tax in September 2015
        hit = (m["企业代码"] == "GMY020") & (m["月份"] == "2015-09")
        m.loc[hit, "税收(万元)"] = m.loc[hit, "税收(万元)"] + 8000.0
    m.to_csv(folder / "monthly_stats.csv", index=False)
    ents.to_csv(folder / "enterprises.csv", index=False)
    if kind == "two_above":
        above = pd.read_csv(folder / "above_size.csv", dtype=str)
        yes = above["是否规上"] == "是"
        first_two = yes & (yes.groupby(above["年份"]).cumsum() <= 2)
        above.loc[yes & ~first_two, "是否规上"] = "否"  # two 规上 firms a year
        above.to_csv(folder / "above_size.csv", index=False)
    return folder


def _write_batches(tables, out, *, print_growth=False, print_ratios=False):
    """The sidecars the share batches of these park-years write (every period report and the
    land report; the arithmetic only, no page). ``print_growth`` / ``print_ratios`` switch a
    rule off: every computable growth rate, or every 亩均 ratio, printed."""
    out.mkdir(parents=True, exist_ok=True)
    for table in tables:
        saved = {g.id: g.withheld for g in table.gates.values()}
        ratio_cells = [
            c for c in table.cells.values() if c.measure.endswith("per_mu_12m") and not c.frozen
        ]
        saved_cells = {c.id: c.withheld for c in ratio_cells}
        if print_growth:
            for g in table.gates.values():
                g.withheld = any(table.withheld_id(n) for n in g.needs if n in table.cells)
        if print_ratios:
            for c in ratio_cells:
                c.withheld = False
        try:
            periods = report_periods(table.year, last_month=table.last_month)
            reports = [("period", p.start_month, p.end_month) for p in periods]
            reports.append(("land", table.last_month, table.last_month))
            for kind, s, e in reports:
                record = {
                    "format": FORMAT,
                    "park": table.park,
                    "year": table.year,
                    "report": kind,
                    "rules": table.rules.to_dict(),
                    **table.sidecar_cells(
                        report_cells(table, kind, s, e),
                        report_gates(table, kind, s, e),
                    ),
                    "pages": [],
                }
                name = f"{table.park}_{table.year}_{kind}_{s}_{e}.cells.json"
                (out / name).write_text(json.dumps(record, ensure_ascii=False), "utf-8")
        finally:
            for g in table.gates.values():
                g.withheld = saved[g.id]
            for c in ratio_cells:
                c.withheld = saved_cells[c.id]


# --------------------------------------------------------------------------- the attacker
def _attack(folder) -> dict[tuple[str, str], tuple[float, float]]:
    """Bounds of every withheld cell of the folder by (park, cell id), solved with an LP of
    the test's own (cell ids repeat across parks: each park is its own system)."""
    cells, relations = defaultdict(dict), defaultdict(set)
    for path in sorted(folder.glob("*.cells.json")):
        record = json.loads(path.read_text("utf-8"))
        park = record["park"]
        for c in record["cells"]:
            if c["id"] not in cells[park] or c["status"] == "published":
                cells[park][c["id"]] = c
        for r in record["relations"]:
            coeffs = tuple(r.get("coeffs", [1.0] * len(r["parts"])))
            lo, hi = r.get("lo", 0.0), r.get("hi", 0.0)  # null: an open side
            lo, hi = -math.inf if lo is None else lo, math.inf if hi is None else hi
            relations[park].add((r["total"], tuple(r["parts"]), coeffs, lo, hi))
    out = {}
    for park in cells:
        out.update(
            ((park, c), b) for c, b in _solve_park(cells[park], sorted(relations[park])).items()
        )
    return out


def _solve_park(cells, relations):
    ids = sorted(set(cells) | {m for r in relations for m in (r[0], *r[1])})
    pos = {c: i for i, c in enumerate(ids)}
    parent = list(range(len(ids)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for total, parts, *_rest in relations:
        for part in parts:
            parent[find(pos[part])] = find(pos[total])
    members = defaultdict(list)
    for i in range(len(ids)):
        members[find(i)].append(i)
    box = []
    for c in ids:
        rec = cells.get(c)
        if rec is not None and rec["status"] == "published":
            v, step = float(rec["value"]), float(rec.get("step", 0.1))
            box.append((v, v) if step >= 1 else (max(0.0, v - step / 2), v + step / 2))
        else:
            box.append((None if rec is not None and rec.get("signed") else 0.0, None))
    out = {}
    targets = [c for c, rec in cells.items() if rec["status"] == "withheld"]
    by_group = defaultdict(list)
    for t in targets:
        by_group[find(pos[t])].append(t)
    for root, group_targets in by_group.items():
        cols = members[root]
        local = {g: k for k, g in enumerate(cols)}
        rels = [r for r in relations if find(pos[r[0]]) == root]
        eq_r, eq_c, eq_v, eq_b, ub_r, ub_c, ub_v, ub_b = ([] for _ in range(8))
        for total, parts, coeffs, lo, hi in rels:
            terms = [(total, 1.0), *((p, -float(k)) for p, k in zip(parts, coeffs, strict=True))]
            if hi - lo <= 0:
                row = len(eq_b)
                for m, k in terms:
                    eq_r.append(row), eq_c.append(local[pos[m]]), eq_v.append(k)
                eq_b.append(lo)
            else:
                for sign, bound in ((1.0, hi), (-1.0, -lo)):
                    if math.isinf(bound):
                        continue
                    row = len(ub_b)
                    for m, k in terms:
                        ub_r.append(row), ub_c.append(local[pos[m]]), ub_v.append(sign * k)
                    ub_b.append(bound)
        n = len(cols)
        a_eq = coo_matrix((eq_v, (eq_r, eq_c)), shape=(len(eq_b), n)) if eq_b else None
        a_ub = coo_matrix((ub_v, (ub_r, ub_c)), shape=(len(ub_b), n)) if ub_b else None
        lp_box = [box[g] for g in cols]
        for t in group_targets:
            c = np.zeros(n)
            c[local[pos[t]]] = 1.0
            got = []
            for sign in (1.0, -1.0):
                res = linprog(
                    sign * c,
                    A_ub=a_ub,
                    b_ub=ub_b or None,
                    A_eq=a_eq,
                    b_eq=eq_b or None,
                    bounds=lp_box,
                    method="highs",
                )
                got.append(sign * res.fun if res.status == 0 else sign * -math.inf)
            lo, hi = got
            if float(cells[t].get("step", 0.1)) >= 1:
                lo = math.ceil(lo - 1e-7) if math.isfinite(lo) else lo
                hi = math.floor(hi + 1e-7) if math.isfinite(hi) else hi
            out[t] = (lo, hi)
    return out


def _pinned(found, truth, sensitive=frozenset()) -> list[tuple[tuple, float, float, float]]:
    """Cells the attacker succeeds on: both bounds within ±P of the true value, or — for a
    sensitive cell (a single enterprise's figure, a dominated one) — either bound (its
    protection interval is two-sided)."""
    out = []
    for cid, (lo, hi) in found.items():
        x = truth.get(cid)
        if x is None or abs(x) < 1e-9:
            continue
        low_in = lo > x - P * abs(x) + 1e-6
        high_in = hi < x + P * abs(x) - 1e-6
        if (low_in and high_in) or (cid in sensitive and (low_in or high_in)):
            out.append((cid, x, lo, hi))
    return out


def _sensitive(tables) -> set[tuple[str, str]]:
    return {
        (t.park, c.id) for t in tables for c in t.cells.values() if c.sensitive and not c.frozen
    }


def _truth(tables) -> dict[tuple[str, str], float]:
    return {(t.park, c.id): c.value for t in tables for c in t.cells.values() if not c.frozen}


# --------------------------------------------------------------------------- the audit's LP
@pytest.mark.parametrize("seed", range(6))
def test_linear_relations_bound_as_an_independent_lp(seed):
    """The audit's bounds with coefficients and bands equal a dense LP's (random systems)."""
    rng = np.random.default_rng(seed)
    n = 7
    x = rng.uniform(1, 50, n).round(1)
    names = [f"c{i}" for i in range(n)]
    relations = []
    for _ in range(3):
        head, *rest = rng.choice(n, 3, replace=False)
        coeffs = tuple(float(k) for k in rng.uniform(0.5, 1.5, 2).round(3))
        value = x[head] - sum(k * x[r] for k, r in zip(coeffs, rest, strict=True))
        band = float(rng.choice([0.0, 0.3]))
        relations.append(
            Relation(names[head], tuple(names[r] for r in rest), coeffs, value - band, value + band)
        )
    withheld = set(rng.choice(n, 3, replace=False).tolist())
    cells = {
        c: Cell(
            c, None if i in withheld else float(x[i]), "withheld" if i in withheld else "published"
        )
        for i, c in enumerate(names)
    }
    got = bounds(cells, relations)
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for r in relations:
        row = np.zeros(n)
        row[names.index(r.total)] += 1
        for p, k in zip(r.parts, r.coeffs, strict=True):
            row[names.index(p)] -= k
        if r.hi > r.lo:
            a_ub += [row, -row]
            b_ub += [r.hi, -r.lo]
        else:
            a_eq.append(row)
            b_eq.append(r.lo)
    box = [(0, None) if i in withheld else (max(0, x[i] - 0.05), x[i] + 0.05) for i in range(n)]
    for i in withheld:
        c = np.zeros(n)
        c[i] = 1
        ref = []
        for sign in (1, -1):
            res = linprog(
                sign * c,
                A_ub=np.array(a_ub) if a_ub else None,
                b_ub=b_ub or None,
                A_eq=np.array(a_eq) if a_eq else None,
                b_eq=b_eq or None,
                bounds=box,
                method="highs",
            )
            ref.append(sign * res.fun if res.status == 0 else (0.0 if sign > 0 else math.inf))
        lo, hi = got[names[i]]
        assert lo == pytest.approx(max(0.0, ref[0]), abs=1e-6)
        assert hi == pytest.approx(ref[1], abs=1e-6) or (math.isinf(hi) and math.isinf(ref[1]))


def test_old_sidecar_format_is_exit_2(tmp_path):
    record = {"format": "parkanalysis-share-cells/2", "park": "GMY", "year": 2016}
    (tmp_path / "x.cells.json").write_text(json.dumps(record), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "share-audit", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "parkanalysis-share-cells/3" in done.stderr and "重新生成" in done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- the exact pair
def _old_band(v_printed, f_lo, f_hi, step=0.1):
    """The band the growth relation used to be: ``V − E − f_mid·(L − X)`` within it."""
    f_mid, f_half = (f_lo + f_hi) / 2, (f_hi - f_lo) / 2
    return f_mid, f_half * (v_printed + step / 2) / (f_mid - f_half)


def _lhs(rel, values):
    return sum(k * values[m] for m, k in rel.terms())


def _holds(rel, values, tol=1e-9):
    x = _lhs(rel, values)
    return rel.lo - tol <= x <= rel.hi + tol


@pytest.mark.parametrize("seed", range(5))
def test_the_growth_pair_is_exactly_what_the_rate_tells(seed):
    """For generated scopes: the true values satisfy both inequalities; a point satisfies the
    pair iff some factor within the printed rate's rounding explains it; and a point inside
    the old band (``V − E − f_mid·(L − X)`` within ``± f_half·V/(f_mid − f_half)``) violates
    the pair whenever entrants exist — the pair is strictly tighter."""
    rng = np.random.default_rng(seed)
    tighter = 0
    for _ in range(200):
        e, x = rng.uniform(0.0, 500.0, 2)
        prior = rng.uniform(1.0, 2000.0)  # L − X > 0: a rate is computed
        f = rng.uniform(0.3, 3.0)
        v = e + f * prior
        g = round((f - 1.0) * 100.0, 1)
        f_lo, f_hi = 1 + g / 100 - 0.0005 - 1e-9, 1 + g / 100 + 0.0005 + 1e-9
        low, high = factor_relations("V", ("E", "L", "X"), f_lo, f_hi)
        assert math.isinf(low.hi) and math.isinf(high.lo)
        truth = {"V": v, "E": e, "L": prior + x, "X": x}
        assert _holds(low, truth) and _holds(high, truth)
        # exactness both ways, on random points with L − X > 0
        for _k in range(20):
            pt = {"V": v, "E": rng.uniform(0, v), "L": x + rng.uniform(0.1, 2 * prior), "X": x}
            ratio = (pt["V"] - pt["E"]) / (pt["L"] - pt["X"])
            assert (_holds(low, pt, 0) and _holds(high, pt, 0)) == (f_lo <= ratio <= f_hi)
        # the band's edge point: same V, E, X, the prior moved to the band's edge
        f_mid, band = _old_band(round(v, 1), f_lo, f_hi)
        edge = dict(truth, L=x + (v - e - band) / f_mid)
        assert abs(v - e - f_mid * (edge["L"] - x)) <= band + 1e-9  # inside the old band
        if e > 1.0 and edge["L"] > x:
            assert not _holds(high, edge)  # outside the pair: no factor explains it
            tighter += 1
    assert tighter > 100


def _pair_system(v=10000.0, prior=5000.0, s=4925.0, t=25.0, rate=1.0):
    """V = E + f·(L − X), E = S + T: S, V, L, X (= 0) published, T (one entrant) withheld."""
    f_lo, f_hi = 1 + rate / 100 - 0.0005, 1 + rate / 100 + 0.0005
    cells = {
        "V": Cell("V", v, "published"),
        "L": Cell("L", prior, "published"),
        "X": Cell("X", 0.0, "published"),
        "S": Cell("S", s, "published"),
        "T": Cell("T", None, "withheld"),
        "E": Cell("E", None, "derived"),
    }
    sums = [Relation("E", ("S", "T"))]
    pair = list(factor_relations("V", ("E", "L", "X"), f_lo, f_hi))
    f_mid, band = _old_band(v, f_lo, f_hi)
    old = [Relation("V", ("E", "L", "X"), (1.0, f_mid, -f_mid), -band, band)]
    return cells, sums + pair, sums + old


def test_the_pair_pins_a_cell_the_band_would_leave_protected():
    """V = 10000, L = 5000 (+1.0 %), entrants E = 4925 published + one entrant's 25 withheld:
    the band leaves T within about [20, 30] (protected at p = 10 %), the outsider's pair
    within about [22.5, 27.5] — exposed. The audit's bounds equal a dense LP's of the pair."""
    cells, pair, old = _pair_system()
    got = bounds(cells, pair, ["T"])["T"]
    wide = bounds(cells, old, ["T"])["T"]
    # the reference: a dense LP over (V, L, X, S, T, E) of the two inequalities
    a_ub, b_ub = [], []
    for k, sign in ((1.0095, -1.0), (1.0105, 1.0)):  # V − E − k·(L − X) ≥ 0, then ≤ 0
        row = np.zeros(6)
        row[0], row[5], row[1], row[2] = 1.0, -1.0, -k, k
        a_ub.append(sign * row)
        b_ub.append(0.0)
    a_eq, b_eq = [[0, 0, 0, -1.0, -1.0, 1.0]], [0.0]
    box = [(9999.95, 10000.05), (4999.95, 5000.05), (0.0, 0.05), (4924.95, 4925.05)]
    box += [(0.0, None), (0.0, None)]
    ref = []
    for sign in (1.0, -1.0):
        c = np.zeros(6)
        c[4] = sign
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=box, method="highs")
        ref.append(sign * res.fun)
    assert got == pytest.approx(tuple(ref), abs=1e-6)
    # strictly tighter by about f_half·E/f on each side, and the truth (25) inside both
    assert wide[0] < got[0] - 2.0 and wide[1] > got[1] + 2.0
    assert got[0] <= 25.0 <= got[1]
    truth = {"T": 25.0}
    kw = {"p_percent": 10, "truth": truth, "targets": ["T"]}
    assert [x.id for x in exposed(cells, pair, **kw)] == ["T"]
    assert exposed(cells, old, **kw) == []


def _pair_record(relations):
    cells, _pair, _old = _pair_system()
    out = []
    for c in cells.values():
        if c.status == "derived":  # E: named by the relations only, unknown
            continue
        status = "published" if c.status == "published" else "withheld"
        value = c.value if status == "published" else None
        out.append({"id": c.id, "indicator": c.id, "period": "2016年", "status": status,
                    "value": value, "step": 0.1})  # fmt: skip
    return {
        "format": FORMAT, "park": "P", "year": 2016, "report": "period",
        "rules": {"p_percent": 10.0}, "cells": out, "growth": [],
        "relations": [relation_record(r) for r in relations], "pages": [],
    }  # fmt: skip


def test_one_sided_relations_round_trip_through_the_sidecar(tmp_path):
    """The pair is written with ``null`` for its open sides (no Infinity: strict JSON) and
    ``share-audit`` reads it back to the same verdict as the in-memory audit; the band's
    record passes (the looser model) — so an open side is neither dropped nor read as 0."""
    _cells, pair, old = _pair_system()
    for relations, verdict in ((pair, False), (old, True)):
        folder = tmp_path / str(verdict)
        folder.mkdir()
        text = json.dumps(_pair_record(relations), allow_nan=False)
        (folder / "p.cells.json").write_text(text, "utf-8")
        result = audit_folder(folder)
        assert result.ok is verdict, audit_text(result)
        read = result.groups[("P", 2016)]["relations"]
        assert read == set(relations)  # ±inf back where null was written
    assert any(r.get("hi", 0) is None for r in _pair_record(pair)["relations"])


@pytest.mark.parametrize(
    "lo, hi", [('"0"', "null"), ("NaN", "null"), ("null", "Infinity"), ("null", "null")]
)
def test_a_malformed_open_band_is_exit_2(tmp_path, lo, hi):
    _cells, pair, _old = _pair_system()
    record = _pair_record(pair)
    record["relations"][1].update(lo=-1.0, hi=-2.5)
    text = json.dumps(record).replace('"lo": -1.0, "hi": -2.5', f'"lo": {lo}, "hi": {hi}')
    assert f'"lo": {lo}' in text
    (tmp_path / "p.cells.json").write_text(text, "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "share-audit", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    where = "relations[1]" if "NaN" not in lo + hi and "Inf" not in hi else "NaN/Infinity"
    assert "p.cells.json" in done.stderr and where in done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- classes
_BUILT: dict[str, tuple] = {}


@pytest.fixture
def built(tmp_path_factory):
    """(folder, [2015 table, 2016 table]) of a dataset kind, built once per test session."""

    def get(kind):
        if kind not in _BUILT:
            # the sample itself (from 2012): its chain is the one the run's other share tests
            # build, read from the run's store; from 2014 on it was a chain of its own, and a
            # slower one (63 s of CPU against 50: the first year suppressed without history)
            folder = SAMPLE if kind == "sample" else _dataset(tmp_path_factory.mktemp(kind), kind)
            ds = load_dataset(folder)
            _BUILT[kind] = (folder, [protect_park_year(ds, "GMY", y) for y in (2015, 2016)])
        return _BUILT[kind]

    return get


@pytest.mark.parametrize("kind", ["sample", "one_entrant", "dominant", "two_above", "one_off"])
def test_two_consecutive_batches_hold_against_the_attacker(kind, built, tmp_path):
    _folder, tables = built(kind)
    out = tmp_path / "out"
    _write_batches(tables, out)
    found = _attack(out)
    assert len(found) > 50  # withheld cells of both years, entrants and leavers among them
    assert not _pinned(found, _truth(tables), _sensitive(tables))
    result = audit_folder(out)
    assert result.ok, audit_text(result)
    printed = [g for t in tables for g in t.gates.values() if not g.withheld]
    assert printed  # growth still reaches the share copies where it is safe


def _raw_entrant(folder, column, s, e):
    """The 2016 value of the one enterprise without 2015 returns (pandas on the CSV)."""
    m = pd.read_csv(folder / "monthly_stats.csv", dtype={"月份": str})
    month = m["月份"].str[5:7].astype(int)
    cur = m[m["月份"].str.startswith("2016") & month.between(s, e)]
    old = m[m["月份"].str.startswith("2015") & month.between(s, e)]
    new = cur[~cur["企业代码"].isin(old["企业代码"])]
    values = new.groupby("企业代码")[column].sum()
    return values[values != 0]


def test_without_the_growth_rule_the_entrant_is_recovered(built, tmp_path):
    """Every growth rate printed: the attacker pins the single entrant's figures."""
    folder, tables = built("one_entrant")
    _write_batches(tables, tmp_path / "bad", print_growth=True)
    pinned = {
        cid
        for (_park, cid), *_ in _pinned(
            _attack(tmp_path / "bad"), _truth(tables), _sensitive(tables)
        )
    }
    entrants = sorted(c for c in pinned if c.startswith("entrants:"))
    assert entrants, pinned
    # the pinned value is the one new enterprise's, as pandas reads it off the CSV
    columns = {
        "tax_revenue": "税收(万元)",
        "fixed_asset_investment": "固定资产投资(万元)",
        "industrial_output": "工业总产值(万元)",
        "industrial_value_added": "工业增加值(万元)",
    }
    checked = 0
    for cid in entrants:
        measure, span = cid.split(":", 1)[1].split("|")
        if measure not in columns:
            continue
        s, e = int(span[5:7]), int(span[-2:])
        raw = _raw_entrant(folder, columns[measure], s, e)
        assert len(raw) == 1
        assert tables[1].cells[cid].value == pytest.approx(float(raw.iloc[0]), abs=1e-6)
        checked += 1
    assert checked
    # and each of those growth rates is one the rule withholds
    for cid in entrants:
        measure, span = cid.split(":", 1)[1].split("|")
        s, e = int(span[5:7]), int(span[-2:])
        assert tables[1].growth_withheld(measure, s, e) or any(
            tables[1].growth_withheld(measure, a, b) for a, b in ((1, e), (s, s), (e, e))
        )


def test_without_the_ratio_rule_the_land_report_gives_tax_away(built, tmp_path):
    """The 亩均税收 printed beside its area gives the 12-month tax (ratio × area); with the
    previous year's batch, 12-month tax = months of 2015 + months of 2016 gives back a
    withheld figure (the one-off payment's month) — unless the ratio is withheld."""
    _folder, tables = built("one_off")
    _write_batches(tables, tmp_path / "bad", print_ratios=True)
    pinned = _pinned(_attack(tmp_path / "bad"), _truth(tables), _sensitive(tables))
    assert any("tax_revenue|2015" in c or "tax_12m" in c for (_p, c), *_ in pinned), pinned


def test_sample_withheld_growth_and_ratio_counts(built):
    """The sample's patterns: which growth rates and ratios the linked system withholds."""
    _folder, tables = built("sample")
    y16 = tables[1]
    secondary = [g for g in y16.gates.values() if g.secondary]
    # every growth withheld by secondary suppression guards a cell the attacker could reach
    for g in secondary:
        assert g.withheld
    ratio = y16.cells[cell_id("tax_per_mu_12m", 2016, y16.last_month, y16.last_month)]
    numerator = y16.cells[cell_id("tax_12m", 2016, y16.last_month, y16.last_month)]
    assert ratio.withheld == (numerator.sensitive or ratio.secondary)


@pytest.mark.slow
def test_synthetic_three_parks_hold_against_the_attacker(tmp_path):
    from parkanalysis.sample import write_synthetic

    write_synthetic(tmp_path / "syn", parks=3, enterprises=8, years=2, seed=5)
    ds = load_dataset(tmp_path / "syn")
    (fy, _fm), (ly, _lm) = ds.month_range
    tables = [protect_park_year(ds, park, y) for park in ds.parks for y in range(fy, ly + 1)]
    out = tmp_path / "out"
    _write_batches(tables, out)
    found = _attack(out)
    assert found
    assert not _pinned(found, _truth(tables), _sensitive(tables))
    result = audit_folder(out)
    assert result.ok, audit_text(result)
    bad = tmp_path / "bad"
    _write_batches(tables, bad, print_growth=True, print_ratios=True)
    assert _pinned(_attack(bad), _truth(tables), _sensitive(tables))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_earlier_year_held_on_synthetic_parks(seed, tmp_path):
    """Four calendar years (mid-2013 … mid-2016) of a synthetic park, seeds as a class of
    inputs: the attacker holds every year's sidecars at once, and nothing is pinned. The last
    year's table holds the first year's cells (three years back), frozen."""
    from parkanalysis.sample import write_synthetic

    write_synthetic(tmp_path / "syn", parks=1, enterprises=8, years=3, seed=seed)
    ds = load_dataset(tmp_path / "syn")
    (fy, _fm), (ly, _lm) = ds.month_range
    assert ly - fy == 3
    tables = [protect_park_year(ds, park, y) for park in ds.parks for y in range(fy, ly + 1)]
    assert any(c.frozen and c.year == fy for c in tables[-1].cells.values())
    out = tmp_path / "out"
    _write_batches(tables, out)
    found = _attack(out)
    assert found
    assert not _pinned(found, _truth(tables), _sensitive(tables))
    assert all(not t.exposures() for t in tables)
