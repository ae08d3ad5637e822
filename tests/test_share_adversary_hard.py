"""The outsider of tests/test_share_adversary.py on datasets built to be hard.

Each dataset (:mod:`tests.adversary_data`: one entrant in a year with two 规上 firms; one
dominant taxpayer with a one-off tax payment; data starting mid-year) is rendered once as the
share batches of 2015 and 2016 (``parkanalysis batch --share``, HTML + Word + PDF); the
outsider reads every page of both years, solves one linear programme with integral counts
and must pin no withheld or sensitive cell — entrants' and leavers' sums, the one-off month,
the dominant firm's tax, the land report's 近12个月 subsets included — within ±p %.
A batch whose own audit refuses a year leaves none of its pages: nothing is read there, and
the test asserts only that the other year was published.
"""

from __future__ import annotations

import pytest

from tests.adversary_data import build, share_batch
from tests.adversary_truth import assert_holds, judge

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["entrant_two_above", "dominant_oneoff", "midyear"])
def hard(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(request.param)
    data = build(request.param, base / "data")
    return request.param, data, {y: share_batch(data, y, base / str(y)) for y in (2015, 2016)}


def test_a_hard_dataset_holds(hard):
    kind, data, batches = hard
    published = [y for y, folder in batches.items() if list(folder.glob("*.html"))]
    assert published, f"{kind}: no share page written for either year"
    verdict = judge([batches[y] for y in published], data)
    assert verdict.targets > 0, f"{kind}: nothing sensitive to attack"
    assert_holds(verdict)
