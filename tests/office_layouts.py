"""The layout writer of whole office folders: register, statistics and ledger as offices keep them.

:func:`write_folder` writes the sample park's canonical tables (``data/sample``) as a park
office would, in one of :data:`FOLDERS`. Each folder combines a register layout, a statistics
layout and a ledger layout (tests/test_layouts.py holds the statistics layouts alone):

register
    ``canonical`` (enterprises.csv as it is); ``office``: XLSX with a title row, 所属行业 as
    GB/T 4754 大类 names, 企业类型 in office words (工业企业 …), 入驻时间 to the month
    (``2014.03``, ``2014年3月``, the number 2013.1), 企业状态 (在营 / 迁出 with 迁出时间),
    a 合计 row and a 填表人 footer; ``credit``: GBK CSV with 统一社会信用代码 beside 企业代码;
    ``two_parks``: the office register with a 所属园区 column naming two parks.
ledger
    ``canonical``; ``hectares``: XLSX in 公顷 without 期别 / 供应状态 / 报批状态, GB/T 21010
    use names (工业用地, 城镇村道路用地 …), 征迁完成 / 征迁中 / 未征迁, a title row and a
    footer; ``mu_gbk``: the same as a GBK CSV in 亩 with 报批时间 (status implied from it).
statistics
    the layouts of tests/test_layouts.py (:data:`tests.test_layouts.LAYOUTS`), and here
    ``files_per_month`` (one GBK CSV per month, the month in the file name only, numbers as
    text with thousands separators and full-width digits, a 合计 row and a footer),
    ``files_per_year`` (one workbook per year, a sheet per month 「1月」…, the year in the
    file name),
    ``cumulative_credit`` (a GBK 1-N月 statement keyed by 统一社会信用代码),
    ``sheets_by_name_park`` (a sheet per month keyed by name, with 所属园区),
    ``sheet_per_park`` (a sheet per park named after it, 月份 column, keyed by 企业代码),
    ``wide_by_indicator`` (months as columns: a sheet per indicator, a row per enterprise
    keyed by name, a column per month — date cells on the first sheet, 2016年3月 text on the
    others — with a 合计 row and a footer).

A two-park folder holds the sample twice: the sample park (工贸园) and a copy of it
(新材料园) with the same enterprise names — so that reading a name needs the park column,
and each park's figures must equal the sample's. The other tables (projects …) name the
park by its name in a 所属园区 column.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from parkanalysis.industry import industry_of
from tests import test_layouts as TL
from tests.conftest import SAMPLE

PARK_NAMES = ("工贸园", "新材料园")
#: folder layout → (register, statistics, ledger, parks)
FOLDERS = {
    "office_register_sheets": ("office", "sheets_by_code", "canonical", 1),
    "hectare_ledger_csv_by_name": ("canonical", "csv_gbk_by_name", "hectares", 1),
    "credit_cumulative_mu_gbk": ("credit", "cumulative_credit", "mu_gbk", 1),
    "files_per_month": ("office", "files_per_month", "hectares", 1),
    "files_per_year": ("canonical", "files_per_year", "mu_gbk", 1),
    "two_parks": ("two_parks_flag", "sheets_by_name_park", "hectares", 2),
    "two_parks_sheet_per_park": ("two_parks", "sheet_per_park", "mu_gbk", 2),
    "wide_months": ("canonical", "wide_by_indicator", "canonical", 1),
    "wide_months_grouped": ("canonical", "wide_months_grouped", "mu_gbk", 1),
    "stacked_register_months": ("stacked", "stacked_months", "hectares", 1),
    "flag_register_no_start": ("flag_no_start", "sheets_by_code", "canonical", 1),
}
#: registers without 投产日期 (a 是否规上 column instead): 新投产企业数 cannot be counted
NO_START = ("flag_no_start", "two_parks_flag")
#: statistics layouts whose reference has January and February combined
COMBINED = ("cumulative_credit",)

_USE_WORDS = {
    "工业": "工业用地",
    "道路": "城镇村道路用地",
    "绿地": "公园与绿地",
    "水域": "水域及水利设施用地",
    "公共设施": "公用设施用地",
    "仓储物流": "仓储用地",
    "商业": "商服用地",
    "商住": "商住",
}
_RESETTLEMENT = {"已完成": "征迁完成", "进行中": "征迁中", "未启动": "未征迁"}
_KIND = {"工业": "工业企业", "商贸": "商贸企业", "服务业": "服务业"}


def credit_code(enterprise_id: str) -> str:
    """A made-up 18-character 统一社会信用代码 for an enterprise id."""
    digits = "".join(str(ord(c) % 10) for c in enterprise_id)
    return ("91341200" + digits + "0000000000")[:17] + "X"


def month_text(date: str, i: int) -> object:
    """An entry date to the month, as offices type it (text, 年月, or a number)."""
    y, m = int(date[:4]), int(date[5:7])
    kind = i % 3
    if kind == 0:
        return f"{y}.{m:02d}"
    if kind == 1:
        return f"{y}年{m}月"
    return y + m / 10 if m < 10 else f"{y}.{m}"  # 2013.1: the number an office types


def _xlsx(path: Path, title: str, header: list[str], rows: list[list], total: list | None = None,
          below: tuple | None = None):  # fmt: skip
    """A titled table (and a footer); ``below``: ``(title, header, rows)`` of a second
    table stacked under it after two blank rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for r in rows:
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in r])
    if total is not None:
        ws.append(total)
    if below is not None:
        ws.append([])
        ws.append([])
        ws.append([below[0]])
        ws.append(below[1])
        for r in below[2]:
            ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in r])
    ws.append([])
    ws.append([TL.FOOTER])
    wb.save(path)


