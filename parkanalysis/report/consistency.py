"""Does the text say what its tables print? A checker over the document model.

:func:`check_document` reads one :class:`~parkanalysis.report.model.Document` (or a list of
blocks) and nothing else: every statement about an indicator in its paragraphs and lists is
traced to the cell of a table of the same document that it states, at the precision printed.

**Indicator tables** are the tables with a column headed 「本期…」 or 「同比…」 whose first
column is not 「企业名称」 (表「主要经济指标」, 「企业与从业人员」, 「分行业工业总产值」, the
appendix's 「增速口径对照」 …). A row's **name** is its first cell without the bracketed unit
(「工业总产值(亿元)」 → 工业总产值, unit 亿元; 「已批未供(尚可供应)」 → 已批未供). Text phrases
that name a row differently are listed once in :data:`ALIASES`.

A sentence is cut into clauses at 「;。」 and into parts at 「,」 and 「、」; a part that names a
row (the leftmost, longest name) makes it the subject of that part and of the parts that
follow it after a 「,」 (an item after a 「、」 names its own subject or has none). Period
words (「1-5月」, 「2016年」, 「6月末」) are not figures. Rules
(each mismatch is one :class:`Mismatch` with its rule):

========================  ==================================================================
rule                      what must hold
========================  ==================================================================
``figure``                an amount or count stated of a row (「完成工业总产值5.08亿元」) is one
                          of that row's cells, in the row's unit, at the printed precision
                          (「3126万元」 = 「3,126.0」; a text in 亿元 against a 万元 row is a
                          mismatch: text and table print the same figure)
``rate``                  「同比增长x%」/「同比下降x%」/「同比持平」 of a row = its 同比 cell with
                          the sign of the word (持平: printed 0.0); a row without a 同比 column
                          is checked against 本期 ÷ 上年同期 − 1 of its cells
``share``                 「A占B的x%」: B's row has no 占比 column → A.本期 ÷ B.本期 at printed
                          precision; else the subject row's 占比 cell
``points``                「增速比P加快/回落x个百分点」, 「增速与P持平」: the row's 同比 cell minus
                          its 「P同比(%)」 cell — two printed rates of one row, and a row has
                          one 数据口径, so 公布 is compared with 公布 and 测算 with 测算 —
                          exactly ±x (持平: 0.0)
``word``                  a direction word (:data:`~parkanalysis.narrative.DIRECTION_WORDS`:
                          稳中有增, 提高, 回落, 持平 …) about a row without a figure of its own
                          (the office's 「规模以上工业企业数量稳中有增」): the sign of the row's
                          printed 同比, else of 本期 − 上年同期
``targets``               「X完成全年目标的y%」 = X's 完成全年目标 cell; X named in
                          「未达到/慢于时间进度」 has printed completion < the stated 时间进度,
                          「均实现/均达到」 every row ≥, 「仅X快于」 exactly X ≥
``judgement``             the overall judgement (:data:`~parkanalysis.narrative.JUDGEMENTS`)
                          is the one the rule gives over the printed 同比 of the judged rows
``row``                   inside every indicator table: 增减(额) = 本期 − 上年同期, 同比 =
                          本期 ÷ 上年同期 − 1, 完成全年目标 = 本期 ÷ 年度目标, the same
                          for a 「全口径…」/「同口径…」 column family, all at printed precision
                          (interval arithmetic: each printed cell stands for ± half its last
                          digit)
``ledger``                an area written right after a row name of a land table (a table with
                          亩 columns: 「可利用土地2508亩」, 「(已批未供)150.4亩」) is one of that
                          row's 亩 cells (a text with fewer decimals: the cell rounded so)
``park``                  a figure with a unit said of a park of a ranking table (a table with
                          a column headed 「园区」: the overview's 「亩均税收X最高
                          (0.71万元/亩)」) is one of that park's cells, at the printed
                          precision; the park named is the subject until another row or park
                          is named
``basis``                 a 上年同期 column beside a 同比 column names its basis in the header
                          (「上年同期(可比口径)」, 「同口径上年同期」); one row name and header in
                          two tables print one value
========================  ==================================================================

Notes (paragraphs of role ``note``, 「注:…」) state methods and thresholds (「少于3家企业」),
not figures of a row, and are not read as statements.

**Numbers outside these statements** (dates, hazard counts, land areas, forecast figures, the
office's own figures such as 「58项服务内容」) are declared sources: they are facts of their
own section, stated once in its paragraph under its heading and 资料来源, not figures of an
indicator table; the checker counts them (:attr:`Report.unchecked`) and does not trace them.
The 时间进度 of a target sentence is a definition of the period (end month ÷ 12) and is read
from the sentence.

A :class:`Report` is what :func:`check_document` returns; ``render_report`` runs it on every
executed report: a mismatch fails the render when ``PARKANALYSIS_CONSISTENCY=strict`` (the
test suite sets it) and is listed among the render's problems (and logged) otherwise.

>>> from parkanalysis.report.model import Paragraph, Table
>>> table = Table(["指标", "本期", "同比(%)", "上年同期(可比口径)", "增减额"],
...               [["固定资产投资(万元)", "2,476.5", "-9.6", "2,739.5", "-263.0"]])
>>> check_document([Paragraph("完成固定资产投资2476.5万元,同比下降9.6%。"), table]).ok
True
>>> table.rows[0][3:] = ["2,328.6", "147.9"]
>>> [m.rule for m in check_document([table]).mismatches]
['row']
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

from parkanalysis.narrative import (
    DIRECTION_WORDS,
    JUDGED_NAMES,
    JUDGEMENTS,
    judgement_of,
)
from parkanalysis.report.model import Document, ListBlock, Paragraph, Table
from parkanalysis.report.printed import (
    FULLWIDTH,
    Mismatch,
    Printed,
    Report,
    Row,
    overlap,
    ratio_range,
    split_label,
)

#: Environment variable: ``strict`` makes a mismatch fail the render (the tests set it).
STRICT_ENV = "PARKANALYSIS_CONSISTENCY"

#: Text phrases naming a row whose table label differs (phrase → row name).
ALIASES = {
    "规模以上工业企业数量": "规上工业企业数",
    "规模以上工业企业数": "规上工业企业数",
    "规上工业企业数量": "规上工业企业数",
    "规模企业投产": "规上工业企业数",
    "新投产工业企业": "新投产工业企业数",
    "商贸企业投产": "新投产商贸企业数",
    "从业人员人数": "从业人员",
}
#: Units of money and their factor to 万元.
_MONEY = {"亿元": Decimal(10000), "万元": Decimal(1), "元": Decimal("0.0001")}
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_PERIOD_WORDS = re.compile(
    r"\d{4}年(?:\d{1,2}(?:-\d{1,2})?月(?:份|末|底)?)?|\d{1,2}-\d{1,2}月份?|\d{1,2}月(?:份|末|底|\d{1,2}日)?"
    r"|第[一二三四]季度|[上下]半年|近\d+个?[年月]"
)


def strict() -> bool:
    """True when a mismatch must fail the render (``PARKANALYSIS_CONSISTENCY=strict``)."""
    return os.environ.get(STRICT_ENV, "").strip().lower() == "strict"


# -- printed numbers ---------------------------------------------------------------------------


# -- tables ------------------------------------------------------------------------------------


def _is_indicator_table(table: Table) -> bool:
    heads = [str(c) for c in table.columns]
    if not heads or heads[0] in ("企业名称",):
        return False
    return any(h.startswith(("本期", "同比")) or "同口径本期" in h for h in heads)


def _rows(blocks) -> list[Row]:
    rows = []
    for i, block in enumerate(blocks):
        if not isinstance(block, Table) or not _is_indicator_table(block):
            continue
        heads = [str(c).translate(FULLWIDTH) for c in block.columns]
        head_unit = split_label(heads[0])[1]
        for cells in block.rows:
            if not cells or cells[0] is None:
                continue
            name, unit = split_label(str(cells[0]))
            rows.append(
                Row(
                    i,
                    name,
                    unit or head_unit,
                    {
                        h: ("" if c is None else str(c))
                        for h, c in zip(heads[1:], cells[1:], strict=False)
                    },
                )
            )
    return rows


def _column_unit(header: str, row_unit: str) -> str:
    m = re.search(r"\(([^()]*)\)\s*$", header)
    inner = m.group(1) if m else ""
    if inner in _MONEY or inner in ("人", "家", "亩", "%", "百分点"):
        return inner
    return row_unit


# -- table rules -------------------------------------------------------------------------------

_FAMILIES = (
    # (本期, 上年同期, 增减, 同比) header predicates of one basis
    ("本期", "上年同期", "增减", "同比(%)"),
    ("本期(全部企业)", "上年同期(全部企业)", None, "全口径同比(%)"),
    ("同口径本期", "同口径上年同期", None, "同口径同比(%)"),
)


def _find(row: Row, exact: str | None, prefix: bool = False) -> str | None:
    if exact is None:
        return None
    if exact in row.cells:
        return exact
    if prefix:
        return row.header(lambda h: h.startswith(exact) and "同比" not in h)
    return None


def _check_rows(rows: list[Row], out: Report) -> None:
    for row in rows:
        for cur_h, prev_h, diff_h, rate_h in _FAMILIES:
            cur_key = _find(row, cur_h) or (
                _find(row, cur_h, prefix=True) if cur_h == "本期" else None
            )
            prev_key = _find(row, prev_h) or (
                _find(row, prev_h, prefix=True) if prev_h == "上年同期" else None
            )
            cur, prev = row.get(cur_key or ""), row.get(prev_key or "")
            if cur is None or prev is None:
                continue
            label = f"{row.name}({row.unit})" if row.unit else row.name
            if diff_h:
                diff_key = _find(row, diff_h, prefix=True)
                diff = row.get(diff_key or "")
                if diff is not None:
                    lo, hi = cur.low - prev.high, cur.high - prev.low
                    out.checked += 1
                    if not overlap(lo, hi, diff):
                        out.mismatches.append(
                            Mismatch(
                                "row",
                                label,
                                f"{cur_key} {cur.value} − {prev_key} {prev.value}",
                                f"{diff_key} {diff.value} ≠ 本期 − 上年同期",
                            )
                        )
            rate = row.get(rate_h)
            if rate is not None:
                rng = ratio_range(cur, prev)
                if rng is not None:
                    out.checked += 1
                    lo, hi = (rng[0] - 1) * 100, (rng[1] - 1) * 100
                    if not overlap(lo, hi, rate):
                        out.mismatches.append(
                            Mismatch(
                                "row",
                                label,
                                f"{cur_key} {cur.value} ÷ {prev_key} {prev.value} − 1 "
                                f"= {lo:.1f}…{hi:.1f}%",
                                f"{rate_h} {rate.value} 与本期、上年同期不符(口径不一)",
                            )
                        )
        target = row.get("年度目标")
        done = row.get("完成全年目标(%)")
        cur = row.get(_find(row, "本期", prefix=True) or "")
        if target is not None and done is not None and cur is not None:
            rng = ratio_range(cur, target)
            out.checked += 1
            if rng is not None and not overlap(rng[0] * 100, rng[1] * 100, done):
                out.mismatches.append(
                    Mismatch(
                        "row",
                        row.name,
                        f"本期 {cur.value} ÷ 年度目标 {target.value}",
                        f"完成全年目标 {done.value}% 不符",
                    )
                )


def _check_basis(blocks, rows: list[Row], out: Report) -> None:
    for block in blocks:
        if not isinstance(block, Table) or not _is_indicator_table(block):
            continue
        heads = [str(c) for c in block.columns]
        if any(h.startswith("同比") for h in heads) and "上年同期" in heads:
            out.mismatches.append(
                Mismatch(
                    "basis",
                    f"{block.label or ''} {block.caption or ''}".strip(),
                    "上年同期(…口径)",
                    "表中有同比,上年同期一列未标明口径",
                )
            )
    seen: dict[tuple[str, str], tuple[Row, Printed]] = {}
    for row in rows:
        for h in row.cells:
            if not (h.startswith("上年同期") or h.startswith("本期")):
                continue
            p = row.get(h)
            if p is None:
                continue
            factor = _MONEY.get(row.unit, Decimal(1))
            key = (row.name, h)
            if key in seen and seen[key][0].table != row.table:
                other_row, other = seen[key]
                f2 = _MONEY.get(other_row.unit, Decimal(1))
                a, b = p.scaled(factor), other.scaled(f2)
                out.checked += 1
                if not overlap(b.low, b.high, a):
                    out.mismatches.append(
                        Mismatch(
                            "basis",
                            f"{row.name} {h}",
                            f"{other.value}{other_row.unit} / {p.value}{row.unit}",
                            "两张表同一指标同一栏目的数字不同",
                        )
                    )
            else:
                seen[key] = (row, p)


# -- text --------------------------------------------------------------------------------------


def _names(rows: list[Row]) -> list[tuple[str, str]]:
    """(phrase, row name) pairs, longest phrase first."""
    pairs = {r.name: r.name for r in rows if len(r.name) >= 2}
    for phrase, name in ALIASES.items():
        if name in pairs:
            pairs[phrase] = name
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def _subject(part: str, names) -> tuple[str | None, int]:
    """The leftmost, longest row name in ``part`` (and where it ends)."""
    best = None
    for phrase, name in names:
        at = part.find(phrase)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, at + len(phrase), name)
    return (best[2], best[1]) if best else (None, -1)


def _row_of(rows: list[Row], name: str, *, prefer=None) -> Row | None:
    found = [r for r in rows if r.name == name]
    if prefer:
        chosen = [r for r in found if prefer(r)]
        if chosen:
            return chosen[0]
    return found[0] if found else None


def _has_rate(r: Row) -> bool:
    return "同比(%)" in r.cells


def _word(text: str) -> tuple[str, int] | None:
    for w in sorted(DIRECTION_WORDS, key=len, reverse=True):
        if w in text:
            return w, DIRECTION_WORDS[w]
    return None


def _sign(p: Decimal) -> int:
    return (p > 0) - (p < 0)


def _match_figure(row: Row, number: Printed, unit: str) -> bool:
    """A stated amount or count equals one of the row's cells (same unit, same digits)."""
    for h, cell in row.cells.items():
        p = Printed.parse(cell)
        if p is None:
            continue
        col_unit = _column_unit(h, row.unit)
        if col_unit in ("%", "百分点"):
            continue
        if unit in _MONEY and col_unit in _MONEY:
            if unit != col_unit:
                continue  # text and table print the same figure in the same unit
        elif unit and col_unit and unit != col_unit:
            continue
        if number.value == p.value:
            return True
    return False


