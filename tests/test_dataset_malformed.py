"""Malformed (and awkward but valid) inputs: each change to a small valid dataset must give
exactly the finding it deserves — rule, file, Excel row and column as written — and loading
must never modify the raw files."""

from __future__ import annotations

import codecs

import numpy as np
import pytest

from parkanalysis.dataset import ReadLimits, load_dataset, validate_dataset
from parkanalysis.errors import DataError
from tests.malformed import (
    BASE,
    base_files,
    checksums,
    csv_rows,
    set_cell,
    write_files,
    xlsx_bytes,
    zip_bomb_xlsx,
)

E, M, P = "enterprises.csv", "monthly_stats.csv", "parcels.csv"


def _cell(name, row, header, value):
    def change(files):
        files[name] = set_cell(files[name], row, header, value)

    return change


def _replace(name, old, new):
    def change(files):
        assert old in files[name], old
        files[name] = files[name].replace(old, new, 1)

    return change


def _drop_column(name, header):
    def change(files):
        rows = csv_rows(files[name])
        i = rows[0].index(header)
        files[name] = "".join(",".join(r[:i] + r[i + 1 :]) + "\n" for r in rows)

    return change


def _append(name, line):
    def change(files):
        files[name] += line + "\n"

    return change


def _delete(name):
    def change(files):
        del files[name]

    return change


def _set(name, content):
    def change(files):
        files[name] = content

    return change


