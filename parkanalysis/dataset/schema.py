"""Table schemas of the park dataset: the contract of ``data/README.md`` as data.

Each table is a :class:`TableSpec` made of :class:`ColumnSpec`; the reader maps headers as
written (internal name, Chinese name, Chinese name with a unit) onto these columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# column kinds
STR, INT, FLOAT, DATE, MONTH, BOOL, LIST, CHOICE = (
    "str",
    "int",
    "float",
    "date",
    "month",
    "bool",
    "list",
    "choice",
)
# unit kinds: money in 万元, area in 亩, floor area in 平方米, people, percent
MONEY, AREA, AREA_M2, PEOPLE, PERCENT = "money", "area", "area_m2", "people", "percent"

LAND_USES = ("工业", "商业", "住宅", "商住", "仓储物流", "公共设施", "道路", "绿地", "水域", "其他")
PUBLIC_LAND_USES = ("道路", "绿地", "水域")
SUPPLY_METHODS = ("出让", "划拨", "挂牌出让", "拍卖出让", "协议出让", "招标出让")
AREA_UNIT_CHOICES = ("亩", "公顷", "平方米", "平方公里")
#: Header spellings of an enterprise's name (registers and the statistics bureau's forms).
NAME_ALIASES = ("单位名称", "企业(单位)名称", "单位详细名称", "企业全称", "纳税人名称")

#: Values of choice columns as offices write them → the allowed value (GB/T 21010 land-use
#: class names as in the landchina importer; first- and second-level classes).
LAND_USE_SYNONYMS = {
    "工矿仓储": "工业",
    "工矿": "工业",
    "采矿": "工业",
    "仓储": "仓储物流",
    "物流仓储": "仓储物流",
    "商服": "商业",
    "商务金融": "商业",
    "批发零售": "商业",
    "住宿餐饮": "商业",
    "其他商服": "商业",
    "城镇住宅": "住宅",
    "公共管理与公共服务": "公共设施",
    "机关团体": "公共设施",
    "科教": "公共设施",
    "医卫慈善": "公共设施",
    "文体娱乐": "公共设施",
    "公用设施": "公共设施",
    "交通运输": "道路",
    "城镇村道路": "道路",
    "街巷": "道路",
    "公路": "道路",
    "公园与绿地": "绿地",
    "水域及水利设施": "水域",
    "水工建筑": "公共设施",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column: internal name, Chinese name, kind, unit kind, and whether it may be blank."""

    name: str
    zh: str
    kind: str = STR
    unit: str | None = None
    optional: bool = False
    key: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        """Whether the column must be present and every cell filled."""
        return not self.optional


@dataclass(frozen=True)
class TableSpec:
    """One table: file names accepted, columns, and whether the dataset needs it."""

    name: str
    zh: str
    columns: tuple[ColumnSpec, ...]
    required: bool = True
    file_names: tuple[str, ...] = field(default=())
    #: header spellings read as a given column whatever the aliases say ("" = never read);
    #: set per file from park.yaml's ``sources:`` (see :func:`.office.spec_for`)
    overrides: tuple[tuple[str, str], ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Names of the key columns."""
        return tuple(c.name for c in self.columns if c.key)

    def column(self, name: str) -> ColumnSpec:
        """Return the column spec named ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name, zh, kind=STR, unit=None, *, opt=False, key=False, choices=(), aliases=()):
    return ColumnSpec(name, zh, kind, unit, opt, key, tuple(choices), tuple(aliases))


#: A park column may name the park (所属园区: 工贸园) instead of its code: the names of
#: park.yaml's parks are read as their ids (:mod:`.office`).
PARK_NAME_HEADERS = ("所属园区", "园区", "园区名称", "所在园区")
_PARK = _c("park_id", "园区代码", key=True, aliases=("园区编号", "开发区代码", *PARK_NAME_HEADERS))
_ENT_ALIASES = ("统一社会信用代码", "企业编号", "社会信用代码", "组织机构代码", "单位代码")
_ENT_KEY = _c("enterprise_id", "企业代码", key=True, aliases=_ENT_ALIASES)
_ENT_REF = _c("enterprise_id", "企业代码", aliases=_ENT_ALIASES)