def _park_frame(df: pd.DataFrame, parks: int) -> pd.DataFrame:
    """``df`` (canonical, 园区代码 GMY) for ``parks`` parks, the park named in 所属园区."""
    out = []
    for name in PARK_NAMES[:parks]:
        d = df.copy()
        if "园区代码" in d:
            d.insert(0, "所属园区", name)
            d = d.drop(columns="园区代码")
        out.append(d)
    return pd.concat(out, ignore_index=True)


def _register(folder: Path, kind: str, parks: int) -> None:
    e = pd.read_csv(SAMPLE / "enterprises.csv", dtype=str)
    if kind == "canonical":
        e.to_csv(folder / "enterprises.csv", index=False)
        return
    if kind == "credit":
        e.insert(2, "统一社会信用代码", [credit_code(x) for x in e["企业代码"]])
        text = e.to_csv(index=False, lineterminator="\r\n")
        (folder / "企业名录.csv").write_bytes(text.encode("gbk"))
        return
    two = kind.startswith("two_parks")
    park = ["所属园区"] if two else []
    header = ["序号", *park, "企业代码", "企业名称", "所属行业", "企业类型", "入驻时间",
              "投产日期", "企业状态", "迁出时间", "用地地块"]  # fmt: skip
    rows = []
    for park in PARK_NAMES[: parks if two else 1]:
        for i, r in e.iterrows():
            gone = isinstance(r["退出日期"], str)
            rows.append([
                len(rows) + 1,
                *([park] if two else []),
                r["企业代码"],
                r["企业名称"],
                industry_of(r["行业代码"]).division_name,
                _KIND[r["企业类型"]],
                month_text(r["入园日期"], i),
                r["投产日期"],
                "迁出" if gone else "在营",
                r["退出日期"] if gone else None,
                r["用地地块"] if isinstance(r["用地地块"], str) else None,
            ])  # fmt: skip
    if kind in NO_START:  # 是否规上 (the latest year's) instead of 投产日期
        flags = pd.read_csv(SAMPLE / "above_size.csv", dtype=str)
        flags = flags[flags["年份"] == flags["年份"].max()].set_index("企业代码")["是否规上"]
        at = header.index("投产日期")
        header[at] = "是否规上"
        for r in rows:
            r[at] = flags.get(r[header.index("企业代码")], "否")
        (folder / "above_size.csv").unlink(missing_ok=True)  # the register's flag instead
    total = ["合计", *[None] * (len(header) - 2), f"{len(rows)} 家"]
    if kind == "stacked":  # 在营企业, blank rows, then a titled 迁出企业 table of its own
        gone = [r for r in rows if r[header.index("企业状态")] == "迁出"]
        rows = [r for r in rows if r not in gone]
        _xlsx(folder / "入园企业名录.xlsx", "工贸园入园企业名录(在营)", header, rows, None,
              below=("已迁出企业名单", header[::-1], [r[::-1] for r in gone]))  # fmt: skip
        return
    _xlsx(folder / "入园企业名录.xlsx", "工贸园入园企业名录", header, rows, total)


