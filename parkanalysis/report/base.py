"""What the period and land reports share: dataset, park, copy, title, 落款, marks.

**Copy** (:data:`~parkanalysis.report.naming.COPIES`): ``work`` (工作稿), ``final`` (上报稿,
the default) or ``share`` (对外版); ``share=True`` is ``copy="share"``. :attr:`Report.working`
says whether the office's workings (data checks, method, codes) are printed.

**落款** (:meth:`Report.closing`, GB/T 9704): the 署名 and the 成文日期 at the end of the
body. 署名: ``issuer`` of the texts file's front matter, else park.yaml's ``issuer``, else
「<园区>管委会」. 成文日期: the ``date`` parameter (``--date``), else ``date:`` of the texts
file's front matter (``texts/<period>.md``), else the rendering day in 北京时间
(:func:`beijing_today`).

The lower room of :mod:`parkanalysis.report`: :mod:`~parkanalysis.report.sections` (how the
sections phrase things), :mod:`~parkanalysis.report.period` and
:mod:`~parkanalysis.report.land` import from here; this module imports none of them.
"""

from __future__ import annotations

from parkanalysis.dataset.cache import load_cached
from parkanalysis.report.display import HTML, html_block
from parkanalysis.report.model import Heading, Paragraph, Signature
from parkanalysis.report.naming import COPY_MARKS, resolve_copy

#: Rows of the balance table that the period report shows (the land report shows all).
BALANCE_SUMMARY_ITEMS = (
    "total",
    "road",
    "green",
    "water",
    "usable",
    "unreconciled",
    "approved",
    "supplied",
    "remaining_supplyable",
    "converted",
    "idle",
)


#: Marks a figure computed from incomplete returns (报送率 below 100%).
INCOMPLETE_MARK = "*"
INCOMPLETE_NOTE = (
    "以下合计仅据已报送企业汇总,标“*”的数字来自不完整数据;"
    "同比增速只在两年均报齐的企业中同口径计算。"
)
#: The economy paragraph of a period below the reporting threshold (--allow-incomplete).
INCOMPLETE_TEXT = "报送率低于要求,本期不作经济运行分析;下表数字仅供核对,不宜引用。"