def _rate_cell(row: Row) -> Printed | None:
    return row.get("同比(%)")


def _check_part(part: str, row: Row, rows: list[Row], clause: str, out: Report) -> None:
    text = _PERIOD_WORDS.sub(" ", part)
    # 「A占B的x%」
    share = re.search(r"占(.*?)的(-?[\d.]+)%", text)
    if share:
        pct = Printed.parse(share.group(2))
        other_name, _ = _subject(share.group(1), _names(rows))
        col = row.header(lambda h: h.startswith("占比"))
        out.checked += 1
        if col is not None:
            if row.get(col) is None or row.get(col).value != pct.value:
                out.mismatches.append(
                    Mismatch("share", clause, f"{col} {row.cells[col]}", "占比与表中不符")
                )
        elif other_name is not None:
            b = _row_of(rows, other_name, prefer=_has_rate)
            a_cur = row.get(_find(row, "本期", prefix=True) or "")
            b_cur = b.get(_find(b, "本期", prefix=True) or "") if b else None
            rng = (
                ratio_range(
                    a_cur.scaled(_MONEY.get(row.unit, Decimal(1))),
                    b_cur.scaled(_MONEY.get(b.unit, Decimal(1))),
                )
                if a_cur and b_cur
                else None
            )
            if rng is None or not overlap(rng[0] * 100, rng[1] * 100, pct):
                out.mismatches.append(
                    Mismatch(
                        "share",
                        clause,
                        f"{row.name}÷{other_name}",
                        f"{pct.value}% 不能由表中本期数得出",
                    )
                )
        text = text[: share.start()] + text[share.end() :]
    # 完成全年目标
    target = re.search(r"完成全年目标的(-?[\d.]+)%", text)
    if target:
        out.checked += 1
        cell = row.get("完成全年目标(%)")
        if cell is None or cell.value != Decimal(target.group(1)):
            out.mismatches.append(
                Mismatch(
                    "targets",
                    clause,
                    row.cells.get("完成全年目标(%)", "(无)"),
                    "完成全年目标与表中不符",
                )
            )
        text = text[: target.start()] + text[target.end() :]
    # 增速比P加快/回落x个百分点 ; 增速与P持平
    speed = re.search(r"增速(?:比(.+?)(加快|回落|提高|下降)(-?[\d.]+)个百分点|与(.+?)持平)", part)
    if speed:
        label = (speed.group(1) or speed.group(4)).strip()
        stated = (
            Decimal(0)
            if speed.group(4)
            else Decimal(speed.group(3)) * DIRECTION_WORDS[speed.group(2)]
        )
        cur = _rate_cell(row)
        prev_h = row.header(lambda h: h.startswith(label) and "同比" in h)
        prev = row.get(prev_h) if prev_h else None
        out.checked += 1
        if cur is None or prev is None:
            out.mismatches.append(
                Mismatch(
                    "points",
                    clause,
                    f"{label}同比(%) 无",
                    f"百分点须为表中两个同口径、同类(公布/测算)增速之差,表中未列{label}的增速",
                )
            )
        elif cur.value - prev.value != stated:
            out.mismatches.append(
                Mismatch(
                    "points",
                    clause,
                    f"{cur.value} − {prev.value} = {cur.value - prev.value}",
                    f"表中两个增速之差不是{stated}",
                )
            )
        return
    # 同比增长x% / 同比下降x% / 同比持平
    rate = re.search(r"同比(增长|下降|提高|减少)(-?[\d.]+)%|同比持平", text)
    if rate:
        stated = (
            (Decimal(rate.group(2)) * DIRECTION_WORDS[rate.group(1)])
            if rate.group(1)
            else Decimal(0)
        )
        cell = _rate_cell(row)
        out.checked += 1
        if cell is not None:
            if cell.value != stated:
                out.mismatches.append(
                    Mismatch(
                        "rate",
                        clause,
                        f"同比 {row.cells['同比(%)']}",
                        f"同比{stated}%与表中同比不符",
                    )
                )
        else:
            cur = row.get(_find(row, "本期", prefix=True) or "")
            prev = row.get(_find(row, "上年同期", prefix=True) or "")
            rng = ratio_range(cur, prev) if cur and prev else None
            p = Printed(stated, Decimal("0.05"))
            if rng is None or not overlap((rng[0] - 1) * 100, (rng[1] - 1) * 100, p):
                shown = f"{cur.value} ÷ {prev.value} − 1" if cur and prev else "无同比"
                out.mismatches.append(
                    Mismatch("rate", clause, shown, f"同比{stated}%不能由表中本期、上年同期得出")
                )
        text = text[: rate.start()] + text[rate.end() :]
    # amounts and counts
    for m in re.finditer(
        r"(-?\d[\d,]*(?:\.\d+)?)\s*(亿元|万元|元|人|家|亩|公顷|%|个百分点)?", text
    ):
        unit = m.group(2) or ""
        number = Printed.parse(m.group(1))
        if number is None:
            continue
        if unit in ("%", "个百分点"):
            word = _word(text[: m.start()][-6:])  # 「提高」1.4个百分点, 「下降」2.0%
            out.checked += 1
            cells = [
                Printed.parse(c)
                for h, c in row.cells.items()
                if _column_unit(h, row.unit) in ("%", "百分点")
            ]
            values = {c.value for c in cells if c is not None}
            signed = number.value * word[1] if word else number.value
            if signed not in values:
                out.mismatches.append(
                    Mismatch(
                        "figure",
                        clause,
                        "、".join(str(v) for v in sorted(values)) or "(无)",
                        f"{m.group(0)}不是{row.name}的表中数字",
                    )
                )
            continue
        out.checked += 1
        if not _match_figure(row, number, unit):
            shown = ", ".join(f"{h} {c}" for h, c in row.cells.items() if Printed.parse(c))
            out.mismatches.append(
                Mismatch("figure", clause, shown, f"{m.group(0)}不是{row.name}的表中数字")
            )
    # a direction word without a figure of its own: the row's printed change
    if not _NUMBER.search(text):
        word = _word(text)
        if word is not None:
            w, sign = word
            rate_cell = _rate_cell(row)
            cur = row.get(_find(row, "本期", prefix=True) or "")
            prev = row.get(_find(row, "上年同期", prefix=True) or "")
            if rate_cell is not None:
                actual = _sign(rate_cell.value)
            elif cur is not None and prev is not None:
                actual = _sign(cur.value - prev.value)
            else:
                return
            out.checked += 1
            if actual != sign:
                out.mismatches.append(
                    Mismatch(
                        "word",
                        clause,
                        f"本期 {cur.value if cur else '—'},上年同期 {prev.value if prev else '—'}",
                        f"「{w}」与表中数字的变化方向不符",
                    )
                )