def _ledger(folder: Path, kind: str, parks: int) -> None:
    p = pd.read_csv(SAMPLE / "parcels.csv", dtype=str)
    if kind == "canonical":
        _park_frame(p, parks).to_csv(folder / "parcels.csv", index=False) if parks > 1 else (
            shutil.copyfile(SAMPLE / "parcels.csv", folder / "parcels.csv")
        )
        return
    out = pd.DataFrame({"地块编号": p["地块编号"]})
    if kind == "hectares":
        out["面积(公顷)"] = p["面积(亩)"].astype(float) / 15
    else:
        out["面积(亩)"] = p["面积(亩)"]
    out["规划用途"] = p["规划用途"].map(_USE_WORDS)
    out["现状用途"] = p["现状用途"].map(_USE_WORDS)
    out["报批时间"] = p["报批日期"]
    out["供地方式"] = p["供地方式"]
    out["供地时间"] = p["供地日期"]
    out["受让单位"] = p["受让人/项目"]
    out["项目代码"] = p["项目代码"]
    out["征迁安置状态"] = p["征迁安置"].map(_RESETTLEMENT)
    for c in ("建设状态", "建筑面积(平方米)", "建筑基底面积(平方米)", "固定资产投资(万元)",
              "成交价款(万元)"):  # fmt: skip
        out[c] = p[c]
    if parks > 1:
        out = pd.concat([out.assign(所属园区=n) for n in PARK_NAMES[:parks]], ignore_index=True)[
            ["所属园区", *out.columns]
        ]
    if kind == "mu_gbk":
        text = out.to_csv(index=False, lineterminator="\r\n")
        (folder / "土地台账.csv").write_bytes(text.encode("gbk"))
        return
    rows = [[i + 1, *r] for i, r in enumerate(out.itertuples(index=False))]
    rows = [[None if isinstance(v, float) and np.isnan(v) else v for v in r] for r in rows]
    _xlsx(folder / "土地利用台账.xlsx", "工贸园土地利用台账", ["序号", *out.columns], rows)


def _others(folder: Path, parks: int, register: str) -> None:
    for t in TL.OTHER_TABLES:
        if t in ("enterprises", "parcels") or (t == "above_size" and register in NO_START):
            continue
        if parks == 1:
            shutil.copyfile(SAMPLE / f"{t}.csv", folder / f"{t}.csv")
        else:
            d = pd.read_csv(SAMPLE / f"{t}.csv", dtype=str)
            _park_frame(d, parks).to_csv(folder / f"{t}.csv", index=False)


