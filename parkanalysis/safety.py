"""Safety inspections: hazards found, rectified, overdue and rechecked in a period.

Definitions (status as of the **last day of the period**, so a report re-run later gives
the same figures):

* found — ``inspection_date`` within the period;
* rectified — ``rectified_date`` on or before the period end; *on time* when also on or
  before ``deadline``;
* overdue — not rectified by the period end although the ``deadline`` is before it;
* pending — not rectified, deadline not yet passed;
* rechecked — ``recheck_date`` on or before the period end; *recheck failed* when
  ``recheck_passed`` is false.

The comparison with the same period a year earlier is given only when the hazard records
reach back that far (the first inspection date is not after that period's end).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.periods import Period, parse_period

__all__ = ["HazardSummary", "hazard_sentence", "hazard_summary", "overdue_hazards"]

_COUNTS = (
    ("found", "排查隐患", "处"),
    ("enterprises", "涉及企业", "家"),
    ("rectified", "已整改", "处"),
    ("rectified_on_time", "按期整改", "处"),
    ("overdue", "逾期未整改", "处"),
    ("pending", "未到期未整改", "处"),
    ("rechecked", "已复查", "处"),
    ("recheck_failed", "复查未通过", "处"),
    ("major", "重大隐患", "处"),
)


def period_bounds(period: Period) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(period.year, period.start_month, 1)
    end = pd.Timestamp(period.year, period.end_month, 1) + pd.offsets.MonthEnd(0)
    return start, end


def park_hazards(ds: Any, park: str | None) -> pd.DataFrame:
    hz = ds.hazards
    pid = ds.resolve_park(park)
    return hz.loc[(hz["park_id"] == pid).to_numpy()]


def hazard_status(hz: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Status columns of every hazard as of ``end`` (input untouched)."""
    out = pd.DataFrame(index=hz.index)
    rect = hz["rectified_date"].notna() & (hz["rectified_date"] <= end)
    out["rectified"] = rect.to_numpy(dtype=bool)
    out["rectified_on_time"] = (rect & (hz["rectified_date"] <= hz["deadline"])).to_numpy(
        dtype=bool
    )
    out["overdue"] = (~rect & (hz["deadline"] < end)).to_numpy(dtype=bool)
    out["pending"] = (~rect & ~(hz["deadline"] < end)).to_numpy(dtype=bool)
    checked = hz["recheck_date"].notna() & (hz["recheck_date"] <= end)
    out["rechecked"] = checked.to_numpy(dtype=bool)
    passed = hz["recheck_passed"].astype("boolean")
    out["recheck_failed"] = (checked & passed.eq(False).fillna(False)).to_numpy(dtype=bool)
    out["major"] = hz["severity"].eq("重大").fillna(False).to_numpy(dtype=bool)
    return out


