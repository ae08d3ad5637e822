"""Which reports a batch makes (``--kinds``) and how its index orders and titles them."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import SAMPLE

from parkanalysis import batch
from parkanalysis.errors import ParameterError


def _months_2016() -> list[int]:
    m = pd.read_csv(SAMPLE / "monthly_stats.csv")["月份"]
    return sorted({int(x[5:7]) for x in m if x.startswith("2016")})


def test_month_kind_makes_single_month_reports(tmp_path):
    jobs = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, kinds=("month",))
    months = [j.params["period"] for j in jobs]
    assert all(j.kind == "period" for j in jobs)
    # 1-2月 are published together in the sample (jan_feb_combined), so months 3..last
    expected = [f"2016-{m:02d}" for m in _months_2016() if m >= 3]
    assert [re.sub(r"\.\..*", "", p) for p in months] == expected
    assert all(".." not in p for p in months)


def test_kinds_choose_and_default_keeps_the_old_plan(tmp_path):
    default = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path)
    assert [j.kind for j in default].count("land") == 1
    only_land = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, kinds=("land",))
    assert [j.kind for j in only_land] == ["land"]
    halves = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, kinds=("half",))
    assert [j.label for j in halves] == ["2016年上半年"]
    with pytest.raises(ParameterError, match="weekly"):
        batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, kinds=("weekly",))


def test_index_ordered_by_period_and_titled_like_the_documents():
    def rec(name, kind, period, label):
        return {
            "name": name,
            "kind": kind,
            "park": "GMY",
            "park_name": "工贸园",
            "period": period,
            "label": label,
            "status": "rendered",
            "seconds": 1.0,
            "finished_at": "2016-07-01T08:00:00+08:00",
            "error": None,
            "failed_notebook": None,
        }

    records = [
        rec("land.html", "land", "2016-06", "截至2016年6月"),
        rec("h1.html", "period", "2016-01..2016-06", "2016年上半年"),
        rec("c5.html", "period", "2016-01..2016-05", "2016年1-5月"),
        rec("m5.html", "period", "2016-05", "2016年5月"),
        rec("c3.html", "period", "2016-01..2016-03", "2016年1-3月"),
    ]
    page = batch.index_html(records)
    order = re.findall(r'href="([^"]+)"', page)
    assert order == ["c3.html", "m5.html", "c5.html", "h1.html", "land.html"]
    assert ">工贸园2016年上半年工作总结</a>" in page
    assert ">工贸园2016年1-5月经济运行情况报告</a>" in page
    assert "@media (max-width: 600px)" in page


# -- file names after the titles (parkanalysis.report.naming) ------------------------------------
def test_batch_files_are_named_after_the_documents_titles(tmp_path):
    import yaml

    from parkanalysis.report.naming import is_share_name

    park = yaml.safe_load((SAMPLE / "park.yaml").read_text(encoding="utf-8"))["parks"][0]["name"]
    kinds = ("month", "cumulative", "quarter", "half", "year", "land")
    jobs = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, kinds=kinds)
    names = [j.name for j in jobs]
    assert len(set(names)) == len(names)  # unique within the batch
    for job in jobs:
        # the file is the title the index shows (the land report adds its month)
        title = batch.index._doc_title({"kind": job.kind, "park_name": park, "label": job.label})
        assert job.name == f"{title}.html", (job.name, title)
        assert not is_share_name(job.name)
    shared = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, kinds=kinds, share=True)
    assert all(is_share_name(j.name) for j in shared)
    assert not {j.name for j in shared} & set(names)  # share copies apart


def test_unsafe_characters_in_a_park_name_are_replaced(tmp_path):
    import shutil

    import yaml

    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    profile = yaml.safe_load((data / "park.yaml").read_text(encoding="utf-8"))
    profile["parks"][0]["name"] = '工贸/园:"一期"'
    (data / "park.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    jobs = batch.plan_jobs(data, 2016, out_dir=tmp_path / "out", kinds=("half", "land"))
    for job in jobs:
        assert not set('/\\:*?"<>|') & set(job.name), job.name
        assert job.name.startswith("工贸_园_")
        assert (tmp_path / "out" / job.name).parent == tmp_path / "out"


def test_a_folder_of_code_named_reports_lists_each_report_once(tmp_path):
    """An output folder written by an earlier version (code names): the report is rendered
    again under its titled name, and the manifest and index forget the code-named record."""
    import json

    job = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, kinds=("half",))[0]

    def record(name):
        return {
            "name": name,
            "kind": "period",
            "park": "",
            "park_name": "工贸园",
            "period": job.params["period"],
            "label": job.label,
            "status": "rendered",
            "seconds": 1.0,
            "finished_at": "2016-07-01T08:00:00+08:00",
            "error": None,
            "failed_notebook": None,
        }

    old = {n: record(n) for n in ("2016H1_period.html", "2016H1_period_share.html")}
    (tmp_path / ".manifest.json").write_text(json.dumps(old), encoding="utf-8")
    result = batch.job_result(job, "rendered", 1.0)
    batch.record_results(tmp_path, [result])
    manifest = json.loads((tmp_path / ".manifest.json").read_text(encoding="utf-8"))
    # the office copy is listed under its new name only; the old share copy stays its own
    assert set(manifest) == {job.name, "2016H1_period_share.html"}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr class=") == 1 and "2016H1_period.html" not in index


def test_parks_that_share_a_name_get_unique_file_names(tmp_path):
    import subprocess
    import sys

    import yaml
    from conftest import ROOT

    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "parkanalysis.cli", "sample", "--out", str(data),
           "--parks", "2", "--enterprises", "12", "--years", "3", "--seed", "3"]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    profile = yaml.safe_load((data / "park.yaml").read_text(encoding="utf-8"))
    kinds = ("half", "land")
    from parkanalysis.dataset import load_dataset

    year = load_dataset(data).month_range[1][0]
    apart = [j.name for j in batch.plan_jobs(data, year, out_dir=tmp_path, kinds=kinds)]
    names = [p["name"] for p in profile["parks"]]
    assert len(set(apart)) == len(apart) and all(any(n in a for n in names) for a in apart)
    profile["parks"][1]["name"] = profile["parks"][0]["name"]
    (data / "park.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    same = [j.name for j in batch.plan_jobs(data, year, out_dir=tmp_path, kinds=kinds)]
    assert len(set(same)) == len(same) == len(apart)
    for park in profile["parks"]:
        assert sum(f"({park['park_id']})" in n for n in same) == len(kinds)