_STATS_COLUMNS = (
    _PARK,
    _ENT_KEY,
    _c(
        "month",
        "月份",
        MONTH,
        key=True,
        aliases=("统计月份", "年月", "统计年月", "统计期", "报告期", "统计时期"),
    ),
    _c(
        "output_wan_yuan",
        "工业总产值",
        FLOAT,
        MONEY,
        opt=True,
        aliases=("工业总产值(当年价格)", "工业总产值(现价)", "工业总产值(现行价)", "总产值"),
    ),
    _c("value_added_wan_yuan", "工业增加值", FLOAT, MONEY, opt=True, aliases=("增加值",)),
    _c(
        "revenue_wan_yuan",
        "主营业务收入",
        FLOAT,
        MONEY,
        opt=True,
        aliases=("营业收入", "主营业务收入(营业收入)", "营业收入合计"),
    ),
    _c(
        "tax_wan_yuan",
        "税收",
        FLOAT,
        MONEY,
        opt=True,
        aliases=(
            "税收总额",
            "纳税额",
            "应交税金",
            "应交税金合计",
            "税金总额",
            "实缴税金",
            "入库税金",
            "本月税金总额",
        ),
    ),
    _c(
        "employees",
        "从业人员",
        INT,
        PEOPLE,
        opt=True,
        aliases=(
            "从业人数",
            "从业人员数",
            "从业人员期末人数",
            "期末从业人员",
            "从业人员平均人数",
            "年末从业人员",
        ),
    ),
    _c(
        "fixed_asset_investment_wan_yuan",
        "固定资产投资",
        FLOAT,
        MONEY,
        opt=True,
        aliases=("固定资产投资额", "固定资产投资完成额"),
    ),
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "enterprises",
            "企业名录",
            (
                _PARK,
                _ENT_KEY,
                _c("name", "企业名称", aliases=NAME_ALIASES),
                _c(
                    "industry_code",
                    "行业代码",
                    opt=True,
                    aliases=(
                        "所属行业",
                        "行业",
                        "行业名称",
                        "行业类别",
                        "国民经济行业",
                        "行业分类",
                    ),
                ),
                _c("kind", "企业类型", CHOICE, choices=("工业", "商贸", "服务业", "其他")),
                _c(
                    "entry_date",
                    "入园日期",
                    DATE,
                    aliases=("入驻时间", "入驻日期", "入园时间", "落户时间", "落户日期"),
                ),
                _c("production_start_date", "投产日期", DATE, opt=True, aliases=("投产时间",)),
                _c(
                    "exit_date",
                    "退出日期",
                    DATE,
                    opt=True,
                    aliases=("迁出日期", "迁出时间", "退出时间", "注销日期"),
                ),
                _c("parcel_ids", "用地地块", LIST, opt=True, aliases=("地块编号", "宗地编号")),
                _c(
                    "land_area", "用地面积", FLOAT, AREA, opt=True, aliases=("占地面积", "土地面积")
                ),
                _c("land_area_unit", "用地面积单位", CHOICE, opt=True, choices=AREA_UNIT_CHOICES),
            ),
        ),
        TableSpec("monthly_stats", "企业月度统计", _STATS_COLUMNS),
        TableSpec("cumulative_stats", "企业累计统计", _STATS_COLUMNS, required=False),
        TableSpec(
            "above_size",
            "规上企业名录",
            (
                _PARK,
                _ENT_KEY,
                _c("year", "年份", INT, key=True),
                _c("above_size", "是否规上", BOOL, aliases=("规上",)),
            ),
            required=False,
        ),
        TableSpec(
            "parcels",
            "土地台账",
            (
                _PARK,
                _c("parcel_id", "地块编号", key=True, aliases=("宗地编号", "地块号")),
                _c("phase_id", "期别", aliases=("期次", "分期")),
                _c("area", "面积", FLOAT, AREA, aliases=("用地面积", "宗地面积")),
                _c("area_unit", "面积单位", CHOICE, opt=True, choices=AREA_UNIT_CHOICES),
                _c(
                    "planned_use",
                    "规划用途",
                    CHOICE,
                    choices=LAND_USES,
                    aliases=("土地用途", "用地性质", "规划用地性质", "用途"),
                ),
                _c(
                    "current_use",
                    "现状用途",
                    CHOICE,
                    opt=True,
                    choices=LAND_USES,
                    aliases=("现状用地性质", "实际用途"),
                ),
                _c("approval_status", "报批状态", CHOICE, choices=("已报批", "未报批")),
                _c("approval_date", "报批日期", DATE, opt=True, aliases=("报批时间", "批准日期")),
                _c("supply_status", "供应状态", CHOICE, choices=("已供", "未供")),
                _c("supply_method", "供地方式", CHOICE, opt=True, choices=SUPPLY_METHODS),
                _c("supply_date", "供地日期", DATE, opt=True, aliases=("供地时间", "出让日期")),
                _c("transferee", "受让人/项目", opt=True, aliases=("受让人", "受让单位")),
                _c("project_id", "项目代码", opt=True),
                _c(
                    "resettlement_status",
                    "征迁安置",
                    CHOICE,
                    opt=True,
                    aliases=("征迁安置状态", "征迁状态", "拆迁安置", "征收安置"),
                    choices=("不涉及", "未启动", "进行中", "已完成"),
                ),
                _c(
                    "resettlement_date",
                    "征迁完成日期",
                    DATE,
                    opt=True,
                    aliases=("征迁安置完成日期", "征迁完成时间"),
                ),
                _c(
                    "construction_status",
                    "建设状态",
                    CHOICE,
                    opt=True,
                    choices=("未建", "在建", "已建成", "闲置"),
                ),
                _c("floor_area_m2", "建筑面积", FLOAT, AREA_M2, opt=True),
                _c("footprint_m2", "建筑基底面积", FLOAT, AREA_M2, opt=True),
                _c("investment_wan_yuan", "固定资产投资", FLOAT, MONEY, opt=True),
                _c("price_wan_yuan", "成交价款", FLOAT, MONEY, opt=True, aliases=("成交价格",)),
            ),
        ),
        TableSpec(
            "projects",
            "建设项目",
            (
                _PARK,
                _c("project_id", "项目代码", key=True),
                _c("name", "项目名称"),
                _c("enterprise_id", "企业代码", opt=True),
                _c(
                    "kind",
                    "项目类型",
                    CHOICE,
                    choices=("工业", "商业", "住宅", "商住", "基础设施", "其他"),
                ),
                _c("planned_investment_wan_yuan", "计划总投资", FLOAT, MONEY, opt=True),
                _c("start_date", "开工日期", DATE, opt=True),
                _c("status", "项目状态", CHOICE, choices=("前期", "在建", "竣工", "投产", "停建")),
            ),
            required=False,
        ),
        TableSpec(
            "buildings",
            "楼栋进度",
            (
                _PARK,
                _c("project_id", "项目代码", key=True),
                _c("building_no", "楼栋号", key=True),
                _c("date", "填报日期", DATE, key=True),
                _c("use", "用途", CHOICE, opt=True, choices=("住宅", "商业", "公共", "其他")),
                _c("floors_planned", "设计层数", INT),
                _c("floors_built", "已建层数", INT),
                _c(
                    "stage",
                    "形象进度",
                    CHOICE,
                    choices=(
                        "未开工",
                        "基础施工",
                        "主体施工",
                        "主体完工",
                        "二次结构",
                        "装饰装修",
                        "竣工",
                    ),
                ),
            ),
            required=False,
        ),
        TableSpec(
            "hazards",
            "安全隐患",
            (
                _PARK,
                _c("hazard_id", "隐患编号", key=True),
                _ENT_REF,
                _c("inspection_date", "排查日期", DATE),
                _c(
                    "category",
                    "隐患类别",
                    CHOICE,
                    choices=(
                        "消防",
                        "用电",
                        "特种设备",
                        "危化品",
                        "生产设备",
                        "作业环境",
                        "管理制度",
                        "其他",
                    ),
                ),
                _c("severity", "隐患等级", CHOICE, choices=("一般", "重大")),
                _c("deadline", "整改期限", DATE),
                _c("rectified_date", "整改完成日期", DATE, opt=True),
                _c("recheck_date", "复查日期", DATE, opt=True),
                _c("recheck_passed", "复查通过", BOOL, opt=True),
            ),
            required=False,
        ),
        TableSpec(
            "relocations",
            "搬迁置换",
            (
                _PARK,
                _c("relocation_id", "编号", key=True),
                _ENT_REF,
                _c("status", "进展", CHOICE, choices=("洽谈中", "已签协议", "拆除中", "已完成")),
                _c("status_date", "进展日期", DATE),
                _c("land_freed", "腾退土地", FLOAT, AREA, opt=True),
                _c(
                    "land_freed_unit",
                    "面积单位",
                    CHOICE,
                    opt=True,
                    choices=("亩", "公顷", "平方米"),
                ),
                _c("parcel_ids", "涉及地块", LIST, opt=True),
            ),
            required=False,
        ),
        TableSpec(
            "published",
            "统计公布数",
            (
                _PARK,
                _c("indicator_id", "指标代码", key=True),
                _c("period", "时期", key=True),
                _c("value", "数值", FLOAT, opt=True),
                _c("unit", "单位"),
                _c("yoy_pct", "同比(%)", FLOAT, PERCENT, opt=True, aliases=("同比", "同比增长")),
                _c("source", "来源", opt=True),
            ),
            required=False,
        ),
    )
}

#: Area column -> (column holding the per-row unit, canonical output column)
AREA_COLUMNS = {
    "land_area": ("land_area_unit", "land_area_mu"),
    "area": ("area_unit", "area_mu"),
    "land_freed": ("land_freed_unit", "land_freed_mu"),
}

#: Monthly value columns (float64 in ``Dataset.monthly``).
MONTHLY_VALUE_COLUMNS = tuple(c.name for c in _STATS_COLUMNS[3:])

#: Canonical Python names of the Dataset frames, per table.
FRAME_NAMES = {
    "enterprises": "enterprises",
    "monthly_stats": "monthly",
    "cumulative_stats": "monthly",
    "above_size": "above_size",
    "parcels": "parcels",
    "projects": "projects",
    "buildings": "buildings",
    "hazards": "hazards",
    "relocations": "relocations",
    "published": "published",
}
