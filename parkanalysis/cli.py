"""The ``parkanalysis`` command: parses arguments and calls the library, nothing more.

Exit codes: 0 ok; 1 some work failed (batch); 2 bad input or arguments.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from parkanalysis.errors import ParameterError, ParkAnalysisError
from parkanalysis.escape import terminal_text

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (workers stopped, results recorded), exit 143."""


def _terminated(signum, frame) -> None:
    from parkanalysis._io import request_stop

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    request_stop(Terminated())  # a report being written is finished first (written_together)


# --------------------------------------------------------------------------- output
def _json_default(value: Any) -> Any:
    import math

    import numpy as np
    import pandas as pd

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | pd.Period):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _clean_json(obj: Any) -> Any:
    """Replace NaN by None recursively so the JSON is standard."""
    import math

    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_json(v) for v in obj]
    return obj


def emit(payload: Any, *, fmt: str, output: str | None, title: str = "", sheets=None) -> None:
    """Write a DataFrame or JSON-able payload as table, json, csv or xlsx.

    ``xlsx`` needs ``--output``; files are written atomically; JSON keeps Chinese unescaped.
    """
    import pandas as pd

    from parkanalysis._io import atomic_write

    frame = payload if isinstance(payload, pd.DataFrame) else None
    if fmt == "json":
        records = frame.to_dict(orient="records") if frame is not None else payload
        text = json.dumps(_clean_json(records), ensure_ascii=False, indent=2, default=_json_default)
        text += "\n"
    elif fmt == "csv":
        if frame is None:
            raise ParameterError("该命令的结果不是表格,不支持 --format csv;请用 json。")
        from parkanalysis.escape import csv_safe_frame

        text = csv_safe_frame(frame).to_csv(index=False)  # no formula runs when Excel opens it
    elif fmt == "xlsx":
        if not output:
            raise ParameterError("--format xlsx 需要 --output 文件名(.xlsx)。")
        from parkanalysis.labels import to_excel_bytes

        atomic_write(output, to_excel_bytes(sheets or {title or "结果": frame}))
        print(f"已写入 {output}", file=sys.stderr)
        return
    else:
        if frame is None:
            text = json.dumps(
                _clean_json(payload), ensure_ascii=False, indent=2, default=_json_default
            )
        else:
            from parkanalysis.labels import to_display_text

            text = (title + "\n" if title else "") + to_display_text(frame) + "\n"
    if output:
        atomic_write(output, text.encode("utf-8-sig") if fmt == "csv" else text)
        print(f"已写入 {output}", file=sys.stderr)
    else:
        sys.stdout.write(text if fmt in ("json", "csv") else terminal_text(text))


# --------------------------------------------------------------------------- commands
def cmd_validate(args: argparse.Namespace) -> int:
    from parkanalysis.dataset import validate_dataset

    report = validate_dataset(args.data, strict=args.strict)
    if args.format == "json":
        emit(report.to_dict(), fmt="json", output=None)
    else:
        print(terminal_text(report.to_text()))
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def cmd_init(args: argparse.Namespace) -> int:
    from parkanalysis.dataset.init import init_folder

    result = init_folder(args.folder, name=args.name, park_id=args.park_id, force=args.force)
    print(result.summary())
    return EXIT_OK


def _data_paths(args: argparse.Namespace) -> list[str]:
    """The data folders of ``DATA`` and every ``--data`` (indicators, land)."""
    paths = [*(args.data or []), *(getattr(args, "more_data", None) or [])]
    if not paths:
        raise ParameterError("请给出数据文件夹:parkanalysis indicators DATA(或 --data DATA,可重复)")
    return paths


def _load(args: argparse.Namespace, path: Any = None):
    """Load the dataset; print its warnings (usable data, but worth a look) to stderr."""
    from parkanalysis.dataset import load_dataset

    ds = load_dataset(args.data if path is None else path)
    _print_warnings(ds)
    return ds


