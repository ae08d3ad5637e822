"""Builders of hostile inputs for the hardening tests: XLSX variants written with openpyxl and
patched at the XML level (cached formula values, hidden sheets, entity bombs), a real zip bomb,
a streamed very large monthly_stats CSV, and a runner that measures a subprocess's peak memory.

Everything is generated at test time; nothing here is committed data.
"""

from __future__ import annotations

import io
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests.corpus.warm import WarmCli
from tests.malformed import BASE, csv_rows

# -- running the real command line --------------------------------------------------------------


def cli_command() -> list[str]:
    """The installed ``parkanalysis`` script next to the running interpreter (else ``-m``)."""
    script = Path(sys.executable).with_name("parkanalysis")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "parkanalysis.cli"]  # pragma: no cover


@dataclass
class CliResult:
    """Exit code, decoded output, peak memory (MiB, of this child only) and wall time."""

    returncode: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


#: Runs the CLI as its own child and reports that child's peak RSS. Linux keeps a process's
#: peak RSS across exec, and a child forked (or vforked) straight from pytest starts with
#: pytest's own peak — hundreds of MB late in a run — so the CLI is forked from this small
#: launcher instead, whose memory is all the measured process can inherit.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
with open(os.environ["PA_PEAK_FILE"], "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


#: Commands run by the warm server (:mod:`tests.corpus.warm`): they start no worker or kernel.
WARM_COMMANDS = frozenset({"validate", "indicators", "land", "init"})


def run_cli(args: list[str], *, cwd: Path, env: dict | None = None, timeout: float = 300):
    """Run ``parkanalysis ARGS`` in a process of its own; measure its peak RSS.

    Data commands (:data:`WARM_COMMANDS`) are forked from a server that has imported the
    CLI's modules (:mod:`tests.corpus.warm`; ``PA_TEST_COLD_CLI=1`` turns this off); the rest
    start a fresh interpreter through :data:`_LAUNCHER`. ``timeout`` only turns a hang into a
    failure (the whole process group is killed).
    """
    full_env = {k: v for k, v in os.environ.items() if k != "PARKANALYSIS_DEBUG"}
    # one BLAS thread per child: the corpus runs two children at a time on two cores
    full_env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    full_env.update(env or {})
    with (
        open(os.devnull, "rb") as stdin,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        start = time.monotonic()
        if args and args[0] in WARM_COMMANDS and os.environ.get("PA_TEST_COLD_CLI") != "1":
            run = WarmCli.get().start(args, cwd=cwd, env=full_env, streams=(stdin, out, err))
            ended = run.wait(timeout)
            if ended is None:
                os.killpg(run.pid, signal.SIGKILL)
                ended = run.wait(None)
            returncode, peak_kib = ended
            return _result(returncode, out, err, peak_kib, time.monotonic() - start)
        peak_file = Path(scratch) / "peak"
        full_env["PA_PEAK_FILE"] = str(peak_file)
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, *cli_command(), *args],
            stdin=stdin,
            stdout=out,
            stderr=err,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        seconds = time.monotonic() - start
        peak_kib = float(peak_file.read_text()) if peak_file.exists() else float("nan")
        return _result(proc.returncode, out, err, peak_kib, seconds)


def _result(returncode: int, out, err, peak_kib: float, seconds: float) -> CliResult:
    out.seek(0)
    err.seek(0)
    return CliResult(
        returncode,
        out.read().decode("utf-8", "replace"),
        err.read().decode("utf-8", "replace"),
        peak_kib / 1024,  # Linux: KiB
        seconds,
    )


# -- XLSX ----------------------------------------------------------------------------------


def typed(cell: str):
    """A CSV cell as Excel would hold it: numbers as numbers, the rest as text (None if blank)."""
    if cell == "":
        return None
    try:
        return float(cell) if any(c.isdigit() for c in cell) and "-" not in cell[1:] else cell
    except ValueError:
        return cell


def workbook_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_table(text: str, *, numbers: bool = True) -> bytes:
    """A one-sheet workbook holding the CSV ``text`` (numbers typed when ``numbers``)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in csv_rows(text):
        ws.append([typed(c) for c in r] if numbers else r)
    return workbook_bytes(wb)


def _char(code: int) -> str:
    return chr(code) if code > 127 else f"&#{code};"  # markup characters stay escaped


def patch_zip(data: bytes, member: str, replacements: list[tuple[str, str]]) -> bytes:
    """Rewrite ``member`` of a zip with textual replacements (each must apply)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == member:
                # openpyxl writes with ElementTree or, when installed, lxml: the latter gives
                # <v></v> for <v /> and &#NNNN; for non-ASCII text; patches use the former
                text = content.decode("utf-8").replace("<v></v>", "<v />")
                text = re.sub(r"&#(\d+);", lambda m: _char(int(m.group(1))), text)
                for old, new in replacements:
                    assert old in text, (old, text[-500:])
                    text = text.replace(old, new)
                content = text.encode("utf-8")
            dst.writestr(info.filename, content)
    return out.getvalue()


def merged_header_monthly() -> bytes:
    """monthly_stats with a two-row header: key cells merged down, 「经济指标」 merged across."""
    import openpyxl

    rows = csv_rows(BASE["monthly_stats.csv"])
    header = rows[0]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工贸园企业月度统计表"])
    ws.merge_cells("A1:I1")
    ws.append([*header[:3], "经济指标", None, None, None, None, None])
    ws.append([None, None, None, *header[3:]])
    for cell in ("A2:A3", "B2:B3", "C2:C3", "D2:I2"):
        ws.merge_cells(cell)
    for r in rows[1:]:
        ws.append([typed(c) for c in r])
    return workbook_bytes(wb)


def merged_header_across_enterprises() -> bytes:
    """enterprises whose 「企业名称」 header is merged over two columns (the second holds notes)."""
    import openpyxl

    rows = csv_rows(BASE["enterprises.csv"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*rows[0][:3], None, *rows[0][3:]])
    ws.merge_cells("C1:D1")
    for r in rows[1:]:
        ws.append([*r[:3], "简称", *[c or None for c in r[3:]]])
    return workbook_bytes(wb)


def formula_monthly(*, cached: bool, error: bool = False) -> bytes:
    """monthly_stats whose 税收 cells are formulas ``=v*1``, saved with or without cached values.

    openpyxl never writes cached values; they are patched into the sheet XML as Excel would
    store them. ``error`` gives row 3 a formula whose cached value is ``#DIV/0!``.
    """
    import openpyxl

    rows = csv_rows(BASE["monthly_stats.csv"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(rows[0])
    for r in rows[1:]:
        ws.append([typed(c) for c in r])
    tax = rows[0].index("税收(万元)")
    col = chr(ord("A") + tax)
    patches = []
    for i, r in enumerate(rows[1:], start=2):
        v = r[tax]
        ws[f"{col}{i}"] = f"={v}*1"
        if error and i == 3:
            ws[f"{col}{i}"] = "=1/0"
            old = f'<c r="{col}3"><f>1/0</f><v /></c>'
            patches.append((old, f'<c r="{col}3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'))
        elif cached:
            patches.append((f"<f>{v}*1</f><v />", f"<f>{v}*1</f><v>{v}</v>"))
    data = workbook_bytes(wb)
    return patch_zip(data, "xl/worksheets/sheet1.xml", patches) if patches else data


def hidden_data_sheet(text: str) -> bytes:
    """A visible notes sheet first, the data on a hidden sheet (which is not read)."""
    import openpyxl

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes.append(["本表数据在隐藏的工作表中"])
    ws = wb.create_sheet("数据")
    for r in csv_rows(text):
        ws.append([typed(c) for c in r])
    ws.sheet_state = "hidden"
    return workbook_bytes(wb)


def very_hidden_first(text: str) -> bytes:
    """A ``veryHidden`` first sheet with junk, the data on the visible second sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    junk = wb.active
    junk.title = "宏"
    junk.append(["园区代码", "企业代码", "不应被读取"])
    ws = wb.create_sheet("数据")
    for r in csv_rows(text):
        ws.append([typed(c) for c in r])
    junk.sheet_state = "veryHidden"
    wb.active = 1
    return workbook_bytes(wb)


def all_sheets_hidden(text: str) -> bytes:
    """Every sheet hidden (Excel itself refuses this; files edited by tools have it)."""
    data = xlsx_table(text)
    return patch_zip(data, "xl/workbook.xml", [('state="visible"', 'state="hidden"')])


def empty_workbook() -> bytes:
    import openpyxl

    return workbook_bytes(openpyxl.Workbook())


def dates_as_numbers_enterprises() -> bytes:
    """enterprises.xlsx whose dates are Excel serial numbers in General-formatted cells."""
    import openpyxl

    rows = csv_rows(BASE["enterprises.csv"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(rows[0])
    serial = {"2014-03-01": 41699.0, "2015-01-01": 42005.0, "2015-06-01": 42156.0}
    for r in rows[1:]:
        ws.append([serial.get(c, c or None) for c in r])
    return workbook_bytes(wb)


def far_right_cells(text: str, rows: int = 3000) -> bytes:
    """The table plus ``rows`` stray cells in column 16000 (each row 16000 cells wide if read)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in csv_rows(text):
        ws.append([typed(c) for c in r])
    for i in range(rows):
        ws.cell(row=10 + i, column=16000, value=1)
    return workbook_bytes(wb)


def xml_entity_bomb(text: str) -> bytes:
    """A workbook whose sheet XML declares nested entities (billion laughs) and uses them."""
    data = xlsx_table(text)
    entities = '<!ENTITY a0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    return patch_zip(
        data,
        "xl/worksheets/sheet1.xml",
        [
            ("<worksheet ", f"<!DOCTYPE worksheet [{entities}]><worksheet "),
            ("<t>甲公司</t>", "<t>&a9;</t>"),
        ],
    )


def write_zip_bomb(path: Path, inflated: int = 4 * 2**30) -> None:
    """A valid .xlsx whose sheet XML inflates to ``inflated`` bytes (~1000:1, a few MB on disk).

    The deflate stream is built from one fully flushed block of 1 MiB of zeros repeated, so
    writing a 4 GiB bomb costs a CRC pass, not a compression pass. Sizes are declared honestly
    (zip64), as a real bomb does.
    """
    chunk = b"0" * 2**20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = final.compress(b"") + final.flush(zlib.Z_FINISH)
    n = inflated // len(chunk)
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    members = [
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
        ("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>'),
    ]
    with open(path, "wb") as fh:
        central = []
        for name, content in members:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            body = c.compress(content) + c.flush()
            offset = fh.tell()
            _local_header(fh, name, zlib.crc32(content), len(body), len(content))
            fh.write(body)
            central.append((name, zlib.crc32(content), len(body), len(content), offset))
        name = "xl/worksheets/sheet1.xml"
        offset = fh.tell()
        size = len(block) * n + len(tail)
        _local_header(fh, name, crc, size, len(chunk) * n)
        for _ in range(n):
            fh.write(block)
        fh.write(tail)
        central.append((name, crc, size, len(chunk) * n, offset))
        cd_start = fh.tell()
        for name, crc_, csize, usize, off in central:
            raw = name.encode()
            extra = struct.pack("<HHQQQ", 1, 24, usize, csize, off)
            fh.write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50, 45, 45, 0, 8, 0, 0, crc_,
                    0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(extra), 0, 0, 0, 0, 0xFFFFFFFF,
                )
            )  # fmt: skip
            fh.write(raw + extra)
        cd_end = fh.tell()
        fh.write(
            struct.pack(
                "<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0,
                len(central), len(central), cd_end - cd_start, cd_start,
            )
        )  # fmt: skip
        fh.write(struct.pack("<IIQI", 0x07064B50, 0, cd_end, 1))
        fh.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
        )


