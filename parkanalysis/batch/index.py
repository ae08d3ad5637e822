"""The manifest and the index page of an output folder.

The manifest (``.manifest.json``) holds one record per report ever rendered into the
folder (a :class:`~parkanalysis.batch.jobs.JobResult` without its folder); ``index.html``
lists them with their copy (稿别: 工作稿, 上报稿), and ``index_share.html`` the share
copies (对外版). Both are merged and replaced
under an ``fcntl`` lock, so concurrent batches into one folder lose nothing.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from parkanalysis._io import atomic_write
from parkanalysis.batch.jobs import STATUS_LABELS, JobResult

KIND_LABELS = {
    "period": "经济运行与工作情况报告",
    "land": "土地供应与扩园需求报告",
    "overview": "综述报告(合计与各园区排名)",
}


#: How the index names the formats beside each HTML report.
FORMAT_LABELS = {"docx": "Word", "pdf": "PDF"}


def _is_share(name: str) -> bool:
    """:func:`parkanalysis.report.naming.is_share_name`, imported on first use.

    The report package imports pandas and the analysis modules: a batch worker, which
    imports this package first, would wait a second for them before starting its kernel.
    """
    from parkanalysis.report.naming import is_share_name

    return is_share_name(name)


def _copy_of(name: str) -> str:
    """:func:`parkanalysis.report.naming.copy_of_name` (``work``, ``final``, ``share``),
    imported on first use (see :func:`_is_share`)."""
    from parkanalysis.report.naming import copy_of_name

    return copy_of_name(name)


#: How the index names each copy (:data:`parkanalysis.report.naming.COPIES`).
COPY_LABELS = {"work": "工作稿", "final": "上报稿", "share": "对外版"}


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_results(out_dir: str | os.PathLike, results: list[JobResult]) -> Path:
    """Merge results into the folder's manifest and rewrite ``index.html`` (under a lock).

    Concurrent batches into one folder each hold the lock while they read, merge and
    atomically replace the manifest and the index, so neither is ever half-written or lost.
    """
    out = Path(out_dir)
    manifest_path = out / ".manifest.json"
    with _locked(out):
        manifest = _read_manifest(manifest_path)
        for result in results:
            _drop_renamed(manifest, result)
            record = asdict(result)
            record.pop("out_dir", None)
            if record["failed_notebook"]:
                record["failed_notebook"] = os.path.relpath(record["failed_notebook"], out)
            if result.status == "cached" and result.name in manifest:
                previous = manifest[result.name]
                record["finished_at"] = previous.get("finished_at", record["finished_at"])
            manifest[result.name] = record
        atomic_write(
            manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
        )
        # the share copies get their own index: the office index never leaves the office
        records = list(manifest.values())
        share = [r for r in records if _is_share(r["name"])]
        office = [r for r in records if r not in share]
        below = office_indexes(out)  # a province: each office's own folder and index
        own = [o for o in below if o["href"]]
        shared = [o for o in below if o["share_href"]]
        index = out / "index.html"
        if office or own or not (share or shared):
            atomic_write(index, index_html(office, offices=own))
        if share or shared:
            share_index = out / "index_share.html"
            atomic_write(share_index, index_html(share, share=True, offices=shared))
            if all(_is_share(r.name) for r in results):
                index = share_index
    return index


def _drop_renamed(manifest: dict[str, dict[str, Any]], result: JobResult) -> None:
    """Forget the record of the same report under an earlier file name (code-named files of
    earlier versions): the index lists each report once, under its current name."""
    same = (result.kind, result.park, result.period, result.label, _copy_of(result.name))
    for name, record in list(manifest.items()):
        key = (
            record.get("kind"),
            record.get("park"),
            record.get("period"),
            record.get("label"),
            _copy_of(name),
        )
        if name != result.name and key == same:
            del manifest[name]


_RECORD_KEYS = {"name", "kind", "park", "label", "status", "finished_at", "seconds"}


def office_indexes(out: Path) -> list[dict[str, Any]]:
    """The subfolders of ``out`` a batch wrote (a folder of office folders: each office's
    reports in ``out/<office folder>/``), in name order: the folder, the links to its
    ``index.html`` and ``index_share.html`` (``None`` when it has none), its parks and how
    many reports of each copy it lists and how many failed (from its manifest)."""
    found = []
    for sub in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = sub / ".manifest.json"
        if not manifest.is_file():
            continue
        try:
            records = [r for r in json.loads(manifest.read_text(encoding="utf-8")).values()]
        except (OSError, ValueError, AttributeError):
            records = []
        records = [r for r in records if isinstance(r, dict) and isinstance(r.get("name"), str)]
        share = [r for r in records if _is_share(r["name"])]
        office = [r for r in records if r not in share]
        found.append(
            {
                "folder": sub.name,
                "href": f"{sub.name}/index.html" if (sub / "index.html").is_file() else None,
                "share_href": (
                    f"{sub.name}/index_share.html" if (sub / "index_share.html").is_file() else None
                ),
                "parks": list(dict.fromkeys(str(r.get("park_name") or "") for r in records)),
                "count": len(office),
                "share_count": len(share),
                "failed": sum(r.get("status") == "failed" for r in office),
                "share_failed": sum(r.get("status") == "failed" for r in share),
            }
        )
    return found


def _offices_html(offices: list[dict[str, Any]], *, share: bool) -> str:
    """The province index's table of the offices' own indexes (empty for an office's)."""
    if not offices:
        return ""
    esc = html.escape
    rows = []
    for o in offices:
        href = o["share_href"] if share else o["href"]
        count = o["share_count"] if share else o["count"]
        failed = o["share_failed"] if share else o["failed"]
        parks = "、".join(p for p in o["parks"] if p)
        state = f",其中 {failed} 份失败" if failed else ""
        rows.append(
            f'<tr class="{"failed" if failed else "office"}">'
            f'<td><a href="{esc(href, quote=True)}">{esc(o["folder"])} 报告索引</a></td>'
            f'<td class="meta">{esc(parks)}</td><td class="meta">{count} 份{state}</td></tr>'
        )
    return (
        "<h2>各地报告</h2>\n<p>每个数据文件夹的报告在各自的子文件夹,有自己的索引页。</p>\n"
        '<div class="wrap"><table class="offices">\n'
        "<thead><tr><th>索引页</th><th>园区</th><th>报告</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></div>\n"
    )


def _read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The manifest's records; a corrupt one is set aside and rebuilt, with a warning."""
    import sys

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        text, problem = "", str(exc)
    try:
        manifest = json.loads(text)
        problem = None if isinstance(manifest, dict) else "不是 JSON 对象"
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        manifest, problem = {}, f"不是有效的 JSON: {exc}"
    if not isinstance(manifest, dict):
        manifest = {}
    kept = {
        name: record
        for name, record in manifest.items()
        if isinstance(record, dict)
        and set(record) >= _RECORD_KEYS
        and record.get("name") == name
        and isinstance(record.get("seconds"), int | float)
        and all(isinstance(record[k], str) for k in _RECORD_KEYS - {"seconds"})
    }
    dropped = len(manifest) - len(kept)
    if problem is None and dropped:
        problem = f"{dropped} 条记录无法识别"
    if problem is not None:
        with contextlib.suppress(OSError):
            shutil.copyfile(path, path.with_name(path.name + ".bad"))
        print(
            f"警告: 报告清单 {path} 已损坏({problem[:200]}),已重建;"
            f"原文件另存为 {path.name}.bad,本次生成的报告都会列入索引。",
            file=sys.stderr,
        )
    return kept


def _index_order(record: dict[str, Any]) -> tuple:
    """Park, period reports by end month (月报, 1-N月, 季度, 半年, 年), land report last."""
    from parkanalysis.periods import parse_period

    order = {"month": 0, "cumulative": 1, "quarter": 2, "half": 3, "year": 4}
    key = (1, 0, 0, 0, 0)
    if record.get("kind") == "period":
        try:
            p = parse_period(record.get("period") or "")
            key = (0, p.year, p.end_month, order.get(p.kind, 5), p.start_month)
        except Exception:  # a record from an older manifest
            pass
    return (record["park"], *key, record["name"])


def _doc_title(record: dict[str, Any]) -> str:
    """The title the document carries (「工贸园2016年上半年工作总结」), for the index; a
    工作稿 and an 对外版 say which copy they are, as their titles do."""
    park = record.get("park_name") or record.get("park") or ""
    label = record.get("label") or ""
    mark = {"work": "(工作稿)", "share": "(对外版)"}.get(_copy_of(record.get("name", "")), "")
    if record.get("kind") == "period":
        words = "工作总结" if ("半年" in label or label.endswith("年")) else "经济运行情况报告"
        return f"{park}{label}{words}{mark}"
    if record.get("kind") == "land":
        return f"{park}土地供应与扩园需求分析({label}){mark}"
    if record.get("kind") == "overview" and record.get("period"):
        from parkanalysis.report.naming import report_title

        try:  # the overview's own title (「全区园区经济运行与土地利用综述(2016年1-6月)」)
            return report_title("overview", park, period=record["period"]) + mark
        except Exception:  # a record from an older manifest
            pass
    return f"{park}{label}{mark}"


def _beijing(stamp: str) -> str:
    """A recorded time (ISO 8601 with its offset) in 北京时间, as the reports state times.

    >>> _beijing("2016-07-01T00:09:10+00:00"), _beijing("not a time")
    ('2016-07-01 08:09:10', 'not a time')
    """
    try:
        when = _dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)[:19]
    if when.tzinfo is not None:
        when = when.astimezone(_dt.timezone(_dt.timedelta(hours=8)))
    return when.strftime("%Y-%m-%d %H:%M:%S")


