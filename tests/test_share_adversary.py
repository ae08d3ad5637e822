"""An outsider reads every share page of a year pair and solves for what is withheld.

Real share batches (``parkanalysis batch --share``, HTML + Word + PDF, as an office runs it)
of the sample's 2015 and 2016 together are read page by page by :mod:`tests.adversary` —
HTML text and tables, ``word/document.xml``, ``pdftotext``; never a ``*.cells.json`` and
nothing of the package — and every figure becomes a constraint of one linear programme with
integral counts (:class:`tests.adversary.Attack`). The truth comes from the raw CSV files
(:mod:`tests.adversary_truth`). A test fails when the outsider pins a withheld or sensitive
cell (every value it cannot exclude within ±p % of the truth, p of park.yaml), when a page
prints a single enterprise's figure, or when a PDF or Word page prints a figure its HTML page
lacks. The adversary's own reading is checked first: every figure it assigns a meaning must
agree with the raw data, or it reads wrongly. The same outsider on a synthetic three-park
set: tests/test_share_adversary_synthetic.py (a file of its own, so that an xdist worker
renders its batches while another renders these).

Also here: ``share-audit`` on tampering classes tests/test_share_audit.py does not cover
(an internal index, a raw data file, a copy of a share page under another name, two PDFs
swapped, both years of sidecars in one folder), and the attacker's teeth on generated cases.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversary import HAZARD, Attack, Fact, month, page_facts
from tests.adversary_data import SAMPLE, share_batches
from tests.adversary_truth import assert_holds, judge

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_batches(tmp_path_factory) -> dict[int, Path]:
    base = tmp_path_factory.mktemp("sample_share")
    return share_batches(SAMPLE, (2015, 2016), base)


def test_the_sample_2015_and_2016_together_hold(sample_batches):
    verdict = judge(list(sample_batches.values()), SAMPLE)
    assert verdict.targets > 50  # withheld and sensitive cells were attacked
    assert_holds(verdict)


# --------------------------------------------------------------------------- share-audit
def _folder(batches: dict[int, Path], tmp_path: Path, years=(2016,)) -> Path:
    folder = tmp_path / "folder"
    folder.mkdir()
    for y in years:
        for p in batches[y].iterdir():
            if not p.name.startswith(".") and not (p.name == "index_share.html" and y != years[0]):
                shutil.copy(p, folder / p.name)
    return folder


def _audit(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "share-audit", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_both_years_in_one_folder_pass_the_audit(sample_batches, tmp_path):
    folder = _folder(sample_batches, tmp_path, years=(2015, 2016))
    assert {".html", ".docx", ".pdf"} <= {p.suffix for p in folder.iterdir()}
    done = _audit(folder)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_tampering_class_in_one_folder_is_named(sample_batches, tmp_path):
    """An internal index, two data files, a copy of a page under another name and two PDFs
    swapped, together in one folder (one audit run: each is its own finding, named)."""
    folder = _folder(sample_batches, tmp_path)
    # the internal index the batch writes beside internal copies
    (folder / "index.html").write_text(
        "<html><body>内部索引 3126.0</body></html>", encoding="utf-8"
    )
    for intruder in ("monthly_stats.csv", "park.yaml"):
        shutil.copy(SAMPLE / intruder, folder / intruder)
    page = next(p for p in folder.glob("*.html") if "1-5月" in p.name)
    copy = folder / page.name.replace(".html", " - 副本.html")
    shutil.copy(page, copy)
    a = next(p for p in folder.glob("*.pdf") if "1-2月" in p.name)
    b = next(p for p in folder.glob("*.pdf") if "上半年" in p.name)
    a_bytes, b_bytes = a.read_bytes(), b.read_bytes()
    a.write_bytes(b_bytes)
    b.write_bytes(a_bytes)
    done = _audit(folder)
    assert done.returncode == 1, done.stdout + done.stderr
    for name in ("index.html", "monthly_stats.csv", "park.yaml", copy.name):
        assert name in done.stdout, (name, done.stdout)
    assert a.name in done.stdout or b.name in done.stdout, done.stdout


def test_a_nan_or_a_truncated_sidecar_is_exit_2(sample_batches, tmp_path):
    folder = _folder(sample_batches, tmp_path)
    record = next(folder.glob("*.cells.json"))
    text = record.read_text(encoding="utf-8")
    for bad in (text.replace('"value": ', '"value": NaN, "was": ', 1), text[: len(text) // 3]):
        record.write_text(bad, encoding="utf-8")
        done = _audit(folder)
        assert done.returncode == 2, done.stdout + done.stderr
        assert record.name in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------- the attacker's teeth
def _pin(facts: list[Fact], target: tuple) -> tuple[float, float]:
    attack = Attack(facts)
    return attack.bounds({"t": attack.cell(*target)})["t"]


def test_the_attacker_pins_what_printed_figures_give_away():
    """Generated cases of each route: the programme finds the value (not a vacuous attacker)."""
    rng = random.Random(24)
    for _ in range(30):
        a, b = month(2016, 1), month(2016, rng.randint(2, 6))
        found, rect = rng.randint(5, 120), None
        rect = rng.randint(0, found - 1)
        facts = [Fact("level", "P", HAZARD, a, b, found, found),
                 Fact("level", "P", "hazards_rectified", a, b, rect, rect)]  # fmt: skip
        assert _pin(facts, ("P", "hazards_open", a, b)) == (found - rect, found - rect)
        # growth with one entrant and no leaver: V − (1+g)·L = E exactly (to rounding)
        last, g = rng.uniform(500, 5000), rng.uniform(-0.2, 0.3)
        entrant = rng.uniform(20, 200)
        v = last * (1 + g) + entrant
        facts = [Fact("level", "P", "tax", a, b, v - 0.05, v + 0.05),
                 Fact("level", "P", "tax", a - 12, b - 12, last - 0.05, last + 0.05),
                 Fact("growth", "P", "tax", a, b, 1 + g - 1e-5, 1 + g + 1e-5)]  # fmt: skip
        attack = Attack(facts)
        e, _, _, _ = attack.entrants("P", "tax", a, b)
        lo, hi = attack.bounds({"E": e})["E"]
        # E ≥ V − (1+g)·L: the lower protection bound is broken (X may hide the upper one)
        assert entrant * 0.99 <= lo <= entrant * 1.01 and hi >= entrant
        # 近12个月 ratio × area with the rest of the window published: a month's value back
        months = [rng.uniform(100, 900) for _ in range(12)]
        w0 = month(2015, 7)
        facts = [Fact("level", "P", "tax", w0 + i, w0 + i, x - 0.05, x + 0.05)
                 for i, x in enumerate(months) if i != 4]  # fmt: skip
        total = sum(months)
        facts.append(Fact("level", "P", "tax", w0, w0 + 11, total - 0.5, total + 0.5))
        lo, hi = _pin(facts, ("P", "tax", w0 + 4, w0 + 4))
        assert lo >= months[4] * 0.98 and hi <= months[4] * 1.02


def test_a_period_label_broken_at_its_hyphen_in_a_pdf_is_read_whole():
    """pdftotext's reading order turned 「增速比1-」 + 「7月」 (a line end) into 「17月」, read as
    month 17 — May of the next year — with the 1-7月 growth (1+g = 7.31 against 1.19)."""
    from tests.adversary import Page, norm, pdf_lines, span_of

    assert span_of("17月", 2015) is None and span_of("1-13月", 2015) is None
    assert span_of("1-7月", 2015) == (month(2015, 1), month(2015, 7))
    raw = "园区2015年1-8月经济运行情况报告\n报告期:2015年1-8月\n"
    raw += "工业总产值增速比1-\n7月加快2.0个百分点。"
    page = Page(Path("p.pdf"), norm(pdf_lines(raw)))
    [points] = [f for f in page_facts(page) if f.kind == "points"]
    assert points.other == (month(2015, 1), month(2015, 7)) and points.lo == 2.0
