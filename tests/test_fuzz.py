"""Property tests of the readers and the period parser (Hypothesis).

Whatever the bytes of a table file, :func:`validate_dataset` returns findings and never raises,
and :func:`load_dataset` either returns a dataset or raises :class:`DataError`; a single changed
cell is reported at the row that holds it. :func:`parse_period` raises only
:class:`PeriodError`, and every period it returns reads back identically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from parkanalysis.dataset import load_dataset, validate_dataset
from parkanalysis.dataset.readers import MAX_XLSX_COLUMNS
from parkanalysis.errors import DataError, PeriodError
from parkanalysis.periods import KINDS, Period, parse_period
from tests.malformed import BASE, base_files, checksums, csv_rows, write_files

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: Findings that may legitimately point at another row than the changed one: the first of two
#: duplicate keys is not the duplicate, and growth is reported on the latest month's row.
#: Rules about an enterprise's whole series (a changed cell can make another row's month
#: missing, late or out of order): their findings name the series' row, not the changed one.
OTHER_ROW_RULES = {
    "duplicate_key",
    "growth_outlier",
    "missing_report",
    "late_reports",
    "monthly_looks_cumulative",
    "cumulative_decreasing",
}


@pytest.fixture(scope="module")
def folder():
    root = Path(tempfile.mkdtemp(prefix="parkanalysis-fuzz-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _fresh(folder: Path, files: dict) -> Path:
    """Write ``files`` as the whole content of ``folder`` (removing what an example left)."""
    for p in folder.iterdir():
        p.unlink()
    return write_files(folder, files)


def _check_guarantees(folder: Path):
    """validate never raises; load raises only DataError, exactly when validate finds errors."""
    before = checksums(folder)
    report = validate_dataset(folder)
    assert all(f.rule and f.message for f in [*report.errors, *report.warnings])
    report.to_text()  # printable
    try:
        load_dataset(folder)
    except DataError as exc:
        assert not report.ok
        assert [(f.rule, f.file, f.row) for f in exc.findings] == [
            (f.rule, f.file, f.row) for f in report.errors
        ]
    else:
        assert report.ok, report.to_text()
    assert checksums(folder) == before
    return report


# -- (a) arbitrary bytes and text as enterprises.csv ------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "big5", "latin-1"]


@FUZZ
@given(st.binary(max_size=3000))
def test_csv_reader_on_arbitrary_bytes(folder, data):
    files = base_files()
    files["enterprises.csv"] = data
    _check_guarantees(_fresh(folder, files))


@FUZZ
@given(
    st.text(max_size=400),
    st.sampled_from(ENCODINGS),
    st.booleans(),
    st.integers(0, 400),
)
def test_csv_reader_on_arbitrary_text_in_any_encoding(folder, text, encoding, keep_header, cut):
    files = base_files()
    content = (BASE["enterprises.csv"][: cut or None] + text) if keep_header else text
    files["enterprises.csv"] = content.encode(encoding, errors="replace")
    _check_guarantees(_fresh(folder, files))


# -- (b) structured: one cell of a valid table replaced ---------------------------------------

CELL_VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(0, 10**9).map(lambda n: unicodedata.normalize("NFKC", str(n)).translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}
    )),  # full-width digits
    st.sampled_from(
        [
            "=SUM(A1:A3)", "=1/0", "#DIV/0!", "#N/A", "—", "无", "", " ", "-0", "1e400",
            "３，１２６", "3,12", "1,000,000", "8.5%", "TRUE", "是", "2016-02-30", "2016年13月",
            "0001-01-01", "42521", "42521.5", "E01", "GMY", "1号地", "P9", "亩", "公顷", '"',
            "a\nb", "\x00",
        ]
    ),
)  # fmt: skip

TABLES = ["enterprises.csv", "monthly_stats.csv", "parcels.csv", "hazards.csv", "buildings.csv"]


def _csv_text(rows: list[list[str]]) -> str:
    # CRLF as Excel writes it: the csv module then quotes any cell holding \r or \n. With a
    # bare "\n" terminator a lone "\r" cell is left unquoted and really is a line break —
    # Excel would show the row one lower, and so does the reader.
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


@st.composite
def one_cell_changed(draw):
    name = draw(st.sampled_from(TABLES))
    rows = csv_rows(BASE[name])
    row = draw(st.integers(2, len(rows)))  # Excel row (1 is the header)
    col = draw(st.integers(0, len(rows[0]) - 1))
    value = draw(CELL_VALUES)
    rows[row - 1][col] = value
    return name, row, rows[0][col], value, _csv_text(rows)


@FUZZ
@given(one_cell_changed())
def test_one_changed_cell_is_reported_on_its_row(folder, change):
    name, row, header, value, text = change
    files = base_files()
    files[name] = text
    report = _check_guarantees(_fresh(folder, files))
    for f in [*report.errors, *report.warnings]:
        if f.file == name and f.row is not None and f.rule not in OTHER_ROW_RULES:
            assert f.row == row, (str(f), row, header, value)
        if f.file == name and f.column is not None and f.row == row and f.rule == "bad_value":
            assert f.column == header, (str(f), header)


# -- (c) XLSX: random layouts and cell values --------------------------------------------------

XLSX_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1)),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["=1/0", "=A1", "=SUM(A1:A3)", "#N/A", "３１２６", "2016年5月", "—"]),
)


def _typed(cell: str):
    if cell == "":
        return None
    try:
        return float(cell) if cell[0].isdigit() and "-" not in cell else cell
    except ValueError:
        return cell


@st.composite
def xlsx_layout(draw):
    name = draw(st.sampled_from(["enterprises", "monthly_stats", "parcels"]))
    rows = [[_typed(c) for c in r] for r in csv_rows(BASE[f"{name}.csv"])]
    titles = draw(st.integers(0, 3))
    merged = draw(st.booleans())
    hidden_first = draw(st.booleans())
    blank_after = draw(st.sets(st.integers(1, len(rows) - 1), max_size=2))
    changed = None
    if draw(st.booleans()):
        r = draw(st.integers(1, len(rows) - 1))
        c = draw(st.integers(0, len(rows[0]) - 1))
        rows[r][c] = draw(XLSX_VALUES)
        changed = (r, c)
    extra_col = draw(st.one_of(st.none(), st.integers(len(rows[0]) + 1, 300)))
    return name, rows, titles, merged, hidden_first, sorted(blank_after), changed, extra_col


def _xlsx(layout) -> tuple[bytes, int | None]:
    import openpyxl

    _, rows, titles, merged, hidden_first, blank_after, changed, extra_col = layout
    wb = openpyxl.Workbook()
    ws = wb.active
    if hidden_first:
        ws.title = "说明"
        ws.append(["园区代码", "企业代码"])
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("数据")
        wb.active = 1
    for i in range(titles):
        ws.append([f"标题{i}"])
        if merged:
            ws.merge_cells(start_row=i + 1, start_column=1, end_row=i + 1, end_column=4)
    changed_row = None
    for i, r in enumerate(rows):
        ws.append(r)
        if changed and i == changed[0]:
            changed_row = ws.max_row
        if extra_col:
            ws.cell(row=ws.max_row, column=extra_col, value="备注")
        if i in blank_after:
            ws.append([])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), changed_row


@FUZZ
@given(xlsx_layout())
def test_xlsx_reader_on_random_layouts(folder, layout):
    name = layout[0]
    try:
        data, changed_row = _xlsx(layout)
    except Exception:  # openpyxl refuses some values (e.g. dates it cannot store)
        assume(False)
    files = base_files()
    del files[f"{name}.csv"]
    files[f"{name}.xlsx"] = data
    report = _check_guarantees(_fresh(folder, files))
    # a stray 备注 column (header and cells) within the columns read is not dropped silently
    stray = [w for w in report.warnings if w.rule == "unknown_column" and w.column == "备注"]
    assert len(stray) == (1 if layout[7] and layout[7] <= MAX_XLSX_COLUMNS else 0), stray
    # past the columns read, it is listed as unread content (never dropped in silence)
    far = [w for w in report.warnings if w.rule == "content_not_read"]
    assert len(far) == (1 if layout[7] and layout[7] > MAX_XLSX_COLUMNS else 0), far
    if layout[6] is None:  # nothing changed: only the layout differs, which must not matter
        assert report.ok and len(report.warnings) == len(stray) + len(far), report.to_text()
        return
    for f in [*report.errors, *report.warnings]:
        if f in stray or f in far:
            continue
        if f.file == f"{name}.xlsx" and f.row is not None and f.rule not in OTHER_ROW_RULES:
            assert f.row == changed_row, (str(f), changed_row)


@FUZZ
@given(st.binary(min_size=1, max_size=2000), st.integers(0, 6000))
def test_xlsx_reader_on_corrupted_workbooks(folder, noise, offset):
    """Real workbooks with bytes overwritten somewhere: refused or read, never a crash."""
    import openpyxl

    wb = openpyxl.Workbook()
    for r in csv_rows(BASE["parcels.csv"]):
        wb.active.append([_typed(c) for c in r])
    buf = io.BytesIO()
    wb.save(buf)
    data = bytearray(buf.getvalue())
    offset %= len(data)
    data[offset : offset + len(noise)] = noise
    files = base_files()
    del files["parcels.csv"]
    files["parcels.xlsx"] = bytes(data)
    _check_guarantees(_fresh(folder, files))


# -- (d) the period parser --------------------------------------------------------------------


@st.composite
def periods(draw):
    year = draw(st.integers(1949, 2100))
    kind = draw(st.sampled_from(KINDS))
    if kind == "month":
        return Period.of_month(year, draw(st.integers(1, 12)))
    if kind == "cumulative":
        return Period.of_cumulative(year, draw(st.integers(2, 12)))
    if kind == "quarter":
        return Period.of_quarter(year, draw(st.integers(1, 4)))
    if kind == "half":
        return Period.of_half(year, draw(st.integers(1, 2)))
    return Period.of_year(year)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@settings(max_examples=150, deadline=None)
@given(periods(), st.sampled_from(["label", "str", "slug"]), st.booleans(), st.booleans())
def test_period_round_trips_through_every_spelling(p, spelling, full_width, spaces):
    text = {"label": p.label, "str": str(p), "slug": p.slug}[spelling]
    if full_width:
        text = _full_width(text)
    if spaces:
        text = " " + "　".join(text) + " "
    back = parse_period(text)
    assert back == p and back.kind == p.kind, (text, back.kind)
    assert (back.label, back.slug, str(back)) == (p.label, p.slug, str(p))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(alphabet="0123456789-./年月份季度第一二三四上下半全QqHh~—至 ..１２", max_size=24),
        st.builds(
            "{}{}{}{}".format,
            st.integers(-99999, 99999),
            st.sampled_from(["-", "年", "/", "Q", "H", "..", "年第", ""]),
            st.integers(-99, 999),
            st.sampled_from(["", "月", "季度", "-12月", "..2016-05", "半年"]),
        ),
    )
)
def test_parse_period_only_period_error_and_idempotent(text):
    try:
        p = parse_period(text)
    except PeriodError:
        return
    assert isinstance(p, Period) and 1949 <= p.year <= 2100
    again = parse_period(str(p))
    assert again == p and again.kind == p.kind
    assert parse_period(p.label) == p


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.binary(max_size=8),
        st.lists(st.integers(), max_size=3),
    )
)
def test_parse_period_refuses_non_text_with_period_error(value):
    try:
        p = parse_period(value)
    except PeriodError:
        return
    assert isinstance(value, int) and not isinstance(value, bool)
    assert str(p) in {str(value), f"{str(value)[:4]}-{str(value)[4:]}"}


@settings(max_examples=150, deadline=None)
@given(st.integers(), st.integers(), st.integers(), st.text(max_size=10))
def test_period_constructor_raises_only_period_error(year, start, end, kind):
    try:
        p = Period(year, start, end, kind)
    except PeriodError:
        return
    assert parse_period(str(p)) == p