def _check_targets(clause: str, rows: list[Row], out: Report) -> None:
    m = re.search(r"时间进度(-?[\d.]+)%", clause)
    if not m or "完成全年目标" not in clause:
        return
    progress = Decimal(m.group(1))
    done = {r.name: r.get("完成全年目标(%)") for r in rows if r.get("完成全年目标(%)")}
    if not done:
        return
    ahead = {n for n, p in done.items() if p.value >= progress}
    behind = set(done) - ahead
    names = _names(rows)

    def listed(fragment: str) -> set[str]:
        return {_subject(x, names)[0] for x in re.split(r"[、和]", fragment)} - {None}

    out.checked += 1
    problem = None
    if (g := re.search(r"其中([^,;。]*?)(?:未达到|慢于)时间进度", clause)) and listed(
        g.group(1)
    ) != behind:
        problem = f"未达到时间进度的是{'、'.join(sorted(behind)) or '(无)'}"
    elif (g := re.search(r"仅([^,;。]*?)快于时间进度", clause)) and listed(g.group(1)) != ahead:
        problem = f"快于时间进度的是{'、'.join(sorted(ahead)) or '(无)'}"
    elif re.search(r",均(?:实现了|达到)", clause) and behind:
        problem = f"{'、'.join(sorted(behind))}未达到时间进度"
    elif "均慢于时间进度" in clause and ahead:
        problem = f"{'、'.join(sorted(ahead))}快于时间进度"
    if problem:
        out.mismatches.append(Mismatch("targets", clause, f"时间进度{progress}%", problem))


