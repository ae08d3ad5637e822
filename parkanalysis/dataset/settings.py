"""Every key of park.yaml, declared once: type, range, default and meaning.

:data:`CONFIG_SPEC` describes the ``config`` section (top level and per park); each leaf is a
:class:`Setting`. :data:`PROFILE_KEYS`, :data:`PARK_KEYS` and :data:`PHASE_KEYS` list the keys
of the document, of a park and of a phase. Adding a key is one line here; the defaults of
:data:`parkanalysis.dataset.profile.DEFAULT_CONFIG` are derived from this spec.

:func:`check_config` checks a user's mapping against the spec: an unknown key is the error
``unknown_key`` (with the nearest valid key suggested and its YAML line), a value of the wrong
type ``bad_value``, a value outside its range ``out_of_range``. Wrong values are left out of
the returned mapping, so their defaults apply and the other checks still run.

>>> from parkanalysis.dataset.findings import Findings
>>> f = Findings()
>>> check_config({"share": {"min_enterprise": 5}, "expansion": {"confidence": 2}}, "config",
...              "park.yaml", f)
{'share': {}, 'expansion': {}}
>>> [(x.rule, x.column) for x in f.items]
[('unknown_key', 'config.share.min_enterprise'), ('out_of_range', 'config.expansion.confidence')]
>>> "min_enterprises" in f.items[0].message
True
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parkanalysis.catalogue import grading_config, indicator_ids
from parkanalysis.errors import ParameterError

#: Marks "no default": the key is optional and absent from DEFAULT_CONFIG.
OPTIONAL = object()


@dataclass(frozen=True)
class Setting:
    """One leaf key: ``kind`` is number | int | bool | text | mapping (``any``: opaque)."""

    kind: str
    default: Any = OPTIONAL
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    check: Callable[[Any], str | None] | None = None
    zh: str = ""

    def range_text(self) -> str:
        """The allowed range in words, e.g. ``0 < 值 < 1``."""
        parts = []
        if self.lo is not None:
            parts.append(f"{self.lo:g} {'<' if self.lo_open else '≤'} ")
        parts.append("值")
        if self.hi is not None:
            parts.append(f" {'<' if self.hi_open else '≤'} {self.hi:g}")
        return "".join(parts)

    def problem(self, value: Any) -> tuple[str, str] | None:
        """``(rule, message)`` when ``value`` is not allowed, else None."""
        if self.kind == "any":
            return None
        if self.kind == "bool":
            return None if isinstance(value, bool) else ("bad_value", "应为 true 或 false")
        if self.kind == "text":
            ok = isinstance(value, str) and value.strip()
            return None if ok else ("bad_value", "应为非空文字")
        if self.kind == "mapping":
            if not isinstance(value, dict):
                return "bad_value", "应为键值表"
            msg = self.check(value) if self.check else None
            return None if msg is None else ("out_of_range", msg)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            return "bad_value", "应为整数" if self.kind == "int" else "应为数字"
        if self.kind == "int" and value != int(value):
            return "bad_value", "应为整数"
        low_bad = self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo)
        high_bad = self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi)
        if low_bad or high_bad:
            return "out_of_range", f"应满足 {self.range_text()}"
        msg = self.check(value) if self.check else None
        return None if msg is None else ("out_of_range", msg)


def _grading_part(part: str) -> Callable[[Any], str | None]:
    def check(value):
        try:
            grading_config({part: value})
        except ParameterError as exc:
            return str(exc)
        return None

    return check


#: 征迁安置 statuses whose land is not yet suppliable (the ledger's other values: 不涉及, 已完成).
UNFINISHED_RESETTLEMENT = ("进行中", "未启动")


def _resettlement_months(value: dict) -> str | None:
    """征迁 status → months until that land can be supplied (integers ≥ 0)."""
    for status, months in value.items():
        if status not in UNFINISHED_RESETTLEMENT:
            return f"征迁状态『{status}』无效,可用:{'、'.join(UNFINISHED_RESETTLEMENT)}"
        if isinstance(months, bool) or not isinstance(months, int) or months < 0:
            return f"『{status}』的月数应为不小于 0 的整数,而不是 {months!r}"
    return None


def _targets(value: dict) -> str | None:
    """``{年份: {指标代码: 目标值}}``: years as integers, known indicator ids, numbers > 0."""
    known = indicator_ids()
    for year, targets in value.items():
        if isinstance(year, bool) or not str(year).isdigit() or len(str(year)) != 4:
            return f"年份『{year}』应为四位数字,如 2016"
        if not isinstance(targets, dict):
            return f"{year} 年的目标应写成 指标代码: 目标值"
        for ident, target in targets.items():
            if ident not in known:
                near = difflib.get_close_matches(str(ident), known, n=1)
                hint = f";是否指『{near[0]}』?" if near else ""
                return f"指标代码『{ident}』不存在{hint}"
            number = isinstance(target, int | float) and not isinstance(target, bool)
            if not number or not math.isfinite(target) or target <= 0:
                return f"{year} 年 {ident} 的目标应为正数,而不是 {target!r}"
    return None


#: The ``config`` section: nested dicts are sections, leaves are settings.
CONFIG_SPEC: dict[str, Any] = {
    "above_size_revenue_threshold_wan_yuan": Setting(
        "number", 2000, lo=0, lo_open=True, zh="规上工业主营业务收入门槛(万元)"
    ),
    "jan_feb_combined": Setting("bool", True, zh="1-2月合并发布"),
    "growth_warning_pct": Setting("number", 50, lo=0, lo_open=True, zh="同比超过此值发出警告(%)"),
    "issuer": Setting("text", zh="发文机关署名(落款;texts 的 issuer: 优先;默认「<园区>管委会」)"),
    "targets": Setting("mapping", check=_targets, zh="年度目标 {年份: {指标代码: 目标值}}"),
    "land": {
        "conversion_cause": Setting("text", zh="土地用途调整(规划≠现状)的原因"),
        "supply_window_years": Setting("int", 3, lo=1, zh="尚可供地年数的平均供地年数"),
        "annual_supply_target_mu": Setting("number", lo=0, lo_open=True, zh="年度供地目标(亩)"),
        "resettlement_months": Setting(
            "mapping", check=_resettlement_months, zh="征迁未完成土地预计可供的月数(按征迁状态)"
        ),
    },
    "grading": {
        "weights": Setting(
            "mapping",
            {"tax_per_mu": 0.5, "value_added_per_mu": 0.3, "labour_productivity": 0.2},
            check=_grading_part("weights"),
            zh="亩均效益评价权重(≥0,合计为1)",
        ),
        "cutoffs": Setting(
            "mapping",
            {"A": 0.20, "B": 0.60, "C": 0.95},
            check=_grading_part("cutoffs"),
            zh="A、B、C 档累计比例(0<A<B<C<1)",
        ),
        "benchmarks": Setting("mapping", check=_grading_part("benchmarks"), zh="年度基准值"),
    },
    "share": {
        "min_enterprises": Setting("int", 3, lo=3, zh="对外版最少企业数"),
        # stricter-only values, checked where the rules are stated (share.rules.share_rules)
        "p_percent": Setting("any", zh="p% 优势规则与保护区间(%),不小于默认 10"),
        "nk_rule": Setting("any", zh="(n,k) 优势规则 [n, k%],可选"),
    },
    "expansion": {
        "planning_horizon_years": Setting("int", 5, lo=1, zh="规划年限"),
        "confidence": Setting("number", 0.8, lo=0, hi=1, lo_open=True, hi_open=True, zh="置信度"),
    },
    "zone": {
        "name": Setting("text", "全区", zh="多园区数据集的合计名称(indicators --zone、land)"),
    },
    "completeness": {
        "min_reporting_rate": Setting(
            "number", 0.9, lo=0, hi=1, lo_open=True, zh="报告期最低报送率(低于则拒绝出报告)"
        ),
    },
}

#: Keys of the document, of one park and of one phase (values checked by profile.py).
PROFILE_KEYS = ("schema_version", "parks", "config", "sources")
PARK_KEYS = ("park_id", "name", "region", "established", "phases", "config", "sources")
PHASE_KEYS = ("phase_id", "name", "unit", "declared")

#: Marker keys the YAML loader adds to every mapping (line numbers); never user keys.
LINE_KEYS = ("__line__", "__keys__")


def defaults(spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """The default configuration derived from the spec (optional keys left out).

    >>> defaults()["share"]
    {'min_enterprises': 3}
    """
    out: dict[str, Any] = {}
    for key, item in (spec or CONFIG_SPEC).items():
        if isinstance(item, dict):
            out[key] = defaults(item)
        elif item.default is not OPTIONAL:
            out[key] = item.default
    return out


def _all_paths(spec: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, item in spec.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(item, dict):
            out.extend(_all_paths(item, path + "."))
    return out


def suggest(key: str, valid: list[str] | tuple[str, ...], *, anywhere: bool = True) -> str:
    """Chinese hint naming the nearest valid key (at this level, else anywhere in config).

    >>> suggest("min_enterprise", ["min_enterprises"])
    '是否应为「min_enterprises」?'
    >>> suggest("confidence", ["land"])
    '是否应为「expansion.confidence」?'
    """
    close = difflib.get_close_matches(str(key), [str(v) for v in valid], n=1, cutoff=0.6)
    if close:
        return f"是否应为「{close[0]}」?"
    if anywhere:
        paths = _all_paths(CONFIG_SPEC)
        leaf = {p.rsplit(".", 1)[-1]: p for p in paths}
        close = difflib.get_close_matches(str(key), list(leaf), n=1, cutoff=0.75)
        if close:
            return f"是否应为「{leaf[close[0]]}」?"
    return f"可用的键:{'、'.join(map(str, valid))}"


def key_line(mapping: dict, key: Any, fallback: int | None = None) -> int | None:
    """The YAML line of ``key`` in a mapping read by the profile's loader."""
    lines = mapping.get("__keys__") if isinstance(mapping, dict) else None
    if isinstance(lines, dict) and key in lines:
        return lines[key]
    if isinstance(mapping, dict) and mapping.get("__line__") is not None:
        return mapping["__line__"]
    return fallback


