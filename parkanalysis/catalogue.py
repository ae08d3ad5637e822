"""The catalogues the park.yaml checks need, one floor below the rooms that compute them.

:data:`INDICATORS` — the indicators of :func:`parkanalysis.indicators.indicator_table`:
stable ids, Chinese names, units and kinds, in table order (:mod:`parkanalysis.indicators`
computes them; ``config.targets`` in park.yaml names them by id). :data:`GRADING_INDICATORS`,
:data:`DEFAULT_GRADING` and :func:`grading_config` — what a ``grading`` block of park.yaml may
say (:mod:`parkanalysis.grading` states the evaluation and uses them).

Plain data and checks with the standard library only (no pandas, no numpy): reading
park.yaml (:mod:`parkanalysis.dataset.settings`) and planning a report's file name stay
light, and the dataset room does not depend on the rooms that compute indicators.

>>> indicator_ids()[:2], GRADES
(['industrial_output', 'industrial_value_added'], ('A', 'B', 'C', 'D'))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parkanalysis.errors import ParameterError

__all__ = [
    "DEFAULT_GRADING",
    "GRADES",
    "GRADING_INDICATORS",
    "INDICATORS",
    "SPECS",
    "GradingConfig",
    "IndicatorSpec",
    "grading_config",
    "indicator_ids",
]


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: stable id, Chinese name, unit and how it is computed.

    ``kind`` is one of ``"flow"`` (summed over months), ``"stock"`` (period-end level),
    ``"count"`` (enterprises at period end), ``"new"`` (enterprises that started production
    in the period) and ``"ratio"``; ``column`` is the monthly column it is built on.
    """

    id: str
    name: str
    unit: str
    kind: str
    column: str | None = None


#: The indicators of :func:`indicator_table`, in the order of the table.
INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("industrial_output", "工业总产值", "万元", "flow", "output_wan_yuan"),
    IndicatorSpec("industrial_value_added", "工业增加值", "万元", "flow", "value_added_wan_yuan"),
    IndicatorSpec("above_size_output", "规模工业总产值", "万元", "flow", "output_wan_yuan"),
    IndicatorSpec(
        "above_size_value_added", "规模工业增加值", "万元", "flow", "value_added_wan_yuan"
    ),
    IndicatorSpec(
        "fixed_asset_investment",
        "固定资产投资",
        "万元",
        "flow",
        "fixed_asset_investment_wan_yuan",
    ),
    IndicatorSpec("tax_revenue", "税收", "万元", "flow", "tax_wan_yuan"),
    IndicatorSpec("revenue", "主营业务收入", "万元", "flow", "revenue_wan_yuan"),
    IndicatorSpec("employees", "从业人员", "人", "stock", "employees"),
    IndicatorSpec("above_size_enterprises", "规上工业企业数", "家", "count"),
    IndicatorSpec("new_industrial_enterprises", "新投产工业企业数", "家", "new"),
    IndicatorSpec("new_commercial_enterprises", "新投产商贸企业数", "家", "new"),
    IndicatorSpec("above_size_output_share", "规上产值占比", "%", "ratio", "output_wan_yuan"),
    IndicatorSpec("tax_per_mu", "亩均税收", "万元/亩", "ratio", "tax_wan_yuan"),
    IndicatorSpec("output_per_mu", "亩均产值", "万元/亩", "ratio", "output_wan_yuan"),
    IndicatorSpec("value_added_per_mu", "亩均增加值", "万元/亩", "ratio", "value_added_wan_yuan"),
    IndicatorSpec("tax_per_ha", "地均税收", "万元/公顷", "ratio", "tax_wan_yuan"),
    IndicatorSpec("output_per_ha", "地均产值", "万元/公顷", "ratio", "output_wan_yuan"),
    IndicatorSpec("value_added_per_ha", "地均增加值", "万元/公顷", "ratio", "value_added_wan_yuan"),
    IndicatorSpec(
        "labour_productivity", "全员劳动生产率", "万元/人", "ratio", "value_added_wan_yuan"
    ),
)


SPECS = {s.id: s for s in INDICATORS}


def indicator_ids() -> list[str]:
    """Return the ids of :data:`INDICATORS`, in table order.

    Examples
    --------
    >>> indicator_ids()[:3]
    ['industrial_output', 'industrial_value_added', 'above_size_output']
    """
    return [s.id for s in INDICATORS]


# -- grading (亩均效益评价) ------------------------------------------------------------

#: The classes, best first.
GRADES: tuple[str, ...] = ("A", "B", "C", "D")

#: Indicators that can carry a weight: id → (Chinese name, unit).
GRADING_INDICATORS: dict[str, tuple[str, str]] = {
    "tax_per_mu": ("亩均税收", "万元/亩"),
    "value_added_per_mu": ("亩均增加值", "万元/亩"),
    "labour_productivity": ("全员劳动生产率", "万元/人"),
    "revenue_per_mu": ("亩均营业收入", "万元/亩"),
    "output_per_mu": ("亩均产值", "万元/亩"),
}

