"""Primary suppression: which aggregates may not be published (τ-ARGUS / sdcTable rules).

Definitions (the one place; docs/SHARE.md explains them to an office):

* **Contributors** of a cell are the enterprises whose value in the cell is **non-zero**. An
  enterprise that reports 0 (or nothing) adds no protection: a total of one firm's 740.4 万元
  and 49 zeros is that firm's figure.
* **Threshold rule**: a cell with ``0 < n < k`` contributors is sensitive, ``k =
  share.min_enterprises`` (an integer ≥ 3; default 3).
* **Dominance, p% rule**: with contributions sorted ``x1 ≥ x2 ≥ …`` (absolute values) and
  total ``X``, the cell is sensitive when ``X − x1 − x2 < p/100 · x1``: the second-largest
  contributor could estimate the largest one to within ``p`` percent. ``p = share.p_percent``
  (default 10, at least 10).
* **Dominance, (n,k) rule** (optional, ``share.nk_rule: [n, k]``): sensitive when the ``n``
  largest contributions exceed ``k`` percent of ``X``. Off by default; when set, ``n ≥ 1`` and
  ``0 < k ≤ 100``.
* **Protection interval**: a withheld cell of value ``x`` is protected when an outsider who
  knows every published cell and the relations between cells cannot narrow it below
  ``[x − p% · |x|, x + p% · |x|]`` (see :mod:`parkanalysis.share.audit`).

Settings may only be made stricter than the defaults: a smaller ``k`` or ``p`` is an error,
as is any key not listed in :data:`SHARE_KEYS` (a misspelt key never silently falls back).

>>> rules = ShareRules()
>>> rules.sensitive([740.4, 0, 0, 0])           # one non-zero contributor
True
>>> rules.sensitive([100, 90, 80])               # 3 firms, no dominance
False
>>> rules.sensitive([1000, 40, 30, 20])          # others sum 50 < 10% of 1000
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from parkanalysis.errors import DataError, Finding

__all__ = [
    "DEFAULT_P_PERCENT",
    "MIN_K",
    "SHARE_KEYS",
    "ShareRules",
    "check_profile_share",
    "share_rules",
]

#: The smallest threshold allowed (and the default).
MIN_K = 3
#: The default (and smallest allowed) p of the p% dominance rule.
DEFAULT_P_PERCENT = 10.0
#: Every key of the ``share:`` section of park.yaml, with its meaning.
SHARE_KEYS = {
    "min_enterprises": "阈值规则:非零贡献企业少于该数的汇总不予公布(整数,≥3,默认3)",
    "p_percent": "p%优势规则及保护区间的p(数值,≥10,默认10)",
    "nk_rule": "可选(n,k)优势规则:[n, k],前n家企业占比超过k%即不予公布(默认不启用)",
}


@dataclass(frozen=True)
class ShareRules:
    """The primary-suppression rules of one park (see the module docstring)."""

    k: int = MIN_K
    p_percent: float = DEFAULT_P_PERCENT
    nk: tuple[int, float] | None = None

    def sensitive(self, contributions: Iterable[float]) -> bool:
        """True when an aggregate of these enterprise contributions may not be published."""
        xs = sorted(
            (abs(float(x)) for x in contributions if x == x and float(x) != 0.0), reverse=True
        )
        if not xs:
            return False  # nothing to protect: no enterprise contributes
        return self.too_few(len(xs)) or self._dominant(xs)

    def too_few(self, n: float | None) -> bool:
        """Threshold rule: True when ``n`` contributors (``0 < n < k``) may not be published.

        The one place the threshold is decided: :meth:`sensitive` and the reports' counts
        (同口径(n家), enterprises behind a land ratio) both ask it. No contributor (0) and an
        unknown count (None, NaN) leave nothing to protect.

        >>> [ShareRules(k=5).too_few(n) for n in (0, 1, 4, 5, float("nan"))]
        [False, True, True, False, False]
        """
        if n is None:
            return False
        x = float(n)
        return bool(x == x and 0 < x < self.k)

    def dominated(self, contributions: Iterable[float]) -> bool:
        """Dominance: the p% rule, then the (n,k) rule when set (see the module docstring).

        Contributions are taken as absolute values, zeros and NaN dropped; a lone
        contributor is the whole aggregate (dominated), none is nothing to protect.

        >>> ShareRules().dominated([100, 5, 5])       # the rest, 5, < 10 % of 100
        True
        >>> ShareRules().dominated([100, 50, 5, 5])   # the rest, 10, is not < 10 % of 100
        False
        >>> ShareRules(nk=(2, 85.0)).dominated([50, 40, 10, 5])  # top two 90/105 > 85 %
        True
        """
        return self._dominant(
            sorted(
                (abs(float(x)) for x in contributions if x == x and float(x) != 0.0),
                reverse=True,
            )
        )

    def _dominant(self, xs: list[float]) -> bool:
        """:meth:`dominated` on absolute non-zero contributions sorted largest first."""
        if len(xs) < 2:
            return bool(xs)
        total = sum(xs)
        if total - xs[0] - xs[1] < self.p_percent / 100.0 * xs[0]:
            return True
        if self.nk is not None:
            n, kk = self.nk
            if sum(xs[:n]) > kk / 100.0 * total:
                return True
        return False

    def required(self, value: float) -> float:
        """Half-width of the protection interval a withheld cell of ``value`` needs."""
        return self.p_percent / 100.0 * abs(float(value))

    @property
    def marker(self) -> str:
        """What a share report prints instead of a withheld figure."""
        return f"—(少于{self.k}家或由个别企业主导,不予公布)"

    def to_dict(self) -> dict[str, Any]:
        return {"min_enterprises": self.k, "p_percent": self.p_percent, "nk_rule": self.nk}


def _bad(key: str, value: Any, message: str) -> DataError:
    return DataError(
        Finding(
            "error",
            "share_setting",
            message,
            file="park.yaml",
            column=f"share.{key}",
            value=value,
        )
    )


def share_rules(config: Mapping[str, Any] | None) -> ShareRules:
    """Read and check the ``share:`` section of a park's merged configuration.

    >>> share_rules({"share": {"min_enterprises": 5}}).k
    5
    >>> share_rules({"share": {"min_enterprises": 2}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    parkanalysis.errors.DataError: ...值=2: share.min_enterprises 应为不小于3的整数...
    """
    section = (config or {}).get("share") or {}
    if not isinstance(section, Mapping):
        raise _bad("", section, "share 应为键值表(min_enterprises、p_percent、nk_rule)")
    unknown = sorted(set(section) - set(SHARE_KEYS))
    if unknown:
        raise _bad(
            unknown[0],
            section[unknown[0]],
            f"share 下没有设置项 {unknown[0]!r};可用:{'、'.join(SHARE_KEYS)}",
        )
    k = section.get("min_enterprises", MIN_K)
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_K:
        raise _bad(
            "min_enterprises", k, f"share.min_enterprises 应为不小于{MIN_K}的整数(只能比默认更严格)"
        )
    p = section.get("p_percent", DEFAULT_P_PERCENT)
    if (
        isinstance(p, bool)
        or not isinstance(p, int | float)
        or not math.isfinite(p)
        or not DEFAULT_P_PERCENT <= p <= 100
    ):
        raise _bad(
            "p_percent",
            p,
            f"share.p_percent 应为{DEFAULT_P_PERCENT:g}-100之间的数(只能比默认更严格)",
        )
    nk = section.get("nk_rule")
    if nk is not None:
        ok = (
            isinstance(nk, list | tuple)
            and len(nk) == 2
            and isinstance(nk[0], int)
            and not isinstance(nk[0], bool)
            and nk[0] >= 1
            and isinstance(nk[1], int | float)
            and not isinstance(nk[1], bool)
            and 0 < nk[1] <= 100
        )
        if not ok:
            raise _bad("nk_rule", nk, "share.nk_rule 应为 [n, k]:n为正整数,k为0-100之间的百分数")
        nk = (int(nk[0]), float(nk[1]))
    return ShareRules(k=int(k), p_percent=float(p), nk=nk)


def check_profile_share(description) -> None:
    """Check the ``share:`` sections of a dataset's park.yaml before any report runs.

    The top-level section and each park's own (merged over it), as read once into
    :attr:`parkanalysis.dataset.description.Description.share_sections`, go through
    :func:`share_rules`; an unreadable park.yaml is left to the dataset loader.
    """
    for _park, section in description.share_sections:
        share_rules({"share": section})