def beijing_today() -> str:
    """The document date in 北京时间, e.g. 「2016年7月5日」: today, or the day of
    ``$SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention) when it
    holds a whole number, so that two renderings of a report made around midnight in Beijing
    can be compared (a value that is not a whole number is ignored).

    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "1467648000"  # 2016-07-04 16:00 UTC
    >>> beijing_today()
    '2016年7月5日'
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    import datetime as dt
    import os

    beijing = dt.timezone(dt.timedelta(hours=8))
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        now = dt.datetime.fromtimestamp(int(epoch), beijing)
    else:
        now = dt.datetime.now(beijing)
    return f"{now.year}年{now.month}月{now.day}日"


class Report:
    """What the period and land reports share: dataset, park, copy, title, 落款."""

    def __init__(self, *, data, park, share, copy=None, date=None, texts_period=None):
        full = load_cached(data)
        self.park = full.resolve_park(park)
        self.ds = load_cached(data, park=self.park) if len(full.parks) > 1 else full
        self.info = self.ds.profile.parks[self.park]
        #: The copy: ``work`` (工作稿), ``final`` (上报稿) or ``share`` (对外版).
        self.copy = resolve_copy(copy, bool(share))
        self.share = self.copy == "share"
        #: True in the 工作稿 only: data checks, method, file names and codes are printed.
        self.working = self.copy == "work"
        self._data = data
        self._front = self._front_matter(texts_period)
        self.date = self._document_date(date)
        from parkanalysis.share import share_rules

        #: Share rules of the park (validated: k an integer ≥ 3, p ≥ 10, no unknown keys).
        self.rules = share_rules(self.ds.config(self.park))
        self.min_enterprises = self.rules.k
        #: What replaces a suppressed figure in a share report.
        self.marker = self.rules.marker

    def _protected(self, year: int):
        """The protected park-year table (share mode's one source of published figures)."""
        from parkanalysis.share import protect_park_year

        return protect_park_year(self.ds, self.park, year)

    def _small(self, n) -> bool:
        """True when ``n`` enterprises are too few to publish their aggregate (share mode).

        The threshold itself is :meth:`parkanalysis.share.rules.ShareRules.too_few`.
        """
        return bool(self.share and self.rules.too_few(n))

    def _front_matter(self, period) -> dict:
        """The front matter of the office's texts file of ``period`` (empty without one)."""
        if period is None:
            return {}
        from parkanalysis._io import resolve_data_folder
        from parkanalysis.report.texts import read_office_text

        office = read_office_text(resolve_data_folder(self._data), period)
        return dict(office.front) if office is not None else {}

    def _document_date(self, date) -> str:
        """The 成文日期 as printed (「2016年7月5日」): parameter, front matter, today."""
        return document_date(date, self._front.get("date"))

    def _title(self, heading: str, subtitle: str) -> HTML:
        heading += COPY_MARKS[self.copy]
        parts = [Heading(heading, 1), Paragraph(subtitle, role="subtitle")]
        if self.share:
            k = self.min_enterprises
            parts.append(
                Paragraph(
                    "对外版:供园区以外传阅。"
                    f"已去除企业名单与企业明细;由少于{k}家企业汇总、或由个别企业占绝大部分的数字,"
                    f"以及可由已公布数字推算出它们的数字,以“{self.marker}”代替。",
                    role="banner",
                )
            )
        elif self.working:
            parts.append(
                Paragraph(
                    "工作稿:供园区办公室内部核对,含数据核对、测算方法与数据来源;"
                    "上报请用上报稿,对外请用对外版。",
                    role="banner",
                )
            )
        return html_block(*parts)

    def _region(self) -> str:
        return self.info.region or ""

    @property
    def issuer(self) -> str:
        """The issuing office: ``issuer`` of the texts' front matter, else ``config.issuer``
        of the park, else 「<园区>管委会」."""
        return str(
            self._front.get("issuer")
            or self.ds.config(self.park).get("issuer")
            or f"{self.info.name}管委会"
        )

    def _number(self, section: str, section_blocks: HTML) -> HTML:
        """Give tables and figures their 表N/图N once, in the order sections are first shown."""
        from parkanalysis.report.model import Figure, Table

        labels = self.__dict__.setdefault("_labels", {})
        counts = self.__dict__.setdefault("_label_counts", {"表": 0, "图": 0})
        i = 0
        for block in section_blocks.blocks:
            if isinstance(block, Table | Figure):
                key = (section, i)
                i += 1
                if key not in labels:
                    prefix = "表" if isinstance(block, Table) else "图"
                    counts[prefix] += 1
                    labels[key] = f"{prefix}{counts[prefix]}"
                block.label = labels[key]
        return section_blocks

    def _cover(self, heading: str, subtitle: str) -> HTML:
        """Cover block: title and subtitle; 「内部资料 注意保存」 above the title of the 工作稿
        and the 上报稿. The issuing office and the date are the 落款 (:meth:`closing`)."""
        block = self._title(heading, subtitle)
        if self.share:
            return html_block(block)
        return html_block(Paragraph("内部资料 注意保存", role="subtitle"), block)

    def closing(self) -> HTML:
        """The 落款 at the end of the body: 署名 over 成文日期, right-aligned (GB/T 9704)."""
        return html_block(Signature(self.issuer, self.date))


def document_date(date, front_date=None) -> str:
    """The 成文日期 as printed (「2016年7月5日」): the ``date`` parameter (YYYY-MM-DD), else
    the texts' front matter date, else today in Beijing (:func:`beijing_today`)."""
    from parkanalysis.errors import ParameterError
    from parkanalysis.report.form import chinese_date, parse_date

    if date not in (None, ""):
        try:
            return chinese_date(parse_date(date))
        except ValueError as exc:
            raise ParameterError(f"参数 date:{exc}") from None
    if front_date is not None:
        return chinese_date(front_date)
    return beijing_today()


def scope_count(scope) -> float:
    """The n of "同口径(n家)", NaN when there is none."""
    import re

    match = re.search(r"(\d+)家", scope) if isinstance(scope, str) else None
    return float(match.group(1)) if match else float("nan")


def shared_outlook(report: Report, outlook, as_of):
    """The outlook a report may print: share mode drops scenarios built on withheld land."""
    if not report.share:
        return outlook
    from parkanalysis.share.outlook import without_scenarios

    month = as_of.month if hasattr(as_of, "month") else int(str(as_of)[5:7])
    year = as_of.year if hasattr(as_of, "year") else int(str(as_of)[:4])
    table = report._protected(year)
    withheld = table.withheld("relocation_pending_land", month, month)
    has = outlook.scenarios["scenario"].eq("relocations").any()
    return without_scenarios(outlook, {"relocations"} if has and withheld else set())
