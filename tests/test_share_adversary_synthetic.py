"""The outsider of tests/test_share_adversary.py on a generated three-park set.

Real share batches (``parkanalysis batch --share``, HTML + Word + PDF) of a synthetic
three-park set (``python -m parkanalysis.sample``, 2014-07 … 2016-06) for 2015 and 2016 are
read page by page by :mod:`tests.adversary` and attacked as one linear programme per park;
the truth comes from the raw CSV files (:mod:`tests.adversary_truth`). A test fails when the
outsider pins a withheld or sensitive cell, when a page prints a single enterprise's figure,
or when a PDF or Word page prints a figure its HTML page lacks; and the same judge must name
a page made to print a withheld figure (the judge is not vacuous on these pages).

A file of its own (split from tests/test_share_adversary.py, which keeps the sample's batches):
each file's batches are rendered by one pytest-xdist worker (``--dist loadfile``), so the two
sets of batches are rendered side by side rather than one after the other.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversary_data import share_batches
from tests.adversary_truth import assert_holds, judge

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, dict[int, Path]]:
    base = tmp_path_factory.mktemp("synthetic_share")
    data = base / "data"
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.sample", str(data), "--parks", "3",
         "--enterprises", "10", "--years", "2", "--seed", "3", "--end", "2016-06"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return data, share_batches(data, (2015, 2016), base)


def test_the_synthetic_three_park_set_holds(synthetic):
    data, batches = synthetic
    verdict = judge(list(batches.values()), data)
    assert verdict.targets > 50
    assert_holds(verdict, parks=3)


def test_a_page_that_prints_a_withheld_figure_is_caught(synthetic, tmp_path):
    """The same outsider, judge and pages with one sensitive withheld 本期 printed as its true
    value (a protection rule broken on one page): the verdict names it."""
    from tests.adversary import MEASURES, UNITS, WITHHELD, norm, page_meta, read_html
    from tests.adversary_truth import Truth

    data, batches = synthetic
    truth = Truth(data)
    folder = tmp_path / "pages"
    shutil.copytree(batches[2016], folder)
    for page_path in sorted(folder.glob("*.html")):
        page = read_html(page_path)
        meta = page_meta(page)
        if meta is None or meta[1] != "period":
            continue
        park, _, a, b = meta
        for label, measure in MEASURES.items():
            c = truth.contributions(park, measure, a, b)
            if not truth.sensitive(c) or c.sum() <= 0:
                continue
            text = page_path.read_text(encoding="utf-8")
            cell = rf">{re.escape(label)}（(万元|亿元)）</td>\s*<td>([^<]*)</td>"
            row = re.search(cell, text)
            if row and WITHHELD.fullmatch(norm(row[2])):
                value = f"{c.sum() / UNITS[row[1]]:.{1 if row[1] == '万元' else 2}f}"
                page_path.write_text(
                    text[: row.start(2)] + value + text[row.end(2) :], encoding="utf-8"
                )
                verdict = judge([folder], data)
                assert verdict.shown_sensitive or verdict.pinned, verdict.summary()
                return
    pytest.fail("no page withholds a sensitive 本期 figure: nothing to break")
