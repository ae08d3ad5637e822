"""Three copies for three readers, and the form of a Chinese work report.

The sample's 2016H1 工作总结 and its 2016年1-5月 report are rendered by the command line
users run (``parkanalysis render period --copy work|final --format html,docx,pdf``). What the
上报稿 must not carry is built from the data folder itself, not from a hand list only: every
file name in it, every code in a 代码/编号 column of its tables, every park.yaml key; then
ASCII words, the method's terms and the provenance footer. The 工作稿 of the same period
must still carry each kind (so that a checker that sees nothing fails), in all three formats.

The 落款: the date set by ``--date`` or by the texts file's front matter is the one printed,
right-aligned at the end, in HTML, Word and PDF.
"""

from __future__ import annotations

import html.parser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pandas as pd
import pytest
import yaml
from conftest import SAMPLE

from tests.helpers import POPPLER, require_chromium, require_tool

CLI = Path(sys.executable).parent / "parkanalysis"
PERIODS = {
    "2016H1": "工贸园2016年上半年工作总结",
    "2016年1-5月": "工贸园2016年1-5月经济运行情况报告",
}
#: The land report of June 2016 (its 工作稿 names no enterprise code: relocations by name).
LAND = "工贸园土地供应与扩园需求分析(截至2016年6月)"
#: What each report's 工作稿 must carry.
WORKINGS = {
    **{p: frozenset({"文件名", "代码", "英文词", "方法术语", "来源信息"}) for p in PERIODS},
    "land": {"文件名", "park.yaml 键", "英文词", "方法术语", "来源信息"},
}
COPY_MARK = {"work": "(工作稿)", "final": ""}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=900)


# ------------------------------------------------------------------ what the 上报稿 must not carry
def forbidden(data: Path) -> dict[str, list[re.Pattern]]:
    """Patterns of the office's workings, by kind, read from the data folder itself."""
    files = [p for p in data.rglob("*") if p.is_file()]
    names = {p.name for p in files} | {str(p.relative_to(data)) for p in files}
    codes: set[str] = set()
    for path in (p for p in files if p.suffix == ".csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in (c for c in frame.columns if "代码" in c or "编号" in c):
            codes |= {v for v in frame[column] if re.search(r"[A-Za-z]", v)}

    def keys(node) -> set[str]:
        if isinstance(node, dict):
            out = {str(k) for k in node}
            for value in node.values():
                out |= keys(value)
            return out
        if isinstance(node, list):
            return set().union(*(keys(v) for v in node)) if node else set()
        return set()

    profile = yaml.safe_load((data / "park.yaml").read_text(encoding="utf-8"))
    for park in profile["parks"]:
        codes.add(park["park_id"])
        codes |= {ph["phase_id"] for ph in park.get("phases", [])}
    yaml_keys = {k for k in keys(profile) if re.search(r"[A-Za-z]", k)}

    def word(text: str) -> re.Pattern:  # not inside a longer ASCII word or code
        return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(text)}(?![A-Za-z0-9_])")

    assert len(names) > 10 and len(codes) > 50 and len(yaml_keys) > 20  # the data were read
    return {
        "文件名": [re.compile(re.escape(n)) for n in sorted(names)]
        + [re.compile(r"\.(?:csv|xlsx|xls|yaml|yml|ipynb|md)\b", re.I)],
        "代码": [word(c) for c in sorted(codes, key=len, reverse=True)],
        "park.yaml 键": [word(k) for k in sorted(yaml_keys)],
        "英文词": [ENGLISH],
        "方法术语": METHOD,
        "来源信息": FOOTER,
    }