def _load_zone(args: argparse.Namespace):
    """The datasets of every DATA/--data (a folder of office folders expanded), as a Zone."""
    from parkanalysis.province import Zone, data_folders, zone_name

    folders = data_folders(_data_paths(args))
    datasets = [_load(args, f) for f in folders]
    default = zone_name(datasets[0]) if len(datasets) == 1 else None
    return Zone(datasets, args.zone_name or default or "合计")


def _print_warnings(ds) -> None:
    if ds.warnings:
        where = f"{ds.path.name}:" if getattr(ds, "path", None) is not None else ""
        print(f"{where}数据校验提示 {len(ds.warnings)} 处(不影响计算,请核对):", file=sys.stderr)
        for finding in ds.warnings[:10]:
            print(terminal_text(f"  {finding}"), file=sys.stderr)
        if len(ds.warnings) > 10:
            print(
                f"  …… 另有 {len(ds.warnings) - 10} 处,运行 parkanalysis validate 查看",
                file=sys.stderr,
            )


def _check_output(args: argparse.Namespace) -> None:
    """Refuse an ``--output`` that cannot be written, before any work (exit 2)."""
    from parkanalysis._io import check_output_file

    if args.output:
        data = args.data if isinstance(args.data, str) else None
        for folder in [data] if data else _data_paths(args):
            check_output_file(args.output, data=folder)


def cmd_indicators(args: argparse.Namespace) -> int:
    from parkanalysis.dataset.completeness import require_complete
    from parkanalysis.indicators import indicator_table, resolve_period
    from parkanalysis.periods import parse_period
    from parkanalysis.province import zone_by_park, zone_table

    period = parse_period(args.period)  # a malformed period fails before reading the data
    _check_output(args)
    zone = _load_zone(args)
    wants_zone = args.zone or (args.park is not None and args.park == zone.name)
    if len(zone.datasets) == 1 and not wants_zone:
        resolve_period(zone.datasets[0], period)  # a bad period gets its own message first
    if wants_zone or (args.park is None and len(zone.parks) > 1):
        maker = zone_table if wants_zone else zone_by_park
        table = maker(zone, period, allow_incomplete=args.allow_incomplete)
        if not table["parks_included"].iloc[-1]:
            raise ParameterError(f"{period.label}没有园区可合计:{table.attrs['note']}")
        print(f"注意:{table.attrs['note']}。", file=sys.stderr)
        title = f"{period.label} 经济指标({zone.name}合计及各园区)"
        if wants_zone:
            title = f"{period.label} 经济指标({zone.name})"
        emit(table, fmt=args.format, output=args.output, title=title)
        return EXIT_OK
    ref = _one_park(zone, args.park)
    table = indicator_table(ref.ds, period, park=ref.park_id)
    status = require_complete(ref.ds, period, ref.park_id, allow_incomplete=args.allow_incomplete)
    if not status.complete:
        print(f"注意:{status.sentence()}。", file=sys.stderr)
    emit(table, fmt=args.format, output=args.output, title=f"{period.label} 经济指标")
    return EXIT_OK


