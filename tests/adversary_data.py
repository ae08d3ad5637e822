"""Datasets built to be hard for share protection, and share batches of them (tests only).

Each is a copy of the sample rewritten with pandas (the raw files stay the truth):

* ``entrant_two_above``: one entrant in 2016 (the sample's other 2016 entrants start
  production after the data end) and two 规上 firms in each year;
* ``dominant_oneoff``: one taxpayer paying 250 times its tax through 2016 (dominant in every
  2016 tax cell) and a one-off tax payment of 2,000 万元 by a small firm in 2015-03 (the
  second half of 2015 stays clean, so 近12个月 − 2015年下半年 reaches for the dominant
  firm's 2016 tax);
* ``midyear``: the monthly statistics start in 2015-07 (the first year's share batch covers
  July–December only).

The first two keep the monthly statistics from 2014 on (:data:`FIRST_MONTH`): the batches
are 2015's and 2016's, whose pages print 2014 at the earliest (上年同期, growth); the sample's
2012 and 2013 were two more tables of each chain to build and suppress first. From 2014 on,
``entrant_two_above`` is the ``two_above`` set of tests/test_share_links.py and
tests/test_share_growth.py, byte for byte, so a test run builds its tables once for the three
files (the run's store, :mod:`parkanalysis.share.store`).

:func:`share_batches` runs ``parkanalysis batch --share`` as a user would (HTML, Word, PDF),
one process per year, side by side.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
LATE = ["GMY061", "GMY057", "GMY062", "GMY058"]  # the sample's 2016 entrants but GMY060
DOMINANT = "GMY020"
ONE_OFF = ("GMY030", "2015-03", 2000.0)
MONTHLY = "monthly_stats.csv"
FIRST_MONTH = "2014-01"


def _frames(folder: Path):
    m = pd.read_csv(folder / MONTHLY, dtype={"月份": str})
    ents = pd.read_csv(folder / "enterprises.csv", dtype=str, keep_default_na=False)
    return m, ents


def build(kind: str, folder: Path) -> Path:
    """A copy of the sample made hard in the way ``kind`` names (module docstring)."""
    shutil.copytree(SAMPLE, folder)
    m, ents = _frames(folder)
    if kind != "midyear":
        m = m[m["月份"] >= FIRST_MONTH]
    if kind == "entrant_two_above":
        m = m[~m["企业代码"].isin(LATE)]
        ents.loc[ents["企业代码"].isin(LATE), "投产日期"] = "2016-09-01"
        above = pd.read_csv(folder / "above_size.csv", dtype=str)
        yes = above["是否规上"] == "是"
        first_two = yes & (yes.groupby(above["年份"]).cumsum() <= 2)
        above.loc[yes & ~first_two, "是否规上"] = "否"
        above.to_csv(folder / "above_size.csv", index=False)
    elif kind == "dominant_oneoff":
        big = (m["企业代码"] == DOMINANT) & (m["月份"] >= "2016-01")
        m.loc[big, "税收(万元)"] = (m.loc[big, "税收(万元)"] * 250).round(1)
        who, when, amount = ONE_OFF
        once = (m["企业代码"] == who) & (m["月份"] == when)
        assert once.sum() == 1
        m.loc[once, "税收(万元)"] = m.loc[once, "税收(万元)"] + amount
    elif kind == "midyear":
        m = m[m["月份"] >= "2015-07"]
    else:
        raise ValueError(kind)
    m.to_csv(folder / MONTHLY, index=False)
    ents.to_csv(folder / "enterprises.csv", index=False)
    return folder


def start_batch(data: Path, year: int, out: Path) -> tuple[Path, subprocess.Popen]:
    """Start ``parkanalysis batch --share`` of one year, every format, as a user runs it.

    One worker per batch; batches run side by side as separate processes instead
    (:func:`finish_batches`). Every process of the run reads the park's linked share tables
    (its year and every earlier one) from the run's store (tests/conftest.py,
    :mod:`parkanalysis.share.store`): the 2015 and 2016 batches of one dataset build each
    year's table once between them, not once in each worker and again in each kernel.
    """
    command = [sys.executable, "-m", "parkanalysis.cli", "batch", "--data", str(data),
               "--year", str(year), "--share", "--out", str(out), "--format", "html,docx,pdf",
               "--quiet", "--workers", "1"]  # fmt: skip
    run = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return out, run


def finish_batches(runs: dict) -> dict:
    """Wait for the batches :func:`start_batch` started; ``{key: folder written}``."""
    done = {}
    for key, (out, run) in runs.items():
        stdout, stderr = run.communicate()
        assert run.returncode in (0, 1), f"{key}: {stdout}{stderr}"  # 1: a year refused
        assert "Traceback" not in stderr, stderr
        done[key] = out
    return done


def share_batches(data: Path, years: Iterable[int], base: Path) -> dict[int, Path]:
    """The share batches of ``years`` (side by side), each in ``base/<year>``."""
    return finish_batches({y: start_batch(data, y, base / str(y)) for y in years})
