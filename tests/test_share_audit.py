"""``share-audit`` reads what was published: the pages themselves, their records, the folder.

A share batch of the sample (three period reports of 2016 in HTML, Word and PDF, and the land
report) is rendered once; each tampering class is applied to a copy of that folder:
an internal report dropped in, a page edited to print a withheld value (HTML and Word), a
record deleted, two records that disagree, another page under a share page's name. Each is
exit 1 from the command line; the clean folder is exit 0; malformed records are exit 2 with a
message naming the file — never a pass, never exit 1. Counts are exact integers: a class of
generated count systems where a published total and part pin a withheld part.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from html import unescape

import pytest
from conftest import SAMPLE

from parkanalysis.errors import ParameterError
from parkanalysis.share.audit import Cell, Relation, audit_cells, bounds
from parkanalysis.share.sidecar import audit_folder, enforce_folder

pytestmark = pytest.mark.slow

PERIODS = ("2016年1-3月", "2016Q2", "2016H1")


@pytest.fixture(scope="module")
def published(kernel_session, tmp_path_factory):
    """A clean share folder: what an office would circulate."""
    from parkanalysis.render import render_report

    out = tmp_path_factory.mktemp("published")
    for period in PERIODS:
        result = render_report(
            "period", out_dir=out, session=kernel_session, data=str(SAMPLE), period=period,
            share=True, formats=("html", "docx", "pdf") if period == "2016Q2" else ("html", "docx"),
        )  # fmt: skip
        assert result.status == "rendered", result.error
    result = render_report(
        "land", out_dir=out, session=kernel_session, data=str(SAMPLE), share=True
    )
    assert result.status == "rendered", result.error
    return out


def _copy(published, tmp_path):
    folder = tmp_path / "folder"
    shutil.copytree(published, folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def _cli(folder):
    return subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "share-audit", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def _records(folder):
    return {p: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.cells.json")}


def test_the_clean_folder_passes(published, tmp_path):
    folder = _copy(published, tmp_path)
    pages = [p for p in folder.iterdir() if p.suffix in (".html", ".docx", ".pdf")]
    assert {p.suffix for p in pages} == {".html", ".docx", ".pdf"}
    records = _records(folder)
    named = {page["file"] for r in records.values() for page in r["pages"]}
    assert named == {p.name for p in pages}  # every page has its record
    done = _cli(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "未发现可推算的不公布数字" in done.stdout


def test_an_internal_report_dropped_in(published, reports, tmp_path):
    for source in (reports["period"].path, reports["land"].path):
        folder = _copy(published, tmp_path / source.stem)
        shutil.copy(source, folder / source.name)
        done = _cli(folder)
        assert done.returncode == 1, done.stdout
        assert source.name in done.stdout and "内部版" in done.stdout


def _withheld_marker(page: str) -> str:
    m = re.search(r"—[(（]少于\d+家或由个别企业主导[,，]不予公布[)）]", unescape(page))
    assert m, "the share page withholds something: the tampering has a target"
    return m.group(0)


def test_a_page_edited_to_print_a_withheld_value(published, tmp_path):
    folder = _copy(published, tmp_path)
    page = next(p for p in folder.glob("*.html") if "2016年1-3月" in p.name or "1-3月" in p.name)
    text = unescape(page.read_text(encoding="utf-8"))
    marker = _withheld_marker(text)
    page.write_text(text.replace(marker, "27.6", 1), encoding="utf-8")
    done = _cli(folder)
    assert done.returncode == 1 and "27.6" in done.stdout and page.name in done.stdout


def test_a_word_page_edited_to_print_a_withheld_value(published, tmp_path):
    folder = _copy(published, tmp_path)
    word = next(folder.glob("*.docx"))
    with zipfile.ZipFile(word) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    body = parts["word/document.xml"].decode("utf-8")
    marker = _withheld_marker(body)
    parts["word/document.xml"] = body.replace(marker, "3,141.6", 1).encode("utf-8")
    with zipfile.ZipFile(word, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    done = _cli(folder)
    assert done.returncode == 1 and "3,141.6" in done.stdout and word.name in done.stdout


def test_another_page_under_a_share_pages_name(published, reports, tmp_path):
    """The internal page of the same period saved under the share page's name."""
    folder = _copy(published, tmp_path)
    html = next(p for p in folder.glob("*.html") if p.name != "index_share.html")
    shutil.copy(reports["period"].path, html)  # the internal page under the share name
    done = _cli(folder)
    assert done.returncode == 1 and html.name in done.stdout


def test_a_deleted_record(published, tmp_path):
    folder = _copy(published, tmp_path)
    record = next(folder.glob("*.cells.json"))
    pages = [page["file"] for page in json.loads(record.read_text(encoding="utf-8"))["pages"]]
    record.unlink()
    done = _cli(folder)
    assert done.returncode == 1
    assert all(name in done.stdout for name in pages), done.stdout


@pytest.mark.parametrize("how", ["value", "status"])
def test_two_records_that_disagree(published, tmp_path, how):
    folder = _copy(published, tmp_path)
    records = _records(folder)
    seen: dict[str, tuple] = {}
    target = None
    for path, record in records.items():  # a published cell two records print
        for c in record["cells"]:
            if c["status"] == "published" and c["id"] in seen and seen[c["id"]][0] != path:
                target = (path, c)
                break
            seen.setdefault(c["id"], (path, c))
        if target:
            break
    assert target is not None
    path, cell = target
    if how == "value":
        cell["value"] = cell["value"] + 1.0
    else:
        cell["status"], cell["value"] = "withheld", None
    path.write_text(json.dumps(records[path], ensure_ascii=False), encoding="utf-8")
    done = _cli(folder)
    assert done.returncode == 1 and "数据记录不一致" in done.stdout


