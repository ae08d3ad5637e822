"""Totals above the park: a zone (开发区, several parks of one dataset) or a province (the
parks of several datasets), computed with the park's own definitions.

Definitions (one place; the tests hold them against an independent pandas calculation):

* A zone total is :func:`~parkanalysis.indicators.tables.core_rows` on one **merged core**
  (:func:`merge_cores`): the per-enterprise arrays of every park taken in are put end to end
  and given one park. Every measure of :mod:`~parkanalysis.indicators.measures` then runs
  unchanged, so that
* **levels** are the sums of the parks' levels (flows, 从业人员, counts);
* **同比** is 同口径 over the **union** of the parks' same-scope enterprises: Σ current ÷ Σ
  previous − 1 over every enterprise (of every park) with data in both years — never an
  average of the parks' rates; ``scope`` counts the union;
* **ratios** (亩均税收, 亩均产值, 劳动生产率, 规上产值占比) are Σ numerator ÷ Σ denominator over
  the parks, never an average of the parks' ratios;
* an enterprise is a (dataset, park, enterprise) triple: rows of different datasets are
  different rows of the merged core even when their ids coincide.
* **报送率** of the total is pooled: Σ 实报户·月 ÷ Σ 应报户·月 of the parks taken in.
* Published figures (公布数) are the parks' own; the total has none.

Which parks are taken in (a park whose data do not cover the period is 未报, listed, never
silently left out) is decided by :mod:`parkanalysis.province`, with each park's own
completeness rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.indicators.enterprises import Core, Side, collect
from parkanalysis.indicators.tables import core_rows
from parkanalysis.periods import Period

#: Name of a zone total when park.yaml does not give one (``zone.name``).
DEFAULT_ZONE_NAME = "全区"


def merge_cores(cores: Sequence[Core], name: str) -> Core:
    """One core whose only park, ``name``, holds the rows of the asked-for parks of ``cores``.

    The cores must be of the same period. Rows of parks a core was not asked for (its discard
    bin) are dropped; the registries are stacked (a ``dataset`` position is not needed: rows
    stay distinct by position).

    >>> from parkanalysis.dataset import load_dataset
    >>> from parkanalysis.periods import parse_period
    >>> ds = load_dataset("data/sample")
    >>> p = parse_period("2016年1-5月")
    >>> merged = merge_cores([collect(ds, p, ["GMY"]), collect(ds, p, ["GMY"])], "两份")
    >>> merged.parks, len(merged.park_pos) == 2 * len(collect(ds, p, ["GMY"]).park_pos)
    (['两份'], True)
    """
    if not cores:
        raise ValueError("merge_cores needs at least one core")
    period = cores[0].period
    keep = [c.park_pos < len(c.parks) for c in cores]

    def cat(get) -> np.ndarray:
        return np.concatenate([np.asarray(get(c))[k] for c, k in zip(cores, keep, strict=True)])

    def side(get_side) -> Side:
        sides = [get_side(c) for c in cores]
        flows = {
            col: np.concatenate([s.flows[col][k] for s, k in zip(sides, keep, strict=True)])
            for col in sides[0].flows
        }

        def field(attr: str) -> np.ndarray:
            return np.concatenate([getattr(s, attr)[k] for s, k in zip(sides, keep, strict=True)])

        has_rows = field("has_rows")
        return Side(
            flows=flows,
            employees=field("employees"),
            avg_employees=field("avg_employees"),
            has_rows=has_rows,
            any_rows_by_park=np.array([bool(has_rows.any())]),
            above=field("above"),
            in_production=field("in_production"),
            exited=field("exited"),
            new=field("new"),
            start_known=np.concatenate(
                [
                    (s.start_known if s.start_known is not None else np.ones(len(s.new), bool))[k]
                    for s, k in zip(sides, keep, strict=True)
                ]
            ),
        )

    with_prev = all(c.prev is not None for c in cores)
    registry = pd.concat(
        [c.registry.loc[k] for c, k in zip(cores, keep, strict=True)], ignore_index=True
    )
    n = int(sum(int(k.sum()) for k in keep))
    return Core(
        period=period,
        parks=[name],
        registry=registry,
        park_pos=np.zeros(n, dtype="int64"),
        segments=None,
        area_mu=cat(lambda c: c.area_mu),
        industrial=cat(lambda c: c.industrial),
        commercial=cat(lambda c: c.commercial),
        cur=side(lambda c: c.cur),
        prev=side(lambda c: c.prev) if with_prev else None,
        complete=cat(
            lambda c: c.complete if c.complete is not None else np.ones(len(c.park_pos), bool)
        ),
    )


def zone_rows(
    parts: Sequence[tuple[Any, Sequence[str]]], period: Period, name: str
) -> pd.DataFrame:
    """The indicator rows of the total of ``parts`` — ``(dataset, park ids)`` pairs whose
    data cover ``period`` — under the park id ``name``.

    Columns are those of :func:`~parkanalysis.indicators.indicator_table_by_park`; the
    published columns are NaN (the parks publish their own figures). No part: every sum,
    ratio and share NaN, noted 本期无企业统计数据; the enterprise counts (规上工业企业数,
    新投产企业数) 0, as for one park's period without statements
    (``test_empty_period_inside_the_data``).
    """
    cores = [collect(ds, period, list(parks)) for ds, parks in parts if len(parks)]
    if not cores:
        cores = [_empty_core(period)]
    merged = merge_cores(cores, name)
    rate, prev_rate = pooled_rates(parts, period)
    return core_rows(merged, np.array([rate]), np.array([prev_rate]))


def pooled_rates(parts: Sequence[tuple[Any, Sequence[str]]], period: Period) -> tuple[float, float]:
    """报送率 (%) of the total, this year and a year earlier: Σ 实报 ÷ Σ 应报 over the parts."""
    out = []
    for year in (period.year, period.year - 1):
        expected = reported = 0
        for ds, parks in parts:
            status = getattr(ds, "completeness", None)
            if status is None or not len(parks):
                continue
            _, e, r = status.period_rates(list(parks), year, period.start_month, period.end_month)
            expected += int(np.sum(e))
            reported += int(np.sum(r))
        out.append(reported / expected * 100 if expected else float("nan"))
    return out[0], out[1]


def _empty_core(period: Period) -> Core:
    """A core without rows (a total none of whose parks reported)."""
    z = np.zeros(0)
    b = np.zeros(0, dtype=bool)

    def empty_side() -> Side:
        from parkanalysis.indicators.specs import FLOW_COLUMNS

        return Side(
            flows={c: z for c in FLOW_COLUMNS},
            employees=z, avg_employees=z, has_rows=b, any_rows_by_park=np.array([False]),
            above=b, in_production=b, exited=b, new=b,
        )  # fmt: skip

    return Core(
        period=period, parks=["_"], registry=pd.DataFrame(), park_pos=np.zeros(0, "int64"),
        segments=None, area_mu=z, industrial=b, commercial=b, cur=empty_side(),
        prev=empty_side(), complete=b,
    )  # fmt: skip
