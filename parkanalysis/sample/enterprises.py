"""The sample park's enterprises: the cast, one enterprise a line, parsed into specifications.

Ids, entry and production dates of enterprises holding land are fixed later, by the land
ledger (:mod:`~parkanalysis.sample.land`) and the assembly (:mod:`~parkanalysis.sample.build`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Ent:
    """Specification of one sample enterprise (before ids and dates are fixed)."""

    name: str
    code: str
    kind: str  # 工业 / 商贸 / 服务业
    role: str  # old | land | rent | idle | building | none
    supply_year: int | None = None  # year its land was supplied (roles old/land/idle/building)
    n_parcels: int = 1
    land_weight: float = 1.0
    planned_use: str = "工业"
    rev: float = 0.0  # 主营业务收入 at mid-2015 level, 万元/year
    growth: float = 0.07  # annual growth of revenue
    path: dict[float, float] | None = None  # explicit revenue knots {year+0.5: 万元/year}
    start: date | None = None  # explicit production start
    exit: date | None = None
    entry: date | None = None
    # filled in later
    eid: str = ""
    parcels: list[str] = field(default_factory=list)


#: The cast of the sample park, one enterprise a line (a continuation line, indented, adds
#: options). Columns: name, industry code, kind, role (old: there before the park, land
#: regularised in 2006; land: bought land in ``supply year``; rent: no land of its own; idle:
#: land, never started; building: land, under construction; expansion: a second parcel of
#: 洪胡子; hanwo: the 1号地/4号地 developer), supply year, parcels, relative parcel size,
#: 主营业务收入 at the mid-2015 level (万元/year), annual growth; options start=, exit=,
#: entry= (dates) and use= (planned use of its land when not 工业). Sizes are chosen so that
#: the seed figures hold: 规上 firms are well above 2000 万元, the others well below, except
#: 宏达新型建材 which crosses the threshold in 2015 (see ``_CROSSING``).
_CAST = """
阜阳华隆钢结构有限公司          C3311 工业   old       2006 2 2.2 16800 0.085
阜阳市九州华隆家具有限公司      C2110 工业   old       2006 1 1.6  6400 0.05
阜阳市九州方圆文仪家具有限公司  C2110 工业   old       2006 1 1.3  3900 0.04
阜阳市九州兰天家具有限公司      C2110 工业   old       2006 1 1    2450 0     exit=2015-12-31
阜阳市天成电缆有限公司          C3831 工业   land      2007 1 1.6 11500 0.09
阜阳市恒泰纺织有限公司          C1711 工业   land      2007 1 1.7  7600 0.06
安徽洪胡子食品有限公司          C1491 工业   land      2008 1 1.4  9200 0.11
安徽金源医疗器械有限公司        C3581 工业   land      2008 1 1.1  5200 0.1
阜阳市鑫源机械制造有限公司      C3421 工业   land      2008 1 1.2  4400 0.06
阜阳市瑞丰塑业有限公司          C2929 工业   land      2010 1 1.1  3100 0.08
安徽绿源粮油食品有限公司        C1331 工业   land      2011 1 1.3  8800 0.07  start=2012-05-18
阜阳市宏达新型建材有限公司      C3021 工业   land      2011 1 1       0 0.07  start=2012-03-12
阜阳市皖北包装材料有限公司      C2231 工业   land      2011 1 0.9  1480 0.05  start=2012-09-06
阜阳市永安木业有限公司          C2021 工业   old       2006 1 0.8   620 0.02
阜阳市颍州区兴旺塑料制品厂      C2927 工业   old       2006 1 0.6   380 -0.02 exit=2014-08-31
阜阳市金诚印务有限公司          C2319 工业   old       2006 1 0.7   540 0.04
阜阳市大唐门窗有限公司          C3312 工业   old       2006 1 0.8   910 0.06
阜阳市恒通农机配件有限公司      C3576 工业   land      2007 1 0.8   760 0.03
阜阳市光明服饰有限公司          C1810 工业   land      2007 1 0.9  1150 0.05
阜阳市三友彩印包装有限公司      C2231 工业   land      2007 1 0.7   690 0.07
阜阳市安泰消防器材有限公司      C3595 工业   land      2008 1 0.7   830 0.09
阜阳市金牛饲料有限公司          C1320 工业   land      2008 1 0.9  1390 0.04
阜阳市华源冷冻食品有限公司      C1353 工业   land      2008 1 0.8  1260 0.08
阜阳市旭日电子科技有限公司      C3989 工业   land      2008 1 0.6   560 0.12
阜阳市天瑞新型墙材有限公司      C3031 工业   land      2010 1 1     870 0.01
阜阳市润达不锈钢制品有限公司    C3381 工业   land      2010 1 0.7   640 0.06
阜阳市颍淮纸制品有限公司        C2239 工业   land      2010 1 0.8   720 0.05
阜阳市众鑫五金制品有限公司      C3399 工业   land      2011 1 0.6   430 0.08  start=2012-07-02
阜阳市康达医用材料有限公司      C2770 工业   land      2011 1 0.7   980 0.13  start=2012-11-20
阜阳市亿佳家具有限公司          C2110 工业   land      2012 1 0.8  1050 0.06
阜阳市鼎盛机电设备有限公司      C3490 工业   land      2012 1 0.8  1320 0.09
阜阳市巨峰汽车配件有限公司      C3660 工业   land      2012 1 1    1410 0.1
阜阳市精工模具有限公司          C3525 工业   land      2013 1 0.8   690 0.14
阜阳市东升铝业有限公司          C3252 工业   land      2013 1 1.1  1240 0.11
阜阳市雅美工艺品有限公司        C2439 工业   rent      -    1 1     260 0.05  entry=2011-04-08
阜阳市颍州区顺达编织袋厂        C2923 工业   rent      -    1 1     310 0.03  entry=2013-06-17
安徽中科环保设备有限公司        C3591 工业   idle      2012 1 1.2     0 0.07
安徽博远新材料科技有限公司      C2651 工业   idle      2013 1 1.3     0 0.07
安徽德润生物科技有限公司        C2761 工业   building  2015 1 1.2     0 0.07
阜阳市卓越智能科技有限公司      C3990 工业   land      2015 1 0.9   720 0     start=2016-03-16
阜阳市新华印刷包装有限公司      C2231 工业   land      2015 1 0.8   560 0     start=2016-05-09
安徽洪胡子食品有限公司扩建      -     -      expansion 2015 1 1.3     0 0.07
国药控股阜阳有限公司            F5151 商贸   land      2010 1 1.1 42000 0.12  use=仓储物流
阜阳市盛世汽车销售服务有限公司  F5261 商贸   land      2012 1 0.7 15600 0.04  use=商业
阜阳市恒润医药有限公司          F5151 商贸   rent      -    1 1    5200 0.08  entry=2012-08-13
阜阳市华联超市配送有限公司      F5211 商贸   rent      -    1 1    3800 0.05  entry=2011-05-23
阜阳市金鑫建材经营有限公司      F5165 商贸   rent      -    1 1    1800 -0.03 entry=2011-09-05
阜阳市佳美家电销售有限公司      F5137 商贸   rent      -    1 1    2600 0.04  entry=2013-03-11
阜阳市好邻居商贸有限公司        F5129 商贸   rent      -    1 1    1500 0.06  entry=2013-10-21
阜阳市东方钢材贸易有限公司      F5164 商贸   rent      -    1 1    6900 -0.05 entry=2012-02-27
阜阳市润农农资有限公司          F5166 商贸   rent      -    1 1    2300 0.03  entry=2014-04-14
阜阳市欣悦酒业商贸有限公司      F5127 商贸   rent      -    1 1    1700 0.07  entry=2014-11-03
阜阳市旺达粮油贸易有限公司      F5121 商贸   rent      -    1 1    2100 -0.06 exit=2015-06-30
                                                                              entry=2011-06-20
