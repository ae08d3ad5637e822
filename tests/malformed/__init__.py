"""Fixture generators for dataset tests: a small valid dataset as text, and writers.

``BASE`` maps file names to contents; tests copy it, change one thing, write it to
``tmp_path`` with :func:`write_files`, and check the finding that change must produce.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

PARK_YAML = """\
schema_version: 1
parks:
  - park_id: GMY
    name: 工贸园
    region: 安徽省阜阳市颍州区
    established: 2006
    phases:
      - phase_id: P1
        name: 一期
        unit: 亩
        declared: {total: 100, road: 10, green: 5, water: 5, usable: 80}
config:
  growth_warning_pct: 50
"""

ENTERPRISES = """\
园区代码,企业代码,企业名称,行业代码,企业类型,入园日期,投产日期,退出日期,用地地块
GMY,E01,甲公司,C3311,工业,2014-03-01,2015-01-01,,1号地
GMY,E02,乙商贸,,商贸,2015-06-01,,,
"""

MONTHLY = """\
园区代码,企业代码,月份,工业总产值(万元),工业增加值(万元),主营业务收入(万元),税收(万元),从业人员(人),固定资产投资(万元)
GMY,E01,2015-02,1000,250,1100,30,120,0
GMY,E01,2015-03,600,150,650,20,121,
GMY,E01,2016-02,1100,260,1200,33,125,10
GMY,E01,2016-03,640,160,700,22,126,
GMY,E02,2016-02,,,300,5,10,
"""

PARCELS = """\
园区代码,地块编号,期别,面积(亩),规划用途,报批状态,报批日期,供应状态,供地方式,供地日期,受让人/项目,建设状态,建筑基底面积(平方米)
GMY,1号地,P1,50,工业,已报批,2013-05-01,已供,挂牌出让,2014-01-10,甲公司,已建成,12000
GMY,2号地,P1,30,工业,已报批,2013-05-01,未供,,,,未建,
GMY,R1,P1,10,道路,已报批,,未供,,,,,
GMY,G1,P1,5,绿地,未报批,,未供,,,,,
GMY,W1,P1,5,水域,未报批,,未供,,,,,
"""

PROJECTS = """\
园区代码,项目代码,项目名称,企业代码,项目类型,计划总投资(万元),开工日期,项目状态
GMY,XM1,温莎公馆,,住宅,50000,2014-05-01,在建
"""

BUILDINGS = """\
园区代码,项目代码,楼栋号,填报日期,用途,设计层数,已建层数,形象进度
GMY,XM1,5#,2016-06-30,住宅,18,6,主体施工
GMY,XM1,教堂,2016-06-30,公共,3,3,主体完工
"""

HAZARDS = """\
园区代码,隐患编号,企业代码,排查日期,隐患类别,隐患等级,整改期限,整改完成日期,复查日期,复查通过
GMY,H1,E01,2016-03-01,消防,一般,2016-03-15,2016-03-10,2016-03-20,是
"""

RELOCATIONS = """\
园区代码,编号,企业代码,进展,进展日期,腾退土地(公顷),涉及地块
GMY,R01,E02,洽谈中,2016-05-01,2,2号地
"""

PUBLISHED = """\
园区代码,指标代码,时期,数值,单位,同比(%),来源
GMY,tax,2016年1-5月,3126,万元,,半年工作总结
"""

BASE: dict[str, str | bytes] = {
    "park.yaml": PARK_YAML,
    "enterprises.csv": ENTERPRISES,
    "monthly_stats.csv": MONTHLY,
    "parcels.csv": PARCELS,
    "projects.csv": PROJECTS,
    "buildings.csv": BUILDINGS,
    "hazards.csv": HAZARDS,
    "relocations.csv": RELOCATIONS,
    "published.csv": PUBLISHED,
}


def base_files() -> dict[str, str | bytes]:
    """A fresh copy of :data:`BASE`."""
    return dict(BASE)


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (text as UTF-8, bytes as is) into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file in ``folder`` (to prove loading never modifies raw files)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def csv_rows(text: str) -> list[list[str]]:
    """Split simple CSV text (no quoting) into cells."""
    return [line.split(",") for line in text.splitlines()]


def rows_csv(rows: list[list[str]]) -> str:
    """Join cells back into CSV text."""
    return "".join(",".join(r) + "\n" for r in rows)


def set_cell(text: str, row: int, header: str, value: str) -> str:
    """Return CSV ``text`` with the cell at Excel ``row`` (1 = header) under ``header`` set."""
    rows = csv_rows(text)
    rows[row - 1][rows[0].index(header)] = value
    return rows_csv(rows)


def xlsx_bytes(
    rows: list[list],
    *,
    title_rows: list[str] = (),
    hidden_first: bool = False,
    merge_title: bool = True,
) -> bytes:
    """An XLSX workbook with optional merged title rows above ``rows`` (header first)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    if hidden_first:
        ws.title = "说明"
        ws.append(["这张表是隐藏的,不应被读取"])
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("数据")
    width = max(len(r) for r in rows)
    for t in title_rows:
        ws.append([t] if t else [])
        if t and merge_title:
            ws.merge_cells(
                start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width
            )
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb_xlsx(inflated_bytes: int = 40 * 2**20) -> bytes:
    """A tiny .xlsx whose sheet inflates to ``inflated_bytes`` of zeros (ratio ≈ 1000)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        chunk = b"0" * 2**20
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(inflated_bytes // len(chunk)):
                fh.write(chunk)
    return buf.getvalue()
