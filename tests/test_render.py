"""Parameter checks, warm kernel isolation and the HTML export, on real kernels."""

from __future__ import annotations

import nbformat
import pytest

from parkanalysis import render
from parkanalysis.errors import ParameterError, PeriodError
from tests.helpers import make_notebook

SAMPLE = render.NOTEBOOK_DIR.parent / "data" / "sample"


def _notebook(tmp_path, *cells, params='x = 1  # a number\nname = "园区"  # a name'):
    return make_notebook(tmp_path, "t", *cells, params=params)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"perod": "2016H1"}, "未知参数: perod"),
        ({"period": "2016年13月"}, None),
        ({"share": "maybe"}, "share 应为 bool"),
        ({"data": "/no/such/folder"}, "数据文件夹不存在"),
        ({"park": "../etc"}, "不能用作文件名"),
        ({"period": "2016H1\x00"}, None),
    ],
)
def test_bad_parameters_are_refused_before_any_kernel(params, message):
    error = PeriodError if message is None and "period" in params else ParameterError
    with pytest.raises((error, ParameterError)) as info:
        render.check_parameters("period", params)
    if message:
        assert message in str(info.value)
    if "perod" in params:  # the message lists the valid parameters with their help
        assert "period (str" in str(info.value) and "报告期" in str(info.value)


def test_parameters_are_normalised():
    checked = render.check_parameters(
        "period", {"data": str(SAMPLE), "share": "true", "period": "2016年1-5月"}
    )
    assert checked == {"data": str(SAMPLE.resolve()), "share": True, "period": "2016年1-5月"}


@pytest.mark.parametrize(
    "name", ["..", "a/b", "/abs", "CON", "nul.txt", "-rf", "x" * 101, "a\nb", ""]
)
def test_unsafe_names_are_rejected(name):
    with pytest.raises(ParameterError):
        render.safe_name(name)


def test_every_report_declares_documented_parameters():
    for kind in render.REPORT_KINDS:
        specs = render.notebook_parameters(kind)
        assert {"data", "park", "share"} <= set(specs), kind
        assert all(spec.help for spec in specs.values()), kind
        assert specs["data"].default == "../data/sample"


def test_reused_kernel_behaves_like_a_fresh_one(tmp_path):
    path = _notebook(
        tmp_path,
        "assert 'leak' not in globals(), 'state leaked from the previous report'\nleak = x",
        "import matplotlib as mpl, pandas as pd, warnings\n"
        "assert mpl.rcParams['lines.linewidth'] == 1.5\n"
        "assert pd.get_option('display.max_rows') == 60\n"
        "mpl.rcParams['lines.linewidth'] = 9; pd.set_option('display.max_rows', 3)\n"
        "warnings.simplefilter('error')",
        "print(name, x)",
    )
    with render.KernelSession(cwd=tmp_path) as session:
        outputs = []
        for x in range(3):
            nb = render.execute_notebook(path, {"x": x, "name": "工贸园"}, session=session)
            outputs.append(nb.cells[-1].outputs[0]["text"])
        assert session.reports_run == 3
    fresh = render.execute_notebook(path, {"x": 2, "name": "工贸园"})
    assert outputs == ["工贸园 0\n", "工贸园 1\n", "工贸园 2\n"]
    assert fresh.cells[-1].outputs[0]["text"] == outputs[-1]
    assert "工贸园" in fresh.cells[1].source  # Chinese parameter values stay readable


def test_a_failing_cell_reports_and_the_session_recovers(tmp_path):
    path = _notebook(tmp_path, "if x == 1:\n    raise ValueError('坏数据')", "print('ok', x)")
    with render.KernelSession(cwd=tmp_path) as session:
        with pytest.raises(render.ExecutionFailed, match="坏数据") as info:
            render.execute_notebook(path, {"x": 1}, session=session)
        assert any(
            o.get("output_type") == "error"
            for c in info.value.notebook.cells
            for o in c.get("outputs", [])
        )
        nb = render.execute_notebook(path, {"x": 2}, session=session)
    assert nb.cells[-1].outputs[0]["text"] == "ok 2\n"


def test_export_is_self_contained_with_toc_and_footer(tmp_path):
    path = _notebook(
        tmp_path,
        "from IPython.display import HTML\nHTML('<h1>工贸园报告</h1>')",
        params="x = 1  # n",
    )
    nb = render.execute_notebook(path, {})
    nb.cells.append(nbformat.v4.new_markdown_cell("## 一、经济运行\n\n正文"))
    page = render.export_html(nb, provenance={"数据指纹(SHA-256)": "abc<script>"})
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "<title>工贸园报告</title>" in page
    assert '<nav class="pa-toc"' in page and "一、经济运行" in page.split("</nav>")[0]
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "abc&lt;script&gt;" in page  # provenance is escaped
    assert "x = 1" not in page  # code hidden


def test_printed_text_is_one_output_however_it_was_flushed(tmp_path):
    """Two flushes of one line (as a loaded kernel may send them) give one stream output."""
    path = _notebook(
        tmp_path,
        "import sys, time\nsys.stdout.write('工贸园'); sys.stdout.flush(); time.sleep(0.5)\n"
        "print('', x)\n_ = sys.stderr.write('注意')",
    )
    nb = render.execute_notebook(path, {"x": 2})
    outputs = nb.cells[-1].outputs
    assert [(o["name"], o["text"]) for o in outputs] == [
        ("stdout", "工贸园 2\n"),
        ("stderr", "注意"),
    ]