def _as_xlsx(name, *, truncate=False, **kw):
    def change(files):
        text = files.pop(name)
        data = xlsx_bytes(csv_rows(text), **kw)
        files[name.replace(".csv", ".xlsx")] = data[: len(data) // 2] if truncate else data

    return change


def _formula_xlsx(files):
    import io

    import openpyxl

    rows = csv_rows(files.pop(M))
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([float(v) if v.replace(".", "").isdigit() and len(v) < 6 else v for v in r])
    ws["G3"] = "=G2*2"  # saved by openpyxl: a formula without a cached value
    buf = io.BytesIO()
    wb.save(buf)
    files["monthly_stats.xlsx"] = buf.getvalue()


def _bad_area_unit_cell(files):
    text = BASE[P].replace("面积(亩),", "面积,面积单位,")
    for area in ("50", "30", "10", "5"):
        text = text.replace(f",P1,{area},", f",P1,{area},,")
    files[P] = text.replace(",P1,50,,", ",P1,50,英亩,")


def _zip_bomb(files):
    del files[E]
    files["enterprises.xlsx"] = zip_bomb_xlsx()


# id, change, (rule, file, row, column)
ERROR_CASES = [
    ("missing_column", _drop_column(E, "企业名称"), ("missing_column", E, 1, "企业名称")),
    ("unparseable_number", _cell(M, 2, "税收(万元)", "3O"), ("bad_value", M, 2, "税收(万元)")),
    (
        "text_in_numeric",
        _cell(M, 3, "从业人员(人)", "一百二十"),
        ("bad_value", M, 3, "从业人员(人)"),
    ),
    ("fractional_count", _cell(M, 3, "从业人员(人)", "12.5"), ("bad_value", M, 3, "从业人员(人)")),
    (
        "duplicate_key",
        _append(E, "GMY,E01,甲公司二,,工业,2014-03-01,,,"),
        ("duplicate_key", E, 4, "企业代码"),
    ),
    ("duplicate_month", _append(M, "GMY,E02,2016-02,,,1,1,1,"), ("duplicate_key", M, 7, "月份")),
    ("negative_area", _cell(P, 3, "面积(亩)", "-30"), ("negative_value", P, 3, "面积(亩)")),
    ("negative_tax", _cell(M, 4, "税收(万元)", "-1"), ("negative_value", M, 4, "税收(万元)")),
    (
        "value_added_above_output",
        _cell(M, 2, "工业增加值(万元)", "2000"),
        ("value_added_above_output", M, 2, "工业增加值(万元)"),
    ),
    ("unknown_enterprise", _cell(M, 6, "企业代码", "E99"), ("unknown_reference", M, 6, "企业代码")),
    (
        "unknown_parcel_in_enterprise",
        _cell(E, 2, "用地地块", "1号地;9号地"),
        ("unknown_reference", E, 2, "用地地块"),
    ),
    ("unknown_phase", _cell(P, 3, "期别", "P9"), ("unknown_reference", P, 3, "期别")),
    ("unknown_park", _cell(E, 3, "园区代码", "XYZ"), ("unknown_reference", E, 3, "园区代码")),
    (
        "unknown_project",
        _replace("buildings.csv", "GMY,XM1,教堂", "GMY,XM2,教堂"),
        ("unknown_reference", "buildings.csv", 3, "项目代码"),
    ),
    (
        "exit_before_entry",
        _cell(E, 3, "退出日期", "2015-01-01"),
        ("dates_out_of_order", E, 3, "退出日期"),
    ),
    (
        "supply_before_approval",
        _cell(P, 2, "供地日期", "2013/1/1"),
        ("dates_out_of_order", P, 2, "供地日期"),
    ),
    (
        "deadline_before_inspection",
        _cell("hazards.csv", 2, "整改期限", "2016年2月1日"),
        ("dates_out_of_order", "hazards.csv", 2, "整改期限"),
    ),
    (
        "supplied_without_date",
        _cell(P, 2, "供地日期", ""),
        ("supplied_without_date", P, 2, "供地日期"),
    ),
    (
        "floors_exceed_plan",
        _cell("buildings.csv", 2, "已建层数", "20"),
        ("floors_exceed_plan", "buildings.csv", 2, "已建层数"),
    ),
    ("bad_unit_header", _replace(M, "税收(万元)", "税收(美元)"), ("bad_unit", M, 1, "税收(美元)")),
    (
        "bad_unit_cell",
        _bad_area_unit_cell,
        ("bad_unit", P, 2, "面积单位"),
    ),
    ("bad_choice", _cell(E, 2, "企业类型", "制造"), ("bad_choice", E, 2, "企业类型")),
    ("missing_value", _cell(E, 3, "企业名称", ""), ("missing_value", E, 3, "企业名称")),
    ("bad_date", _cell(E, 2, "入园日期", "2014-02-30"), ("bad_value", E, 2, "入园日期")),
    ("bad_month", _cell(M, 5, "月份", "2016-13"), ("bad_value", M, 5, "月份")),
    (
        "bad_period",
        _cell("published.csv", 2, "时期", "上个月"),
        ("bad_value", "published.csv", 2, "时期"),
    ),
    (
        "bad_bool",
        _cell("hazards.csv", 2, "复查通过", "也许"),
        ("bad_value", "hazards.csv", 2, "复查通过"),
    ),
    ("empty_file", _set(E, ""), ("unreadable_file", E, None, None)),
    (
        "truncated_xlsx",
        _as_xlsx(E, truncate=True),
        ("unreadable_file", "enterprises.xlsx", None, None),
    ),
    (
        "zip_bomb_xlsx",
        _zip_bomb,
        ("unreadable_file", "enterprises.xlsx", None, None),
    ),
    (
        "not_really_csv",
        _set(E, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        ("unreadable_file", E, None, None),
    ),
    (
        "duplicate_columns",
        _replace(M, "税收(万元),", "税收(万元),税收总额,"),
        ("duplicate_column", M, 1, "税收总额"),
    ),
    ("missing_park_yaml", _delete("park.yaml"), ("missing_table", "park.yaml", None, None)),
    (
        "bad_yaml",
        _replace("park.yaml", "    name: 工贸园\n", "    name: 工贸园\n  bad: [unclosed\n"),
        ("unreadable_file", "park.yaml", 5, None),
    ),
    (
        "bad_declared_unit",
        _replace("park.yaml", "unit: 亩", "unit: 英亩"),
        ("bad_unit", "park.yaml", 8, "unit"),
    ),
    ("missing_table", _delete(P), ("missing_table", P, None, None)),
    (
        "title_rows_count_in_row_numbers",
        _set(M, "工贸园2016年企业统计表,,,\n\n" + set_cell(BASE[M], 3, "税收(万元)", "abc")),
        ("bad_value", M, 5, "税收(万元)"),
    ),
    (
        "xlsx_title_rows_count",
        lambda f: (
            _cell(M, 3, "税收(万元)", "abc")(f),
            _as_xlsx(M, title_rows=["工贸园企业月度统计表", ""])(f),
        ),
        ("bad_value", "monthly_stats.xlsx", 5, "税收(万元)"),
    ),
    (
        "formula_without_cached_value",
        _formula_xlsx,
        ("bad_value", "monthly_stats.xlsx", 3, "税收(万元)"),
    ),
    (
        "two_files_one_table",
        lambda f: f.update({"企业名录.csv": BASE[E]}),
        ("duplicate_table", "企业名录.csv", None, None),
    ),
    (
        "footprint_above_area",
        _cell(P, 2, "建筑基底面积(平方米)", "40000"),
        ("footprint_above_area", P, 2, "建筑基底面积(平方米)"),
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_malformed_input_gives_located_error(tmp_path, change, expected):
    files = base_files()
    change(files)
    folder = write_files(tmp_path / "data", files)
    before = checksums(folder)
    rule, file, row, column = expected

    report = validate_dataset(folder)
    located = [(f.rule, f.file, f.row, f.column) for f in report.errors]
    assert (rule, file, row, column) in located, report.to_text()
    assert all(f.message for f in report.errors)
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    assert [(f.rule, f.file, f.row, f.column) for f in info.value.findings] == located
    assert checksums(folder) == before


def test_lazy_validation_collects_every_error(tmp_path):
    files = base_files()
    for change in (
        _cell(M, 2, "税收(万元)", "x"),
        _cell(E, 2, "企业类型", "制造"),
        _cell(P, 3, "期别", "P9"),
        _cell("buildings.csv", 2, "已建层数", "20"),
    ):
        change(files)
    with pytest.raises(DataError) as info:
        load_dataset(write_files(tmp_path, files))
    rules = {f.rule for f in info.value.findings}
    assert {"bad_value", "bad_choice", "unknown_reference", "floors_exceed_plan"} <= rules


def test_findings_are_capped_per_column_with_a_summary(tmp_path):
    files = base_files()
    lines = "".join(f"GMY,E01,2014-{m:02d},x,,,,,\n" for m in range(1, 13))
    lines += "".join(f"GMY,E01,2013-{m:02d},x,,,,,\n" for m in range(1, 13))
    lines += "".join(f"GMY,E01,2012-{m:02d},x,,,,,\n" for m in range(1, 13))
    lines += "".join(f"GMY,E01,2011-{m:02d},x,,,,,\n" for m in range(1, 13))
    lines += "".join(f"GMY,E01,2010-{m:02d},x,,,,,\n" for m in range(1, 13))
    files[M] += lines
    report = validate_dataset(write_files(tmp_path, files))
    bad = [f for f in report.errors if f.rule == "bad_value"]
    assert len(bad) == 51  # 50 located + 1 summary of the remaining 10
    assert bad[-1].row is None and "10" in bad[-1].message


# -- valid but awkward inputs -------------------------------------------------------------------


def _gbk(files):
    for name in (E, M, P):
        files[name] = files[name].encode("gbk")


def _bom(files):
    for name in (E, M, P):
        files[name] = codecs.BOM_UTF8 + files[name].encode("utf-8")


def _title_rows_xlsx(files):
    _as_xlsx(E, title_rows=["工贸园企业名录(2016年6月)", ""])(files)


def _hidden_sheet_xlsx(files):
    _as_xlsx(P, hidden_first=True)(files)


VALID_CASES = [
    (
        "gbk_chinese_headers",
        _gbk,
        lambda ds: ds.enterprises["name"].tolist() == ["甲公司", "乙商贸"],
    ),
    ("utf8_bom", _bom, lambda ds: ds.enterprises["park_id"].tolist() == ["GMY", "GMY"]),
    (
        "merged_title_rows_xlsx",
        _title_rows_xlsx,
        lambda ds: (
            ds.enterprises["enterprise_id"].tolist() == ["E01", "E02"]
            and ds.enterprises["entry_date"].iloc[0].isoformat()[:10] == "2014-03-01"
        ),
    ),
    ("hidden_sheet_ignored", _hidden_sheet_xlsx, lambda ds: len(ds.parcels) == 5),
    # E02 (row 6) has no previous year, so changing its values raises no growth warning
    (
        "full_width_digits",
        _cell(M, 6, "税收(万元)", "３１２６"),
        lambda ds: ds.monthly["tax_wan_yuan"].iloc[4] == 3126.0,
    ),
    (
        "thousands_separators",
        lambda f: (
            _cell(M, 6, "税收(万元)", '"3,126"')(f),
            _cell(M, 6, "主营业务收入(万元)", "3，126.5")(f),
        ),
        lambda ds: (
            ds.monthly[["tax_wan_yuan", "revenue_wan_yuan"]].iloc[4].tolist() == [3126.0, 3126.5]
        ),
    ),
    (
        "yuan_header_converts",
        lambda f: (
            _replace(M, "税收(万元)", "税收（元）")(f),
            _replace(M, ",1100,30,", ",1100,300000,")(f),
            _replace(M, ",650,20,", ",650,200000,")(f),
            _replace(M, ",1200,33,", ",1200,330000,")(f),
            _replace(M, ",700,22,", ",700,220000,")(f),
            _replace(M, ",300,5,", ",300,51234,")(f),
        ),
        lambda ds: ds.monthly["tax_wan_yuan"].tolist() == pytest.approx([30, 20, 33, 22, 5.1234]),
    ),
    (
        "yi_yuan_bracket_header",
        lambda f: [
            _replace(M, a, b)(f)
            for a, b in (
                ("主营业务收入(万元)", "主营业务收入【亿元】"),
                (",1100,", ",0.11,"),
                (",650,", ",0.065,"),
                (",1200,", ",0.12,"),
                (",700,", ",0.07,"),
                (",300,", ",0.03,"),
            )
        ],
        lambda ds: (
            ds.monthly["revenue_wan_yuan"].tolist() == pytest.approx([1100, 650, 1200, 700, 300])
        ),
    ),
    (
        "square_metre_header_converts",
        lambda f: _set(
            P,
            BASE[P]
            .replace("面积(亩)", "面积(平方米)")
            .replace(",P1,50,", ",P1,33333.3333,")
            .replace(",P1,30,", ",P1,20000,")
            .replace(",P1,10,", ",P1,6666.66667,")
            .replace(",P1,5,", ",P1,3333.33333,"),
        )(f),
        lambda ds: ds.parcels["area_mu"].round(3).tolist() == [50, 30, 10, 5, 5],
    ),
    (
        "internal_headers",
        _replace(E, "园区代码,企业代码,企业名称", "park_id,enterprise_id,name"),
        lambda ds: len(ds.enterprises) == 2,
    ),
    (
        "blank_and_dash_as_missing",
        _cell(M, 3, "固定资产投资(万元)", "—"),
        lambda ds: np.isnan(ds.monthly["fixed_asset_investment_wan_yuan"].iloc[1]),
    ),
    (
        "chinese_file_names",
        lambda f: f.update({"企业名录.csv": f.pop(E)}),
        lambda ds: len(ds.enterprises) == 2,
    ),
    (
        "dates_in_chinese",
        _cell(E, 2, "入园日期", "2014年3月1日"),
        lambda ds: str(ds.enterprises["entry_date"].iloc[0])[:10] == "2014-03-01",
    ),
    (
        "month_as_yyyymm",
        _cell(M, 2, "月份", "201502"),
        lambda ds: ds.month_range == ((2015, 2), (2016, 3)),
    ),
]


@pytest.mark.parametrize(
    ("change", "check"), [c[1:] for c in VALID_CASES], ids=[c[0] for c in VALID_CASES]
)
def test_awkward_but_valid_input_loads(tmp_path, change, check):
    files = base_files()
    change(files)
    folder = write_files(tmp_path / "data", files)
    before = checksums(folder)
    ds = load_dataset(folder)
    assert check(ds)
    assert ds.warnings == []
    assert checksums(folder) == before


WARNING_CASES = [
    (
        "ledger_declared",
        _replace("park.yaml", "total: 100", "total: 138"),
        ("ledger_not_closed", "park.yaml", None, "GMY.P1.declared"),
        "38",
    ),
    (
        "ledger_vs_parcels",
        _cell(P, 3, "面积(亩)", "20"),
        ("ledger_not_closed", P, None, "GMY.P1.usable"),
        "10",
    ),
    (
        "growth_outlier",
        _cell(M, 5, "税收(万元)", "90"),
        ("growth_outlier", M, 5, "税收(万元)"),
        "146.0%",
    ),
    (
        "enterprise_without_land",
        _cell(E, 2, "用地地块", ""),
        ("enterprise_without_land", E, 2, "用地地块"),
        "",
    ),
    (
        "absurd_value",
        _cell(M, 2, "从业人员(人)", "200000"),
        ("absurd_value", M, 2, "从业人员(人)"),
        "",
    ),
    (  # a road given by 划拨 may be recorded as supplied; it stays out of the ratios
        "public_land_supplied",
        _replace(P, "道路,已报批,,未供,,", "道路,已报批,,已供,划拨,2014-01-01"),
        ("public_land_supplied", P, 4, "供应状态"),
        "不计入已供应土地",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected", "text"),
    [c[1:] for c in WARNING_CASES],
    ids=[c[0] for c in WARNING_CASES],
)
def test_warnings_do_not_block(tmp_path, change, expected, text):
    files = base_files()
    change(files)
    folder = write_files(tmp_path, files)
    ds = load_dataset(folder)
    located = {(f.rule, f.file, f.row, f.column): f for f in ds.warnings}
    assert expected in located, [str(w) for w in ds.warnings]
    assert text in located[expected].message


def test_growth_outlier_shows_the_value_of_the_cell_it_names(tmp_path):
    files = base_files()
    _cell(M, 5, "税收(万元)", "90")(files)
    warnings = load_dataset(write_files(tmp_path, files)).warnings
    (f,) = [w for w in warnings if w.rule == "growth_outlier"]
    assert (f.row, f.column) == (5, "税收(万元)")
    assert f.value == 90  # that cell, not the enterprise's code
    assert csv_rows(files[M])[4][1] in f.message  # the message names the enterprise


def test_size_limit_is_a_finding_not_a_memory_error(tmp_path):
    folder = write_files(tmp_path, base_files())
    report = validate_dataset(folder, limits=ReadLimits(max_csv_bytes=100))
    assert {(f.rule, f.file) for f in report.errors} >= {
        ("unreadable_file", M),
        ("unreadable_file", P),
    }


def test_report_text_and_dict(tmp_path):
    files = base_files()
    _cell(M, 2, "税收(万元)", "3O")(files)
    report = validate_dataset(write_files(tmp_path, files))
    assert not report.ok
    d = report.to_dict()
    assert d["ok"] is False and d["errors"][0]["rule"] == "bad_value"
    assert d["tables"]["enterprises"] == 2
    text = report.to_text()
    assert "错误" in text and "monthly_stats.csv" in text and "3O" in text


def test_missing_folder_is_reported(tmp_path):
    report = validate_dataset(tmp_path / "nope")
    assert [f.rule for f in report.errors] == ["missing_table"]