def check_keys(mapping: dict, valid, where: str, file: str, findings, line=None) -> None:
    """``unknown_key`` for every key of ``mapping`` not in ``valid`` (document, park, phase)."""
    for key in mapping:
        if key in LINE_KEYS or key in valid:
            continue
        findings.add(
            "unknown_key",
            f"{where} 中的键「{key}」无法识别,已忽略;{suggest(key, list(valid), anywhere=False)}",
            file=file,
            row=key_line(mapping, key, line),
            column=f"{where}.{key}" if where else str(key),
        )


def check_config(
    raw: Any,
    where: str,
    file: str,
    findings,
    spec: dict[str, Any] | None = None,
    line: int | None = None,
) -> dict[str, Any]:
    """Check a user's ``config`` mapping; return it without line markers and wrong entries."""
    spec = CONFIG_SPEC if spec is None else spec
    out: dict[str, Any] = {}
    if not isinstance(raw, dict):
        return out
    for key, value in raw.items():
        if key in LINE_KEYS:
            continue
        path = f"{where}.{key}"
        row = key_line(raw, key, line)
        item = spec.get(key)
        if item is None:
            findings.add(
                "unknown_key",
                f"park.yaml 的 {where} 中没有键「{key}」,该设置不起作用;{suggest(key, list(spec))}",
                file=file,
                row=row,
                column=path,
                value=_short(value),
            )
            continue
        if isinstance(item, dict):
            if not isinstance(value, dict):
                findings.add(
                    "bad_value", f"{path} 应为键值表", file=file, row=row, column=path,
                    value=_short(value),
                )  # fmt: skip
                continue
            out[key] = check_config(value, path, file, findings, item, row)
            continue
        problem = item.problem(_plain(value))
        if problem is not None:
            rule, msg = problem
            findings.add(
                rule,
                f"{path}({item.zh}):{msg}",
                file=file,
                row=row,
                column=path,
                value=_short(value),
            )
            continue
        out[key] = _plain(value)
    return out


def _plain(value):
    """The value without the loader's line markers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in LINE_KEYS}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _short(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(_plain(value))[:60]