def index_html(
    records: list[dict[str, Any]], *, share: bool = False, offices: list[dict] | None = None
) -> str:
    """The index page: every report with its park, period, status and time.

    ``share``: the index of the share copies (对外版), without internal paths. ``offices``
    (:func:`office_indexes`, a province's folder): a table linking each office's own index
    (``index_share.html`` in the share index) above the folder's own reports (the overview).
    """
    esc = html.escape
    rows = []
    for r in sorted(records, key=_index_order):
        status = STATUS_LABELS.get(r["status"], r["status"])
        if r["status"] in ("failed", "interrupted"):
            target = "" if share else (r.get("failed_notebook") or "")
            link = esc(r["name"]) + (f'<br><span class="err">{esc(r.get("error") or "")}</span>')
            if target:
                link += f'<br><span class="note">已执行的笔记本: {esc(target)}</span>'
        else:
            link = f'<a href="{esc(r["name"], quote=True)}">{esc(_doc_title(r))}</a>'
            for fmt, name in sorted((r.get("outputs") or {}).items()):
                label = FORMAT_LABELS.get(fmt, fmt)
                link += f' · <a href="{esc(name, quote=True)}" title="{esc(name)}">{esc(label)}</a>'
        rows.append(
            f'<tr class="{esc(r["status"])}"><td>{link}</td>'
            f'<td class="meta">{esc(r.get("park_name") or r["park"])}</td>'
            f'<td class="meta">{esc(KIND_LABELS.get(r["kind"], r["kind"]))}</td>'
            f'<td class="meta">{esc(COPY_LABELS[_copy_of(r["name"])])}</td>'
            f'<td class="meta">{esc(r["label"])}</td><td class="meta">{esc(status)}</td>'
            f'<td class="meta">{esc(_beijing(r["finished_at"]))}</td>'
            f'<td class="meta">{r["seconds"]:.1f}</td></tr>'
        )
    failed = sum(r["status"] == "failed" for r in records)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>园区报告索引{"(对外版)" if share else ""}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 1rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: .92rem; }}
