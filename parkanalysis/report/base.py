"""What the period and land reports share: dataset, park, share mode, title."""

from __future__ import annotations

from parkanalysis.report.cache import load_cached
from parkanalysis.report.display import HTML, esc, html_block, paragraph


class _Report:
    """What the period and land reports share: dataset, park, share mode, title."""

    def __init__(self, *, data, park, share):
        full = load_cached(data)
        self.park = full.resolve_park(park)
        self.ds = load_cached(data, park=self.park) if len(full.parks) > 1 else full
        self.info = self.ds.profile.parks[self.park]
        self.share = bool(share)
        self.min_enterprises = int(
            self.ds.config(self.park).get("share", {}).get("min_enterprises", 3)
        )
        #: What replaces a suppressed figure in a share report.
        self.marker = f"—(少于{self.min_enterprises}家,不予公布)"

    def _small(self, n) -> bool:
        """True when ``n`` enterprises are too few to publish their aggregate (share mode)."""
        import pandas as pd

        return bool(self.share and not pd.isna(n) and 0 < n < self.min_enterprises)

    def _title(self, heading: str, subtitle: str) -> HTML:
        if self.share:
            heading += "(对外版)"
        parts = [f"<h1>{esc(heading)}</h1>", paragraph(subtitle, cls="pa-note")]
        if self.share:
            k = self.min_enterprises
            parts.append(
                '<div class="pa-share-banner"><strong>对外版</strong>:供园区以外传阅。'
                f"已去除企业名单与企业明细;由少于{k}家企业汇总得出的数字以"
                f"“{esc(self.marker)}”代替。</div>"
            )
        return html_block(*parts)

    def _region(self) -> str:
        return self.info.region or ""


def _scope_count(scope) -> float:
    """The n of "同口径(n家)", NaN when there is none."""
    import re

    match = re.search(r"(\d+)家", scope) if isinstance(scope, str) else None
    return float(match.group(1)) if match else float("nan")