#: An ASCII word of two letters or more; a standard's number (GB/T 4754-2017) is Chinese usage.
ENGLISH = re.compile(r"(?<!GB/)(?<![A-Za-z])(?!GB/T)[A-Za-z]{2,}")
METHOD = [
    re.compile(r"(?<![A-Za-z])P\d{1,2}(?:\.\d)?(?!\d)"),  # P50, P10-P90, P2.5
    re.compile(r"\d+%置信|置信水平|置信区间|(?<!\w)置信"),
    re.compile(r"forecast_annual|(?<![A-Za-z])M3(?!\d)|Tourism|回测|benchmarks"),
]
FOOTER = [
    re.compile(p) for p in (r"报告来源信息", r"数据指纹", r"SHA-?256", r"\.ipynb", r"[0-9a-f]{64}")
]


def hits(text: str, patterns: dict[str, list[re.Pattern]]) -> dict[str, list[str]]:
    """What of each kind ``text`` contains (kinds with nothing left out)."""
    found = {}
    for kind, group in patterns.items():
        matched = sorted({m.group(0) for p in group for m in p.finditer(text)})
        if matched:
            found[kind] = matched
    return found


# ------------------------------------------------------------------ the text of each format
class _Visible(html.parser.HTMLParser):
    """The text a reader sees (and alt/title texts), without style, script or head."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return "\n".join(parser.parts)


def docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    for section in d.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    cp = d.core_properties
    parts += [cp.title, cp.subject, cp.keywords, cp.comments, cp.author, cp.last_modified_by]
    return "\n".join(p or "" for p in parts)


def pdf_text(path: Path) -> str:
    """The PDF's text in content order, lines joined (a table cell wrapped over lines reads
    whole again) and, after it, laid out (what a reader sees line by line)."""
    raw = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    laid = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return raw.replace("\n", "") + "\n" + laid


TEXT = {"html": html_text, "docx": docx_text, "pdf": pdf_text}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[tuple[str, str], dict[str, Path]]:
    """(period, copy) → the three files, rendered by the command line."""
    require_chromium()
    for tool in POPPLER:
        require_tool(tool)
    out = tmp_path_factory.mktemp("copies")
    files = {}
    for period, title in [*PERIODS.items(), ("land", LAND)]:
        kind, when = ("land", "2016H1") if period == "land" else ("period", period)
        for copy, mark in COPY_MARK.items():
            done = cli(
                "render", kind, "--data", str(SAMPLE), "--period", when, "--copy", copy,
                "--format", "html,docx,pdf", "--out", str(out),
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            files[period, copy] = {f: out / f"{title}{mark}.{f}" for f in ("html", "docx", "pdf")}
            assert all(p.is_file() for p in files[period, copy].values()), done.stdout
    return files


@pytest.mark.parametrize("period", [*PERIODS, "land"])
@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_final_copy_carries_none_of_the_workings_and_the_working_copy_all(rendered, period, fmt):
    patterns = forbidden(SAMPLE)
    final = TEXT[fmt](rendered[period, "final"][fmt])
    work = TEXT[fmt](rendered[period, "work"][fmt])
    assert hits(final, patterns) == {}
    found = hits(work, patterns)
    # the 工作稿 keeps the office's workings: data checks with file names and codes, the
    # method with its terms, the provenance (in Word and PDF too)
    assert WORKINGS[period] <= set(found), found
    assert "内部资料 注意保存" in final and "内部资料 注意保存" in work
    # the same body: the 上报稿's paragraphs are the 工作稿's, less the workings
    assert "数据说明与核对" in work and "数据说明与核对" not in final


def test_three_copies_never_overwrite_each_other(rendered, tmp_path):
    names = {p.name for files in rendered.values() for p in files.values()}
    assert len(names) == 3 * len(rendered)  # every (report, copy, format) its own file
    done = cli(
        "render", "period", "--data", str(SAMPLE), "--period", "2016H1", "--share",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"{PERIODS['2016H1']}(对外版).html").is_file()
    refused = cli(
        "render", "period", "--data", str(SAMPLE), "--period", "2016H1", "--share",
        "--copy", "work", "--out", str(tmp_path / "x"),
    )  # fmt: skip
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--copy" in refused.stderr and not (tmp_path / "x").exists()


def test_params_lists_the_copies():
    done = cli("params", "period")
    assert done.returncode == 0, done.stderr
    for code, name in (("work", "工作稿"), ("final", "上报稿"), ("share", "对外版")):
        assert re.search(rf"^\s+{code}\s+{name}", done.stdout, re.M), done.stdout
    assert "copy (str, 默认 'final')" in done.stdout and "date (" in done.stdout


# ------------------------------------------------------------------ 落款: the date the office set
def _office_data(tmp_path: Path, front: str | None) -> Path:
    """A copy of the sample whose texts/2016H1.md opens with ``front`` (YAML), if given."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    texts = data / "texts" / "2016H1.md"
    if front is not None:
        texts.write_text(f"---\n{front}\n---\n" + texts.read_text(encoding="utf-8"), "utf-8")
    return data