@dataclass
class HazardSummary:
    """Result of :func:`hazard_summary`.

    Attributes
    ----------
    period : Period
    park_id : str or None
    counts : dict
        ``found, enterprises, rectified, rectified_on_time, overdue, pending, rechecked,
        recheck_failed, major`` (int).
    rectification_rate_pct : float
        rectified ÷ found × 100 (NaN when nothing was found).
    by_category, by_severity : pandas.DataFrame
        ``category`` (or ``severity``), ``found, rectified, overdue`` (the columns of
        :func:`parkanalysis.plots.plot_hazards`).
    previous : HazardSummary or None
        The same period a year earlier, when the records reach back that far.
    """

    period: Period
    park_id: str | None
    counts: dict[str, int]
    rectification_rate_pct: float
    by_category: pd.DataFrame
    by_severity: pd.DataFrame
    previous: HazardSummary | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        """Hazards found in the period."""
        return self.counts["found"]

    @property
    def enterprises(self) -> int:
        """Distinct enterprises with hazards found in the period."""
        return self.counts["enterprises"]

    @property
    def rectified(self) -> int:
        """Hazards rectified by the period end."""
        return self.counts["rectified"]

    @property
    def overdue(self) -> int:
        """Hazards not rectified although their deadline passed before the period end."""
        return self.counts["overdue"]

    def to_frame(self) -> pd.DataFrame:
        """Indicator rows ``id, name, value, unit, prev_value, change`` (change = difference)."""
        rows = []
        for key, name, unit in _COUNTS:
            prev = self.previous.counts[key] if self.previous else math.nan
            value = self.counts[key]
            rows.append((f"hazards_{key}", name, float(value), unit, float(prev), value - prev))
        prev_rate = self.previous.rectification_rate_pct if self.previous else math.nan
        rows.append(
            (
                "hazards_rectification_rate_pct",
                "整改率",
                self.rectification_rate_pct,
                "%",
                prev_rate,
                self.rectification_rate_pct - prev_rate,
            )
        )
        return pd.DataFrame(rows, columns=["id", "name", "value", "unit", "prev_value", "change"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (stable keys)."""

        def clean(x):
            return None if isinstance(x, float) and math.isnan(x) else x

        return {
            "period": str(self.period),
            "period_label": self.period.label,
            "park_id": self.park_id,
            **self.counts,
            "rectification_rate_pct": clean(self.rectification_rate_pct),
            "by_category": self.by_category.to_dict(orient="records"),
            "by_severity": self.by_severity.to_dict(orient="records"),
            "previous": self.previous.to_dict() if self.previous else None,
            "notes": list(self.notes),
            "sentence": hazard_sentence(self),
        }


def _summarise(hz: pd.DataFrame, period: Period, park: str | None) -> HazardSummary:
    start, end = period_bounds(period)
    found = hz.loc[((hz["inspection_date"] >= start) & (hz["inspection_date"] <= end)).to_numpy()]
    st = hazard_status(found, end)
    counts = {"found": len(found), "enterprises": int(found["enterprise_id"].nunique())}
    for key in ("rectified", "rectified_on_time", "overdue", "pending", "rechecked"):
        counts[key] = int(st[key].sum())
    counts["recheck_failed"] = int(st["recheck_failed"].sum())
    counts["major"] = int(st["major"].sum())
    rate = 100 * counts["rectified"] / counts["found"] if counts["found"] else math.nan
    joined = pd.concat([found[["category", "severity"]], st], axis=1)
    return HazardSummary(
        period=period,
        park_id=park,
        counts=counts,
        rectification_rate_pct=rate,
        by_category=_breakdown(joined, "category"),
        by_severity=_breakdown(joined, "severity"),
    )


def _breakdown(joined: pd.DataFrame, key: str) -> pd.DataFrame:
    if joined.empty:
        return pd.DataFrame(
            {key: pd.Series([], dtype=object), **{c: [] for c in ("found", "rectified", "overdue")}}
        )
    g = joined.groupby(joined[key].astype(str), sort=False)
    out = pd.DataFrame(
        {
            "found": g.size(),
            "rectified": g["rectified"].sum(),
            "overdue": g["overdue"].sum(),
        }
    ).astype("int64")
    out = out.sort_values(["found"], ascending=False, kind="stable")
    out.index.name = key
    return out.reset_index()


def hazard_summary(ds: Any, period: str | Period, *, park: str | None = None) -> HazardSummary:
    """Hazards found in a period, their rectification, and the same period a year earlier.

    Parameters
    ----------
    ds : Dataset
    period : str or Period
        ``2016H1``, ``2016年1-5月``, ``2016-05`` … (see
        :func:`~parkanalysis.periods.parse_period`).
    park : str, optional
        Park id (required when the dataset holds several parks).

    Returns
    -------
    HazardSummary

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> s = hazard_summary(load_dataset("data/sample"), "2016H1")
    >>> s.found, s.enterprises
    (115, 23)
    """
    p = parse_period(period)
    hz = park_hazards(ds, park)
    summary = _summarise(hz, p, park)
    prev = p.previous_year()
    first = hz["inspection_date"].min()
    if not hz.empty and not pd.isna(first) and first <= period_bounds(prev)[1]:
        summary.previous = _summarise(hz, prev, park)
    else:
        summary.notes.append(f"隐患记录不早于{prev.label},无上年同期可比")
    return summary


def _count(n: int, unit: str) -> str:
    return f"{n}{unit}"


#: What a report says for a period without any hazard record: the ledger lists hazards found,
#: so an empty period cannot tell "inspected, nothing found" from "not inspected".
NO_RECORDS_SENTENCE = (
    "本期未开展安全隐患排查(隐患排查台账中本报告期没有记录;如已开展排查,请补录台账)。"
)
#: What a report says when the dataset has no hazard data for the park at all.
NO_DATA_SENTENCE = "未提供本园区的安全隐患排查台账,本报告不对安全生产情况作出判断。"


def has_hazard_data(ds: Any, park: str) -> bool:
    """True when the dataset holds hazard records of ``park`` (in any period)."""
    h = getattr(ds, "hazards", None)
    return h is not None and bool((h["park_id"].astype(str) == str(park)).any())


def hazard_sentence(summary: HazardSummary) -> str:
    """The report sentence about the period's safety inspection.

    Parameters
    ----------
    summary : HazardSummary

    Returns
    -------
    str
        E.g. "排查出各类安全隐患115处,涉及企业23家,已整改106处,整改率92.2%;逾期未整改
        3处。" plus the year-on-year change where a previous period exists.

    Examples
    --------
    >>> from parkanalysis.periods import parse_period
    >>> import pandas as pd
    >>> empty = pd.DataFrame({"category": [], "found": [], "rectified": [], "overdue": []})
    >>> s = HazardSummary(parse_period("2016H1"), None, {"found": 10, "enterprises": 4,
    ...     "rectified": 9, "rectified_on_time": 8, "overdue": 1, "pending": 0,
    ...     "rechecked": 7, "recheck_failed": 1, "major": 0}, 90.0, empty, empty)
    >>> hazard_sentence(s)
    '排查出各类安全隐患10处,涉及企业4家,已整改9处(其中按期整改8处),整改率90.0%;逾期未整改1处;已复查7处,复查未通过1处。'
    """
    c = summary.counts
    if c["found"] == 0:
        return NO_RECORDS_SENTENCE
    parts = [
        f"排查出各类安全隐患{_count(c['found'], '处')},涉及企业{_count(c['enterprises'], '家')}"
    ]
    if c["major"]:
        parts[0] += f",其中重大隐患{c['major']}处"
    on_time = (
        f"(其中按期整改{c['rectified_on_time']}处)"
        if c["rectified_on_time"] != c["rectified"]
        else ""
    )
    parts[0] += f",已整改{c['rectified']}处{on_time},整改率{summary.rectification_rate_pct:.1f}%"
    tail = [f"逾期未整改{c['overdue']}处" if c["overdue"] else "无逾期未整改隐患"]
    if c["pending"]:
        tail.append(f"尚在整改期限内{c['pending']}处")
    if c["rechecked"]:
        tail.append(
            f"已复查{c['rechecked']}处"
            + (f",复查未通过{c['recheck_failed']}处" if c["recheck_failed"] else ",均通过复查")
        )
    prev = summary.previous
    if prev is not None and prev.counts["found"]:
        diff = c["found"] - prev.counts["found"]
        word = "增加" if diff > 0 else "减少"
        tail.append(f"与上年同期相比隐患{word}{abs(diff)}处" if diff else "隐患数与上年同期持平")
    return ";".join([parts[0], *tail]) + "。"


def overdue_hazards(
    ds: Any, period: str | Period, *, park: str | None = None, include_earlier: bool = False
) -> pd.DataFrame:
    """Hazards overdue at the end of a period, with enterprise names (enterprise-level).

    Share mode (``--share``) must not show this table: it names enterprises.

    Parameters
    ----------
    ds : Dataset
    period : str or Period
    park : str, optional
    include_earlier : bool, default False
        Also list hazards found before the period that are still overdue at its end.

    Returns
    -------
    pandas.DataFrame
        ``enterprise_id, enterprise_name, hazard_id, category, severity, inspection_date,
        deadline, days_overdue`` sorted by days overdue (longest first).

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> od = overdue_hazards(load_dataset("data/sample"), "2016H1")
    >>> list(od.columns[:3]), bool((od.days_overdue > 0).all())
    (['enterprise_id', 'enterprise_name', 'hazard_id'], True)
    """
    p = parse_period(period)
    start, end = period_bounds(p)
    hz = park_hazards(ds, park)
    lo = hz["inspection_date"] <= end
    if not include_earlier:
        lo &= hz["inspection_date"] >= start
    sub = hz.loc[lo.to_numpy()]
    st = hazard_status(sub, end)
    sub = sub.loc[st["overdue"].to_numpy()]
    names = ds.enterprises.drop_duplicates(["park_id", "enterprise_id"])
    names = dict(
        zip(zip(names["park_id"], names["enterprise_id"], strict=True), names["name"], strict=True)
    )
    out = pd.DataFrame(
        {
            "enterprise_id": sub["enterprise_id"].astype(str).to_numpy(),
            "enterprise_name": [
                names.get((pk, e), "")
                for pk, e in zip(sub["park_id"], sub["enterprise_id"], strict=True)
            ],
            "hazard_id": sub["hazard_id"].astype(str).to_numpy(),
            "category": sub["category"].astype(str).to_numpy(),
            "severity": sub["severity"].astype(str).to_numpy(),
            "inspection_date": sub["inspection_date"].to_numpy(),
            "deadline": sub["deadline"].to_numpy(),
            "days_overdue": (end - sub["deadline"]).dt.days.to_numpy(dtype=np.int64),
        }
    )
    return out.sort_values(["days_overdue", "hazard_id"], ascending=[False, True]).reset_index(
        drop=True
    )