def _check_judgement(clause: str, rows: list[Row], out: Report) -> None:
    said = next((j for j in JUDGEMENTS if j in clause), None)
    if said is None:
        return
    rates = []
    for name in JUDGED_NAMES:
        row = _row_of(rows, name, prefer=_has_rate)
        if row is not None and (p := _rate_cell(row)) is not None:
            rates.append(float(p.value))
    out.checked += 1
    expected = judgement_of(rates)
    if expected != said:
        out.mismatches.append(
            Mismatch(
                "judgement", clause, f"同比 {rates}", f"按规则应为「{expected or '(不作判断)'}」"
            )
        )


def _ledger_rows(blocks) -> dict[str, list[Printed]]:
    """Row name → its 亩 cells, of the tables with 亩 columns that are no indicator tables."""
    rows: dict[str, list[Printed]] = {}
    for block in blocks:
        if not isinstance(block, Table) or _is_indicator_table(block):
            continue
        heads = [str(c).translate(FULLWIDTH) for c in block.columns]
        mu = [i for i, h in enumerate(heads) if h.endswith("(亩)")]
        if not mu:
            continue
        for cells in block.rows:
            if not cells or cells[0] is None:
                continue
            name = split_label(str(cells[0]).removeprefix("其中:"))[0]
            values = [Printed.parse(cells[i]) for i in mu if i < len(cells)]
            rows.setdefault(name, []).extend(v for v in values if v is not None)
    return {n: v for n, v in rows.items() if len(n) >= 2 and v and not n.isdigit()}


