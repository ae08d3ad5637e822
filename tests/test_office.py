"""A park office's own files, as they are: ``init`` → validate → indicators → land → render.

The fixtures are written here, in the layouts offices keep (not by the sample generator):

- 企业名录: XLSX, merged title row, two-row header (group headers merged over sub-headers),
  no 园区代码, no 企业代码 but 统一社会信用代码, no 入园日期 (only 投产日期), no parcel links,
  ``用地面积(亩)`` and ``规模以上(2016)``;
- statistics: GBK CSV keyed by enterprise **name**, a title and a note row, 统计期 labels
  ``2015年1-2月`` … ``2016年1-5月``, the statistics bureau's headers with units
  (从业人员期末人数(人), 工业总产值(当年价格)(万元), 应交税金(万元)), one unknown column;
- 土地台账: CSV in 公顷 with GB/T 21010 class names and 征迁安置状态, one unknown column.

Every expected figure is computed in the test by a short pandas script on the raw files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
RNG_SEED = 20160531
N_ENT = 12


def _names():
    trades = [
        "精密机械",
        "新材料",
        "食品",
        "纺织",
        "电子",
        "家具",
        "包装",
        "塑业",
        "化工",
        "医药",
        "建材",
        "光电",
    ]
    return [f"阜阳新桥{t}有限公司" for t in trades[:N_ENT]]


def _codes():
    return [f"91341200MA2N{i:04d}X{i % 10}" for i in range(1, N_ENT + 1)]


def write_register(path: Path, rng) -> pd.DataFrame:
    """XLSX register with a merged title row and a two-row header; returns the truth."""
    names, codes = _names(), _codes()
    land = np.round(rng.uniform(20, 120, N_ENT), 1)
    land[7] = np.nan  # one enterprise without land
    start = [pd.Timestamp(2008 + i % 7, 1 + i % 12, 1) for i in range(N_ENT)]
    start[11] = pd.Timestamp(2016, 3, 1)  # new in 2016
    above = ["是", "否", "是", "否", "是", "否", "否", "是", "否", "否", "是", "否"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名录"
    ws["A1"] = "新桥工业园区企业名录(2016年)"
    ws.merge_cells("A1:H1")
    top = ["序号", "企业名称", "统一社会信用代码", "基本情况", None, "用地及规模", None, "备注"]
    sub = [None, None, None, "行业代码", "投产日期", "用地面积(亩)", "规模以上(2016)", None]
    ws.append(top)
    ws.append(sub)
    for col in "ABCH":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("D2:E2")
    ws.merge_cells("F2:G2")
    for i in range(N_ENT):
        ws.append(
            [
                i + 1,
                names[i],
                codes[i],
                f"C{3400 + i}",
                start[i].to_pydatetime(),
                None if np.isnan(land[i]) else float(land[i]),
                above[i],
                "" if i % 4 else "重点企业",
            ]
        )
    wb.save(path)
    return pd.DataFrame(
        {"name": names, "code": codes, "land_mu": land, "above": above, "start": start}
    )


def write_stats(path: Path, rng) -> pd.DataFrame:
    """GBK CSV keyed by name, cumulative 统计期 labels; returns the rows written."""
    names = _names()
    rows = []
    scales = rng.uniform(50, 900, N_ENT)
    for year, last in ((2015, 12), (2016, 5)):
        for i, name in enumerate(names):
            if year == 2015 and i == 11:
                continue  # started in 2016
            if year == 2016 and i == 9:
                continue  # no 2016 report
            level = scales[i] * (1.0 + 0.08 * (year - 2015))
            flows = rng.uniform(0.8, 1.2, size=(last, 3)) * level * np.array([1.0, 0.95, 0.04])
            cum = np.round(np.cumsum(flows, axis=0), 1)
            staff = int(rng.integers(20, 400))
            for m in range(2, last + 1):  # 1-2月 first, as the bureau reports
                written = name[:4] + " " + name[4:] if i == 3 else name
                rows.append(
                    {
                        "统计期": f"{year}年1-{m}月",
                        "企业名称": written,
                        "从业人员期末人数(人)": staff + m,
                        "工业总产值(当年价格)(万元)": cum[m - 1, 0],
                        "营业收入(万元)": cum[m - 1, 1],
                        "应交税金(万元)": cum[m - 1, 2],
                        "填报人": "张三",
                    }
                )
    df = pd.DataFrame(rows)
    with open(path, "w", encoding="gbk", newline="") as fh:
        fh.write("新桥工业园区规模以上工业企业主要经济指标(累计)\r\n")
        fh.write("单位:万元、人,,,,,,\r\n")
        df.to_csv(fh, index=False, lineterminator="\r\n")
    return df


def write_ledger(path: Path, rng) -> pd.DataFrame:
    """CSV ledger in 公顷 with GB/T 21010 class names and 征迁安置状态."""
    uses = ["工业用地"] * 9 + [
        "商服用地",
        "住宅用地",
        "道路用地",
        "道路用地",
        "公园与绿地",
        "水域及水利设施用地",
        "工业用地",
        "公共管理与公共服务用地",
    ]
    n = len(uses)
    supplied = [True] * 7 + [False, False, True, False, False, False, False, False, False, True]
    rows = []
    for i in range(n):
        rows.append(
            {
                "地块编号": f"XQ-{i + 1:02d}",
                "期别": "一期" if i < 12 else "二期",
                "面积(公顷)": round(float(rng.uniform(1.5, 9.0)), 2),
                "土地用途": uses[i],
                "报批状态": "已报批" if i < 15 else "未报批",
                "供应状态": "已供" if supplied[i] else "未供",
                "供地方式": ("挂牌出让" if i % 3 else "协议出让") if supplied[i] else "",
                "供地日期": f"{2010 + i % 6}-{1 + i % 12:02d}-15" if supplied[i] else "",
                "征迁安置状态": ["已完成", "进行中", "未启动", "不涉及"][i % 4],
                "经办人": "李四",
            }
        )
    df = pd.DataFrame(rows)
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return df


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office")
    rng = np.random.default_rng(RNG_SEED)
    truth = {
        "register": write_register(folder / "企业名录(2016年).xlsx", rng),
        "stats": write_stats(folder / "2016年1-5月工业企业主要指标.csv", rng),
        "ledger": write_ledger(folder / "新桥园区用地台账.csv", rng),
    }
    (folder / "说明.txt").write_text("办公室备忘,不是数据表", encoding="utf-8")
    return folder, truth


def cli(*args, check=True):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc
