"""Well-formed but wrong datasets (issue 11): each must produce its finding, or exit 2.

Every case is a copy of data/sample changed by a small transformation below; the expected
rule and, where it matters, the sentence a report must not contain are listed with it.
Expected numbers are computed here from the raw CSV files (pandas), not taken from the code
under test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from parkanalysis.cli import main
from parkanalysis.dataset import load_dataset, validate_dataset
from parkanalysis.dataset.completeness import rate_text
from parkanalysis.errors import DataError, IncompleteDataError
from parkanalysis.indicators import indicator_table

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
M, E, P, H = "monthly_stats.csv", "enterprises.csv", "parcels.csv", "hazards.csv"


# -- building the cases ---------------------------------------------------------------------------


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def write(folder: Path, name: str, df: pd.DataFrame) -> None:
    df.to_csv(folder / name, index=False)


def copy_sample(tmp: Path) -> Path:
    folder = tmp / "data"
    shutil.copytree(SAMPLE, folder)
    return folder


def edit_yaml(folder: Path, change) -> None:
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    change(doc)
    (folder / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def late_june(folder: Path) -> None:
    """June 2016 reported by one enterprise only (the others have not filed yet)."""
    m = read(folder, M)
    june = m["月份"] == "2016-06"
    first = m.index[june][0]
    write(folder, M, m[~june | (m.index == first)])


def drop_months(folder: Path, month: str, n: int) -> list[str]:
    """Remove the rows of ``month`` of the first ``n`` enterprises reporting it."""
    m = read(folder, M)
    who = m.loc[m["月份"] == month, "企业代码"].iloc[:n].tolist()
    write(folder, M, m[~((m["月份"] == month) & m["企业代码"].isin(who))])
    return who


def to_cumulative(folder: Path) -> pd.DataFrame:
    """Replace the monthly table by the 1-N月 cumulative table (February holds 1-2月)."""
    m = read(folder, M)
    cols = [c for c in m.columns if c.endswith("(万元)")]
    num = m.copy()
    for c in cols:
        num[c] = pd.to_numeric(num[c], errors="coerce")
    num["year"] = num["月份"].str[:4]
    num[cols] = num.groupby(["企业代码", "year"])[cols].cumsum()
    num = num[~num["月份"].str.endswith("-01")].drop(columns="year")
    for c in cols:
        num[c] = num[c].round(1)
    (folder / M).unlink()
    write(folder, "cumulative_stats.csv", num)
    return num


def enterprise_with_rows_after(folder: Path, month: str) -> str:
    m = read(folder, M)
    return m.loc[m["月份"] > month, "企业代码"].iloc[0]


def set_enterprise(folder: Path, eid: str, column: str, value: str) -> int:
    e = read(folder, E)
    i = e.index[e["企业代码"] == eid][0]
    e.loc[i, column] = value
    write(folder, E, e)
    return int(i) + 2  # the Excel row (header is row 1)


def first_parcel(folder: Path, **where) -> str:
    p = read(folder, P)
    sel = np.ones(len(p), bool)
    for col, val in where.items():
        sel &= (p[col] == val).to_numpy()
    return p.loc[sel, "地块编号"].iloc[0]


def land_user(folder: Path) -> str:
    e = read(folder, E)
    return e.loc[(e["用地地块"] != "") & (e["退出日期"] == ""), "企业代码"].iloc[0]


# -- the corpus: (id, transformation, expected rule, severity) ----------------------------------


def _stats_after_exit(f):
    eid = enterprise_with_rows_after(f, "2015-06")
    set_enterprise(f, eid, "退出日期", "2015-06-30")


def _stats_before_entry(f):
    m = read(f, M)
    eid = m["企业代码"].iloc[0]
    set_enterprise(f, eid, "入园日期", "2013-01-01")
    set_enterprise(f, eid, "投产日期", "2013-01-01")


def _stats_before_production(f):
    m = read(f, M)
    set_enterprise(f, m["企业代码"].iloc[0], "投产日期", "2013-06-01")


def _production_before_entry(f):
    e = read(f, E)
    eid = e["企业代码"].iloc[0]
    set_enterprise(f, eid, "投产日期", "2006-01-01")  # before its 入园日期 (2006-05-18)


def _on_parcel(**where):
    def change(f):
        set_enterprise(f, land_user(f), "用地地块", first_parcel(f, **where))

    return change


def _area(value):
    def change(f):
        p = read(f, P)
        p.loc[p.index[0], "面积(亩)"] = value
        write(f, P, p)

    return change


def _value_added_above_output(f):
    m = read(f, M)
    m.loc[m.index[5], "工业增加值(万元)"] = str(float(m.loc[m.index[5], "工业总产值(万元)"]) + 1)
    write(f, M, m)


def _rename(name, old, new):
    def change(f):
        df = read(f, name)
        write(f, name, df.rename(columns={old: new}))

    return change


def _ledger_in_hectares(f):
    p = read(f, P)
    p["面积(亩)"] = (pd.to_numeric(p["面积(亩)"]) / 15).round(3).astype(str)
    write(f, P, p)


def _cumulative_decreasing(f):
    c = to_cumulative(f)
    i = c.index[c["月份"] == "2016-04"][0]
    c.loc[i, "税收(万元)"] = 0.5
    write(f, "cumulative_stats.csv", c)


def _cumulative_missing_may(f):
    c = to_cumulative(f)
    write(f, "cumulative_stats.csv", c.drop(c.index[c["月份"] == "2016-05"][0]))


def _cumulative_in_monthly_table(f):
    c = to_cumulative(f)
    (f / "cumulative_stats.csv").unlink()
    write(f, M, c)


def _future_row(month):
    def change(f):
        m = read(f, M)
        row = m.iloc[[-1]].copy()
        row["月份"] = month
        write(f, M, pd.concat([m, row]))

    return change


def _yaml(path, value):
    def change(f):
        def set_(doc):
            node = doc
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value

        edit_yaml(f, set_)

    return change


def _yaml_park(key, value):
    return lambda f: edit_yaml(f, lambda d: d["parks"][0].__setitem__(key, value))


CASES = [
    ("late_june", late_june, "late_reports", "warning"),
    ("march_missing", lambda f: drop_months(f, "2016-03", 3), "missing_report", "warning"),
    ("cumulative_missing_may", _cumulative_missing_may, "missing_report", "warning"),
    ("stray_2099_row", _future_row("2099-12"), "future_month", "error"),
    ("stray_row_next_year", _future_row("2017-03"), "late_reports", "warning"),
    ("cumulative_decreasing", _cumulative_decreasing, "cumulative_decreasing", "error"),
    (
        "cumulative_in_monthly_table",
        _cumulative_in_monthly_table,
        "monthly_looks_cumulative",
        "error",
    ),
    ("stats_after_exit", _stats_after_exit, "stats_after_exit", "error"),
    ("stats_before_entry", _stats_before_entry, "stats_before_entry", "error"),
    ("stats_before_production", _stats_before_production, "stats_before_production", "warning"),
    ("production_before_entry", _production_before_entry, "production_before_entry", "warning"),
    ("on_road", _on_parcel(**{"规划用途": "道路"}), "enterprise_on_public_land", "error"),
    ("on_green", _on_parcel(**{"规划用途": "绿地"}), "enterprise_on_public_land", "error"),
    (
        "on_unsupplied",
        _on_parcel(**{"规划用途": "工业", "供应状态": "未供"}),
        "enterprise_on_unsupplied_land",
        "error",
    ),
    ("area_zero", _area("0"), "nonpositive_area", "error"),
    ("value_added_above_output", _value_added_above_output, "value_added_above_output", "error"),
    ("tax_header_yuan", _rename(M, "税收(万元)", "税收(元)"), "unit_suspect", "error"),
    (
        "output_header_yuan",
        _rename(M, "工业总产值(万元)", "工业总产值(元)"),
        "unit_suspect",
        "error",
    ),
    ("ledger_in_hectares", _ledger_in_hectares, "unit_suspect", "error"),
    (
        "yaml_min_enterprises_0",
        _yaml(["config", "share", "min_enterprises"], 0),
        "out_of_range",
        "error",
    ),
    (
        "yaml_min_enterprises_float",
        _yaml(["config", "share", "min_enterprises"], 3.5),
        "bad_value",
        "error",
    ),
    ("yaml_confidence_2", _yaml(["config", "expansion", "confidence"], 2), "out_of_range", "error"),
    (
        "yaml_negative_weight",
        _yaml(["config", "grading", "weights"], {"tax_per_mu": 1.2, "value_added_per_mu": -0.2}),
        "out_of_range",
        "error",
    ),
    (
        "yaml_unordered_cutoffs",
        _yaml(["config", "grading", "cutoffs"], {"A": 0.6, "B": 0.2, "C": 0.95}),
        "out_of_range",
        "error",
    ),
    (
        "yaml_supply_window_0",
        _yaml(["config", "land", "supply_window_years"], 0),
        "out_of_range",
        "error",
    ),
    (
        "yaml_horizon_text",
        _yaml(["config", "expansion", "planning_horizon_years"], "五"),
        "bad_value",
        "error",
    ),
    (
        "yaml_rate_threshold",
        _yaml(["config", "completeness", "min_reporting_rate"], 1.5),
        "out_of_range",
        "error",
    ),
    ("yaml_misspelt_key", _yaml(["config", "share", "min_enterprise"], 5), "unknown_key", "error"),
    ("yaml_misplaced_key", _yaml(["config", "confidence"], 0.9), "unknown_key", "error"),
    ("yaml_unknown_park_key", _yaml_park("estabilished", 2006), "unknown_key", "error"),
    ("yaml_unknown_section", _yaml(["confg"], {"jan_feb_combined": True}), "unknown_key", "error"),
]


@pytest.mark.parametrize(("change", "rule", "severity"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_each_wrong_dataset_has_its_finding(tmp_path, change, rule, severity):
    folder = copy_sample(tmp_path)
    change(folder)
    report = validate_dataset(folder)
    found = [f for f in [*report.errors, *report.warnings] if f.rule == rule]
    assert found, report.to_text()
    assert {f.severity for f in found} == {severity}
    for f in found:
        assert f.file and f.message  # every finding names its file and explains itself


def test_corpus_is_large_enough():
    assert len(CASES) >= 25


def test_unchanged_sample_has_only_its_real_warnings():
    report = validate_dataset(SAMPLE)
    assert report.ok
    assert sorted(f.rule for f in report.warnings) == sorted(
        ["enterprise_without_land"] * 2 + ["growth_outlier"] + ["ledger_not_closed"] * 2
    )


# -- what the findings say ----------------------------------------------------------------------


def test_missing_reports_name_each_enterprise_and_month(tmp_path):
    folder = copy_sample(tmp_path)
    who = drop_months(folder, "2016-03", 3)
    report = validate_dataset(folder)
    missing = [f for f in report.warnings if f.rule == "missing_report"]
    assert sorted(f.value for f in missing) == sorted(who)
    assert all("2016年3月" in f.message for f in missing)
    m = read(folder, M)
    for f in missing:  # the cell named (row, column) holds the enterprise's code shown
        assert f.column == "企业代码"
        assert m.iloc[f.row - 2][f.column] == f.value


def test_growth_leaves_out_enterprises_with_missing_months(tmp_path):
    folder = copy_sample(tmp_path)
    who = drop_months(folder, "2016-03", 3)
    t = indicator_table(load_dataset(folder), "2016年1-5月").set_index("id")
    m = read(folder, M)
    m["out"] = pd.to_numeric(m["工业总产值(万元)"], errors="coerce")
    m = m[~m["企业代码"].isin(who) & m["月份"].str[5:].between("01", "05")]
    cur = m[m["月份"].str.startswith("2016")].groupby("企业代码")["out"].sum(min_count=1)
    prev = m[m["月份"].str.startswith("2015")].groupby("企业代码")["out"].sum(min_count=1)
    both = cur.dropna().index.intersection(prev.dropna().index)
    expected = (cur[both].sum() / prev[both].sum() - 1) * 100
    row = t.loc["industrial_output"]
    assert row["yoy_pct"] == pytest.approx(expected, abs=1e-6)
    assert row["scope"] == f"同口径({len(both)}家;另3家缺报未计入)"
    assert row["reporting_rate_pct"] < 100 and row["prev_reporting_rate_pct"] == 100


def test_stray_future_row_does_not_move_the_data_end(tmp_path):
    folder = copy_sample(tmp_path)
    _future_row("2017-03")(folder)
    ds = load_dataset(folder)
    assert ds.month_range[1] == (2016, 6) and ds.reported_range[1] == (2017, 3)
    # the sample's real growth warning (2016年1-6月 vs 2015) is still there
    real = [f for f in validate_dataset(SAMPLE).warnings if f.rule == "growth_outlier"]
    kept = [f for f in ds.warnings if f.rule == "growth_outlier"]
    assert [(f.row, f.message) for f in kept] == [(f.row, f.message) for f in real]
    from parkanalysis.batch import plan_jobs

    labels = [j.label for j in plan_jobs(folder, 2016, out_dir=tmp_path / "out")]
    assert not any("7月" in x or "全年" in x or "年度" in x for x in labels), labels
    assert main(["indicators", str(folder), "--period", "2016"]) == 2


def test_stray_2099_row_is_refused(tmp_path, capsys):
    folder = copy_sample(tmp_path)
    _future_row("2099-12")(folder)
    with pytest.raises(DataError, match="future_month"):
        load_dataset(folder)
    assert main(["indicators", str(folder), "--period", "2016"]) == 2
    assert "2099" in capsys.readouterr().err


def test_ledger_in_hectares_is_not_called_missing_parcels(tmp_path):
    folder = copy_sample(tmp_path)
    _ledger_in_hectares(folder)
    report = validate_dataset(folder)
    texts = [f.message for f in [*report.errors, *report.warnings]]
    assert not any("漏登" in t for t in texts)
    (unit,) = [f for f in report.errors if f.rule == "unit_suspect"]
    assert "公顷" in unit.message and unit.column == "面积(亩)"


@pytest.mark.parametrize(("old", "meant"), [("税收(万元)", "万元"), ("工业总产值(万元)", "万元")])
def test_unit_finding_says_which_unit_was_meant(tmp_path, old, meant):
    folder = copy_sample(tmp_path)
    new = old.replace("万元", "元")
    _rename(M, old, new)(folder)
    (f,) = [f for f in validate_dataset(folder).errors if f.rule == "unit_suspect"]
    assert f.column == new and f"以「{meant}」填写" in f.message


def test_unknown_key_names_line_and_nearest_key(tmp_path):
    folder = copy_sample(tmp_path)
    text = (folder / "park.yaml").read_text(encoding="utf-8")
    text = text.replace("    min_enterprises: 3", "    min_enterprise: 3")
    (folder / "park.yaml").write_text(text, encoding="utf-8")
    line = 1 + text.splitlines().index("    min_enterprise: 3")
    (f,) = [f for f in validate_dataset(folder).errors if f.rule == "unknown_key"]
    assert (f.file, f.row, f.column) == ("park.yaml", line, "config.share.min_enterprise")
    assert "「min_enterprises」" in f.message


def test_sources_section_is_accepted(tmp_path):
    folder = copy_sample(tmp_path)
    _yaml(["sources"], {"monthly_stats.csv": {"table": "monthly_stats"}})(folder)
    report = validate_dataset(folder)
    assert report.ok and not [f for f in report.warnings if f.rule == "unknown_key"]


def test_exited_enterprise_finding_names_enterprise_and_months(tmp_path):
    folder = copy_sample(tmp_path)
    eid = enterprise_with_rows_after(folder, "2015-06")
    set_enterprise(folder, eid, "退出日期", "2015-06-30")
    (f,) = [f for f in validate_dataset(folder).errors if f.rule == "stats_after_exit"]
    m = read(folder, M)
    after = m[(m["企业代码"] == eid) & (m["月份"] > "2015-06")]
    assert f.value == eid and f"{len(after)} 行" in f.message
    assert m.iloc[f.row - 2]["企业代码"] == eid


# -- completeness gate ----------------------------------------------------------------------------


def test_late_june_period_is_refused_unless_allowed(tmp_path, capsys):
    folder = copy_sample(tmp_path)
    late_june(folder)
    report = validate_dataset(folder)
    assert report.ok and report.complete_to == {"GMY": (2016, 5)}
    assert "数据完整至:GMY 2016年5月" in report.to_text()
    assert main(["indicators", str(folder), "--period", "2016H1"]) == 2
    err = capsys.readouterr().err
    assert "报送率" in err and "--allow-incomplete" in err
    assert main(["indicators", str(folder), "--period", "2016H1", "--allow-incomplete",
                 "--format", "csv"]) == 0  # fmt: skip
    assert main(["render", "period", "--data", str(folder), "--period", "2016H1",
                 "--out", str(tmp_path / "out")]) == 2  # fmt: skip
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    # the batch plans complete months only, unless told otherwise
    from parkanalysis.batch import plan_jobs

    plain = plan_jobs(folder, 2016, out_dir=tmp_path / "out")
    planned = {j.params.get("period") for j in plain if j.kind == "period"}
    assert "2016-01..2016-05" in planned
    assert not any(p.endswith(("06", "H1", "Q2")) for p in planned), planned
    allowed = plan_jobs(folder, 2016, out_dir=tmp_path / "out", allow_incomplete=True)
    h1 = [j for j in allowed if j.params.get("period") == "2016H1"]
    assert h1 and h1[0].params["allow_incomplete"] is True


def test_march_missing_period_below_threshold_is_refused(tmp_path):
    folder = copy_sample(tmp_path)
    m = read(folder, M)
    n_march = (m["月份"] == "2016-03").sum()
    k = int(np.ceil(n_march * 0.5))  # half: 1-3月 pooled 报送率 ≈ 83%, below 0.9
    drop_months(folder, "2016-03", k)
    from parkanalysis.dataset.completeness import require_complete
    from parkanalysis.periods import parse_period

    ds = load_dataset(folder)
    with pytest.raises(IncompleteDataError):
        require_complete(ds, parse_period("2016-03"))
    status = require_complete(ds, parse_period("2016-03"), allow_incomplete=True)
    rate = rate_text((n_march - k) / n_march, int(n_march), int(n_march - k))
    assert status.sentence().startswith(f"2016年3月企业统计{rate}")
    assert main(["batch", "--data", str(folder), "--year", "2016", "--out",
                 str(tmp_path / "out"), "--quiet"]) == 2  # fmt: skip
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


# -- reports ------------------------------------------------------------------------------------


def test_safety_without_hazard_data_says_so(tmp_path):
    from parkanalysis.report import PeriodReport
    from parkanalysis.safety import NO_DATA_SENTENCE

    folder = copy_sample(tmp_path)
    (folder / H).unlink()
    html = PeriodReport(data=str(folder), period="2016H1").safety()._repr_html_()
    from parkanalysis.report.form import chinese_form

    assert chinese_form(NO_DATA_SENTENCE) in html and "未排查出安全隐患" not in html


def test_period_without_inspections_says_so(tmp_path):
    from parkanalysis.report import PeriodReport
    from parkanalysis.report.form import chinese_form
    from parkanalysis.safety import NO_RECORDS_SENTENCE

    folder = copy_sample(tmp_path)
    h = read(folder, H)
    write(folder, H, h[~h["排查日期"].str.startswith("2016")])
    for share in (False, True):
        r = PeriodReport(data=str(folder), period="2016H1", share=share)
        html = r.safety()._repr_html_()
        assert chinese_form(NO_RECORDS_SENTENCE) in html and "未排查出安全隐患" not in html


def test_late_june_h1_report_states_the_rate(tmp_path):
    """One real papermill render: the H1 report on late June data (--allow-incomplete)."""
    from parkanalysis.render import render_report

    folder = copy_sample(tmp_path)
    complete = load_dataset(SAMPLE)
    late_june(folder)
    result = render_report(
        "period", out_dir=tmp_path / "out", data=str(folder), period="2016H1",
        allow_incomplete=True,
    )  # fmt: skip
    assert result.status == "rendered", result.error
    html = result.html_path.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    m = read(folder, M)
    june = m[m["月份"] == "2016-06"]
    employees_reported = int(pd.to_numeric(june["从业人员(人)"]).sum())
    assert f"{employees_reported}人" not in text  # the one enterprise's staff as the park's
    t = indicator_table(complete, "2016H1").set_index("id")
    assert t.loc["employees", "value"] != employees_reported
    in_h1 = m["月份"].between("2016-01", "2016-06")
    s = read(SAMPLE, M)
    expected = int(s["月份"].between("2016-01", "2016-06").sum())  # the sample reports fully
    reported = int(in_h1.sum())
    from parkanalysis.report.form import chinese_form  # every report text is in Chinese form

    assert chinese_form(rate_text(reported / expected, expected, reported)) in text
    assert "数据仅完整至 2016年5月" in text and "不作经济运行分析" in text
    complete_growth = t.loc["industrial_output", "yoy_pct"]
    wrong = indicator_table(load_dataset(folder), "2016H1", park=None)
    assert "缺报未计入" in wrong.set_index("id").loc["industrial_output", "scope"]
    for bad in ("下降11.3%", "-11.3%", f"{complete_growth:.1f}%"):
        assert bad not in text


def test_share_copy_states_the_rate_without_enterprise_ids(tmp_path):
    from parkanalysis.report import PeriodReport

    folder = copy_sample(tmp_path)
    who = drop_months(folder, "2016-03", 2)
    # from 2015 on: the share copy's protected table of 2016 holds 2015's; the sample's 2012-2014
    # were three more tables of the chain to build and suppress first (half its CPU)
    m = read(folder, M)
    write(folder, M, m[m["月份"] >= "2015-01"])
    html = PeriodReport(data=str(folder), period="2016年1-5月", share=True).economy()._repr_html_()
    assert "报送率" in html and "缺报企业 2 家" in html
    assert not any(eid in html for eid in who)
    full = PeriodReport(data=str(folder), period="2016年1-5月").economy()._repr_html_()
    assert all(eid in full for eid in who) and "*" in full