def _closing_in_pdf(pdf: Path) -> list[tuple[str, float, float]]:
    """(line, x of its left edge, page width) of the last page's last lines."""
    bbox = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    page = bbox.rsplit("<page ", 1)[1]
    width = float(re.search(r'width="([\d.]+)"', page).group(1))
    lines = []
    for line in re.findall(r"<line (.*?)</line>", page, re.S):
        words = re.findall(r">([^<]+)</word>", line)
        x = float(re.search(r'xMin="([\d.]+)"', line).group(1))
        lines.append(("".join(words), x, width))
    return lines


@pytest.mark.parametrize(
    ("front", "date", "printed"),
    [
        ("date: 2016-07-05\nissuer: 工贸园管理委员会", None, "2016年7月5日"),  # front matter
        ("date: 2016-07-05\nissuer: 工贸园管理委员会", "2016-07-08", "2016年7月8日"),  # CLI wins
    ],
)
def test_the_date_the_office_set_is_the_closing_date_in_every_format(
    tmp_path, front, date, printed
):
    require_chromium()
    for tool in POPPLER:
        require_tool(tool)
    data = _office_data(tmp_path, front)
    args = ["--date", date] if date else []
    done = cli(
        "render", "period", "--data", str(data), "--period", "2016H1", *args,
        "--format", "html,docx,pdf", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stem = tmp_path / "out" / PERIODS["2016H1"]
    other = {"2016年7月5日", "2016年7月8日"} - {printed}
    issuer = "工贸园管理委员会"
    # HTML: the 落款 after the last section, not under the title
    page = html_text(stem.with_suffix(".html"))
    assert page.count(printed) == 1 and not any(d in page for d in other)
    # (the issuer names the 资料来源 too: 「工贸园管理委员会土地台账」)
    assert page.rindex(issuer) > page.rindex("下半年工作计划")
    assert page.index(printed) > page.rindex(issuer)
    signature = re.search(
        r'<div class="pa-signature">(.*?)</div>', stem.with_suffix(".html").read_text("utf-8"), re.S
    )
    assert signature and issuer in signature.group(1) and printed in signature.group(1)
    assert "text-align:right" in signature.group(1)
    # Word: the last two paragraphs, right-aligned; the date nowhere else
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraphs = [p for p in docx.Document(str(stem.with_suffix(".docx"))).paragraphs if p.text]
    assert [p.text for p in paragraphs[-2:]] == [issuer, printed]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in paragraphs[-2:])
    assert sum(printed in p.text for p in paragraphs) == 1
    # PDF: the last lines of the last page, in the right half of the page
    lines = _closing_in_pdf(stem.with_suffix(".pdf"))
    texts = [t for t, _x, _w in lines]
    assert printed in texts and issuer in texts, texts[-5:]
    for text, x, width in lines:
        if text in (printed, issuer):
            assert x > width / 2, (text, x, width)
    assert not any(d in pdf_text(stem.with_suffix(".pdf")) for d in other)


