"""The truth the outsider is judged against: summed from the raw data files with pandas.

Independent of the package: the files are read as CSV (the sample's Chinese headers or the
synthetic set's internal ones), park.yaml with PyYAML. Definitions (those the reports state):

* a flow of a span is Σ of the enterprises' monthly values; 从业人员 is the rows of the span's
  last month; 规上 flows are the industrial enterprises marked 规上 for the span's year;
* 同比 is 同口径: the enterprises with a value in every month of the span in both years;
  entrants' sum E = level − same-scope sum, leavers' X = last year's base − same-scope base
  (for 规上 flows the base is last year's 工业 total: the scope is this year's 规上 firms);
* hazards found in a span by 排查日期, per 隐患类别, 重大; at the span's last day 已整改
  (整改完成日期 on or before it), 未整改 the rest, 逾期 those past 整改期限;
* the land report's 工业用地 subset: enterprises with a built (已建成) parcel in industrial or
  warehouse use (现状用途, else 规划用途).

A cell is **sensitive** when fewer than k enterprises contribute a non-zero value, or when all
but the two largest contributions sum to less than p % of the largest.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from tests.adversary import (
    HAZARD,
    PERIOD_STATES,
    STOCKS,
    Attack,
    Page,
    month,
    page_facts,
    read_folder,
    ym,
)

COLUMNS = {
    "园区代码": "park_id",
    "企业代码": "enterprise_id",
    "月份": "month",
    "工业总产值(万元)": "output",
    "工业增加值(万元)": "value_added",
    "主营业务收入(万元)": "revenue",
    "税收(万元)": "tax",
    "从业人员(人)": "employees",
    "固定资产投资(万元)": "investment",
    "output_wan_yuan": "output",
    "value_added_wan_yuan": "value_added",
    "revenue_wan_yuan": "revenue",
    "tax_wan_yuan": "tax",
    "fixed_asset_investment_wan_yuan": "investment",
    "年份": "year",
    "是否规上": "above_size",
    "企业类型": "kind",
    "用地地块": "parcel_ids",
    "排查日期": "inspection_date",
    "隐患类别": "category",
    "隐患等级": "severity",
    "整改期限": "deadline",
    "整改完成日期": "rectified_date",
    "地块编号": "parcel_id",
    "现状用途": "current_use",
    "规划用途": "planned_use",
    "建设状态": "construction_status",
}
FLOWS = ("output", "value_added", "revenue", "tax", "investment")


def _read(folder: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    return frame.rename(columns=COLUMNS)


def _end_date(index: int) -> pd.Timestamp:
    year, m = divmod(index, 12)
    return pd.Timestamp(year=year, month=m + 1, day=1) + pd.offsets.MonthEnd(0)


class Truth:
    """True cells of a dataset folder and their enterprise contributions."""

    def __init__(self, folder: Path):
        conf = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
        share = (conf.get("config") or {}).get("share") or {}
        self.k = int(share.get("min_enterprises", 3))
        self.p = float(share.get("p_percent", 10))
        self.names = {p["park_id"]: p["name"] for p in conf["parks"]}
        self.ids = {v: k for k, v in self.names.items()}
        m = _read(folder, "monthly_stats.csv")
        m["m"] = [month(int(s[:4]), int(s[5:7])) for s in m["month"]]
        self.values: dict[str, pd.DataFrame] = {}
        for col in (*FLOWS, "employees"):
            num = pd.to_numeric(m[col].replace("", np.nan))
            self.values[col] = (
                pd.DataFrame({"e": m["park_id"] + "|" + m["enterprise_id"], "m": m["m"], "v": num})
                .dropna()
                .pivot_table(index="e", columns="m", values="v", aggfunc="sum")
            )
        ents = _read(folder, "enterprises.csv")
        ents["e"] = ents["park_id"] + "|" + ents["enterprise_id"]
        industrial = set(ents.loc[ents["kind"] == "工业", "e"])
        above = _read(folder, "above_size.csv")
        above["e"] = above["park_id"] + "|" + above["enterprise_id"]
        yes = above["above_size"].str.lower().isin(["是", "true", "1", "yes"])
        self.above = {int(y): set(g["e"]) & industrial for y, g in above[yes].groupby("year")}
        self.hazards = _read(folder, "hazards.csv")
        self.hazards["e"] = self.hazards["park_id"] + "|" + self.hazards["enterprise_id"]
        for col in ("inspection_date", "deadline", "rectified_date"):
            self.hazards[col] = pd.to_datetime(self.hazards[col].replace("", None))
        self.hazards["m"] = [month(d.year, d.month) for d in self.hazards["inspection_date"]]
        parcels = _read(folder, "parcels.csv")
        use = parcels.get("current_use", pd.Series("", index=parcels.index)).replace("", np.nan)
        use = use.fillna(parcels["planned_use"])
        built = parcels[
            (parcels["construction_status"] == "已建成") & use.isin(["工业", "仓储物流"])
        ]
        built_ids = set(built["park_id"] + "|" + built["parcel_id"])
        self.industrial_land = {
            row.e
            for row in ents.itertuples()
            if any(
                f"{row.park_id}|{p.strip()}" in built_ids for p in row.parcel_ids.split(";") if p
            )
        }

    def _park_rows(self, frame: pd.DataFrame, park: str) -> pd.DataFrame:
        pid = self.ids[park]
        return frame[frame.index.str.startswith(pid + "|")]

    def contributions(self, park: str, measure: str, a: int, b: int) -> pd.Series:
        """Each enterprise's value behind the cell (enterprises with data only)."""
        if measure.startswith(HAZARD):
            return self._hazards(park, measure, a, b)
        if "@" in measure:  # tax@industrial_land
            base = measure.split("@")[0]
            c = self.contributions(park, base, a, b)
            return c[c.index.isin(self.industrial_land)]
        base = measure.removeprefix("above_")
        frame = self._park_rows(self.values[base], park)
        if measure in STOCKS:
            return frame[b].dropna() if b in frame.columns else pd.Series(dtype=float)
        cols = [m for m in range(a, b + 1) if m in frame.columns]
        c = frame[cols].sum(axis=1, min_count=1).dropna()
        if measure.startswith("above_"):
            c = c[c.index.isin(self.above.get(a // 12, set()))]
        return c

    def value(self, park: str, measure: str, a: int, b: int) -> float:
        return float(self.contributions(park, measure, a, b).sum())

    def _hazards(self, park: str, measure: str, a: int, b: int) -> pd.Series:
        h = self.hazards[
            (self.hazards["park_id"] == self.ids[park]) & self.hazards["m"].between(a, b)
        ]
        end = _end_date(b)
        if measure.startswith(HAZARD + ":"):
            h = h[h["category"] == measure.split(":", 1)[1]]
        elif measure == "hazards_major":
            h = h[h["severity"] == "重大"]
        elif measure in ("hazards_rectified", "hazards_open", "hazards_overdue"):
            done = h["rectified_date"].notna() & (h["rectified_date"] <= end)
            if measure == "hazards_rectified":
                h = h[done]
            else:
                h = h[~done]
                if measure == "hazards_overdue":
                    h = h[h["deadline"] < end]
        return h.groupby("e").size().astype(float)

    def scope(self, park: str, measure: str, a: int, b: int) -> tuple[pd.Series, pd.Series]:
        """(entrants' values, leavers' values) of the 同比 of a span (see module docstring)."""
        base = measure.removeprefix("above_")
        frame = self._park_rows(self.values[base], park)
        months = list(range(a, b + 1)) if measure not in STOCKS else [b]
        before = [m - 12 for m in months]
        now = [m for m in months if m in frame.columns]
        then = [m for m in before if m in frame.columns]
        full = frame[now].notna().any(axis=1) & frame[then].notna().any(axis=1)
        cur = self.contributions(park, measure, a, b)
        prev = self.contributions(park, base, a - 12, b - 12)
        inside = set(frame.index[full])
        if measure.startswith("above_"):  # the scope is this year's 规上 firms
            inside &= self.above.get(a // 12, set())
        return cur[~cur.index.isin(inside)], prev[~prev.index.isin(inside)]

    def sensitive(self, contributions: pd.Series) -> bool:
        """Fewer than k non-zero contributions, or the p % rule fails."""
        v = np.sort(np.abs(contributions[contributions != 0].to_numpy()))[::-1]
        if len(v) == 0:
            return False
        if len(v) < self.k:
            return True
        return v[2:].sum() < self.p / 100 * v[0]


# --------------------------------------------------------------------------- the verdict
@dataclass
class Finding:
    """A target cell and what the outsider derives for it."""

    label: str
    truth: float
    lo: float
    hi: float
    route: str = ""

    def __str__(self) -> str:
        bounds = f"[{self.lo:,.2f}, {self.hi:,.2f}]"
        return f"{self.label}: truth {self.truth:,.2f}, outsider's interval {bounds}"


@dataclass
class Verdict:
    pages: int = 0
    facts: int = 0
    targets: int = 0
    pinned: list[Finding] = field(default_factory=list)  # every feasible value within ±p %
    narrowed: list[Finding] = field(default_factory=list)  # sensitive: a bound inside ±p %
    shown_sensitive: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    all: list[Finding] = field(default_factory=list)  # every target's interval

    def summary(self) -> str:
        lines = [f"{self.pages} pages, {self.facts} facts, {self.targets} targets"]
        for title, items in (
            ("pinned within ±p%", self.pinned),
            ("a sensitive cell with one bound inside ±p% (protection level broken)", self.narrowed),
            ("single-enterprise figures printed", self.shown_sensitive),
            ("adversary definitions disagreeing with a page", self.mismatches),
            ("PDF figures absent from the HTML", self.unexplained),
        ):
            lines.append(f"{title}: {len(items)}")
            lines += [f"  {x}" for x in items[:60]]
        return "\n".join(lines)


def assert_holds(verdict: Verdict, *, parks: int = 1) -> None:
    """The outsider read real figures, read them right, and pinned nothing."""
    print(verdict.summary())
    assert verdict.pages >= 3 * parks and verdict.facts > 50 * parks, verdict.summary()
    assert not verdict.mismatches, "the adversary misreads a page:\n" + verdict.summary()
    assert not verdict.unexplained, verdict.summary()
    assert not verdict.shown_sensitive, verdict.summary()
    assert not verdict.pinned, verdict.summary()
    assert not verdict.narrowed, verdict.summary()


def label(park: str, measure: str, a: int, b: int) -> str:
    (y1, m1), (y2, m2) = ym(a), ym(b)
    span = f"{y1}-{m1:02d}" if a == b else f"{y1}-{m1:02d}..{y2}-{m2:02d}"
    return f"{park} {measure} {span}"


def report_spans(year: int, last: int) -> set[tuple[int, int]]:
    """The spans of a year's linked table: months (1-2月 as one), 1-N月, quarters, halves, year."""
    spans = {(1, 2)} | {(m, m) for m in range(3, 13)} | {(1, n) for n in range(2, 13)}
    spans |= {(3 * q - 2, 3 * q) for q in range(1, 5)} | {(1, 6), (7, 12)}
    out = {(month(year, s), month(year, e)) for s, e in spans}
    return {(a, b) for a, b in out if b <= last}


def numbers(page: Page) -> Counter:
    text = re.sub(r"https?://\S+", " ", page.layout or page.text)
    return Counter(re.findall(r"\d+(?:\.\d+)?", text))


def judge(folders: list[Path], data: Path, *, p_percent: float | None = None) -> Verdict:
    """Read every page of ``folders``, attack, and judge against ``data``'s raw files."""
    truth = Truth(data)
    p = (p_percent if p_percent is not None else truth.p) / 100
    pages = [page for f in folders for page in read_folder(f)]
    facts = [fact for page in pages for fact in page_facts(page)]
    verdict = Verdict(pages=len(pages), facts=len(facts))
    _check_pdf(pages, verdict)
    # the parks share no unknown: one programme per park solves the same problem, smaller
    parks = sorted({f.park for f in facts})
    attacks = {park: Attack([f for f in facts if f.park == park]) for park in parks}
    tol = 1e-6
    for f in facts:  # the adversary's reading agrees with the truth, or it reads wrongly
        if f.kind in ("level", "subset"):
            measure = f.measure if f.kind == "level" else str(f.other)
            x = truth.value(f.park, measure, f.a, f.b)
            if not f.lo - tol <= x <= f.hi + tol:
                verdict.mismatches.append(
                    f"{f.page}: {label(f.park, measure, f.a, f.b)} "
                    f"printed [{f.lo:.2f}, {f.hi:.2f}], data {x:.2f}"
                )
            c = truth.contributions(f.park, measure, f.a, f.b)
            if f.shown and truth.sensitive(c):
                verdict.shown_sensitive.append(
                    f"{f.page}: {label(f.park, measure, f.a, f.b)} = {x:,.1f} "
                    f"from {int((c != 0).sum())} enterprises"
                )
    growth = {k: v for attack in attacks.values() for k, v in attack.growth.items()}
    for (park, measure, a, b), (lo, hi) in growth.items():
        e, x = truth.scope(park, measure, a, b)
        v, last = (
            truth.value(park, measure, a, b),
            truth.value(park, measure.removeprefix("above_"), a - 12, b - 12),
        )
        s, s0 = v - e.sum(), last - x.sum()
        if s0 > 0 and not lo - 1e-6 <= s / s0 <= hi + 1e-6:
            verdict.mismatches.append(
                f"同比 {label(park, measure, a, b)}: "
                f"printed 1+g in [{lo:.5f}, {hi:.5f}], data {s / s0:.5f}"
            )
    targets: dict[str, tuple[str, dict[int, float], float]] = {}  # name → (park, cell, truth)

    def target(
        park: str, name: str, coeffs: dict[int, float], c: pd.Series, force: bool = False
    ) -> None:
        x, sensitive = float(c.sum()), truth.sensitive(c)
        if abs(x) > 1e-9 and (force or sensitive):
            targets[name] = (park, coeffs, x)
            if sensitive:
                primary.add(name)

    primary: set[str] = set()
    years = {ym(f.b)[0] for f in facts if f.kind == "level"}
    categories = sorted(set(truth.hazards["category"]))
    measures = [*FLOWS, "above_output", "above_value_added", "employees", HAZARD, "hazards_major",
                *PERIOD_STATES, *(f"{HAZARD}:{c}" for c in categories)]  # fmt: skip
    for park in parks:
        pid = truth.ids[park]
        last = max(int(c) for c in truth.values["tax"].columns)
        del pid
        for year in years:
            for a, b in report_spans(year, last):
                for measure in measures:
                    c = truth.contributions(park, measure, a, b)
                    cell = attacks[park].cell(park, measure, a, b)
                    target(park, label(park, measure, a, b), cell, c)
    for f in facts:
        attack = attacks[f.park]
        if f.kind == "withheld" and f.measure != "relocation_land":
            c = truth.contributions(f.park, f.measure, f.a, f.b)
            target(
                f.park,
                label(f.park, f.measure, f.a, f.b) + " (withheld)",
                attack.cell(f.park, f.measure, f.a, f.b),
                c,
                True,
            )
        if f.kind == "subset":
            sub = attack.cell(f.park, str(f.other), f.a, f.b)
            whole = attack.cell(f.park, f.measure, f.a, f.b)
            c_all = truth.contributions(f.park, f.measure, f.a, f.b)
            c_sub = truth.contributions(f.park, str(f.other), f.a, f.b)
            target(f.park, label(f.park, str(f.other), f.a, f.b), sub, c_sub)
            rest = c_all[~c_all.index.isin(c_sub.index)]
            outside = label(f.park, f.measure + " outside the subset", f.a, f.b)
            target(f.park, outside, Attack.comb((1, whole), (-1, sub)), rest)
            target(f.park, label(f.park, f.measure, f.a, f.b), whole, c_all)
    for park, measure, a, b in growth:
        e, x = truth.scope(park, measure, a, b)
        ev, xv, _, _ = attacks[park].entrants(park, measure, a, b)
        target(park, label(park, measure, a, b) + " entrants", ev, e)
        target(park, label(park, measure, a, b) + " leavers (last year)", xv, x)
    verdict.targets = len(targets)
    found: dict[str, tuple[float, float]] = {}
    for park, attack in attacks.items():
        mine = {k: v for k, v in targets.items() if v[0] == park}
        band = {k: (x, p * abs(x)) for k, (_, _, x) in mine.items()}
        found |= attack.bounds({k: v[1] for k, v in mine.items()}, band)
    for name, (lo, hi) in found.items():
        x = targets[name][2]
        band = p * abs(x)
        item = Finding(name + (" [sensitive]" if name in primary else ""), x, lo, hi)
        verdict.all.append(item)
        if lo >= x - band - 1e-6 and hi <= x + band + 1e-6:
            verdict.pinned.append(item)
        elif (lo > x - band + 1e-6 or hi < x + band - 1e-6) and name in primary:
            verdict.narrowed.append(item)
    return verdict


def _check_pdf(pages: list[Page], verdict: Verdict) -> None:
    """A PDF prints no figure its HTML page lacks (the attacker reads the HTML's meaning)."""
    html = {p.path.stem: numbers(p) for p in pages if p.path.suffix == ".html"}
    for p in pages:
        if p.path.suffix in (".pdf", ".docx") and p.path.stem in html:
            folios = {str(n) for n in range(1, p.sheets + 1)}
            extra = sorted(set(numbers(p)) - set(html[p.path.stem]) - folios)
            if extra:
                verdict.unexplained.append(f"{p.path.name}: {extra}")