def _check_ledger(clause: str, ledger: dict[str, list[Printed]], out: Report) -> None:
    for name, cells in ledger.items():
        pattern = re.escape(name) + r"\)?(?:土地)?(\d[\d,]*(?:\.\d+)?)亩"
        for m in re.finditer(pattern, clause):
            stated = Printed.parse(m.group(1))
            places = -stated.value.as_tuple().exponent
            step = Decimal(1).scaleb(-max(places, 0))
            out.checked += 1
            if not any(
                c.value == stated.value
                or c.value.quantize(step, rounding="ROUND_HALF_UP") == stated.value
                for c in cells
            ):
                out.mismatches.append(
                    Mismatch(
                        "ledger",
                        clause,
                        "、".join(f"{c.value}" for c in cells),
                        f"{name}{m.group(1)}亩不是表中{name}的数字",
                    )
                )


def _park_rows(blocks) -> dict[str, list[Printed]]:
    """Park → its printed numbers, over every table with a column headed 「园区」."""
    parks: dict[str, list[Printed]] = {}
    for block in blocks:
        if not isinstance(block, Table):
            continue
        heads = [str(c).translate(FULLWIDTH).strip() for c in block.columns]
        at = next((i for i, h in enumerate(heads) if h in ("园区", "园区名称")), None)
        if at is None:
            continue
        for cells in block.rows:
            if len(cells) <= at or cells[at] is None or len(str(cells[at]).strip()) < 2:
                continue
            values = [Printed.parse(str(c).lstrip("+")) for i, c in enumerate(cells) if i != at]
            parks.setdefault(str(cells[at]).strip(), []).extend(v for v in values if v)
    return parks


