"""The sample park's construction projects and the building progress of each project."""

from __future__ import annotations

from datetime import date

from parkanalysis.sample.enterprises import Ent

#: Building progress: (project, building, use, floors planned, floors at the four dates, stage
#: at the four dates). Dates: end of 2015Q3, 2015Q4, 2016Q1, and 2016-06-20.
PROGRESS_DATES = (date(2015, 9, 30), date(2015, 12, 31), date(2016, 3, 31), date(2016, 6, 20))


_STAGES = ("未开工", "基础施工", "主体施工", "主体完工", "二次结构", "装饰装修", "竣工")


def building_plan() -> list[tuple]:
    plan = []
    # 温莎公馆: 13 residential buildings with the main structure complete by 2016-06
    done = {
        "1#": 6,
        "2#": 6,
        "3#": 6,
        "4#": 6,
        "13#": 11,
        "14#": 11,
        "15#": 11,
        "16#": 11,
        "17#": 11,
        "18#": 11,
        "36#": 18,
        "37#": 18,
        "38#": 18,
    }
    for b, top in done.items():
        f = {6: (3, 6, 6, 6), 11: (4, 8, 11, 11), 18: (5, 10, 15, 18)}[top]
        late = b in ("36#", "37#", "38#")
        stage = (
            "主体施工",
            "主体完工" if top == 6 else "主体施工",
            "主体完工" if top <= 11 else "主体施工",
            "主体完工",
        )
        if late:
            f = (2, 7, 12, 18)
        plan.append(("WSGG", b, "住宅", top, f, stage))
    for b in ("5#", "6#", "7#", "8#"):
        plan.append(
            ("WSGG", b, "住宅", 11, (0, 0, 3, 6), ("基础施工", "基础施工", "主体施工", "主体施工"))
        )
    for b in ("9#", "10#", "11#", "12#"):
        plan.append(
            ("WSGG", b, "住宅", 11, (0, 0, 0, 1), ("未开工", "未开工", "基础施工", "主体施工"))
        )
    plan.append(
        ("WSGG", "39#", "住宅", 18, (0, 4, 9, 13), ("基础施工", "主体施工", "主体施工", "主体施工"))
    )
    # 婚恋广场: 4 commercial buildings and the chapel, main structure complete, 二次结构 going on
    for b, top in (("1#商业楼", 3), ("2#商业楼", 3), ("3#商业楼", 4), ("4#商业楼", 4), ("教堂", 2)):
        f = (1, top - 1, top, top)
        plan.append(
            (
                "HLGC",
                b,
                "其他" if b == "教堂" else "商业",
                top,
                f,
                ("主体施工", "主体施工", "主体完工", "二次结构"),
            )
        )
    # 洪胡子食品扩建
    plan.append(
        (
            "HHZ-KJ",
            "1#厂房",
            "其他",
            4,
            (0, 0, 2, 3),
            ("未开工", "基础施工", "主体施工", "主体施工"),
        )
    )
    plan.append(
        (
            "HHZ-KJ",
            "2#仓库",
            "其他",
            1,
            (0, 0, 1, 1),
            ("未开工", "基础施工", "主体完工", "二次结构"),
        )
    )
    # 德润生物
    plan.append(
        ("DRSW", "1#车间", "其他", 3, (0, 0, 0, 1), ("未开工", "未开工", "基础施工", "主体施工"))
    )
    return plan


def project_rows(ents: list[Ent]) -> list[tuple]:
    by = {e.name: e.eid for e in ents}
    hanwo = by["安徽翰沃婚庆文化产业有限公司"]
    return [
        ("WSGG", "温莎公馆", hanwo, "住宅", 680000, date(2015, 3, 18), "在建"),
        ("HLGC", "婚恋广场", hanwo, "商业", 320000, date(2015, 5, 6), "在建"),
        ("WSGY", "温莎公园绿化工程", hanwo, "其他", 18000, date(2016, 3, 21), "在建"),
        (
            "HHZ-KJ",
            "洪胡子食品扩建项目",
            by["安徽洪胡子食品有限公司"],
            "工业",
            85000,
            date(2015, 10, 12),
            "在建",
        ),
        (
            "HL-EQ",
            "华隆钢构二期技改项目",
            by["阜阳华隆钢结构有限公司"],
            "工业",
            37000,
            date(2014, 9, 10),
            "投产",
        ),
        (
            "DRSW",
            "德润生物科技生产基地",
            by["安徽德润生物科技有限公司"],
            "工业",
            52000,
            date(2016, 3, 8),
            "在建",
        ),
        ("DSCYY", "阜阳(颍州)电子商务产业园", "", "商业", 150000, None, "前期"),
        ("WJLN", "万洁老年公寓", "", "其他", 42000, None, "前期"),
    ]