def _one_park(zone, park: str | None):
    """The park ``--park`` names among the datasets (id or name; the only park if omitted)."""
    if len(zone.datasets) == 1:
        ds = zone.datasets[0]
        pid = ds.resolve_park(park)
        return next(r for r in zone.parks if r.park_id == pid)
    hits = [r for r in zone.parks if park in (r.park_id, r.name, r.label)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        choices = "、".join(r.label for r in zone.parks)
        raise ParameterError(f"园区 {park!r} 不在这些数据集中;可选:{choices}、{zone.name}")
    same = "、".join(f"{r.label}({r.folder}/{r.park_id})" for r in hits)
    raise ParameterError(
        f"园区 {park!r} 在多个数据集中都有:{same};请用 --park 写园区名称加文件夹名"
    )


def cmd_land(args: argparse.Namespace) -> int:
    from parkanalysis.land import land_indicators
    from parkanalysis.province import zone_land
    from parkanalysis.units import in_area_unit

    _check_output(args)
    zone = _load_zone(args)
    wants_zone = args.zone or (args.park is not None and args.park == zone.name)
    if wants_zone or (args.park is None and len(zone.parks) > 1):
        table = zone_land(zone, as_of=args.as_of)
        print(f"注意:{table.attrs['note']}。", file=sys.stderr)
        if wants_zone:
            table = table[["id", "name", "unit", zone.name, "note"]].rename(
                columns={zone.name: "value"}
            )
        emit(table, fmt=args.format, output=args.output, title=f"土地利用指标({zone.name})")
        return EXIT_OK
    ref = _one_park(zone, args.park)
    table = land_indicators(ref.ds, park=ref.park_id, as_of=args.as_of)
    park = ref.ds.profile.parks[ref.park_id]
    units = {ph.unit for ph in park.phases.values()}
    if len(units) == 1:  # a park declaring in 公顷 sees 公顷 (亩 alongside)
        table = in_area_unit(table, units.pop())
    emit(table, fmt=args.format, output=args.output, title="土地利用指标")
    return EXIT_OK


def cmd_forecast(args: argparse.Namespace) -> int:
    from parkanalysis.land import land_outlook_for

    _check_output(args)
    ds = _load(args)
    outlook = land_outlook_for(
        ds,
        park=args.park,
        as_of=args.as_of,
        horizon=args.horizon,
        confidence=args.confidence,
    )
    if args.format in {"json", "table"}:
        emit(outlook.to_dict(), fmt="json", output=args.output)
    else:
        emit(outlook.forecast_table(), fmt=args.format, output=args.output, title="供地预测")
    return EXIT_OK


def _parse_params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ParameterError(f"-p 参数应写成 名称=值,收到 {pair!r}。")
        name, value = pair.split("=", 1)
        params[name.strip()] = value
    return params


def cmd_render(args: argparse.Namespace) -> int:
    from parkanalysis.render import render_report

    params = _parse_params(args.param)
    params["data"] = args.data
    if args.period is not None:
        params["period"] = args.period
    if args.park is not None:
        params["park"] = args.park
    if args.share:
        params["share"] = True
    if args.copy is not None:
        params["copy"] = args.copy
    if args.date is not None:
        params["date"] = args.date
    if args.allow_incomplete:
        params["allow_incomplete"] = True
    if args.kind in ("period", "land") and _names_the_total(args.data, params.get("park")):
        args.kind, params = _total_report(args.kind, params)
    if args.kind in ("period", "land") and params.get("park") is None:
        jobs = _every_park_jobs(args, params)
        if jobs is not None:  # several parks: each park's report and the overview
            return _render_jobs(args, jobs, share=params.get("share") or args.copy == "share")
    result = render_report(
        args.kind, out_dir=args.out, force=args.force, formats=args.formats, **params
    )
    if result.status == "failed":
        print(result.error, file=sys.stderr)
        return EXIT_FAILED
    state = "未变化,沿用" if result.status == "cached" else "已生成"
    for path in (result.outputs or {"html": result.html_path}).values():
        print(f"{path} ({state})")
    return EXIT_OK


def _names_the_total(data: str, park: str | None) -> bool:
    """True when ``--park`` names the total of data with several parks: park.yaml's
    ``zone.name`` (default 「全区」) for a dataset, 「合计」 for a folder of office folders; a
    park of that id or name stays the park."""
    from parkanalysis._io import resolve_data_folder
    from parkanalysis.province import PROVINCE_NAME, zone_name
    from parkanalysis.render.params import office_folders
    from parkanalysis.render.plan import describe

    if park is None:
        return False
    folder = resolve_data_folder(data)
    if office_folders(folder):
        return park == PROVINCE_NAME
    if not (folder / "park.yaml").is_file():
        return False
    profile = describe(folder).profile
    if (
        profile is None
        or len(profile.parks) < 2
        or any(park in (pid, p.name) for pid, p in profile.parks.items())
    ):
        return False
    return park == zone_name(describe(folder))


def _total_report(kind: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``render period --park 全区``: the total's report of the period is the overview (the
    total with 同比 — levels summed, 同口径 over the union, ratios from sums — and each
    park beside it), with the same copy, date and period. A land report of the total cannot
    be made (its outlook is each park's own ledger and supply history): exit 2, saying
    where the total's land is."""
    if kind == "land":
        total = params["park"]
        raise ParameterError(
            f"{total}没有单独的土地供应与扩园需求分析:供地预测按各园区自己的台账和供地历史逐园区测算。"
            f"{total}的土地合计(已供应、尚可供应,单位已统一为亩)见 `parkanalysis land` 不加 --park,"
            f"或综述报告 `parkanalysis render overview --period …`;各园区的土地报告请去掉 --park。"
        )
    keep = ("data", "period", "copy", "share", "date")
    return "overview", {k: v for k, v in params.items() if k in keep}


def _every_park_jobs(args: argparse.Namespace, params: dict[str, Any]):
    """``render period|land`` without ``--park`` on data with several parks (a dataset with
    several parks, or a folder of office folders): one report per park, then the overview
    (the total — levels summed, 同口径 over the union — and the parks ranked, land of the
    total and of each park). A land report's overview is of the 1-N月 up to its cut-off
    month (the cut-off :func:`parkanalysis.province.zone_cutoff` gives, as ``land`` without
    ``--park`` uses). None for data with one park (rendered as before)."""
    from parkanalysis._io import resolve_data_folder
    from parkanalysis.batch import Job
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.periods import Period, parse_period
    from parkanalysis.province import PROVINCE_NAME, Zone, zone_cutoff, zone_name
    from parkanalysis.render import check_formats
    from parkanalysis.render.params import office_folders
    from parkanalysis.render.plan import describe

    folder = resolve_data_folder(args.data)
    offices = office_folders(folder)
    if not offices and len(describe(folder).profile.parks) < 2:
        return None
    formats = check_formats(args.formats)
    out = Path(args.out).resolve()
    jobs, datasets = [], []
    for data in offices or [folder]:
        ds = load_cached(data)
        datasets.append(ds)
        where = out / data.name if offices else out  # two offices may name parks alike
        for pid, info in ds.profile.parks.items():
            own = {**params, "data": str(data.resolve()), "park": pid}
            label = _job_label(args.kind, params)
            jobs.append(Job(args.kind, own, str(where), args.force, label, info.name, formats))
    overview = {k: params[k] for k in ("copy", "share", "date") if k in params}
    overview["data"] = str(folder.resolve())
    if args.kind == "period":
        if "period" in params:
            overview["period"] = params["period"]
    else:
        zone = Zone(datasets, zone_name(datasets[0]) if not offices else "合计")
        when = params.get("period") or params.get("as_of")
        cut = zone_cutoff(zone, parse_period(when).as_of if when else None)
        overview["period"] = str(Period.of_cumulative(cut.year, cut.month))
    label = parse_period(overview["period"]).label if "period" in overview else ""
    total = zone_name(datasets[0]) if not offices else PROVINCE_NAME  # the index's title
    jobs.append(Job("overview", overview, str(out), args.force, label, total, formats))
    return jobs


def _job_label(kind: str, params: dict[str, Any]) -> str:
    from parkanalysis.periods import parse_period

    when = params.get("period") or params.get("as_of")
    if not when:
        return ""
    period = parse_period(when)
    return period.label if kind == "period" else f"截至{period.year}年{period.end_month}月"


def _render_jobs(args: argparse.Namespace, jobs, *, share: bool) -> int:
    """Render ``jobs`` in the local worker pool; a park whose data do not allow its report
    (period not covered, 报送率 below its threshold) is named on stderr and skipped."""
    from parkanalysis.batch import bounded_workers, run_batch
    from parkanalysis.render import check_report_inputs, plan_report

    kept, refused = [], []
    for job in jobs:  # what render refuses for one park (exit 2) skips that park here
        try:
            plan = plan_report(job.kind, out_dir=job.out_dir, formats=job.formats, **job.params)
            check_report_inputs(plan.params, plan.description, kind=plan.kind)
        except ParkAnalysisError as exc:
            refused.append(f"{'综述报告' if job.kind == 'overview' else job.park_name}:{exc}")
            continue
        kept.append(job)
    if not kept:
        raise ParameterError("各园区都不能出该报告:" + ";".join(refused))
    for line in refused:
        print(terminal_text(f"未生成 {line}"), file=sys.stderr)
    summary = run_batch(
        data=args.data,
        year=0,
        jobs=kept,
        workers=bounded_workers(None)[0],
        share=share,
        progress=True,
    )
    for result in summary.results:
        if result.status == "failed":
            print(terminal_text(f"失败 {result.name}: {result.error}"), file=sys.stderr)
            continue
        state = "未变化,沿用" if result.status == "cached" else "已生成"
        folder = Path(result.out_dir)
        for name in [result.name, *result.outputs.values()]:
            print(f"{folder / name} ({state})")
    print(f"索引页: {summary.index_path}")
    return EXIT_OK if summary.ok else EXIT_FAILED


def cmd_batch(args: argparse.Namespace) -> int:
    from parkanalysis.batch import bounded_workers, run_batch

    workers, capped = bounded_workers(args.workers)
    if capped:
        print(capped, file=sys.stderr)
    summary = run_batch(
        data=args.data,
        year=args.year,
        out_dir=args.out,
        workers=workers,
        force=args.force,
        share=args.share,
        scheduler=args.scheduler,
        parks=args.park,
        progress=not args.quiet,
        allow_incomplete=args.allow_incomplete,
        kinds=tuple(k.strip() for k in args.kinds.split(",") if k.strip()),
        formats=args.formats,
        copy=args.copy,
        date=args.date,
    )
    print(summary.describe())
    return EXIT_OK if summary.ok else EXIT_FAILED


def cmd_share_audit(args: argparse.Namespace) -> int:
    from parkanalysis.share.sidecar import audit_folder, audit_text

    result = audit_folder(args.folder)
    print(audit_text(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_params(args: argparse.Namespace) -> int:
    from parkanalysis.render import notebook_parameters, resolve_notebook

    path = resolve_notebook(args.kind)
    specs = notebook_parameters(path)
    print(f"{path.name} 的参数:")
    for spec in specs.values():
        print(f"  {spec.describe()}")
    if "copy" in specs:
        from parkanalysis.report.naming import COPIES, DEFAULT_COPY

        print("稿别(--copy,即参数 copy):")
        for code, name in COPIES.items():
            print(f"  {code}  {name}{'(默认)' if code == DEFAULT_COPY else ''}  {COPY_HELP[code]}")
    return EXIT_OK


#: What each copy holds (``params`` and ``--help``).
COPY_HELP = {
    "work": "办公室内部核对:数据核对(文件名、行号)、测算方法、企业代码、来源信息",
    "final": "上报上级:正文干净,无文件名、代码、英文与方法术语,标「内部资料 注意保存」",
    "share": "园区以外传阅:去除企业明细,抑制小样本汇总(同 --share)",
}
COPY_ARG_HELP = "稿别:work 工作稿(含数据核对与方法)、final 上报稿(默认)、share 对外版(同 --share)"
DATE_ARG_HELP = "成文日期(落款),YYYY-MM-DD;优先于 texts/<报告期>.md 的 date:,默认生成当天(北京时间)"


def cmd_sample(args: argparse.Namespace) -> int:
    from parkanalysis import sample

    if args.parks is None and args.enterprises is None and args.years is None:
        files = sample.write_sample(args.out, overwrite=args.overwrite)
    else:
        files = sample.write_synthetic(
            args.out,
            parks=args.parks or 3,
            enterprises=args.enterprises or 60,
            years=args.years or 5,
            seed=args.seed,
        )
    print(f"已写入 {len(files)} 个文件到 {args.out}")
    return EXIT_OK


# --------------------------------------------------------------------------- parser
def _zone_arguments(p: argparse.ArgumentParser) -> None:
    """DATA (one or more), repeated --data, --zone and --zone-name (indicators, land)."""
    p.add_argument(
        "data",
        nargs="*",
        help="数据文件夹(可多个);或存放各园区数据文件夹(各含 park.yaml)的上级文件夹",
    )
    p.add_argument(
        "--data", dest="more_data", action="append", metavar="DATA", help="数据文件夹(可重复)"
    )
    p.add_argument("--zone", action="store_true", help="只输出合计(多园区、多数据集)")
    p.add_argument(
        "--zone-name",
        dest="zone_name",
        help="合计的名称(默认 park.yaml 的 zone.name,即「全区」;多个数据集时「合计」)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (also used to document the commands)."""
    parser = argparse.ArgumentParser(
        prog="parkanalysis",
        description="园区经济运行、土地与安全生产分析;批量生成可分享的 HTML 报告。",
    )
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的 Python 回溯")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fmt_choices = ["table", "json", "csv", "xlsx"]

    p = sub.add_parser("init", help="从园区现有的表格文件生成 park.yaml 草稿(含 sources 对照)")
    p.add_argument("folder", help="存放企业名录、统计表、土地台账等文件的文件夹")
    p.add_argument("--name", help="园区名称(默认取自文件标题行或文件夹名)")
    p.add_argument("--park-id", dest="park_id", help="园区代码(默认由名称生成)")
    p.add_argument("--force", action="store_true", help="覆盖已有的 park.yaml")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("validate", help="检查数据集(错误时退出码 2,不写任何文件)")
    p.add_argument("data", help="数据集文件夹")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--strict", action="store_true", help="未识别的列也算错误")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("indicators", help="某一报告期的经济指标(含同口径同比)")
    _zone_arguments(p)
    p.add_argument("--period", required=True, help="2016-05, 2016年1-5月, 2016Q2, 2016H1, 2016")
    p.add_argument("--park", help="园区代码或名称(数据集含多个园区时);写合计名称(如 全区)即 --zone")
    p.add_argument("--format", choices=fmt_choices, default="table")
    p.add_argument("--output", "-o", help="输出文件(xlsx 必填)")
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="报送率低于 park.yaml 阈值也输出(所有据不完整数据的数字标注)",
    )
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("land", help="用地平衡表与土地集约利用指标(多个园区时:合计与各园区并列)")
    _zone_arguments(p)
    p.add_argument("--park", help="园区代码或名称;不给时多园区数据列出合计与各园区")
    p.add_argument("--as-of", dest="as_of", help="截至月份 YYYY-MM(默认数据最后一月)")
    p.add_argument("--format", choices=fmt_choices, default="table")
    p.add_argument("--output", "-o")
    p.set_defaults(func=cmd_land)

    p = sub.add_parser("forecast", help="供地预测:可供土地何时用尽、需扩园多少")
    p.add_argument("data")
    p.add_argument("--park")
    p.add_argument("--as-of", dest="as_of", help="截至月份 YYYY-MM(默认数据最后一月)")
    p.add_argument("--horizon", type=int, default=10, help="预测年数(默认 10)")
    p.add_argument(
        "--confidence",
        type=float,
        default=None,
        help="扩园需求的置信水平(默认 park.yaml 的 expansion.confidence,未设时 0.8)",
    )
    p.add_argument("--format", choices=fmt_choices, default="json")
    p.add_argument("--output", "-o")
    p.set_defaults(func=cmd_forecast)

    p = sub.add_parser("render", help="生成一份报告(HTML)")
    p.add_argument("kind", help="period | land | explore | 笔记本路径")
    p.add_argument("--data", required=True)
    p.add_argument(
        "--period",
        help="报告期:2016-05、2016年1-5月、2016Q2、2016H1、2016;"
        "土地报告截至该期的最后一个月(2016-06 即截至2016年6月),不给则截至数据的最后一个月",
    )
    p.add_argument(
        "--park",
        help="园区代码或名称;数据含多个园区时不给:各园区各一份,另加综述报告(合计与各园区排名)",
    )
    p.add_argument("--out", default="reports")
    p.add_argument("--copy", choices=["work", "final", "share"], help=COPY_ARG_HELP)
    p.add_argument("--share", action="store_true", help="对外版,同 --copy share")
    p.add_argument("--date", help=DATE_ARG_HELP)
    p.add_argument("--force", action="store_true", help="输入未变也重新生成")
    p.add_argument(
        "--format",
        dest="formats",
        default="html",
        metavar="html,docx,pdf",
        help="输出格式,逗号分隔:html(总会生成)、docx(Word,公文版式)、pdf(A4);默认 html",
    )
    p.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="其他笔记本参数")
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="报送率低于 park.yaml 阈值也输出(所有据不完整数据的数字标注)",
    )
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("batch", help="批量生成一年的全部报告并写索引页")
    p.add_argument("--data", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", default="reports")
    p.add_argument("--park", action="append", help="只生成这些园区(可重复)")
    p.add_argument(
        "--workers", type=int, default=None, help="并行进程数(默认并且最多:CPU 核数与内存所容)"
    )
    p.add_argument("--scheduler", help="Dask 调度器地址 tcp://HOST:PORT")
    p.add_argument("--copy", choices=["work", "final", "share"], help=COPY_ARG_HELP)
    p.add_argument("--share", action="store_true", help="对外版,同 --copy share")
    p.add_argument("--date", help=DATE_ARG_HELP)
    p.add_argument("--force", action="store_true")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="报送率低于 park.yaml 阈值也输出(所有据不完整数据的数字标注)",
    )
    p.add_argument(
        "--kinds",
        default="cumulative,quarter,half,year,land",
        help="生成哪些报告,逗号分隔:month(单月月报)、cumulative(1-N月)、quarter、half、year、land、"
        "overview(各园区综述,该年最近的1-N月)",
    )
    p.add_argument(
        "--format",
        dest="formats",
        default="html",
        metavar="html,docx,pdf",
        help="输出格式,逗号分隔:html(总会生成)、docx(Word,公文版式)、pdf(A4);默认 html",
    )
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser(
        "share-audit", help="核查对外版:不予公布的数字能否由已公布数字推算(见 docs/SHARE.md)"
    )
    p.add_argument("folder", help="对外版报告所在文件夹(含 *_share.cells.json)")
    p.set_defaults(func=cmd_share_audit)

    p = sub.add_parser("params", help="列出报告笔记本的参数及说明")
    p.add_argument("kind")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("sample", help="写出示例园区或大规模合成数据")
    p.add_argument("--out", required=True)
    p.add_argument("--parks", type=int)
    p.add_argument("--enterprises", type=int)
    p.add_argument("--years", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_sample)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from parkanalysis._startup import defer_iri_grammar

    defer_iri_grammar()  # this process is ours: skip a grammar compilation nothing here uses
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
        sys.stderr.reconfigure(encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or bool(os.environ.get("PARKANALYSIS_DEBUG"))
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return args.func(args)
    except ParkAnalysisError as exc:
        if debug:
            raise
        print(terminal_text(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt this
        print("已中断(Ctrl-C);未完成的报告在索引页标为「已中断」。", file=sys.stderr)
        return 130
    except Terminated:
        print("已终止(SIGTERM);未完成的报告在索引页标为「已中断」。", file=sys.stderr)
        return 143


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
