"""The text says what its tables print (issue 25): the checker, the sample's reports, variants.

The checker (:mod:`parkanalysis.report.consistency`) is first shown to catch each contradiction
the issue found, from the original sentences and cells; then every period report of the sample
(and of seeded variants of its monthly data) is built in-process — the same sections the
notebook displays, plus the office's texts — and must reconcile; then the render hook fails a
report whose office text contradicts its table under ``PARKANALYSIS_CONSISTENCY=strict``.
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE

from parkanalysis.report.consistency import check_document
from parkanalysis.report.model import ListBlock, Paragraph, Table

H1_HEAD = ["指标", "本期", "同比(%)", "上年同期", "增减额", "增速比1-5月(百分点)", "数据口径"]


def rules(blocks) -> list[str]:
    return sorted({m.rule for m in check_document(blocks).mismatches})


# -- the contradictions of the issue, as today's code printed them -------------------------------
def test_investment_called_a_fall_beside_a_rise():
    """「完成固定资产投资2476.5万元,同比下降9.6%」 beside 上年同期 2,328.6 and 增减额 +147.9."""
    table = Table(
        H1_HEAD, [["固定资产投资(万元)", "2,476.5", "-9.6", "2,328.6", "147.9", "3.9", "测算数"]]
    )
    text = Paragraph("2016年上半年,园区完成固定资产投资2476.5万元,同比下降9.6%。")
    found = check_document([text, table]).mismatches
    assert {m.rule for m in found} == {"row", "basis"}, found
    assert any("固定资产投资" in m.text for m in found if m.rule == "row")


def test_output_rate_that_its_own_cells_do_not_give():
    """工业总产值 5.08 / 4.81 is +5.6 %, where the row says 8.0."""
    head = ["指标", "本期", "同比(%)", "上年同期(可比口径)", "增减额"]
    wrong = Table(head, [["工业总产值(亿元)", "5.08", "8.0", "4.81", "0.27"]])
    assert rules([wrong]) == ["row"]
    right = Table(head, [["工业总产值(亿元)", "5.08", "8.0", "4.70", "0.38"]])
    assert rules([right]) == []


def test_employees_growth_beside_a_smaller_rise():
    """「3385人,同比增长4.1%」 beside 表2's 3,303 → 3,385 (+2.5 %)."""
    table = Table(["指标", "本期", "上年同期", "增减"], [["从业人员(人)", "3,385", "3,303", "82"]])
    text = Paragraph("园区企业累计从业人员人数达到3385人,同比增长4.1%。")
    assert rules([text, table]) == ["rate"]
    assert rules([Paragraph("园区企业累计从业人员人数达到3385人,同比增长2.5%。"), table]) == []


def test_two_tables_two_last_years_for_one_indicator():
    """表1 and the appendix printing different 上年同期 under one header."""
    head = ["指标", "本期", "同比(%)", "上年同期(可比口径)", "增减额"]
    t1 = Table(head, [["税收(万元)", "3,745.2", "8.9", "3,439.1", "306.1"]])
    t10 = Table(head, [["税收(万元)", "3,745.2", "7.0", "3,498.9", "246.3"]])
    found = check_document([t1, t10]).mismatches
    assert {m.rule for m in found} == {"basis"}, found


def test_points_only_between_printed_rates_of_one_row():
    """「规模工业总产值增速比1-5月回落0.9个百分点」: H1 测算 7.7 minus the published 1-5月 8.6;
    the row printed no 1-5月 rate (and the computed 1-5月 rate gives another difference)."""
    text = Paragraph("从增速变化看,规模工业总产值增速比1-5月回落0.9个百分点。")
    old = Table(
        H1_HEAD, [["规模工业总产值(亿元)", "4.05", "7.7", "3.76", "0.29", "-0.9", "测算数"]]
    )
    assert rules([text, old]) == ["basis", "points"]  # and 上年同期 names no basis
    head = ["指标", "本期", "同比(%)", "上年同期(可比口径)", "增减额", "1-5月同比(%)", "数据口径"]
    same_kind = Table(
        head, [["规模工业总产值(亿元)", "4.05", "7.7", "3.76", "0.29", "8.0", "测算数"]]
    )
    assert rules([text, same_kind]) == ["points"]  # 7.7 − 8.0 = −0.3, not −0.9
    fixed = Paragraph("从增速变化看,规模工业总产值增速比1-5月回落0.3个百分点。")
    assert rules([fixed, same_kind]) == []
    flat = Paragraph("规模工业总产值增速与1-5月持平。")
    assert rules([flat, same_kind]) == ["points"]


def test_words_the_numbers_do_not_support():
    """「规模以上工业企业数量稳中有增」 after 11 → 11; 「比上年同期提高1.4个百分点」."""
    counts = Table(["指标", "本期", "上年同期", "增减"], [["规上工业企业数(家)", "11", "11", "0"]])
    office = Paragraph("园区推动工业企业转型升级,规模以上工业企业数量稳中有增。")
    assert rules([office, counts]) == ["word"]
    assert rules([Paragraph("规模以上工业企业数量保持稳定。"), counts]) == []
    table = Table(
        ["指标", "本期", "同比(%)", "上年同期(可比口径)", "增减额", "数据口径"],
        [
            ["工业总产值(亿元)", "5.08", "8.0", "4.70", "0.38", "测算数"],
            ["规模工业总产值(亿元)", "4.05", "7.7", "3.76", "0.29", "测算数"],
        ],
    )
    share = Paragraph("规模工业总产值占全部工业总产值的79.7%,比上年同期提高1.4个百分点。")
    assert rules([share, table]) == ["figure"]
    assert rules([Paragraph("规模工业总产值占全部工业总产值的79.7%。"), table]) == []
    assert rules([Paragraph("规模工业总产值占全部工业总产值的81.0%。"), table]) == ["share"]


def test_judgement_and_targets_follow_the_printed_figures():
    head = [
        "指标",
        "本期",
        "同比(%)",
        "上年同期(可比口径)",
        "增减额",
        "年度目标",
        "完成全年目标(%)",
    ]
    table = Table(
        head,
        [
            ["工业总产值(亿元)", "5.08", "3.0", "4.93", "0.15", "10.00", "50.8"],
            ["固定资产投资(万元)", "2,476.5", "-9.6", "2,739.5", "-263.0", "6,000.0", "41.3"],
            ["税收(万元)", "3,745.2", "2.0", "3,671.8", "73.4", "7,000.0", "53.5"],
        ],
    )
    good = Paragraph("园区经济呈现出平稳较快发展的良好势头。")
    assert rules([good, table]) == ["judgement"]  # median 2.0 < 6
    assert rules([Paragraph("园区经济总体保持平稳运行。"), table]) == []
    behind = (
        "按年度目标,工业总产值完成全年目标的50.8%、固定资产投资完成全年目标的41.3%、"
        "税收完成全年目标的53.5%(时间进度50.0%),多数指标实现了“时间过半、任务过半”,"
        "其中{}未达到时间进度。"
    )
    assert rules([ListBlock([behind.format("固定资产投资")]), table]) == []
    assert rules([Paragraph(behind.format("税收")), table]) == ["targets"]
    wrong_cell = behind.format("固定资产投资").replace("41.3%", "43.1%")
    assert rules([Paragraph(wrong_cell), table]) == ["targets"]


# -- the sample's reports, built in-process ------------------------------------------------------
def period_blocks(data, period: str, *, share: bool = False) -> list:
    """Every block of a period report as the notebook displays it, plus the office's text."""
    import parkanalysis.report as pr
    from parkanalysis.periods import parse_period
    from parkanalysis.report.document import markdown_blocks
    from parkanalysis.report.texts import read_office_text

    report = pr.PeriodReport(data=str(data), period=period, share=share)
    blocks = []
    for name in ("economy", "land", "projects", "relocations", "safety", "problems", "appendix"):
        blocks += getattr(report, name)().blocks
    office = read_office_text(data, parse_period(period))
    if office is not None:
        blocks += markdown_blocks(office.preamble)
        for _heading, body in office.sections:
            blocks += markdown_blocks(body)
    return blocks


@pytest.mark.parametrize(
    "period",
    ["2016H1", "2016年1-5月", "2016-05", "2016Q2", "2016年1-2月", "2015", "2015H1"],
)
@pytest.mark.parametrize("share", [False, True])
def test_sample_period_reports_reconcile(period, share):
    blocks = period_blocks(SAMPLE, period, share=share)
    report = check_document(blocks)
    assert report.ok, "\n".join(map(str, report.mismatches))
    # the economy paragraph's figures, rates and comparisons were traced, not skipped
    if not share:
        assert report.checked >= 30, report
        return
    # a share copy prints fewer figures: every rate it does print sits in a row with its 本期
    # and 上年同期 and is checked against them, so the checks are at least the printed rates —
    # counted on the page, and equal to the growth rates the share record publishes for it
    printed = _printed_rates(blocks)
    assert printed >= _published_growth(period) > 0  # 表1 and the appendix may print one twice
    assert report.checked >= printed, report