_PARK_FIGURE = re.compile(r"([+-]?\d[\d,]*(?:\.\d+)?)\s*(万元/亩|万元/人|万元|亿元|亩|公顷|%|年)")


def _check_park(part: str, park: str, cells: list[Printed], clause: str, out: Report) -> None:
    """The figures with a unit in ``part`` are cells of ``park``'s rows (rule ``park``)."""
    for m in _PARK_FIGURE.finditer(part):
        stated = Printed.parse(m.group(1).lstrip("+"))
        if stated is None:
            continue
        out.checked += 1
        if not any(c.value == stated.value for c in cells):
            out.mismatches.append(
                Mismatch(
                    "park",
                    clause,
                    "、".join(str(c.value) for c in cells) or "(无)",
                    f"{m.group(0)}不是{park}在表中的数字",
                )
            )


def _texts(blocks):
    for block in blocks:
        if isinstance(block, Paragraph) and block.role != "note":  # notes state methods
            yield block.text
        elif isinstance(block, ListBlock):
            yield from block.items


def _parts(clause: str, names=()):
    """(part, the separator before it) of a clause cut at 「,」 and 「、」; a 「、」 inside a
    row's name (「计算机、通信和其他电子设备制造业」) does not cut it.

    >>> [p for p, _ in _parts("计算机、通信业完成100万元,占5%", [("计算机、通信业", "")])]
    ['计算机、通信业完成100万元', '占5%']
    >>> [p for p, _ in _parts("计算机、通信业完成100万元")]
    ['计算机', '通信业完成100万元']
    """
    for phrase, _ in names:
        if "、" in phrase and phrase in clause:
            clause = clause.replace(phrase, phrase.replace("、", "\0"))
    pieces = [p.replace("\0", "、") for p in re.split(r"([,、])", clause)]
    yield pieces[0], ""
    for i in range(1, len(pieces) - 1, 2):
        yield pieces[i + 1], pieces[i]


