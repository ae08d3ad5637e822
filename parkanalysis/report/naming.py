"""Report titles, the three copies of a report, and the file names made from them.

**Copies** (:data:`COPIES`), one document model for three readers:

* ``work`` — 工作稿, the office's working copy: the body plus 附:数据说明与核对 (data checks
  with file names and Excel rows, method, the forecast's model and its tests), enterprise
  codes where the data give no name, and the provenance footer (notebook, parameters,
  data fingerprint);
* ``final`` — 上报稿 (the default), what the office sends upward: the same body without any
  of that — no file name, code, park.yaml key, English word or method term — marked
  「内部资料 注意保存」;
* ``share`` — 对外版, for circulation outside (docs/SHARE.md): enterprise detail removed and
  small or dominated aggregates withheld.

``share=True`` (the older parameter) means ``copy="share"`` whatever ``copy`` says
(:func:`resolve_copy`; ``render`` refuses ``--share`` with another ``--copy``).

**Title**: a period report is 「<园区><报告期>工作总结」 for a half year or a year and
「<园区><报告期>经济运行情况报告」 otherwise; the land report is 「<园区>土地供应与扩园需求分析」;
the overview 「<合计名称>园区经济运行与土地利用综述(<报告期>)」 (「各园区…」 for an unnamed
total of several offices, 「合计」).
A share copy adds 「(对外版)」, a working copy 「(工作稿)」; the 上报稿 has the plain title.

**File name**: the title, with 「(截至YYYY年M月)」 for a land report of a chosen month (a
batch makes one per year), then the copy's mark (「(工作稿)」, 「(对外版)」; none for the
上报稿), so the three copies of one report never overwrite each other; characters some file system
refuses (``/ \\ : * ? " < > |``, control characters) become 「_」, leading dots and spaces go,
and the name is cut at 80 characters. The HTML, DOCX and PDF of one report share this stem;
the cache key (``.cache/<name>.key``), the kept notebook of a failure
(``.failed/<stem>.ipynb``), the share sidecar and the batch manifest and index follow it.
In a dataset of several parks that share a name, the park code is added (「(GMY)」) so that
names stay unique. A notebook that is not a known report kind keeps the code name
(:func:`parkanalysis.render.report_filename`).

>>> report_title("period", "工贸园", period="2016H1")
'工贸园2016年上半年工作总结'
>>> report_stem("period", "工贸园", period="2016年1-5月", share=True)
'工贸园2016年1-5月经济运行情况报告(对外版)'
>>> report_stem("land", "工贸园", as_of="2016-06")
'工贸园土地供应与扩园需求分析(截至2016年6月)'
>>> report_stem("period", "工贸园", period="2016H1", copy="work")
'工贸园2016年上半年工作总结(工作稿)'
>>> report_stem("land", "A/B: <园>", park_code="AB")
'A_B_ _园_土地供应与扩园需求分析(AB)'
>>> is_share_name("工贸园2016年上半年工作总结(对外版).html"), is_share_name("2016H1_share.html")
(True, True)
>>> [copy_of_name(n) for n in ("甲(工作稿).html", "甲.html", "甲(对外版).docx")]
['work', 'final', 'share']
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "COPIES",
    "DEFAULT_COPY",
    "SHARE_MARK",
    "copy_of_name",
    "is_share_name",
    "land_as_of",
    "report_stem",
    "report_title",
    "resolve_copy",
    "safe_stem",
]

#: The copies of a report: code → its Chinese name.
COPIES = {"work": "工作稿", "final": "上报稿", "share": "对外版"}
#: The copy ``render`` and ``batch`` make unless told otherwise.
DEFAULT_COPY = "final"
#: What a share copy's title and file name end with.
SHARE_MARK = "(对外版)"
#: What each copy's title and file name end with (the 上报稿: nothing).
COPY_MARKS = {"work": "(工作稿)", "final": "", "share": SHARE_MARK}


def resolve_copy(copy: str | None = None, share: bool = False) -> str:
    """The copy a report is made as: ``share=True`` means ``share``; None the default.

    >>> resolve_copy(), resolve_copy("work"), resolve_copy("上报稿"), resolve_copy(None, True)
    ('final', 'work', 'final', 'share')
    >>> resolve_copy("draft")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    parkanalysis.errors.ParameterError: 稿别 'draft' 无效:可选 work(工作稿)、final(上报稿)...
    """
    from parkanalysis.errors import ParameterError

    if share:  # the older parameter wins over the notebook's default copy
        return "share"
    if copy is None or copy == "":
        return DEFAULT_COPY
    text = str(copy).strip()
    by_name = {v: k for k, v in COPIES.items()}
    if text in COPIES:
        return text
    if text in by_name:
        return by_name[text]
    choices = "、".join(f"{k}({v})" for k, v in COPIES.items())
    raise ParameterError(f"稿别 {copy!r} 无效:可选 {choices}。")


#: Report kinds named after their titles.
TITLED_KINDS = ("period", "land", "overview")

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def report_title(
    kind: str, park_name: str, *, period=None, share: bool = False, copy: str | None = None
) -> str:
    """The title on a report's cover (without the 「内部资料」 line), with its copy's mark."""
    if kind == "land":
        title = f"{park_name}土地供应与扩园需求分析"
    elif kind == "overview":  # park_name: the total's name (「全区」)
        from parkanalysis.periods import parse_period

        p = parse_period(period) if isinstance(period, str) else period
        whose = "各" if park_name == "合计" else park_name  # several offices, none named
        title = f"{whose}园区经济运行与土地利用综述({p.label})"
    else:
        from parkanalysis.periods import parse_period

        p = parse_period(period) if isinstance(period, str) else period
        word = "工作总结" if p.kind in {"half", "year"} else "经济运行情况报告"
        title = f"{park_name}{p.label}{word}"
    return title + COPY_MARKS[resolve_copy(copy, share)]


def safe_stem(text: str, fallback: str) -> str:
    """``text`` made safe as a file name stem (``fallback`` when nothing usable is left)."""
    name = unicodedata.normalize("NFC", _UNSAFE.sub("_", text or "")).strip().lstrip(". ")
    name = name[:80].rstrip(". ")
    return name if name.strip("_ ") else fallback


def report_stem(
    kind: str,
    park_name: str,
    *,
    period=None,
    as_of=None,
    share: bool = False,
    park_code: str | None = None,
    fallback: str = "report",
    copy: str | None = None,
) -> str:
    """The file name stem of a report (see the module docstring)."""
    title = report_title(kind, park_name, period=period)
    if kind == "land" and as_of:
        digits = re.sub(r"[^0-9]", "", str(as_of))
        if len(digits) >= 6:
            title += f"(截至{digits[:4]}年{int(digits[4:6])}月)"
    if park_code:
        title += f"({park_code})"
    return safe_stem(title + COPY_MARKS[resolve_copy(copy, share)], fallback)


def is_share_name(name: str) -> bool:
    """True for the file name of a share copy (titled, or the code names of earlier versions)."""
    stem = str(name).rsplit(".", 1)[0]
    return stem.endswith(SHARE_MARK) or stem.endswith("_share")


def copy_of_name(name: str) -> str:
    """The copy a report file is, from its name (code names of earlier versions included)."""
    if is_share_name(name):
        return "share"
    stem = str(name).rsplit(".", 1)[0]
    return "work" if stem.endswith(COPY_MARKS["work"]) or stem.endswith("_work") else "final"


def land_as_of(period=None, as_of=None) -> str | None:
    """The land report's cut-off month from its parameters: ``period`` or ``as_of``.

    ``period`` is written as every report's period is: a month (``2016-06``: as of June
    2016), or 1-N月, a quarter, a half or a year — as of its last month. ``as_of``
    (``YYYY-MM``) is papermill's older spelling of the same. Neither: the data's last month
    (None). Both must name the same month.

    >>> land_as_of(period="2016-06"), land_as_of(period="2016H1"), land_as_of(period="2016年1-5月")
    ('2016-06', '2016-06', '2016-05')
    >>> land_as_of(as_of="2016-03"), land_as_of()
    ('2016-03', None)
    """
    from parkanalysis.errors import ParameterError
    from parkanalysis.periods import parse_period

    if period is None:
        return as_of
    month = parse_period(period).as_of
    if as_of is not None and str(as_of)[:7] != month:
        raise ParameterError(
            f"土地报告的报告期只需给一个:period={period!r}(截至{month})与 as_of={as_of!r} 不一致。"
        )
    return month