阜阳市天天鲜农产品配送有限公司  F5124 商贸   rent      -    1 1    1300 0     start=2016-01-11
                                                                              entry=2015-11-12
阜阳市万家福电子商务有限公司    F5295 商贸   rent      -    1 1     900 0     start=2016-03-01
                                                                              entry=2015-12-28
阜阳市聚源五金机电批发有限公司  F5174 商贸   rent      -    1 1    1600 0     start=2016-04-18
                                                                              entry=2016-02-22
安徽翰沃婚庆文化产业有限公司    O8070 服务业 hanwo     2014 1 1       0 0.07
阜阳市顺风物流有限公司          G5430 服务业 land      2012 1 0.9  2400 0.09  use=仓储物流
阜阳市鸿运大酒店有限公司        H6110 服务业 land      2012 1 0.5  1600 0.02  use=商业
阜阳市通达汽车维修有限公司      O8111 服务业 rent      -    1 1     420 0.05  entry=2012-04-09
阜阳市华信检测技术有限公司      M7450 服务业 rent      -    1 1     380 0.12  entry=2013-07-01
阜阳市安居物业服务有限公司      K7020 服务业 rent      -    1 1     260 0.06  entry=2012-01-09
阜阳市金桥人力资源服务有限公司  L7263 服务业 rent      -    1 1     310 0.1   entry=2014-08-25
"""


#: Revenue knots (万元/year at mid-year) of the enterprise that becomes 规上 in 2016.
_CROSSING = (
    "阜阳市宏达新型建材有限公司",
    {2012.5: 1050, 2013.5: 1320, 2014.5: 1690, 2015.5: 2480, 2016.5: 2790},
)


def sample_enterprises() -> list[Ent]:
    """Parse :data:`_CAST` into enterprise specifications (in table order)."""
    rows: list[list[str]] = []
    for line in _CAST.splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            rows[-1].extend(line.split())
        else:
            rows.append(line.split())
    ents = []
    for name, code, kind, role, year, n, weight, rev, growth, *options in rows:
        kw: dict = {}
        for opt in options:
            key, value = opt.split("=")
            if key == "use":
                kw["planned_use"] = value
            else:
                kw[key] = date.fromisoformat(value)
        ents.append(
            Ent(name, "" if code == "-" else code, "" if kind == "-" else kind, role,
                 None if year == "-" else int(year), int(n), float(weight), rev=float(rev),
                 growth=float(growth), **kw)
        )  # fmt: skip
    crossing = next(e for e in ents if e.name == _CROSSING[0])
    crossing.path = dict(_CROSSING[1])
    return ents