def check_document(document: Document | list) -> Report:
    """Trace every indicator statement of the text to its table cell (module docstring)."""
    blocks = document.blocks if isinstance(document, Document) else list(document)
    out = Report()
    rows = _rows(blocks)
    _check_rows(rows, out)
    _check_basis(blocks, rows, out)
    names = _names(rows)
    ledger = _ledger_rows(blocks)
    parks = _park_rows(blocks)
    for text in _texts(blocks):
        text = text.translate(FULLWIDTH)
        for clause in re.split(r"[;。]", text):
            if not clause.strip():
                continue
            _check_ledger(clause, ledger, out)
            _check_targets(clause, rows, out)
            _check_judgement(clause, rows, out)
            # parentheses hold notes (公布数, 时间进度): their own parts
            flat = re.sub(r"\(([^()]*)\)", r",\1,", clause)
            subject = None
            park = None  # a park of a ranking table, the subject of the parts that follow
            for part, sep in _parts(flat, names):
                if not part.strip():
                    continue
                named = [p for p in parks if p in part]
                if named:  # the park named last in the part; figures after its name
                    park = max(named, key=lambda p: (part.rfind(p), len(p)))
                    subject = None
                    _check_park(
                        part[part.rfind(park) + len(park) :], park, parks[park], clause.strip(), out
                    )
                    continue
                name, _end = _subject(part.split("占", 1)[0], names)
                if name is not None:
                    subject, park = name, None
                elif sep == "、":  # an item of a list names its own subject or none
                    subject, park = None, None
                if park is not None:
                    _check_park(part, park, parks[park], clause.strip(), out)
                    continue
                if re.search(r"时间进度|目标的", part) and name is None:
                    out.unchecked += len(_NUMBER.findall(part))
                    continue
                if subject is None:
                    out.unchecked += len(_NUMBER.findall(_PERIOD_WORDS.sub(" ", part)))
                    continue
                row = _row_of(rows, subject, prefer=_has_rate)
                if "完成全年目标" in part:
                    row = _row_of(rows, subject, prefer=lambda r: "完成全年目标(%)" in r.cells)
                _check_part(part, row, rows, clause.strip(), out)
    return out