th, td {{ border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #f3f6f9; }}
tr.failed td {{ background: #fdecea; }}
.err {{ color: #b42318; }} .note {{ color: #59636e; font-size: .85rem; }}
.wrap {{ overflow-x: auto; }}
td:first-child a {{ font-weight: 600; }}
@media (max-width: 600px) {{
  thead {{ display: none; }}
  table, tbody, tr, td {{ display: block; width: auto; }}
  tr {{ border: 1px solid #d0d7de; margin: 0 0 .6rem; padding: .3rem .5rem; }}
  td {{ border: 0; padding: .1rem 0; }}
  td.meta {{ display: inline-block; color: #59636e; font-size: .85rem; margin-right: .6rem;
             white-space: nowrap; }}
}}
</style></head>
<body><main>
<h1>园区报告索引{"(对外版)" if share else ""}</h1>
{_offices_html(offices or [], share=share)}{"<h2>综述报告</h2>" if offices else ""}
<p>共 {len(records)} 份报告{f",其中 <strong>{failed} 份失败</strong>" if failed else ""}。</p>
<div class="wrap"><table>
<thead><tr><th>文件</th><th>园区</th><th>报告</th><th>稿别</th><th>时期</th><th>状态</th><th>完成时间(北京时间)</th><th>用时(秒)</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div>
</main></body></html>
"""
