"""Published figures beside the computed ones.

* **Published figures** (``ds.published``) are matched on park, indicator and the *months* of
  the period (``2016H1`` is ``2016-01..2016-06``), converted to the row's unit when both are
  amounts of money, and shown as ``published_value`` / ``published_yoy_pct`` — the official
  growth is never recomputed. ``difference`` = ``value`` − ``published_value``. Published
  indicators that are not computed here appear as extra rows with ``value`` NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.indicators.measures import join_notes
from parkanalysis.indicators.specs import PUBLISHED_NAMES
from parkanalysis.periods import Period, parse_period
from parkanalysis.units import parse_unit


def _published_rows(ds: Any, period: Period, parks: list[str]) -> pd.DataFrame:
    """Rows of ``ds.published`` for ``parks`` whose period has the same months as ``period``.

    Adds ``repeated``: True on a figure published more than once under different spellings
    of the same months ("2016H1" and "2016-01..2016-06"); the first row is kept.
    """
    pub = ds.published
    if pub.empty:
        return pub
    pub = pub.loc[pub["park_id"].isin(parks).to_numpy()]
    if pub.empty:
        return pub
    texts = pub["period"].dropna().unique()
    matches = dict(zip(texts, map(lambda t: _same_months(t, period), texts), strict=True))
    pub = pub.loc[pub["period"].map(matches).fillna(False).to_numpy(dtype=bool)]
    keys = ["park_id", "indicator_id"]
    repeated = pub.duplicated(keys, keep=False).to_numpy()
    first = ~pub.duplicated(keys, keep="first").to_numpy()
    return pub.loc[first].assign(repeated=repeated[first])


def _same_months(text: Any, period: Period) -> bool:
    try:
        return parse_period(text) == period
    except PeriodError:
        return False


def _unit_factor(published_unit: Any, unit: str) -> float | None:
    """Factor turning a published value into ``unit``; None when not convertible.

    Examples
    --------
    >>> _unit_factor("亿元", "万元"), _unit_factor("", "家"), _unit_factor("%", "万元")
    (10000.0, 1.0, None)
    """
    a = published_unit.strip() if isinstance(published_unit, str) else ""
    if not a or a == unit:
        return 1.0
    try:
        fa, _, xa = parse_unit(a)
        fb, _, xb = parse_unit(unit)
    except ParameterError:
        return None
    return xa / xb if fa == fb else None


def published_columns(ds, period, parks, ids, unit_col, notes):
    """Published level, growth and notes aligned with the computed rows; published-only rows.

    Returns ``(published_value, published_yoy_pct, notes, extra)`` where ``extra`` is None or
    a dict of column arrays (plus ``_park_pos``) for published indicators not computed here.
    """
    n = len(unit_col)
    pv, py = np.full(n, np.nan), np.full(n, np.nan)
    pub = _published_rows(ds, period, parks)
    if pub.empty:
        return pv, py, notes, None
    park_pos = pd.Index(parks).get_indexer(pub["park_id"])
    id_pos = pd.Index(ids).get_indexer(pub["indicator_id"])
    known = id_pos >= 0
    row = park_pos * len(ids) + id_pos
    value = pub["value"].to_numpy(dtype="float64")
    yoy = pub["yoy_pct"].to_numpy(dtype="float64")
    pub_unit = pub["unit"].to_numpy(dtype=object)
    source = pub["source"].to_numpy(dtype=object) if "source" in pub else np.full(len(pub), "")
    source = np.array([s if isinstance(s, str) else "" for s in source], dtype=object)
    src_note = np.where(source != "", "公布数来源:" + source, "有公布数").astype(object)
    rep_note = np.where(pub["repeated"].to_numpy(), "同一时期有多条公布数,取第一条", "")
    # unit conversion per distinct (published unit, row unit) pair: a handful
    row_unit = np.where(known, unit_col[np.where(known, row, 0)], pub_unit).astype(object)
    pairs = {(a, b): _unit_factor(a, b) for a, b in set(zip(pub_unit, row_unit, strict=True))}
    factor = np.array(
        [
            np.nan if (f := pairs[(a, b)]) is None else f
            for a, b in zip(pub_unit, row_unit, strict=True)
        ],
        dtype="float64",
    )
    unit_note = np.where(
        np.isnan(factor),
        "公布数单位「" + pub_unit.astype(str).astype(object) + "」与计算单位不同,未比较",
        np.where(
            factor != 1.0, "公布数原单位" + pub_unit.astype(str).astype(object) + ",已换算", ""
        ),
    ).astype(object)
    k = row[known]
    pv[k] = value[known] * factor[known]
    py[k] = yoy[known]
    notes = notes.copy()
    notes[k] = join_notes(
        join_notes(join_notes(notes[k], src_note[known]), unit_note[known]), rep_note[known]
    )
    if known.all():
        return pv, py, notes, None
    other = ~known
    m = int(other.sum())
    ident = pub["indicator_id"].to_numpy(dtype=object)[other]
    extra = {
        "_park_pos": park_pos[other],
        "park_id": pub["park_id"].to_numpy(dtype=object)[other],
        "id": ident,
        "name": np.array([PUBLISHED_NAMES.get(x, x) for x in ident], dtype=object),
        "value": np.full(m, np.nan),
        "unit": np.array([u if isinstance(u, str) else "" for u in pub_unit[other]], dtype=object),
        "yoy_pct": np.full(m, np.nan),
        "prev_value": np.full(m, np.nan),
        "scope": np.full(m, "", dtype=object),
        "scope_value": np.full(m, np.nan),
        "all_yoy_pct": np.full(m, np.nan),
        "all_prev_value": np.full(m, np.nan),
        "published_value": value[other],
        "published_yoy_pct": yoy[other],
        "difference": np.full(m, np.nan),
        "note": join_notes(
            join_notes(np.full(m, "仅有公布数,无企业数据可核对", dtype=object), src_note[other]),
            rep_note[other],
        ),
        "n_enterprises": np.full(m, np.nan),
    }
    return pv, py, notes, extra
