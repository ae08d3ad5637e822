"""Tests of parkanalysis.projects: building progress, its sentences, relocations."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from parkanalysis.dataset import load_dataset
from parkanalysis.errors import ParameterError
from parkanalysis.projects import (
    building_progress,
    chinese_count,
    progress_sentences,
    relocation_sentence,
    relocation_status,
    short_name,
)

SAMPLE = Path(__file__).parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


def progress(rows, name="温莎公馆"):
    return pd.DataFrame(rows, columns=["building_no", "use", "floors_built", "stage"]).assign(
        project_id="P", project_name=name
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [("1#", "住宅", 6, "主体完工"), ("2#", "住宅", 11, "主体完工")],
            "温莎公馆项目两栋住宅主体结构已完工",
        ),
        (
            [("10#", "住宅", 1, "主体施工"), ("9#", "住宅", 1, "主体施工")],
            "温莎公馆项目9#、10#两栋已建至1层",  # natural order, not text order
        ),
        (
            [("5#", "住宅", 6, "主体施工"), ("6#", "住宅", 7, "主体施工")],
            "温莎公馆项目5#已建至6层;6#已建至7层",
        ),
        (
            [("1#", "住宅", 0, "未开工"), ("2#", "住宅", 0, "基础施工"),
             ("3#", "住宅", 0, "主体施工")],
            "温莎公馆项目1#尚未开工;2#正在进行基础施工;3#主体正在施工",
        ),
        (
            [("1#商业楼", "商业", 3, "二次结构"), ("2#商业楼", "商业", 3, "二次结构"),
             ("教堂", "其他", 2, "二次结构")],
            "温莎公馆项目两栋商业楼及教堂主体已完工,二次结构正在进行",
        ),
        ([("2#仓库", "其他", 1, "竣工")], "温莎公馆项目2#仓库已竣工"),
        (
            [("A", "其他", 2, "装饰装修"), ("B", "其他", 2, "装饰装修")],
            "温莎公馆项目A、B两栋主体已完工,正在进行装饰装修",
        ),
    ],
)  # fmt: skip
def test_grouping_table(rows, expected):
    assert progress_sentences(progress(rows)) == [expected]


def test_project_name_already_ending_in_project():
    rows = [("1#", "住宅", 3, "主体施工")]
    assert progress_sentences(progress(rows, name="扩建项目")) == ["扩建项目1#已建至3层"]


def test_sample_sentence_matches_the_seed(sample):
    bp = building_progress(sample, as_of="2016-06")
    sentences = progress_sentences(bp)
    assert sentences[0] == (
        "温莎公馆项目十三栋住宅主体结构已完工;5#、6#、7#、8#四栋已建至6层;"
        "9#、10#、11#、12#四栋已建至1层;39#已建至13层"
    )
    assert sentences[1] == "婚恋广场项目四栋商业楼及教堂主体已完工,二次结构正在进行"
    wsgg = bp.loc[bp.project_id == "WSGG"]
    assert len(wsgg) == 22 and (wsgg["date"] == pd.Timestamp("2016-06-20")).all()


def test_sample_progress_as_of_earlier(sample):
    bp = building_progress(sample, as_of="2015-12")
    assert bp["date"].max() == pd.Timestamp("2015-12-31")
    first = progress_sentences(bp)[0]
    assert first.startswith("温莎公馆项目四栋住宅主体结构已完工;5#、6#、7#、8#四栋正在进行基础施工")


def test_progress_needs_as_of(sample):
    with pytest.raises(ParameterError):
        building_progress(sample, as_of=None)


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (2, "两"), (4, "四"), (10, "十"), (13, "十三"), (21, "二十一")]
)
def test_chinese_count(n, text):
    assert chinese_count(n) == text


@pytest.mark.parametrize(
    ("name", "region", "short"),
    [
        ("阜阳市九州华隆家具有限公司", None, "九州华隆"),
        ("阜阳市九州方圆文仪家具有限公司", None, "九州方圆"),
        ("阜阳市九州兰天家具有限公司", "安徽省阜阳市颍州区", "九州兰天"),
        ("阜阳华隆钢结构有限公司", "安徽省阜阳市颍州区", "华隆"),
        ("阜阳市颍州区兴旺塑料制品厂", None, "兴旺"),
        ("安徽洪胡子食品有限公司", None, "洪胡子"),
        ("阜阳市华联超市配送有限公司", None, "华联超市配送"),
        ("国药控股阜阳有限公司", None, "国药控股阜阳"),
    ],
)
def test_short_name(name, region, short):
    assert short_name(name, region=region) == short


@pytest.mark.parametrize(
    ("as_of", "sentence"),
    [
        (
            "2016-06",
            "九州华隆、九州方圆2家企业的搬迁置换工作正在进行商谈中,"
            "九州兰天已签订搬迁协议,拆除工作正在进行。",
        ),
        ("2015-12", "九州兰天已签订搬迁协议。"),
        ("2015-06", ""),
    ],
)
def test_sample_relocations(sample, as_of, sentence):
    status = relocation_status(sample, as_of=as_of)
    assert relocation_sentence(status) == sentence


def test_relocation_log_is_grouped_per_enterprise_and_parcels(sample):
    status = relocation_status(sample, as_of="2016-06")
    lantian = status.loc[status.short_name == "九州兰天"]
    assert len(lantian) == 1  # BQ-03 (已签协议) and BQ-04 (拆除中) are one relocation
    assert lantian["relocation_id"].item() == "BQ-04"
    assert status["land_freed_mu"].sum() == pytest.approx(48.4 + 44.6 + 27.6)


def test_done_relocation_sentence():
    s = pd.DataFrame({"short_name": ["甲"], "status": ["已完成"], "land_freed_mu": [20.0]})
    assert relocation_sentence(s) == "甲已完成搬迁置换,腾退土地20亩。"
