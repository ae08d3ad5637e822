"""What office data implies, read instead of columns the office does not keep.

Called by :func:`.office.adapt_raw` on a raw table (cells as written) before parsing:

- **register** (:func:`register_words`): an industry cell holding a GB/T 4754 门类/大类 name
  is read as its code (:func:`parkanalysis.industry.code_of`; an unknown name is a warning
  with the nearest names); 企业状态 (:data:`.words.STATUS_CHOICES`, after the value map) 迁出 /
  注销 with a 退出日期 is the exit — without a date a ``missing_value`` warning (the
  enterprise is counted as present); other words are ``bad_choice``.
- **ledger** (:func:`ledger_columns`): no 期别 column — every parcel in its park's only phase
  of park.yaml (several phases: the column is required); no 供应状态 — 已供 where 供地日期 or
  供地方式 is filled, else 未供; no 报批状态 — 已报批 where 报批日期 is filled (without that
  column: every parcel, the ledger listing the approved park's land). Each is a
  ``column_fallback`` finding of severity info saying what was assumed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkanalysis.dataset import words


def register_words(raw, matched: dict[str, int], status: int | None, findings) -> None:
    """Industry names → GB/T 4754 codes; 企业状态 迁出/注销 → the exit (module docstring of
    :mod:`.words`)."""
    from parkanalysis.industry import code_of, nearest_names

    if "industry_code" in matched:
        pos = matched["industry_code"]
        cells = raw.data[pos].to_numpy(dtype=object)
        codes, uniques = pd.factorize(pd.Series(cells, dtype=object), use_na_sentinel=True)
        conv = [code_of(u) for u in uniques]
        for u, c in zip(uniques, conv, strict=True):
            if c is None and str(u).strip():
                first = int(np.flatnonzero(codes == list(uniques).index(u))[0])
                near = nearest_names(u)
                hint = f";最接近的行业名称:{'、'.join(near)}" if near else ""
                findings.add(
                    "bad_value",
                    f"行业「{u}」不是 GB/T 4754 的行业代码或门类/大类名称{hint};"
                    "请改为行业代码(如 C2110)或大类名称(如 家具制造业)",
                    file=raw.file,
                    row=int(raw.rows[first]),
                    column=raw.headers[pos],
                    value=str(u),
                    severity="warning",
                )
        if any(
            c is not None and c != str(u).strip().upper()
            for u, c in zip(uniques, conv, strict=True)
        ):
            mapped = np.array([*conv, None], dtype=object)[codes]
            raw.rewritten.setdefault(pos, cells)
            raw.data[pos] = pd.Series(mapped, index=raw.data.index, dtype=object)
    if status is None:
        return
    cells = words.apply_value_map(raw.data[status], {}).map(words.key)
    bad = ~cells.isin(["", *words.STATUS_CHOICES]).to_numpy()
    findings.add_mask(
        "bad_choice",
        bad,
        file=raw.file,
        rows=raw.rows,
        column=raw.headers[status],
        values=raw.data[status].to_numpy(dtype=object),
        message=f"企业状态只能填 {'、'.join(words.STATUS_CHOICES)};"
        "请改为其中之一,或在 park.yaml 的 sources.values 中写明对应关系",
    )
    gone = cells.isin(words.EXIT_STATES).to_numpy()
    if "exit_date" in matched:
        dated = ~pd.isna(raw.data[matched["exit_date"]]).to_numpy()
    else:
        dated = np.zeros(len(cells), dtype=bool)
    findings.add_mask(
        "missing_value",
        gone & ~dated,
        file=raw.file,
        rows=raw.rows,
        column=raw.headers[status],
        values=raw.data[status].to_numpy(dtype=object),
        message="企业状态为迁出/注销,但没有退出日期;该企业仍按在园计,请在「退出日期」列填写日期",
        severity="warning",
    )


def ledger_columns(raw, matched: dict[str, int], single_park, phases, findings) -> None:
    """What a ledger implies (module docstring): one phase, 供应状态, 报批状态."""
    n = len(raw.data)
    if "phase_id" not in matched:
        park_pos = matched.get("park_id")
        parks = (
            raw.data[park_pos].to_numpy(dtype=object)
            if park_pos is not None
            else np.array([single_park] * n, dtype=object)
        )
        one = {p: ph[0] for p, ph in phases.items() if len(ph) == 1}
        phases = [one.get(str(p)) for p in parks]
        if all(v is not None for v in phases) and n:
            raw.append_column("期别", phases)
            findings.add(
                "column_fallback",
                "土地台账没有期别列;园区在 park.yaml 中只有一期,全部地块计入该期",
                file=raw.file,
                row=raw.header_row,
                severity="info",
            )
        else:
            findings.add(
                "missing_column",
                "缺少必填列「期别」(园区在 park.yaml 中有不止一期,无法确定地块属于哪一期);"
                "请添加「期别」列",
                file=raw.file,
                row=raw.header_row,
                column="期别",
            )
    if "supply_status" not in matched:
        given = np.zeros(n, dtype=bool)
        for f in ("supply_date", "supply_method"):
            if f in matched:
                given |= ~raw.data[matched[f]].map(words.key).eq("").to_numpy()
        raw.append_column("供应状态", np.where(given, "已供", "未供"))
        findings.add(
            "column_fallback",
            f"土地台账没有供应状态列;供地日期或供地方式已填的 {int(given.sum())} 宗地块计为已供,"
            f"其余 {int(n - given.sum())} 宗计为未供",
            file=raw.file,
            row=raw.header_row,
            severity="info",
        )
    if "approval_status" not in matched:
        if "approval_date" in matched:
            dated = ~raw.data[matched["approval_date"]].map(words.key).eq("").to_numpy()
            how = f"报批日期已填的 {int(dated.sum())} 宗计为已报批,其余计为未报批"
        else:
            dated = np.ones(n, dtype=bool)
            how = "全部地块按已报批计(台账列的是园区批准范围内的土地);如有未报批地块,请添加该列"
        raw.append_column("报批状态", np.where(dated, "已报批", "未报批"))
        findings.add(
            "column_fallback",
            f"土地台账没有报批状态列;{how}",
            file=raw.file,
            row=raw.header_row,
            severity="info",
        )
