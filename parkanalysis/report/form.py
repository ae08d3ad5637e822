"""Chinese form of a report's text: full-width punctuation (GB/T 15834) and dates (GB/T 15835).

One function, :func:`chinese_form`, is applied to every text of the document model when a
block is made (:mod:`parkanalysis.report.model`), so every writer (the notebook page, HTML,
Word, PDF) prints the same text and no sentence needs to be written twice.

**Punctuation.** ``, ; : ? !`` become ``， ； ： ？ ！`` when they touch Chinese (a CJK character
or full-width punctuation on either side); between two digits they stay (``3,126.0``, ``10:30``).
A pair of round brackets becomes ``（ ）`` when it holds Chinese or touches Chinese on the
outside, unless it opens right after a Latin letter, digit or ``_`` and holds no Chinese
(``forecast_annual(y, h)``, ``P10(80)``). The full stop ``.`` is never changed (decimals,
``1.``, file names). English, code, file names, URLs (``http://…``), e-mail addresses, HTML
entities (``&lt;``) and Markdown link targets are left as written.

**Dates.** A full date ``2016-06-20`` (or ``2016/6/20``) that stands alone — not part of a
file name, a code or a longer number — is written 「2016年6月20日」, Arabic numerals, no leading
zeros (GB/T 15835 usage in Chinese text); :func:`chinese_date` formats a date object.

Both passes are idempotent: text already in Chinese form is returned unchanged.

>>> chinese_form("完成固定资产投资2,476.5万元,同比增长4.1%;详见表1(上年同期2,328.6)")
'完成固定资产投资2,476.5万元，同比增长4.1%；详见表1（上年同期2,328.6）'
>>> chinese_form("说明:文件 monthly_stats.csv, 第3行")
'说明：文件 monthly_stats.csv, 第3行'
>>> chinese_form("forecast_annual(y, h) 在 M3 上检验")
'forecast_annual(y, h) 在 M3 上检验'
>>> chinese_form("截至2016-06-20,见 https://example.org/a,b?x=1")
'截至2016年6月20日，见 https://example.org/a,b?x=1'
>>> chinese_form("道路 &lt;亮化&gt;。") == "道路 &lt;亮化&gt;。"
True
"""

from __future__ import annotations

import re

__all__ = [
    "chinese_date",
    "chinese_dates",
    "chinese_form",
    "is_chinese",
    "parse_date",
    "punctuate",
]

#: ASCII punctuation → its full-width form (brackets are handled as pairs).
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}

#: Spans left exactly as written: URLs, e-mail addresses, HTML entities, Markdown link
#: targets, code in backticks.
_PROTECTED = re.compile(
    r"(?:https?|ftp|file)://[!-~]+"  # printable ASCII; trailing punctuation trimmed below
    r"|[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);"
    r"|\]\([^)\s]*\)"
    r"|`[^`]*`"
)
_DATE = re.compile(
    r"(?<![A-Za-z0-9_./\\-])(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?![A-Za-z0-9_/\\-]|\.[A-Za-z0-9])"
)


def is_chinese(ch: str) -> bool:
    """True for a CJK character or full-width punctuation (what counts as Chinese text).

    >>> [is_chinese(c) for c in "甲，。「a1%"]
    [True, True, True, True, False, False, False]
    """
    if not ch:
        return False
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF  # extension A
        or 0x20000 <= o <= 0x2FA1F  # extensions B… and compatibility supplement
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x3000 <= o <= 0x303F  # CJK symbols and punctuation (、。「」《》【】)
        or 0xFF01 <= o <= 0xFF5E  # full-width forms (，；：（）！？)
        or o in (0x2014, 0x2026, 0x201C, 0x201D, 0x2018, 0x2019, 0x00B7)  # —…“”‘’·
    )