#: Documented defaults (the same as data/README.md and ``DEFAULT_CONFIG["grading"]``).
DEFAULT_GRADING: dict[str, Any] = {
    "weights": {"tax_per_mu": 0.5, "value_added_per_mu": 0.3, "labour_productivity": 0.2},
    "cutoffs": {"A": 0.20, "B": 0.60, "C": 0.95},
}

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class GradingConfig:
    """Validated grading parameters (see :func:`grading_config`)."""

    weights: dict[str, float]
    cutoffs: tuple[float, float, float]
    benchmarks: dict[str, float]


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy's too
        raise ParameterError(f"grading.{what} 应为数值,得到 {value!r}")
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise ParameterError(f"grading.{what} 应为有限数值,得到 {value!r}")
    return x


def grading_config(config: Mapping[str, Any] | None = None) -> GradingConfig:
    """Validate a ``grading`` configuration block; missing parts take the defaults.

    Parameters
    ----------
    config : mapping, optional
        ``{"weights": {...}, "cutoffs": {"A": a, "B": b, "C": c}, "benchmarks": {...}}``.

    Returns
    -------
    GradingConfig

    Raises
    ------
    ParameterError
        For unknown keys or indicators, a negative weight, weights not summing to 1, cut-offs
        not strictly increasing inside (0, 1), or a benchmark that is not positive.

    Examples
    --------
    >>> grading_config({"cutoffs": {"A": 0.1, "B": 0.5, "C": 0.9}}).cutoffs
    (0.1, 0.5, 0.9)
    >>> grading_config({"weights": {"tax_per_mu": 0.6, "labour_productivity": 0.6}})
    Traceback (most recent call last):
    ...
    parkanalysis.errors.ParameterError: grading.weights 之和应为 1,现为 1.2(...)...
    """
    config = {} if config is None else config
    if not isinstance(config, Mapping):
        raise ParameterError(
            f"grading 配置应为映射(键: weights、cutoffs、benchmarks),得到 {config!r}"
        )
    unknown = sorted(set(config) - {"weights", "cutoffs", "benchmarks"})
    if unknown:
        raise ParameterError(
            f"grading 配置中有未知的键 {unknown};可用:weights、cutoffs、benchmarks"
        )
    weights_in = config.get("weights", DEFAULT_GRADING["weights"])
    if not isinstance(weights_in, Mapping) or not weights_in:
        raise ParameterError("grading.weights 应为非空映射,如 {tax_per_mu: 0.5, …}")
    weights: dict[str, float] = {}
    for key, value in weights_in.items():
        if key not in GRADING_INDICATORS:
            raise ParameterError(
                f"grading.weights 中的指标 {key!r} 未知;可用:{'、'.join(GRADING_INDICATORS)}"
            )
        w = _number(value, f"weights.{key}")
        if w < 0:
            raise ParameterError(f"grading.weights.{key} 不能为负数,得到 {w:g}")
        weights[key] = w
    total = sum(weights.values())
    if abs(total - 1.0) > _TOLERANCE:
        listed = "、".join(f"{k}={v:g}" for k, v in weights.items())
        raise ParameterError(
            f"grading.weights 之和应为 1,现为 {total:g}({listed});请调整权重。"
            "park.yaml 中写出的权重整体替换默认权重,未写出的指标不参与评价"
        )
    cut_in = config.get("cutoffs", DEFAULT_GRADING["cutoffs"])
    if not isinstance(cut_in, Mapping) or set(cut_in) != {"A", "B", "C"}:
        raise ParameterError(
            "grading.cutoffs 应恰好给出 A、B、C 三档的累计比例,如 {A: 0.2, B: 0.6, C: 0.95};"
            "其余为 D"
        )
    cuts = tuple(_number(cut_in[k], f"cutoffs.{k}") for k in ("A", "B", "C"))
    if not (0.0 < cuts[0] < cuts[1] < cuts[2] < 1.0):
        raise ParameterError(
            f"grading.cutoffs 应在 0 与 1 之间严格递增(A < B < C),得到 A={cuts[0]:g}、"
            f"B={cuts[1]:g}、C={cuts[2]:g}"
        )
    bench_in = config.get("benchmarks") or {}
    if not isinstance(bench_in, Mapping):
        raise ParameterError("grading.benchmarks 应为映射,如 {tax_per_mu: 10}")
    benchmarks: dict[str, float] = {}
    for key, value in bench_in.items():
        if key not in GRADING_INDICATORS:
            raise ParameterError(
                f"grading.benchmarks 中的指标 {key!r} 未知;可用:{'、'.join(GRADING_INDICATORS)}"
            )
        b = _number(value, f"benchmarks.{key}")
        if b <= 0:
            raise ParameterError(f"grading.benchmarks.{key} 应为正数,得到 {b:g}")
        benchmarks[key] = b
    return GradingConfig(weights=weights, cutoffs=cuts, benchmarks=benchmarks)  # type: ignore[arg-type]
