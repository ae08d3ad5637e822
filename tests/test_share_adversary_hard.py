"""The outsider of tests/test_share_adversary.py on datasets built to be hard.

Each dataset (:mod:`tests.adversary_data`: one entrant in a year with two 规上 firms; one
dominant taxpayer with a one-off tax payment; data starting mid-year) is rendered once as the
share batches of 2015 and 2016 (``parkanalysis batch --share``, HTML + Word + PDF; all six
batches side by side); the outsider reads every page of both years, solves one linear
programme with integral counts and must pin no withheld or sensitive cell — entrants' and
leavers' sums, the one-off month, the dominant firm's tax, the land report's 近12个月
subsets included — within ±p %.
A batch whose own audit refuses a year leaves none of its pages: nothing is read there, and
the test asserts only that the other year was published.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversary_data import build, finish_batches, start_batch
from tests.adversary_truth import assert_holds, judge

pytestmark = pytest.mark.slow


KINDS = ["entrant_two_above", "dominant_oneoff", "midyear"]


@pytest.fixture(scope="module")
def hard_batches(tmp_path_factory) -> dict[str, tuple[Path, dict[int, Path]]]:
    """Every dataset's two share batches, all six side by side (one process each)."""
    data, runs = {}, {}
    for kind in KINDS:
        base = tmp_path_factory.mktemp(kind)
        data[kind] = build(kind, base / "data")
        for year in (2015, 2016):
            runs[(kind, year)] = start_batch(data[kind], year, base / str(year))
    done = finish_batches(runs)
    return {k: (data[k], {y: done[(k, y)] for y in (2015, 2016)}) for k in KINDS}


@pytest.fixture(params=KINDS)
def hard(request, hard_batches):
    return request.param, *hard_batches[request.param]


def test_a_hard_dataset_holds(hard):
    kind, data, batches = hard
    published = [y for y, folder in batches.items() if list(folder.glob("*.html"))]
    assert published, f"{kind}: no share page written for either year"
    verdict = judge([batches[y] for y in published], data)
    assert verdict.targets > 0, f"{kind}: nothing sensitive to attack"
    assert_holds(verdict)