def _printed_rates(blocks) -> int:
    """Rows of the report's tables whose 同比(%) cell is a number (not the withheld marker)."""
    n = 0
    for block in blocks:
        heads = (
            [str(c).translate(str.maketrans("（）", "()")) for c in block.columns]
            if (isinstance(block, Table))
            else []
        )
        if "同比(%)" not in heads:
            continue
        i = heads.index("同比(%)")
        for row in block.rows:
            cell = str(row[i] or "").replace(",", "")
            n += bool(re.fullmatch(r"[-+−]?\d+(\.\d+)?\**", cell))
    return n


def _published_growth(period: str) -> int:
    """Growth rates of the report's own span that the share record prints."""
    from parkanalysis.dataset import load_dataset
    from parkanalysis.periods import parse_period
    from parkanalysis.share import protect_park_year
    from parkanalysis.share.sidecar import report_gates

    p = parse_period(period)
    table = protect_park_year(load_dataset(SAMPLE), "GMY", p.year)
    own = [g for g in report_gates(table, "period", p.start_month, p.end_month)]
    gates = [table.gates[g] for g in own]
    return sum(not g.withheld for g in gates if (g.start, g.end) == (p.start_month, p.end_month))


# -- seeded variants of the sample's monthly data ------------------------------------------------
def perturbed_sample(tmp_path, seed: int):
    """The sample with its monthly returns changed: scaled enterprises, an exit, an entrant,
    a fall in investment, published figures kept or dropped — all drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    folder = tmp_path / f"sample-{seed}"
    shutil.copytree(SAMPLE, folder)
    path = folder / "monthly_stats.csv"
    m = pd.read_csv(path, dtype=str, keep_default_na=False)
    ids = sorted(m["企业代码"].unique())
    numeric = [c for c in m.columns if c.endswith("(万元)")]
    for ent in rng.choice(ids, size=8, replace=False):
        factor = float(rng.uniform(0.6, 1.5))
        rows = (m["企业代码"] == ent) & m["月份"].str.startswith("2016")
        for c in numeric:
            vals = pd.to_numeric(m.loc[rows, c], errors="coerce") * factor
            m.loc[rows, c] = [("" if pd.isna(v) else f"{v:.1f}") for v in vals]
    if "固定资产投资(万元)" in m and rng.random() < 0.7:
        rows = m["月份"].str.startswith("2016")
        vals = pd.to_numeric(m.loc[rows, "固定资产投资(万元)"], errors="coerce")
        m.loc[rows, "固定资产投资(万元)"] = [
            "" if pd.isna(v) else f"{v * rng.uniform(0.3, 1.1):.1f}" for v in vals
        ]
    # an entrant: an enterprise without last year's returns (同口径 ≠ 全口径)
    entrant = rng.choice(
        [e for e in ids if e not in set(m.loc[m["月份"] < "2015-02", "企业代码"])] or ids
    )
    m = m[~((m["企业代码"] == entrant) & m["月份"].str.startswith("2015"))]
    m.to_csv(path, index=False, encoding="utf-8")
    if rng.random() < 0.5:
        (folder / "published.csv").unlink()
    return folder


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sentences_follow_the_numbers_on_variants(tmp_path, seed):
    folder = perturbed_sample(tmp_path, seed)
    for period in ("2016H1", "2016年1-5月", "2016-04"):
        blocks = period_blocks(folder, period)
        sample_text = period_blocks(SAMPLE, period)[0].text
        assert blocks[0].text != sample_text  # the variant says other figures
        report = check_document(blocks)
        assert report.ok, (seed, period, "\n".join(map(str, report.mismatches)))
        assert report.checked >= 30


# -- the render: strict in the tests, a warning in use -------------------------------------------
def test_render_fails_on_a_contradiction_under_strict_and_warns_otherwise(tmp_path, monkeypatch):
    """The office's 「规模以上工业企业数量稳中有增」 beside 表2's 11 → 11, through the real pipeline
    (papermill, kernel, the executed notebook's document)."""
    from parkanalysis.render import render_report

    folder = tmp_path / "data"
    shutil.copytree(SAMPLE, folder)
    texts = folder / "texts" / "2016H1.md"
    text = texts.read_text(encoding="utf-8")
    assert "规模以上工业企业数量保持稳定" in text  # premise: the sample's own text reconciles
    texts.write_text(text.replace("数量保持稳定", "数量稳中有增"), encoding="utf-8")

    monkeypatch.setenv("PARKANALYSIS_CONSISTENCY", "strict")
    failed = render_report("period", out_dir=tmp_path / "strict", data=str(folder), period="2016H1")
    assert failed.status == "failed", failed
    assert "稳中有增" in failed.error and "[word]" in failed.error
    assert not failed.html_path.exists()  # no half-written output
    assert failed.failed_notebook is not None and failed.failed_notebook.exists()

    monkeypatch.setenv("PARKANALYSIS_CONSISTENCY", "warn")
    used = render_report("period", out_dir=tmp_path / "use", data=str(folder), period="2016H1")
    assert used.status == "rendered" and used.html_path.exists()
    assert [p for p in used.problems if "稳中有增" in p and "[word]" in p], used.problems


def test_a_list_of_names_in_a_note_is_not_a_statement_about_the_last_one():
    """「规模工业总产值、规模工业增加值、规上产值占比的数值…由少于12家企业汇总」: 12家 is the
    rule's threshold, not a figure of 规模工业增加值 (an item after 「、」 names its own
    subject)."""
    table = Table(
        ["指标", "本期", "同比(%)", "上年同期(可比口径)", "增减额"],
        [["规模工业增加值(万元)", "9,440.0", "6.8", "8,839.0", "601.0"]],
    )
    note = Paragraph(
        "注:规模工业总产值、规模工业增加值、规上产值占比的数值或同比由少于12家企业汇总,"
        "对外版不予公布。",
        role="note",
    )
    assert check_document([note, table]).ok
    assert rules([Paragraph("完成规模工业增加值9440万元、规模工业增加值12家。"), table]) == [
        "figure"
    ]


def test_land_areas_after_a_row_name_are_the_tables_figures():
    """「可利用土地2508亩」 is the 用地平衡表's 可利用土地; a declared 130.5 亩 is not 「130亩」
    (the report's rounding is half up: 131, or the table's 130.5)."""
    balance = Table(
        ["项目", "申报数(亩)", "台账数(亩)", "差额(亩)", "说明"],
        [
            ["可利用土地", "2,508.0", "2,508.0", "0.0", ""],
            ["水域", "130.5", "130.5", "0.0", ""],
            ["已批未供(尚可供应)", "—", "150.4", "—", "可利用、已报批、未供应"],
        ],
    )
    good = "可利用土地2508亩已全部报批,水域130.5亩,尚可供应土地(已批未供)150.4亩。"
    assert check_document([Paragraph(good), balance]).ok
    for bad in ("可利用土地2580亩已全部报批。", "其中水域130亩。", "已批未供土地160.4亩。"):
        assert rules([Paragraph(bad), balance]) == ["ledger"], bad


def test_notes_state_methods_not_figures():
    table = Table(
        ["指标", "本期", "同比(%)", "上年同期(可比口径)", "增减额"],
        [["固定资产投资(万元)", "711.8", "5.0", "677.9", "33.9"]],
    )
    note = "注:固定资产投资的数值或同比由少于3家企业汇总,对外版不予公布。"
    assert check_document([Paragraph(note, role="note"), table]).ok
    assert rules([Paragraph("固定资产投资由3家企业完成。"), table]) == ["figure"]


def test_synthetic_parks_reconcile(tmp_path):
    """Three generated parks (``parkanalysis.sample.write_synthetic``): every period report
    kind and the land report, internal and share copies."""
    import parkanalysis.report as pr
    from parkanalysis.sample import write_synthetic

    folder = tmp_path / "synthetic"
    write_synthetic(folder, parks=3, enterprises=40, years=3, seed=5)
    checked = 0
    for park in ("P001", "P002", "P003"):
        for share in (False, True):
            for period in ("2016年1-6月", "2016-06", "2015", "2015Q3"):
                blocks = []
                r = pr.PeriodReport(data=str(folder), period=period, park=park, share=share)
                for name in ("economy", "land", "problems", "appendix"):
                    blocks += getattr(r, name)().blocks
                report = check_document(blocks)
                assert report.ok, (park, period, share, [str(m) for m in report.mismatches])
                checked += report.checked
            land = pr.LandReport(data=str(folder), park=park, share=share)
            report = check_document(land.summary().blocks + land.balance().blocks)
            assert report.ok, (park, share, [str(m) for m in report.mismatches])
    assert checked > 500


@pytest.mark.parametrize("shift", [-0.01, 0.0, 0.01])
def test_a_park_figure_is_its_ranking_cell(shift):
    """Rule ``park``: 「亩均税收X最高(0.71万元/亩)」 is X's cell of the ranking table, to the
    last printed digit (the overview report's sentences)."""
    from parkanalysis.report.model import Paragraph, Table

    ranking = Table(
        ["排名", "园区", "亩均税收(万元/亩)", "工业总产值同比(%)"],
        [["1", "城北园", "0.71", "+4.2"], ["2", "城南园", "0.51", "+7.6"]],
    )
    said = f"{0.71 + shift:.2f}"
    text = Paragraph(
        f"亩均税收城北园最高({said}万元/亩),城南园最低(0.51万元/亩)。增速城南园最快(+7.6%)。"
    )
    found = check_document([text, ranking])
    assert [m.rule for m in found.mismatches] == ([] if shift == 0 else ["park"])
    assert found.checked >= 3