def test_closing_date_precedence_and_default_in_the_report(tmp_path, monkeypatch):
    from parkanalysis.report import PeriodReport

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1467648000")  # 2016-07-05 in Beijing
    plain = PeriodReport(data=SAMPLE, period="2016H1")
    assert plain.date == "2016年7月5日"  # no date anywhere: the rendering day
    assert plain.issuer == "工贸园管委会"  # park.yaml has none: 「<园区>管委会」
    data = _office_data(tmp_path, "date: 2016年7月1日")
    assert PeriodReport(data=data, period="2016H1").date == "2016年7月1日"
    assert PeriodReport(data=data, period="2016H1", date="2016-06-30").date == "2016年6月30日"
    closing = PeriodReport(data=data, period="2016H1").closing().blocks[0]
    assert (closing.issuer, closing.date) == ("工贸园管委会", "2016年7月1日")


@pytest.mark.parametrize(
    ("front", "column", "value"),
    [
        ("date: 2016-02-30", "date", "2016-02-30"),
        ("dated: 2016-07-05", "dated", "2016-07-05"),
        ("headings: 经济运行", "headings", "经济运行"),
    ],
)
def test_a_bad_front_matter_is_refused_naming_file_row_key_and_value(
    tmp_path, front, column, value
):
    data = _office_data(tmp_path, "issuer: 工贸园管委会\n" + front)
    out = tmp_path / "out"
    done = cli("render", "period", "--data", str(data), "--period", "2016H1", "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    assert "texts/2016H1.md" in done.stderr and "第3行" in done.stderr, done.stderr
    assert column in done.stderr and value in done.stderr, done.stderr


def test_a_bad_date_is_refused_before_anything_runs(tmp_path):
    out = tmp_path / "out"
    done = cli(
        "render", "period", "--data", str(SAMPLE), "--period", "2016H1", "--date", "2016-13-01",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 2 and "2016-13-01" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


# ------------------------------------------------------------------ batch: the copy, the index
def test_batch_plans_one_copy_and_refuses_two():
    from parkanalysis.batch import plan_jobs
    from parkanalysis.errors import ParameterError

    work = plan_jobs(SAMPLE, 2016, copy="work", kinds=("half", "land"), date="2016年7月5日")
    assert len(work) == 2 and all(j.name.endswith("(工作稿).html") for j in work)
    assert all(j.params["copy"] == "work" and "share" not in j.params for j in work)
    assert all(j.params["date"] == "2016-07-05" for j in work)
    shared = plan_jobs(SAMPLE, 2016, share=True, kinds=("half",))
    assert [(j.params["copy"], j.params["share"]) for j in shared] == [("share", True)]
    assert shared[0].name.endswith("(对外版).html")
    final = plan_jobs(SAMPLE, 2016, kinds=("half",))  # the default: the 上报稿
    assert final[0].params["copy"] == "final" and final[0].name == f"{PERIODS['2016H1']}.html"
    with pytest.raises(ParameterError, match="--copy"):
        plan_jobs(SAMPLE, 2016, share=True, copy="work", kinds=("half",))


def test_batch_index_lists_each_copy(tmp_path):
    out = tmp_path / "out"
    for copy in ("work", "final"):
        done = cli(
            "batch", "--data", str(SAMPLE), "--year", "2016", "--kinds", "half", "--copy", copy,
            "--out", str(out), "--quiet", "--workers", "1",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr class=\"rendered\">(.*?)</tr>", index, re.S)
    meta = re.compile(r'<td class="meta">([^<]*)</td>')
    listed = {(re.search(r'href="([^"]+)"', r).group(1), meta.findall(r)[2]) for r in rows}
    title = PERIODS["2016H1"]
    assert listed == {(f"{title}(工作稿).html", "工作稿"), (f"{title}.html", "上报稿")}
    assert (out / f"{title}(工作稿).html").is_file() and (out / f"{title}.html").is_file()