# --------------------------------------------------------------------------- malformed
def _malformed(record: dict) -> dict[str, str]:
    """Text of each malformed variant of a good record."""
    good = json.dumps(record, ensure_ascii=False)
    published = next(i for i, c in enumerate(record["cells"]) if c["status"] == "published")

    def edit(change) -> str:
        r = json.loads(good)
        change(r)
        return json.dumps(r, ensure_ascii=False)

    def cell(key, value):
        return edit(lambda r: r["cells"][published].__setitem__(key, value))

    nan = good.replace(json.dumps(record["cells"][published]["value"]), "NaN", 1)
    return {
        "invalid_json": good[: len(good) // 2],
        "not_an_object": "[1, 2]",
        "nan_value": cell("value", 0).replace('"value": 0', '"value": NaN', 1),
        "nan_literal": nan,
        "infinity": cell("value", 0).replace('"value": 0', '"value": Infinity', 1),
        "minus_infinity": cell("value", 0).replace('"value": 0', '"value": -Infinity', 1),
        "string_value": cell("value", "1234.5"),
        "bool_value": cell("value", True),
        "missing_value": edit(lambda r: r["cells"][published].pop("value")),
        "bad_status": cell("status", "public"),
        "missing_cells": edit(lambda r: r.pop("cells")),
        "cells_not_list": edit(lambda r: r.__setitem__("cells", {"a": 1})),
        "year_string": edit(lambda r: r.__setitem__("year", "2016")),
        "p_nan": edit(lambda r: r["rules"].__setitem__("p_percent", 0)).replace(
            '"p_percent": 0', '"p_percent": NaN'
        ),
        "missing_pages": edit(lambda r: r.pop("pages")),
        "page_path": edit(lambda r: r["pages"][0].__setitem__("file", "../x.html")),
        "relation_parts": edit(lambda r: r["relations"][0].__setitem__("parts", [1, 2])),
        "old_format": edit(lambda r: r.__setitem__("format", "parkanalysis-share-cells/1")),
        "format_2": edit(lambda r: r.__setitem__("format", "parkanalysis-share-cells/2")),
        "missing_growth": edit(lambda r: r.pop("growth")),
        "coeffs_length": edit(lambda r: r["relations"][0].__setitem__("coeffs", [1.0])),
        "coeffs_string": edit(
            lambda r: r["relations"][0].__setitem__(
                "coeffs", ["1"] * len(r["relations"][0]["parts"])
            )
        ),
        "band_reversed": edit(lambda r: r["relations"][0].update(lo=1.0, hi=-1.0)),
        "band_nan": edit(lambda r: r["relations"][0].update(lo=-1.0, hi=1.5)).replace(
            '"hi": 1.5', '"hi": NaN'
        ),
        "growth_status": edit(
            lambda r: r["growth"].append({"id": "g", "status": "shown", "value": 1.0})
        ),
        "growth_withheld_value": edit(
            lambda r: r["growth"].append({"id": "g", "status": "withheld", "value": 8.9})
        ),
        "signed_string": cell("signed", "yes"),
    }


def test_malformed_records_are_exit_2_never_a_verdict(published, tmp_path):
    folder = _copy(published, tmp_path)
    path, record = next(iter(_records(folder).items()))
    variants = _malformed(record)
    for name, text in variants.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ParameterError) as info:
            audit_folder(folder)
        assert path.name in str(info.value), (name, info.value)
    for name in ("nan_value", "string_value", "missing_cells", "invalid_json"):
        path.write_text(variants[name], encoding="utf-8")
        done = _cli(folder)
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert path.name in done.stderr and "Traceback" not in done.stderr


def test_batch_safety_net_removes_a_tampered_year(published, tmp_path):
    folder = _copy(published, tmp_path)
    page = next(p for p in folder.glob("*.html") if "1-3月" in p.name)
    text = unescape(page.read_text(encoding="utf-8"))
    page.write_text(text.replace(_withheld_marker(text), "27.6", 1), encoding="utf-8")
    report, failed = enforce_folder(folder)
    assert failed and "已删除园区 GMY 2016年" in report
    assert not list(folder.glob("*.cells.json")) and not list(folder.glob("*.docx"))


# --------------------------------------------------------------------------- counts
def test_counts_are_exact_integers():
    """found = rectified + open with found and rectified printed: open is pinned exactly.

    The audit before boxed every count at ±0.5: 97 and 95 left open anywhere in [1, 3] —
    "protected" — though a count has no rounding.
    """
    rng = random.Random(5)
    for _ in range(200):
        parts = [rng.randint(1, 40) for _ in range(rng.randint(2, 5))]
        hidden = rng.randrange(len(parts))
        cells = {"t": Cell("t", float(sum(parts)), "published", 1.0)}
        for i, v in enumerate(parts):
            status = "withheld" if i == hidden else "published"
            cells[f"p{i}"] = Cell(f"p{i}", float(v) if status == "published" else None, status, 1.0)
        found = audit_cells(cells, [Relation("t", tuple(cells)[1:])], p_percent=10)
        assert [(e.id, e.lo, e.hi) for e in found] == [(f"p{hidden}", parts[hidden], parts[hidden])]
        # two withheld parts: the sum is known, each only within [0, sum]: protected
        other = (hidden + 1) % len(parts)
        cells[f"p{other}"] = Cell(f"p{other}", None, "withheld", 1.0)
        relation = [Relation("t", tuple(cells)[1:])]
        both = parts[hidden] + parts[other]
        assert bounds(cells, relation) == {f"p{hidden}": (0, both), f"p{other}": (0, both)}
        assert audit_cells(cells, relation, p_percent=10) == []