def _local_header(fh, name: str, crc: int, csize: int, usize: int) -> None:
    raw = name.encode()
    extra = struct.pack("<HHQQ", 1, 16, usize, csize)
    fh.write(
        struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0, crc,
            0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(extra),
        )
    )  # fmt: skip
    fh.write(raw + extra)


# -- a very large monthly_stats --------------------------------------------------------------


def write_large_dataset(folder: Path, *, target_mb: int = 300, bad_near_end: bool = True):
    """A dataset whose monthly_stats.csv is about ``target_mb`` MB, written in a stream.

    Returns ``(csv_path, bad_row)``: the Excel row of the one bad 税收 cell (``3O``), placed
    a hundred-odd rows before the end, or None.
    """
    from tests.malformed import base_files, write_files

    months = [f"{y}-{m:02d}" for y in range(2005, 2017) for m in range(1, 13)]
    line_bytes = len("GMY,E000000,2016-05,1000,250,1100,30,120,0\n")
    n_ent = max(2, target_mb * 2**20 // (line_bytes * len(months)))
    files = base_files()
    files["enterprises.csv"] = BASE["enterprises.csv"] + "".join(
        f"GMY,E{i:06d},企业{i},,商贸,2004-01-01,,,\n" for i in range(n_ent)
    )
    del files["monthly_stats.csv"]
    write_files(folder, files)
    path = folder / "monthly_stats.csv"
    bad_row = None
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(BASE["monthly_stats.csv"])
        row = BASE["monthly_stats.csv"].count("\n")  # Excel row of the last line written
        for i in range(n_ent):
            prefix = f"GMY,E{i:06d},"
            lines = [f"{prefix}{m},1000,250,1100,30,120,0\n" for m in months]
            if bad_near_end and i == n_ent - 2:
                lines[40] = f"{prefix}{months[40]},1000,250,1100,3O,120,0\n"
                bad_row = row + 41
            fh.write("".join(lines))
            row += len(lines)
    return path, bad_row


def dense_cells(text: str, cells: int = 3_000_000, per_row: int = 100) -> bytes:
    """The table plus ``cells`` numeric cells below it, in rows of ``per_row``.

    The sheet XML inflates about 30-fold (far under the 500:1 zip-bomb guard) and the file is a
    few MB: every size limit in bytes passes, the cell count does not.
    """
    data = xlsx_table(text)
    src = zipfile.ZipFile(io.BytesIO(data))
    sheet = src.read("xl/worksheets/sheet1.xml").decode("utf-8")
    start = len(csv_rows(text)) + 2
    rows = []
    for r in range(start, start + cells // per_row):
        rows.append(f'<row r="{r}">' + "".join(f"<c><v>{r + c}</v></c>" for c in range(per_row)))
        rows.append("</row>")
    sheet = sheet.replace("</sheetData>", "".join(rows) + "</sheetData>")
    sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, sheet.encode("utf-8"))
            else:
                dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


def far_row_numbers(text: str) -> bytes:
    """The table plus one cell in row 1 048 576 (openpyxl would pad a million empty rows)."""
    data = xlsx_table(text)
    return patch_zip(
        data,
        "xl/worksheets/sheet1.xml",
        [
            (
                "</sheetData>",
                '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t> </t></is></c>'
                "</row></sheetData>",
            )
        ],
    )
