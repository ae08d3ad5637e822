"""The sample park's fixed facts: ids, months, the seed's figures and targets, park.yaml.

The park is the one of the seed half-year summary (工贸园, 阜阳市颍州区). Its data are invented
but tuned so that the figures of the seed come out exactly from their documented definitions:

========================================  ============  ================================
figure                                    value         definition
========================================  ============  ================================
税收 2016年1-5月                           3126 万元      Σ 税收, all enterprises, 2016-01..05
从业人员 2016-05                           3378 人        Σ 从业人员 of the 2016-05 rows
规模企业 2016年1-5月                       11 家          工业, 规上 in 2016, in production at
                                                        period end, with rows in the period
商贸企业投产 2016年1-5月                   3 家           商贸, 投产日期 in 2016-01-01..05-31
安全隐患 2016H1                            115 处 / 23 家 排查日期 in 2016-01-01..06-30
一期 declared (亩)                         3585 = 450 + 414 + 175 + 2508 + 38 unreconciled
1号地 + 4号地                              432 亩         挂牌出让 to 安徽翰沃婚庆文化产业有限公司
========================================  ============  ================================

:data:`TARGET_YOY` is the same-enterprise growth of 2016年1-5月 that the monthly statistics
are calibrated to (:mod:`~parkanalysis.sample.monthly`); :data:`PARK_YAML` is the park's
profile as written to ``park.yaml``.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from parkanalysis.sample.output import MARKER

SAMPLE_SEED = 20160630


PARK_ID = "GMY"


FIRST_MONTH = (2012, 1)


LAST_MONTH = (2016, 6)


AS_OF = date(2016, 6, 30)


# -- seed targets ----------------------------------------------------------------------


TARGET_TAX_TENTHS = 31260  # 3126.0 万元, 2016-01..2016-05


TARGET_EMPLOYEES = 3378  # 2016-05


TARGET_ABOVE_SIZE = 11


TARGET_NEW_COMMERCIAL = 3


TARGET_HAZARDS_2016H1 = (115, 23)


#: Same-enterprise growth (%) of 2016年1-5月 over 2015年1-5月 the sample is tuned to.
TARGET_YOY = {
    "output_wan_yuan": 8.3,
    "value_added_wan_yuan": 7.6,
    "revenue_wan_yuan": 7.9,
    "tax_wan_yuan": 9.2,
    "employees": 4.4,
    "fixed_asset_investment_wan_yuan": -13.5,
}


DECLARED = {"total": 3585, "road": 450, "green": 414, "water": 175, "usable": 2508}


#: Spring Festival dip in January/February, year-end push in December (mean 1).
SEASON = np.array([0.88, 0.70, 1.00, 1.00, 1.03, 1.06, 0.96, 0.97, 1.04, 1.03, 1.08, 1.25])


# -- park.yaml ----------------------------------------------------------------------


PARK_YAML = f"""{MARKER}
# 工贸园(阜阳市颍州区)示例数据:企业、土地、项目、安全生产均为虚构,
# 数值按该园区上半年工作总结中的公开数字校准(税收 3126 万元、从业人员 3378 人等)。
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
        declared:
          total: 3585
          road: 450
          green: 414
          water: 175
          usable: 2508
    config:
      # 年度目标(指标代码: 目标值,单位同指标:万元、人、家);报告计算完成全年目标的比例
      targets:
        2016: {{industrial_output: 100000, industrial_value_added: 29000, above_size_output: 80000,
               above_size_value_added: 23000, fixed_asset_investment: 6000, tax_revenue: 7000}}
      land:
        conversion_cause: 城市整体规划调整  # 用途调整(规划≠现状)的原因,写入土地段落
config:
  above_size_revenue_threshold_wan_yuan: 2000
  jan_feb_combined: true
  growth_warning_pct: 50
  land:
    supply_window_years: 3
  grading:
    weights: {{tax_per_mu: 0.5, value_added_per_mu: 0.3, labour_productivity: 0.2}}
    cutoffs: {{A: 0.2, B: 0.6, C: 0.95}}
  share:
    min_enterprises: 3
  expansion:
    planning_horizon_years: 5
    confidence: 0.8
"""
