"""A small park written to order for boundary tests (plain functions, not fixtures).

:func:`write_park` writes a valid dataset whose enterprises fall into the groups a boundary
needs: comparable firms (both years, every month), entrants (this year only, in the park
since December), leavers (last year only, exited at the year end) and 缺报 firms (both
years, one month of this year not filed). Every figure is a plain function of the firm's
number, so a test recomputes what the package must print from :func:`monthly_rows` alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

#: The months written for each year: 1-2月 as one row (the 1-2月 convention), then 3-5月.
MONTHS = (2, 3, 4, 5)
YEARS = (2015, 2016)
HEADERS = {
    "park_id": "园区代码",
    "enterprise_id": "企业代码",
    "month": "月份",
    "output": "工业总产值(万元)",
    "value_added": "工业增加值(万元)",
    "revenue": "主营业务收入(万元)",
    "tax": "税收(万元)",
    "employees": "从业人员(人)",
    "investment": "固定资产投资(万元)",
}


def firm_figures(number: int, year: int, month: int) -> dict[str, float]:
    """One firm's month: close to each other (no firm dominates), growing 2-6 % a year;
    April below March, so that the rows never look cumulative."""
    season = {2: 2.0, 3: 1.1, 4: 0.9, 5: 1.0}[month]  # 1-2月 holds two months
    base = (100.0 + 7.0 * number) * season
    growth = 1.0 + 0.02 * (1 + number % 3) if year == YEARS[1] else 1.0
    output = round(base * growth, 1)
    return {
        "output": output,
        "value_added": round(output * 0.25, 1),
        "revenue": round(output * 1.1, 1),
        "tax": round(output * 0.03 + number % 2, 1),
        "employees": float(20 + number),
        "investment": round(5.0 + number, 1),
    }


def groups(comparable: int, entrants: int = 0, leavers: int = 0, missing: int = 0):
    """Enterprise ids by group: ``C01…`` comparable, ``N…`` entrants, ``X…`` leavers, ``M…``
    缺报; each id's number (its figures) is unique across groups."""
    out, n = {}, 0
    for prefix, count in (("C", comparable), ("N", entrants), ("X", leavers), ("M", missing)):
        ids = []
        for _ in range(count):
            n += 1
            ids.append((f"{prefix}{n:02d}", n))
        out[prefix] = ids
    return out


def monthly_rows(g) -> pd.DataFrame:
    """The monthly statistics of :func:`groups` (internal names; ``month`` as YYYY-MM)."""
    rows = []
    for prefix, ids in g.items():
        for eid, number in ids:
            for year in YEARS:
                if (prefix == "N" and year == YEARS[0]) or (prefix == "X" and year == YEARS[1]):
                    continue
                for month in MONTHS:
                    if prefix == "M" and year == YEARS[1] and month == 4:
                        continue  # the 缺报: April of this year not filed
                    rows.append(
                        {
                            "park_id": "TP",
                            "enterprise_id": eid,
                            "month": f"{year}-{month:02d}",
                            **firm_figures(number, year, month),
                        }
                    )
    return pd.DataFrame(rows)


def write_park(
    folder: Path,
    *,
    comparable: int,
    entrants: int = 0,
    leavers: int = 0,
    missing: int = 0,
    k: int = 3,
    min_reporting_rate: float = 0.5,
) -> Path:
    """Write the dataset to ``folder``; return it. ``k`` is ``share.min_enterprises``."""
    folder.mkdir(parents=True, exist_ok=True)
    g = groups(comparable, entrants, leavers, missing)
    profile = {
        "schema_version": 1,
        "parks": [
            {
                "park_id": "TP",
                "name": "试验园",
                "region": "安徽省阜阳市",
                "established": 2006,
                "phases": [
                    {
                        "phase_id": "P1",
                        "name": "一期",
                        "unit": "亩",
                        "declared": {
                            "total": 1000,
                            "road": 100,
                            "green": 50,
                            "water": 50,
                            "usable": 800,
                        },
                    }
                ],
            }
        ],
        "config": {
            "jan_feb_combined": True,
            "share": {"min_enterprises": k},
            "completeness": {"min_reporting_rate": min_reporting_rate},
        },
    }
    (folder / "park.yaml").write_text(
        yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    register = ["园区代码,企业代码,企业名称,行业代码,企业类型,入园日期,投产日期,退出日期,用地地块"]
    for prefix, ids in g.items():
        for eid, _number in ids:
            start = "2015-12-01" if prefix == "N" else "2010-01-01"
            exit_ = "2015-12-31" if prefix == "X" else ""
            register.append(f"TP,{eid},{eid}制造有限公司,C3311,工业,{start},{start},{exit_},")
    (folder / "enterprises.csv").write_text("\n".join(register) + "\n", encoding="utf-8")
    monthly_rows(g).rename(columns=HEADERS).to_csv(folder / "monthly_stats.csv", index=False)
    (folder / "parcels.csv").write_text(
        "园区代码,地块编号,期别,面积(亩),规划用途,报批状态,报批日期,供应状态,供地方式,供地日期,"
        "受让人/项目,建设状态,建筑基底面积(平方米)\n"
        "TP,1号地,P1,500,工业,已报批,2009-05-01,已供,挂牌出让,2010-01-10,C01制造有限公司,已建成,12000\n"
        "TP,2号地,P1,300,工业,已报批,2009-05-01,未供,,,,未建,\n"
        "TP,R1,P1,100,道路,已报批,,未供,,,,,\n"
        "TP,G1,P1,50,绿地,未报批,,未供,,,,,\n"
        "TP,W1,P1,50,水域,未报批,,未供,,,,,\n",
        encoding="utf-8",
    )
    return folder