def _stats(folder: Path, layout: str, parks: int, defect: str | None) -> list[Path]:
    s = TL.canonical_stats()
    if defect == "month_gone":
        s = s[s["月份"] != "2016-04"]
    if layout in COMBINED:
        s = TL.running_totals(TL.jan_feb_combined(s))
    if defect == "cumulative_as_monthly":
        s = TL.running_totals(s)
    s = s.sort_values(["year", "month", "企业代码"]).reset_index(drop=True)
    bad = defect == "total_wrong"
    months = list(s.groupby(["year", "month"], sort=True))
    paths: list[Path] = []
    if layout == "files_per_month":  # GBK CSV, the month in the file name only
        for (y, m), block in months:
            lines = [
                f"工贸园{y}年{m}月企业主要经济指标",
                ",".join(["序号", "企业代码", *TL.VALUES]),
            ]
            if defect == "sheet_unreadable" and (y, m) == (2016, 4):
                lines = lines[:1]  # the header row lost
            for i in range(len(block)):
                vals = [TL.as_text(block[c].iat[i], i) or "" for c in TL.VALUES]
                vals = [f'"{v}"' if "," in v or "，" in v else v for v in vals]
                lines.append(",".join([str(i + 1), block["企业代码"].iat[i], *vals]))
            sums = [float(block[c].sum()) for c in TL.VALUES]
            if bad and (y, m) == (2016, 3):
                sums[3] += 100.0
            lines.append(",".join(["合计", "", *[repr(round(v, 4)) for v in sums]]))
            lines.append(TL.FOOTER)
            path = folder / f"{y}年{m}月工业企业月报.csv"
            path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
            paths.append(path)
    elif layout == "files_per_year":
        for y, year in s.groupby("year"):
            wb = openpyxl.Workbook()
            wb.remove(wb.active)
            for m, block in year.groupby("month"):
                ws = wb.create_sheet(f"{m}月")
                if defect == "sheet_unreadable" and (y, m) == (2016, 4):
                    ws.append(["甲", "乙"])
                    continue
                if defect == "unknown_id" and (y, m) == (2016, 3):  # a code not in the register
                    block = block.assign(企业代码=["GMY999", *block["企业代码"].iloc[1:]])
                TL.write_block(ws, "企业主要经济指标(当月数)", "企业代码", block,
                               bad=100.0 if bad and (y, m) == (2016, 3) else 0.0)  # fmt: skip
            path = folder / f"{y}年工业企业月报.xlsx"
            wb.save(path)
            paths.append(path)
    elif layout == "cumulative_credit":
        lines = [",".join(["统计期", "统一社会信用代码", "单位详细名称", *TL.VALUES])]
        for (y, m), block in months:
            label = f"{y}年1-{m}月"
            for i in range(len(block)):
                vals = [
                    "" if pd.isna(block[c].iat[i]) else f"{block[c].iat[i]:g}" for c in TL.VALUES
                ]
                code = credit_code(block["企业代码"].iat[i])
                lines.append(",".join([label, code, block["企业名称"].iat[i], *vals]))
        path = folder / "规上工业企业主要指标(1-N月累计).csv"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
        paths.append(path)
    elif layout == "sheets_by_name_park":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for (y, m), block in months:
            ws = wb.create_sheet(f"{y}年{m}月")
            both = pd.concat([block.assign(所属园区=n) for n in PARK_NAMES[:parks]])
            ws.append([f"开发区{y}年{m}月工业企业主要经济指标"])
            ws.append(["序号", "所属园区", "企业名称", *TL.VALUES])
            if defect == "unknown_name" and (y, m) == (2016, 3):  # a name not in the register
                both = both.assign(
                    企业名称=["阜阳市未登记企业有限公司", *both["企业名称"].iloc[1:]]
                )
            for i in range(len(both)):
                ws.append([i + 1, both["所属园区"].iat[i], both["企业名称"].iat[i],
                           *[TL.as_text(both[c].iat[i], i) for c in TL.VALUES]])  # fmt: skip
            ws.append([])
            ws.append([TL.FOOTER])
        path = folder / "开发区工业企业月报.xlsx"
        wb.save(path)
        paths.append(path)
    elif layout == "sheet_per_park":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name in PARK_NAMES[:parks]:
            ws = wb.create_sheet(name)
            ws.append([f"{name}工业企业月度统计"])
            ws.append(["月份", "企业代码", *TL.VALUES])
            for i in range(len(s)):
                ws.append([f"{s['year'].iat[i]}年{s['month'].iat[i]}月", s["企业代码"].iat[i],
                           *[_num(s[c].iat[i]) for c in TL.VALUES]])  # fmt: skip
        path = folder / "分园区月报.xlsx"
        wb.save(path)
        paths.append(path)
    elif layout == "wide_by_indicator":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        ym = sorted(set(zip(s["year"], s["month"], strict=True)))
        names = s.drop_duplicates("企业代码").sort_values("企业代码")
        for k, c in enumerate(TL.VALUES):
            ws = wb.create_sheet(c)
            table = s.pivot(index="企业代码", columns=["year", "month"], values=c)
            ws.append([f"工贸园各企业逐月{c}"])
            heads = [dt.datetime(y, m, 1) if k == 0 else f"{y}年{m}月" for y, m in ym]
            ws.append(["序号", "企业名称", *heads])
            for i, (code, name) in enumerate(
                zip(names["企业代码"], names["企业名称"], strict=True)
            ):
                row = table.loc[code] if code in table.index else None
                cells = [None if row is None else _num(row.get((y, m), np.nan)) for y, m in ym]
                ws.append([i + 1, name, *cells])
            sums = [table[(y, m)].sum(min_count=1) if (y, m) in table else None for y, m in ym]
            if bad and k == 3:
                sums[ym.index((2016, 3))] += 100.0
            ws.append(["合计", None, *[_num(v) for v in sums]])
            ws.append([])
            ws.append([TL.FOOTER])
        path = folder / "各企业逐月主要指标.xlsx"
        wb.save(path)
        paths.append(path)
    elif layout == "stacked_months":  # one sheet: a titled table per month, one under another
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "月报"
        for (y, m), block in months:
            if ws.max_row > 1:
                ws.append([])
                ws.append([])
            if defect == "sheet_unreadable" and (y, m) == (2016, 4):  # 「单位」: not a key
                ws.append([f"工贸园{y}年{m}月企业主要经济指标"])
                ws.append(["序号", "单位", *TL.VALUES])
                for i in range(len(block)):
                    cells = [_num(block[c].iat[i]) for c in TL.VALUES]
                    ws.append([i + 1, block["企业代码"].iat[i], *cells])
                continue
            wrong = 100.0 if bad and (y, m) == (2016, 3) else 0.0
            title = f"工贸园{y}年{m}月企业主要经济指标"
            TL.write_block(ws, title, "企业代码", block, bad=wrong, footer=False)
        if defect == "foreign_table":
            ws.append([])
            ws.append(["分行业汇总(2016年6月)"])
            ws.append(["行业", "企业数", "产值合计"])
            ws.append(["制造业", 36, 9876.5])
        ws.append([])
        ws.append([TL.FOOTER])
        path = folder / "工业企业月报(逐月).xlsx"
        wb.save(path)
        paths.append(path)
    elif layout == "wide_months_grouped":  # a sheet per year; months merged over indicators
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        names = s.drop_duplicates("企业代码").sort_values("企业代码")
        for y, year in s.groupby("year"):
            ws = wb.create_sheet(f"{y}年")
            months = sorted(year["month"].unique())
            width = 2 + len(months) * len(TL.VALUES)
            ws.append([f"工贸园{y}年各企业逐月主要经济指标"])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            top = ["序号", "企业名称"]
            for m in months:
                top += [f"{m}月", *[None] * (len(TL.VALUES) - 1)]
            ws.append(top)
            ws.append([None, None, *TL.VALUES * len(months)])
            for col in (1, 2):
                ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
            for k in range(len(months)):
                c = 3 + k * len(TL.VALUES)
                ws.merge_cells(start_row=2, start_column=c, end_row=2, end_column=c + 5)
            table = year.set_index(["企业代码", "month"])
            for i, (code, name) in enumerate(
                zip(names["企业代码"], names["企业名称"], strict=True)
            ):
                cells = [
                    _num(table.at[(code, m), c]) if (code, m) in table.index else None
                    for m in months
                    for c in TL.VALUES
                ]
                if any(v is not None for v in cells):
                    ws.append([i + 1, name, *cells])
            sums = [_num(year.loc[year["month"] == m, c].sum(min_count=1)) for m in months
                    for c in TL.VALUES]  # fmt: skip
            if bad and y == 2016:
                sums[months.index(3) * len(TL.VALUES) + 3] += 100.0
            ws.append(["合计", None, *sums])
            ws.append([])
            ws.append([TL.FOOTER])
        path = folder / "各企业逐月主要指标(分年).xlsx"
        wb.save(path)
        paths.append(path)
    else:
        raise AssertionError(layout)
    return paths


def _num(v):
    return None if pd.isna(v) else (int(v) if float(v) == int(v) else float(v))


def write_folder(folder: Path, layout: str, defect: str | None = None) -> list[Path]:
    """Write the office folder ``layout`` of :data:`FOLDERS`; return the statistics files."""
    register, stats, ledger, parks = FOLDERS[layout]
    folder.mkdir(parents=True, exist_ok=True)
    if stats in TL.LAYOUTS:
        paths = [TL.write_layout(folder, stats, defect)]
        for t in ("enterprises", "parcels"):
            (folder / f"{t}.csv").unlink()
    else:
        paths = _stats(folder, stats, parks, defect)
    _register(folder, register, parks)
    _ledger(folder, ledger, parks)
    _others(folder, parks, register)
    return paths