def _ident(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _punctuate_plain(text: str) -> str:
    """:func:`punctuate` on a span without protected parts: :func:`_punctuate_once` until
    nothing changes (a mark next to one just made full-width touches Chinese now)."""
    while True:
        out = _punctuate_once(text)
        if out == text:
            return out
        text = out


def _punctuate_once(text: str) -> str:
    chars = list(text)
    n = len(chars)
    # brackets as pairs (innermost first, by a stack); unmatched ones on their own
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    lone: list[int] = []
    for i, ch in enumerate(chars):
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                pairs.append((stack.pop(), i))
            else:
                lone.append(i)
    lone.extend(stack)
    for i, j in pairs:
        before = chars[i - 1] if i > 0 else ""
        after = chars[j + 1] if j + 1 < n else ""
        inside = any(is_chinese(c) for c in chars[i + 1 : j])
        if _ident(before) and not inside:
            continue  # a call or an index: f(x), P10(80)
        if inside or is_chinese(before) or is_chinese(after):
            chars[i], chars[j] = "（", "）"
    for i in lone:
        before = chars[i - 1] if i > 0 else ""
        after = chars[i + 1] if i + 1 < n else ""
        if is_chinese(before) or is_chinese(after):
            chars[i] = FULL_WIDTH[chars[i]]
    for i, ch in enumerate(chars):
        if ch in ",;:?!":
            before = chars[i - 1] if i > 0 else ""
            after = chars[i + 1] if i + 1 < n else ""
            if before.isdigit() and after.isdigit():
                continue  # 3,126 and 10:30
            if is_chinese(before) or is_chinese(after):
                chars[i] = FULL_WIDTH[ch]
    return "".join(chars)


def _url_end(text: str, start: int, end: int) -> int:
    """Where a URL found at ``text[start:end]`` really ends: a sentence's punctuation after
    it, or a closing bracket it did not open, is not part of it."""
    while end > start:
        last = text[end - 1]
        url = text[start:end]
        if last in ".,;:!?'\"" or (last == ")" and url.count("(") < url.count(")")):
            end -= 1
        elif url.count("(") > url.count(")"):  # it does not end inside a bracket it opened
            depth, cut = 0, None
            for i in range(len(url) - 1, -1, -1):
                depth += {")": 1, "(": -1}.get(url[i], 0)
                if depth < 0:
                    cut = i
                    break
            end = start + cut
        else:
            break
    return end


def _protected_spans(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for m in _PROTECTED.finditer(text):
        if m.start() < at:
            continue
        end = _url_end(text, m.start(), m.end()) if "://" in m.group(0) else m.end()
        spans.append((m.start(), end))
        at = end
    return spans


def _outside_protected(text: str, change) -> str:
    out, at = [], 0
    for start, end in _protected_spans(text):
        out.append(change(text[at:start]))
        out.append(text[start:end])
        at = end
    out.append(change(text[at:]))
    return "".join(out)


#: Stands for a protected character while punctuation is decided (neither Chinese nor a
#: letter: a bracket around a URL pairs across it).
_MASK = "\ue000"


def punctuate(text: str) -> str:
    """Full-width ``，；：？！（）`` where they touch Chinese (see the module docstring).

    >>> punctuate("3385人,同比增长2.5%(上年同期3,303人)")
    '3385人，同比增长2.5%（上年同期3,303人）'
    >>> punctuate("a,b; c(d) 10:30 3,126.0")
    'a,b; c(d) 10:30 3,126.0'
    >>> punctuate("(注:单位万元)")
    '（注：单位万元）'
    """
    if not text or (text.isascii() and "(" not in text):
        return text
    spans = _protected_spans(text)
    masked = list(text)
    for start, end in spans:
        masked[start:end] = _MASK * (end - start)
    out = list(_punctuate_plain("".join(masked)))  # one character for one: positions stay
    for start, end in spans:
        out[start:end] = text[start:end]
    return "".join(out)


def chinese_date(value) -> str:
    """A date as 「2016年6月20日」 (a ``date``, ``datetime``, ``Timestamp`` or ISO text).

    >>> import datetime as dt
    >>> chinese_date(dt.date(2016, 6, 20)), chinese_date("2016-07-05")
    ('2016年6月20日', '2016年7月5日')
    """
    if isinstance(value, str):
        import datetime as dt

        value = dt.date.fromisoformat(value.strip()[:10])
    return f"{value.year}年{value.month}月{value.day}日"


def parse_date(value):
    """A ``datetime.date`` from ``2016-07-05``, ``2016/7/5``, 「2016年7月5日」 or a date object.

    Raises ``ValueError`` (with the accepted forms) for anything else.

    >>> parse_date("2016年7月5日"), parse_date(" 2016-07-05 ")
    (datetime.date(2016, 7, 5), datetime.date(2016, 7, 5))
    >>> parse_date("2016-02-30")
    Traceback (most recent call last):
    ...
    ValueError: 日期 '2016-02-30' 无效:应写成 2016-07-05 或 2016年7月5日。
    """
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = re.fullmatch(
        r"\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*", str(value)
    )
    try:
        if m is None:
            raise ValueError
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        raise ValueError(f"日期 {value!r} 无效:应写成 2016-07-05 或 2016年7月5日。") from None


def chinese_dates(text: str) -> str:
    """Full dates standing alone in ``text`` written 「2016年6月20日」 (valid dates only).

    >>> chinese_dates("填报日期 2016-06-20;文件 2016-06-20.csv;编号 12016-06-201")
    '填报日期 2016年6月20日;文件 2016-06-20.csv;编号 12016-06-201'
    >>> chinese_dates("2016-13-40")
    '2016-13-40'
    """
    if not text or ("-" not in text and "/" not in text):
        return text

    def one(m: re.Match) -> str:
        y, mo, d = (int(g) for g in m.groups())
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return m.group(0)
        return f"{y}年{mo}月{d}日"

    return _outside_protected(text, lambda span: _DATE.sub(one, span))


def chinese_form(text):
    """:func:`chinese_dates` then :func:`punctuate`; anything but a string is returned as is."""
    if not isinstance(text, str):
        return text
    return punctuate(chinese_dates(text))
