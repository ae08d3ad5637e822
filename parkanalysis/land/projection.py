"""The land outlook computed: the ledger of one park into the supply forecast.

:func:`land_outlook_for` reads the ledger as of the data's date, builds the blocked land, the
scenarios (:mod:`~parkanalysis.land.scenarios`), the peers and the need's context, runs
:func:`parkanalysis.forecast.land_outlook` and backtests it; the result and its words are
:class:`~parkanalysis.land.outlook.LandOutlookReport`.

One clock
    Everything is "as of" the data's date (:func:`~parkanalysis.land.ledger.resolve_as_of`,
    never past the end of the data). The years before ``as_of``'s year are the complete
    history; the parcels already supplied in ``as_of``'s year are history too (they are out
    of the remaining land and enter the fit with the share of the year they cover), and the
    first forecast year is only the rest of that year. The share is the historical share of
    parcels supplied by the same day of the year, each parcel's day smoothed by a normal
    kernel of :data:`SEASON_BANDWIDTH_DAYS` (so a month's step moves it by that month's
    smoothed share, not by the parcels of its last day), shrunk toward the calendar share
    with :data:`SEASON_PSEUDO_PARCELS` pseudo-parcels. The official 尚可供地年数 (remaining ÷ the
    recent complete years' average) is turned into a date (``as_of`` + years) so the headline,
    the years left and the exhaustion distribution speak of the same clock.

Supply model
    :mod:`parkanalysis.forecast.supply` — parcels per year × parcel size, pooled across the
    dataset's other parks where there are any.

Blocked land
    Remaining parcels whose 征迁安置 is 未启动 or 进行中 count toward the remaining land but
    only become suppliable at an expected date: ``as_of`` + ``land.resettlement_months``
    (park.yaml, per status; defaults :data:`RESETTLEMENT_MONTHS`).  A ledger with a
    征迁完成日期 is read as of ``as_of`` (before that date the parcel was still in 征迁);
    without one the current status stands for every ``as_of`` and the notes say so.

Expansion need
    For ``k`` planning years: the land to add so that the supply up to the end of
    ``as_of.year + k`` is met, at the median and at ``expansion.confidence`` (one setting for
    every report and the CLI); compared with the park's declared total area and with the most
    the park ever supplied in a span of the same length.

Parameters
    :data:`HORIZON_YEARS` (the range the land report and ``render`` accept);
    :data:`RESETTLEMENT_MONTHS` and :data:`SEASON_PSEUDO_PARCELS` (above);
    :data:`~parkanalysis.land.scenarios.RELOCATION_LAG_YEARS` for relocations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis import forecast as _fc
from parkanalysis._startup import in_warm_kernel, kept_in_warm_kernel
from parkanalysis.errors import ParameterError
from parkanalysis.land.history import (
    complete_series,
    supply_history,
    supply_transactions,
    window_years,
    years_of_supply_left,
)
from parkanalysis.land.ledger import (
    fmt,
    one_park,
    park_parcels,
    resolve_as_of,
)
from parkanalysis.land.outlook import LandOutlookReport
from parkanalysis.land.scenarios import (
    SCENARIO_LABELS,
    as_mapping,
    default_scenarios,
    describe_scenarios,
)

#: Forecast years after ``as_of``'s year that the land report and ``render`` accept (checked
#: before a kernel starts; ``land_outlook_for`` itself takes any positive number).
HORIZON_YEARS = (1, 30)
#: Months from ``as_of`` until land whose 征迁安置 is not finished can be supplied, per status
#: (park.yaml ``land.resettlement_months`` overrides single statuses).
RESETTLEMENT_MONTHS: Mapping[str, int] = {"进行中": 12, "未启动": 24}
#: Pseudo-parcels of the calendar share when estimating the share of a year already past.
SEASON_PSEUDO_PARCELS = 24
#: Bandwidth (days) of the wrapped normal kernel that smooths the parcels' days of the year.
SEASON_BANDWIDTH_DAYS = 60


# -- one clock, blocked land, need context --------------------------------------------------


def _elapsed_share(tx: pd.DataFrame, cutoff: pd.Timestamp, last_complete: int) -> float:
    """Share of ``cutoff``'s year already past, by the park's own seasonal pattern.

    Each past parcel's day of the year is smoothed by a normal kernel wrapped around the
    year (:data:`SEASON_BANDWIDTH_DAYS`), so the share grows smoothly with ``cutoff``
    instead of jumping by a whole month's parcels at its end; then shrunk toward the
    calendar share with :data:`SEASON_PSEUDO_PARCELS` pseudo-parcels.  0 at a year's end.

    >>> tx = pd.DataFrame({"year": [2014, 2015], "supply_date": pd.to_datetime(
    ...     ["2014-07-10", "2015-07-20"])})
    >>> [round(_elapsed_share(tx, pd.Timestamp(d), 2015), 3)
    ...  for d in ("2016-06-30", "2016-07-31", "2016-12-31")]
    [0.491, 0.584, 0.0]
    """
    from scipy.special import ndtr  # the normal CDF (scipy.special imports fast)

    if cutoff.month == 12 and cutoff.day == 31:
        return 0.0
    start = pd.Timestamp(cutoff.year, 1, 1)
    calendar = ((cutoff - start).days + 1) / (365 + int(cutoff.is_leap_year))
    past = tx.loc[tx["year"] <= last_complete, "supply_date"]
    n = len(past)
    by_day = 0.0
    if n:
        length = 365 + past.dt.is_leap_year.to_numpy(dtype=int)
        where = (past.dt.day_of_year.to_numpy(dtype=float) - 0.5) / length
        bw = SEASON_BANDWIDTH_DAYS / 365.0
        wrap = np.arange(-2, 3)[:, None]  # the kernel's mass wrapped around the year
        by_day = float(np.sum(ndtr((calendar - where + wrap) / bw) - ndtr((wrap - where) / bw)))
    share = (by_day + SEASON_PSEUDO_PARCELS * calendar) / (n + SEASON_PSEUDO_PARCELS)
    return float(min(max(share, 1e-6), 1 - 1e-6))


def _resettlement_months(cfg: Mapping[str, Any]) -> dict[str, int]:
    months = dict(RESETTLEMENT_MONTHS)
    given = (cfg.get("land", {}) or {}).get("resettlement_months") or {}
    if not isinstance(given, Mapping):
        raise ParameterError(
            "park.yaml 中 land.resettlement_months 应写成 征迁状态: 月数,"
            "如 {进行中: 12, 未启动: 24}"
        )
    for status, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ParameterError(
                f"park.yaml 中 land.resettlement_months.{status} 应为非负整数(月),得到 {value!r}"
            )
        months[str(status)] = value
    return months


def _blocked_parcels(p: pd.DataFrame, cutoff: pd.Timestamp, cfg) -> pd.DataFrame:
    """Remaining parcels still in 征迁 at ``cutoff`` and when each can be supplied.

    A parcel with a 征迁完成日期 (``resettlement_date``) is read as of ``cutoff``: finished
    from that date on, before it still in 征迁 (status 进行中 when the ledger now says
    已完成); without a date the ledger's current status stands for every ``cutoff``
    (``dated`` says which).
    """
    months = _resettlement_months(cfg)
    rem = p.loc[p["remaining"].to_numpy(dtype=bool)]
    status = rem["resettlement_status"].astype("string")
    if "resettlement_date" in rem:
        done = pd.to_datetime(rem["resettlement_date"])
    else:
        done = pd.Series(pd.NaT, index=rem.index, dtype="datetime64[ns]")
    dated = done.notna().to_numpy()
    later = (done > cutoff).to_numpy() & dated
    status = status.mask(later & ~status.isin(list(months)).fillna(False).to_numpy(), "进行中")
    pending = status.isin(list(months)).fillna(False).to_numpy(dtype=bool)
    mask = (pending & ~dated) | later
    b = rem.loc[mask]
    st = status[mask].astype(str)
    release = [(cutoff + pd.DateOffset(months=months[s])).normalize() for s in st]
    return pd.DataFrame(
        {
            "parcel_id": b["parcel_id"].astype(str).to_numpy(),
            "area_mu": b["area_mu"].astype(float).to_numpy(),
            "resettlement_status": st.to_numpy(),
            "release_date": pd.to_datetime(pd.Series(release, dtype="datetime64[ns]")),
            "dated": dated[mask],
        }
    )


def release_backtest(ds: Any, park: str, cutoff: pd.Timestamp, cfg: Any = None) -> pd.DataFrame:
    """The release assumption checked against what the ledger later shows.

    At every year's end before ``cutoff`` (from the first supplied parcel's year), the
    remaining parcels still in 征迁 *by a dated status* (a 征迁完成日期 after that day:
    history tells what the status was) get the release the outlook would have assumed
    then (the day + ``land.resettlement_months`` of their status, as
    :func:`land_outlook_for` does).  The assumption *failed* when the parcel was supplied
    before that release (the outlook would have kept land out that was in fact supplied),
    *held* when it was supplied on or after it, or not supplied by ``cutoff`` with the
    release already past, and is *open* when it is neither supplied nor released by
    ``cutoff``.  ``finished_late_days`` is the actual 征迁完成日期 minus the assumed
    release (positive: 征迁 took longer than assumed; NaN while not finished by
    ``cutoff``).  Parcels whose status has no date are not checked: today's status says
    nothing about a past day.

    Returns
    -------
    pandas.DataFrame
        ``origin, parcel_id, area_mu, status, release_date, finished, supplied, outcome,
        finished_late_days`` (one row per origin and parcel in 征迁 then).
    """
    cfg = ds.config(park) if cfg is None else cfg
    ledger = ds.parcels.loc[(ds.parcels["park_id"] == park).to_numpy()]
    supplied_on = pd.to_datetime(ledger["supply_date"]).where(
        pd.to_datetime(ledger["supply_date"]) <= cutoff
    )
    supplied_on.index = ledger["parcel_id"].astype(str).to_numpy()
    columns = ["origin", "parcel_id", "area_mu", "status", "release_date", "finished",
               "supplied", "outcome", "finished_late_days"]  # fmt: skip
    if "resettlement_date" not in ledger or supplied_on.dropna().empty:
        return pd.DataFrame(columns=columns)
    finished_on = pd.to_datetime(ledger["resettlement_date"]).where(
        pd.to_datetime(ledger["resettlement_date"]) <= cutoff
    )
    finished_on.index = supplied_on.index
    rows = []
    for year in range(int(supplied_on.min().year), cutoff.year):
        origin = pd.Timestamp(year, 12, 31)
        if origin >= cutoff:
            break
        blocked = _blocked_at(ds, park, origin, cfg)
        for b in blocked.loc[blocked["dated"].to_numpy(dtype=bool)].itertuples():
            release, supplied = b.release_date, supplied_on.get(b.parcel_id, pd.NaT)
            finished = finished_on.get(b.parcel_id, pd.NaT)
            if pd.notna(supplied):
                outcome = "failed" if supplied < release else "held"
            else:
                outcome = "held" if release <= cutoff else "open"
            late = (finished - release).days if pd.notna(finished) else math.nan
            rows.append([origin, b.parcel_id, b.area_mu, b.resettlement_status, release,
                         finished, supplied, outcome, late])  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _blocked_at(ds: Any, park: str, origin: pd.Timestamp, cfg) -> pd.DataFrame:
    """:func:`_blocked_parcels` of the park's ledger as of ``origin`` (a year's end).

    The release backtest reads the ledger at every year's end before its cut-off, so the
    reports of one park read the same year ends again and again. In a batch's warm kernel
    they are kept on the dataset, by park, year end and ``land.resettlement_months``, while
    its ledger is the very same frame (do not change the returned frame); elsewhere every
    call computes them.
    """
    if not in_warm_kernel():
        return _blocked_parcels(park_parcels(ds, park, origin), origin, cfg)
    memo = ds.__dict__.get("_blocked_at")
    if memo is None or memo[0] is not ds.parcels:
        memo = ds.__dict__["_blocked_at"] = (ds.parcels, {})
    key = (park, origin, tuple(sorted(_resettlement_months(cfg).items())))
    if key not in memo[1]:
        memo[1][key] = _blocked_parcels(park_parcels(ds, park, origin), origin, cfg)
    return memo[1][key]


def _max_over_span(tx: pd.DataFrame, span_years: float) -> tuple[float, Any]:
    """The most supplied within any ``span_years`` of the history, and where it starts."""
    if tx.empty:
        return 0.0, None
    dates = tx["supply_date"].to_numpy(dtype="datetime64[D]")
    area = tx["area_mu"].to_numpy(dtype=float)
    order = np.argsort(dates, kind="stable")
    dates, area = dates[order], area[order]
    width = np.timedelta64(round(span_years * 365.25), "D")
    cum = np.concatenate([[0.0], np.cumsum(area)])
    end = np.searchsorted(dates, dates + width, side="left")
    sums = cum[end] - cum[np.arange(dates.size)]
    i = int(np.argmax(sums))
    return float(sums[i]), pd.Timestamp(dates[i])


def _peers(ds: Any, pid: str, cutoff: pd.Timestamp) -> list[tuple[pd.DataFrame, int, int]]:
    out = []
    # every park's transactions as of ``cutoff``, read once per dataset and cut-off: the
    # outlooks of all parks of a province (the overview) would read n × (n - 1) otherwise;
    # kept on the dataset while its ledger is the very same frame
    memo = ds.__dict__.get("_peer_transactions")
    if memo is None or memo[0] is not ds.parcels or memo[1] != cutoff:
        memo = ds.__dict__["_peer_transactions"] = (ds.parcels, cutoff, {})
    for other in ds.profile.parks:
        if other == pid:
            continue
        if other not in memo[2]:
            memo[2][other] = supply_transactions(ds, park=other, as_of=cutoff)
        tx = memo[2][other]
        complete = tx.loc[tx["year"] < cutoff.year]
        if complete.empty:
            continue
        out.append((complete[["year", "area_mu"]], int(complete["year"].min()), cutoff.year - 1))
    return out


# -- the outlook ----------------------------------------------------------------------


def land_outlook_for(
    ds: Any,
    *,
    park: str | None = None,
    as_of: Any = None,
    horizon: int | None = None,
    confidence: float | None = None,
    scenarios: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None = None,
    seed: int | None = 0,
    n_sims: int = 4000,
    window: int | None = None,
    annual_target_mu: float | None = None,
    backtest: bool = True,
) -> LandOutlookReport:
    """When does the park's supplyable land run out, and how much expansion is needed?

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id (required when the dataset holds several parks).
    as_of : str, Period, date or None
        The data's date (see :func:`resolve_as_of`); default the end of the data; a date
        past the end is refused.
    horizon : int, optional
        Full forecast years after ``as_of``'s year; default
        ``max(10, expansion.planning_horizon_years)``.
    confidence : float, optional
        Confidence of the expansion need (0..1); default ``expansion.confidence``.
    scenarios : dict or list of dict, optional
        Scenario specs of :func:`parkanalysis.forecast.land_outlook`, *added* to the
        defaults from the data (``relocations`` — land of relocations not done by ``as_of``
        freed in :func:`relocation_release_year`; ``planned_target`` when
        ``land.annual_supply_target_mu`` is set). A spec named like a default replaces it;
        ``{}`` (or ``False``) gives the baseline only.
    seed : int or None, default 0
    n_sims : int, default 4000
    window : int, optional
        Years averaged by the official 尚可供地年数; default ``land.supply_window_years``.
    annual_target_mu : float, optional
        A planned supply per year (亩) for the ``planned_target`` scenario; default
        ``land.annual_supply_target_mu`` (no such scenario when neither is set).
    backtest : bool, default True
        Run the park's backtest (False for loops over what-ifs: ``backtest`` is then None).

    Returns
    -------
    LandOutlookReport

    Raises
    ------
    ParameterError
        For bad arguments, an ``as_of`` past the data, or a ledger without any supplied
        parcel before ``as_of``'s year.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> out = land_outlook_for(load_dataset("data/sample"), horizon=5, n_sims=500)
    >>> out.remaining_mu, round(out.supply_years.average_mu, 1), out.blocked_mu
    (150.4, 225.7, 111.0)
    >>> f"{out.supply_until:%Y-%m}", out.last_year
    ('2017-02', 2015)
    """
    pid = one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    args = (horizon, confidence, seed, n_sims, window, annual_target_mu, backtest)
    if scenarios is not None or seed is None:  # what-ifs, random seeds: not kept
        return _land_outlook(ds, pid, cutoff, scenarios, *args)
    import copy

    # A dataset keeps the outlooks computed from it in a batch's warm kernel (a batch's
    # period and land reports as of one month ask for the same); each caller gets a copy.
    names = ("profile", "parcels", "relocations", "monthly", "enterprises")
    frames = tuple(getattr(ds, name, None) for name in names)
    out = kept_in_warm_kernel(
        ds, "_land_outlooks", frames, (pid, cutoff, *args),
        lambda: _land_outlook(ds, pid, cutoff, scenarios, *args),
    )  # fmt: skip
    return out if not in_warm_kernel() else copy.deepcopy(out)


def _land_outlook(ds, pid, cutoff, scenarios, horizon, confidence, seed, n_sims, window,
                  annual_target_mu, backtest) -> LandOutlookReport:  # fmt: skip
    cfg = ds.config(pid)
    exp_cfg = cfg.get("expansion", {}) or {}
    planning = int(exp_cfg.get("planning_horizon_years", 5))
    if horizon is None:
        horizon = max(10, planning)
    if confidence is None:
        confidence = float(exp_cfg.get("confidence", 0.8))
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ParameterError(f"horizon(预测年数)应为正整数,得到 {horizon!r}")
    info = ds.profile.parks[pid]
    history = supply_history(ds, park=pid, as_of=cutoff)
    tx = supply_transactions(ds, park=pid, as_of=cutoff)
    if history.empty:
        raise ParameterError(f"{info.name}截至{cutoff:%Y-%m-%d}没有已供应地块,无法预测供地")
    complete = history.loc[history["complete"].to_numpy(dtype=bool)]
    if complete.empty:
        raise ParameterError(
            f"{info.name}截至{cutoff:%Y-%m-%d}还没有完整年度的供地记录,无法预测供地"
        )
    first_year, last_year = int(complete["year"].min()), int(complete["year"].max())
    elapsed = _elapsed_share(tx, cutoff, last_year)
    p = park_parcels(ds, pid, cutoff)
    remaining = round(float(p.loc[p["remaining"].to_numpy(dtype=bool), "area_mu"].sum()), 6)
    since = float(tx.loc[tx["year"] > last_year, "area_mu"].sum())
    if window is None:
        window = window_years(ds, pid)
    elif isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ParameterError(f"window(平均年数)应为正整数,得到 {window!r}")
    if annual_target_mu is not None:
        cfg = {**cfg, "land": {**(cfg.get("land", {}) or {}),
                               "annual_supply_target_mu": annual_target_mu}}  # fmt: skip
    sy = years_of_supply_left(complete_series(history), remaining, window=window)
    supply_until = (
        None
        if sy.years is None
        else (cutoff + pd.Timedelta(days=round(sy.years * 365.25))).normalize()
    )
    gross, basis = _gross_to_net(info.declared_mu, p)
    blocked = _blocked_parcels(p, cutoff, cfg)
    notes: list[str] = []
    if since > 0:
        notes.append(
            f"{last_year + 1}年截至{cutoff:%Y-%m-%d}已供地{fmt(since)}亩,已计入历史、"
            "不再占用尚可供应土地;预测只模拟当年余下的时间"
        )
    if len(blocked) and not blocked["dated"].all():
        notes.append(
            "台账中的征迁安置状态没有完成日期:按台账现有状态计,预计可供时间为数据截至日加"
            "park.yaml 中 land.resettlement_months 的月数;回看历史日期时,假定当时的状态与"
            "现在相同"
        )
    n_cells = horizon + (1 if elapsed > 0 else 0)
    years = list(range(last_year + 1, last_year + 1 + n_cells))
    spec_rows: list[dict[str, Any]] = []
    if scenarios is False or (scenarios is not None and len(scenarios) == 0):
        scenarios, spec_rows = {}, []
    else:
        defaults, spec_rows, more = default_scenarios(ds, pid, cutoff, years, cfg)
        notes.extend(more)
        if scenarios:
            given = as_mapping(scenarios)
            spec_rows = [r for r in spec_rows if r["scenario"] not in given]
            spec_rows += describe_scenarios(given)
            scenarios = {**{k: v for k, v in defaults.items() if k not in given}, **given}
        else:
            scenarios = defaults
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
    n_years = last_year - first_year + 1
    recent = min(window, n_years)
    fit_tx = tx.loc[tx["year"] <= last_year + 1, ["year", "area_mu"]]
    out = _fc.land_outlook(
        fit_tx,
        remaining,
        first_year=first_year,
        last_year=last_year,
        horizon=n_cells,
        confidence=confidence,
        gross_to_net=gross,
        scenarios=scenarios,
        recent_years=recent,
        n_sims=n_sims,
        seed=seed,
        elapsed=elapsed,
        calendar_elapsed=_fc.decimal_year(cutoff + pd.Timedelta(days=1)) - (last_year + 1),
        blocked=[
            (a, _fc.decimal_year(d))
            for a, d in zip(blocked["area_mu"], blocked["release_date"], strict=True)
        ],
        peers=_peers(ds, pid, cutoff),
    )
    if out.note:
        notes.append(out.note)
    ctx_rows = []
    declared_total = float(info.declared_mu.get("total", math.nan))
    if math.isnan(declared_total):
        declared_total = float(p["area_mu"].sum())
    for k in range(1, horizon + 1):
        end = pd.Timestamp(cutoff.year + k, 12, 31)
        span = (end - cutoff).days / 365.25
        most, start = _max_over_span(tx, span)
        ctx_rows.append(
            {
                "horizon_years": k,
                "year": cutoff.year + k,
                "span_years": span,
                "history_max_mu": most,
                "history_max_start": None if start is None else f"{start:%Y-%m}",
                "declared_total_mu": declared_total,
            }
        )
    bt, bts, bt_note = (
        _backtest(tx, first_year, last_year, planning) if backtest else (None, None, "")
    )
    if bt is not None:
        bt.attrs["release"] = release_backtest(ds, pid, cutoff, cfg)
    if bt_note:
        notes.append(bt_note)
    scen = pd.DataFrame(
        [
            {
                "scenario": "baseline",
                "label": SCENARIO_LABELS["baseline"],
                "description": "按本园区历年供地宗数(计数过程)与单宗面积(本园区成交地块)模拟",
                "added_mu": {},
                "annual_target_mu": None,
            },
            *spec_rows,
        ]
    )
    phases = list(info.phases.values())
    phase_label = f"{phases[0].name}规划面积" if len(phases) == 1 else "园区规划总面积"
    return LandOutlookReport(
        park_id=pid,
        park_name=info.name,
        as_of=cutoff,
        history=history,
        outlook=out,
        first_year=first_year,
        last_year=last_year,
        elapsed=elapsed,
        remaining_mu=remaining,
        start_remaining_mu=remaining,
        supply_years=sy,
        supply_until=supply_until,
        blocked=blocked,
        gross_to_net_basis=basis,
        planning_horizon=max(1, min(planning, horizon)),
        need_context=pd.DataFrame(ctx_rows),
        scenarios=scen,
        exhaustion_probability=out.exhaustion_probability,
        backtest=bt,
        backtest_summary=bts,
        phase_label=phase_label,
        notes=notes,
    )


def _gross_to_net(declared: Mapping[str, float], p: pd.DataFrame) -> tuple[float, str]:
    if declared.get("total") and declared.get("usable"):
        t, u = float(declared["total"]), float(declared["usable"])
        return t / u, f"申报总面积{fmt(t)}亩 ÷ 可利用土地{fmt(u)}亩"
    total = float(p["area_mu"].sum())
    usable = float(p.loc[p["usable"].to_numpy(dtype=bool), "area_mu"].sum())
    if total > 0 and usable > 0:
        return total / usable, f"台账总面积{fmt(total)}亩 ÷ 台账可利用土地{fmt(usable)}亩"
    return 1.0, "缺少总面积与可利用土地,按1:1折算"


#: Backtests run in a batch's warm kernel (``PARKANALYSIS_WARM_KERNEL``), by their inputs:
#: the backtest is a pure function of the complete years' transactions (fixed seeds), so the
#: reports of one park as of every month of a year share one (each caller gets a copy).
_BACKTESTS: dict[tuple, tuple] = {}
_BACKTESTS_KEPT = 16


def _backtest(tx: pd.DataFrame, first_year: int, last_year: int, planning: int):
    import copy

    if not in_warm_kernel():  # kept in a batch's warm kernel
        return _run_backtest(tx, first_year, last_year, planning)
    try:
        year = tx["year"].to_numpy(dtype=float)
        area = tx["area_mu"].to_numpy(dtype=float)
        keep = (year >= first_year) & (year <= last_year)  # all the backtests read
        key = (first_year, last_year, planning, year[keep].tobytes(), area[keep].tobytes())
    except (KeyError, TypeError, ValueError):  # the backtest itself says what is wrong
        return _run_backtest(tx, first_year, last_year, planning)
    if key not in _BACKTESTS:
        if len(_BACKTESTS) >= _BACKTESTS_KEPT:
            _BACKTESTS.pop(next(iter(_BACKTESTS)))
        _BACKTESTS[key] = _run_backtest(tx, first_year, last_year, planning)
    return copy.deepcopy(_BACKTESTS[key])


def _run_backtest(tx: pd.DataFrame, first_year: int, last_year: int, planning: int):
    n = last_year - first_year + 1
    min_train = _fc.MIN_OBSERVATIONS
    if n <= min_train:
        return None, None, f"完整年度仅{n}年,不足{min_train + 1}年,未做供地回测"
    bt = _fc.backtest_supply(
        tx[["year", "area_mu"]],
        first_year=first_year,
        last_year=last_year,
        horizon=planning,
        min_train=min_train,
        n_sims=1000,
    )
    ex = _fc.backtest_exhaustion(
        tx[["year", "area_mu"]],
        first_year=first_year,
        last_year=last_year,
        min_train=min_train,
        n_sims=1000,
    )
    bt.attrs["exhaustion"] = ex
    return bt, _fc.summarize_supply_backtest(bt), ""
