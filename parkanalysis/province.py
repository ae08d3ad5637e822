"""Totals above the park: a zone (the parks of one dataset: 开发区「全区」) and a province (the
parks of several datasets, each office folder with its own park.yaml).

Which parks a total takes in (one place; the tests hold it):

* **Economic figures of a period.** A park is **已报** (taken in) when its dataset covers the
  period (:func:`parkanalysis.indicators.resolve_period`: months inside the data, its own 1-2月
  convention) and the park's own completeness rules pass
  (:func:`parkanalysis.dataset.completeness.period_status`: 报送率 at least its
  ``completeness.min_reporting_rate``, the period not after its "data complete to" month)
  and it has returns in the period. Otherwise it is **未报**: left out of the total and named,
  with its reason, in ``parks_not_reported`` of every row and in the table's note — never
  silently left out. With ``allow_incomplete`` a park below its threshold that has returns
  is taken in as **不完整** (its 报送率 stated).
* **Land as of a date.** One cut-off for every park: the given ``as_of``, or the earliest of
  the datasets' default cut-offs (the latest date every dataset reaches). A dataset whose
  data end before the cut-off has its parks 未报. Areas are held in 亩 by every dataset
  (converted on reading by :mod:`parkanalysis.units`); a total is shown in the unit every park
  declares, else in 亩.
* The **definitions** of the totals (levels summed, 同口径 growth over the union of the
  parks' same-scope enterprises, ratios from summed numerators and denominators) are those of
  :mod:`parkanalysis.indicators.zone` and :func:`parkanalysis.land.indicators.land_rows`.
* **Names.** A zone is named by ``zone.name`` of its park.yaml (default 「全区」); a total
  over several datasets is 「合计」 unless named. A park is shown by its name; where two
  datasets hold a park of the same name, the dataset's folder name is added.

Examples
--------
>>> from parkanalysis.dataset import load_dataset
>>> row = zone_table(load_dataset("data/sample"), "2016年1-5月").set_index("id").loc["tax_revenue"]
>>> row["park_id"], float(row["value"]), row["scope"]
('全区', 3126.0, '同口径(50家)')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.dataset import load_dataset
from parkanalysis.dataset.completeness import period_status
from parkanalysis.errors import ParameterError, ParkAnalysisError
from parkanalysis.indicators import indicator_table_by_park, resolve_period
from parkanalysis.indicators.zone import DEFAULT_ZONE_NAME, zone_rows
from parkanalysis.land.history import window_years, zone_supply_history
from parkanalysis.land.indicators import land_rows, prepare_parts
from parkanalysis.land.ledger import data_end, resolve_as_of
from parkanalysis.periods import Period, parse_period
from parkanalysis.units import convert

#: Name of a total over several datasets when none is given.
PROVINCE_NAME = "合计"

#: Status words of a park in a total.
REPORTED, NOT_REPORTED, INCOMPLETE = "已报", "未报", "不完整"


@dataclass(frozen=True)
class ParkRef:
    """One park of a total: its dataset, id, name and the label shown for it."""

    ds: Any
    park_id: str
    name: str
    label: str
    folder: str
    unit: str  # the area unit the park declares (亩 when mixed or none)


@dataclass
class Zone:
    """The parks a total is taken over: one dataset (a zone) or several (a province)."""

    datasets: list[Any]
    name: str
    parks: list[ParkRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.parks:
            self.parks = _park_refs(self.datasets)

    def labels(self) -> list[str]:
        """The parks' labels, in dataset then park.yaml order."""
        return [p.label for p in self.parks]


def zone_name(ds: Any) -> str:
    """``zone.name`` of the dataset's park.yaml (top-level ``config``), default 「全区」."""
    name = (getattr(ds.profile, "config", {}) or {}).get("zone", {}).get("name")
    return str(name) if name else DEFAULT_ZONE_NAME


def as_zone(data: Any, *, name: str | None = None) -> Zone:
    """A :class:`Zone` from a Dataset, a sequence of Datasets, a :class:`Zone`, or folder
    path(s) (read with :func:`load_province`)."""
    if isinstance(data, Zone):
        return data if name is None or name == data.name else Zone(data.datasets, name)
    if isinstance(data, str | Path):
        return load_province([data], name=name)
    if isinstance(data, Sequence):
        items = list(data)
        if not items:
            raise ParameterError("没有数据集:请至少给出一个数据文件夹")
        if all(isinstance(x, str | Path) for x in items):
            return load_province(items, name=name)
        datasets = items
    else:
        datasets = [data]
    default = zone_name(datasets[0]) if len(datasets) == 1 else PROVINCE_NAME
    return Zone(datasets, name or default)


def data_folders(paths: Sequence[str | Path]) -> list[Path]:
    """The dataset folders ``paths`` stand for: a folder without any park.yaml entry whose
    subfolders hold park.yaml is a folder of office folders (each such subfolder, in name
    order); anything else is one dataset, left to
    :func:`~parkanalysis.dataset.load_dataset` to read or refuse (exit 2, naming the file).
    A folder given twice is refused.
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not os.path.lexists(path / "park.yaml"):
            subs = sorted(p for p in path.iterdir() if p.is_dir() and (p / "park.yaml").is_file())
            if subs:
                out.extend(subs)
                continue
        out.append(path)
    resolved = [p.resolve() for p in out]
    dup = {str(p) for p in resolved if resolved.count(p) > 1}
    if dup:
        raise ParameterError(f"同一数据文件夹给出了不止一次:{'、'.join(sorted(dup))}")
    return out


def load_province(paths: Sequence[str | Path], *, name: str | None = None) -> Zone:
    """Load every dataset of ``paths`` (see :func:`data_folders`) into one :class:`Zone`.

    Each dataset keeps its own units, reporting calendar (1-2月 convention, data end) and
    completeness rules; enterprises are told apart by (dataset, park, enterprise).
    """
    datasets = [load_dataset(p) for p in data_folders(paths)]
    default = zone_name(datasets[0]) if len(datasets) == 1 else PROVINCE_NAME
    return Zone(datasets, name or default)


def _park_refs(datasets: list[Any]) -> list[ParkRef]:
    rows = []
    for ds in datasets:
        folder = Path(getattr(ds, "path", "") or "").name
        for pid, info in ds.profile.parks.items():
            units = {ph.unit for ph in info.phases.values()}
            unit = units.pop() if len(units) == 1 else "亩"
            rows.append((ds, pid, info.name or pid, folder, unit))
    names = [r[2] for r in rows]
    refs = []
    for ds, pid, name, folder, unit in rows:
        label = name
        if names.count(name) > 1:
            same_ds = sum(1 for r in rows if r[0] is ds and r[2] == name) > 1
            label = f"{name}({pid})" if same_ds else f"{name}({folder})"
        refs.append(ParkRef(ds, pid, name, label, folder, unit))
    return refs


# --------------------------------------------------------------------------- periods
def park_status(
    data: Any, period: str | int | Period, *, allow_incomplete: bool = False
) -> pd.DataFrame:
    """Per park of a total: whether it is taken in for ``period`` and why not.

    Returns
    -------
    DataFrame
        ``park, dataset, park_id, status`` (已报 / 未报 / 不完整), ``reporting_rate_pct``,
        ``reason`` (empty when 已报).
    """
    zone = as_zone(data)
    p = parse_period(period)
    return pd.DataFrame(
        [
            {
                "park": ref.label,
                "dataset": ref.folder,
                "park_id": ref.park_id,
                "status": status,
                "reporting_rate_pct": rate,
                "reason": reason,
            }
            for ref, status, rate, reason, _ in _statuses(zone, p, allow_incomplete)
        ]
    )


def _statuses(zone: Zone, p: Period, allow_incomplete: bool):
    """``(ref, status, rate %, reason, resolved period or None)`` per park."""
    resolved: dict[int, Period | str] = {}
    for ds in zone.datasets:
        try:
            resolved[id(ds)] = resolve_period(ds, p)
        except ParkAnalysisError as exc:
            resolved[id(ds)] = str(exc)
    out = []
    for ref in zone.parks:
        rp = resolved[id(ref.ds)]
        if isinstance(rp, str):
            out.append((ref, NOT_REPORTED, np.nan, rp, None))
            continue
        st = period_status(ref.ds, rp, ref.park_id)
        rate = st.rate * 100 if not np.isnan(st.rate) else np.nan
        if st.reported == 0:
            out.append((ref, NOT_REPORTED, rate, f"{rp.label}无企业统计数据", None))
        elif st.sufficient:
            out.append((ref, REPORTED, rate, "", rp))
        elif allow_incomplete:
            out.append((ref, INCOMPLETE, rate, st.sentence(enterprises=False), rp))
        else:
            reason = st.sentence(enterprises=False)
            why = f"低于该园区报送率阈值 {st.threshold:g}" if not st.beyond else ""
            out.append((ref, NOT_REPORTED, rate, ";".join(x for x in (reason, why) if x), None))
    return out


def _parts(statuses) -> list[tuple[Any, list[str]]]:
    parts: dict[int, tuple[Any, list[str]]] = {}
    for ref, _, _, _, rp in statuses:
        if rp is not None:
            parts.setdefault(id(ref.ds), (ref.ds, []))[1].append(ref.park_id)
    return list(parts.values())


def _note(name: str, statuses) -> tuple[str, str, str]:
    """(parks taken in, parks 未报 with reasons, the note sentence)."""
    taken = [ref.label for ref, s, *_ in statuses if s != NOT_REPORTED]
    partial = [f"{ref.label}({why})" for ref, s, _, why, _ in statuses if s == INCOMPLETE]
    missing = [f"{ref.label}({why})" for ref, s, _, why, _ in statuses if s == NOT_REPORTED]
    whose = "" if name == PROVINCE_NAME else name
    note = f"{whose}合计含{len(taken)}个园区:{'、'.join(taken) or '无'}"
    if partial:
        note += f";数据不完整:{'、'.join(partial)}"
    if missing:
        note += f";未报(未计入合计):{'、'.join(missing)}"
    return "、".join(taken), "、".join(missing), note


def zone_table(
    data: Any,
    period: str | int | Period,
    *,
    name: str | None = None,
    allow_incomplete: bool = False,
) -> pd.DataFrame:
    """The total's indicator rows for ``period`` (a zone's 「全区」 or a province's 「合计」).

    Parameters
    ----------
    data : Dataset, sequence of Datasets, Zone, or folder path(s)
    period : str, int or Period
    name : str, optional
        The total's name (default ``zone.name`` of park.yaml, 「全区」; 「合计」 for several
        datasets).
    allow_incomplete : bool
        Take in parks below their 报送率 threshold that have returns (as 不完整).

    Returns
    -------
    DataFrame
        ``park_id`` (the total's name), then the columns of
        :func:`~parkanalysis.indicators.indicator_table`, then ``parks_included`` and
        ``parks_not_reported`` (names with reasons; empty when every park reported). The
        note sentence is also in ``attrs["note"]``.
    """
    zone = as_zone(data, name=name)
    p = parse_period(period)
    statuses = _statuses(zone, p, allow_incomplete)
    table = zone_rows(_parts(statuses), p, zone.name)
    included, missing, note = _note(zone.name, statuses)
    table["parks_included"] = included
    table["parks_not_reported"] = missing
    table.attrs["note"] = note
    return table


def zone_by_park(
    data: Any,
    period: str | int | Period,
    *,
    name: str | None = None,
    allow_incomplete: bool = False,
) -> pd.DataFrame:
    """Every park's indicator rows (those taken in), then the total's — one table.

    Columns: ``park`` (label), ``dataset`` (folder), then those of :func:`zone_table`
    (``parks_included``/``parks_not_reported`` filled on the total's rows only). A 未报 park
    has no rows; it is named in the total's ``parks_not_reported`` and ``attrs["note"]``.
    """
    zone = as_zone(data, name=name)
    p = parse_period(period)
    statuses = _statuses(zone, p, allow_incomplete)
    frames = []
    labels = {(id(r.ds), r.park_id): r for r in zone.parks}
    for ds, parks in _parts(statuses):
        t = indicator_table_by_park(ds, p, parks=parks)
        refs = [labels[(id(ds), pid)] for pid in t["park_id"]]
        t.insert(0, "dataset", [r.folder for r in refs])
        t.insert(0, "park", [r.label for r in refs])
        frames.append(t)
    total = zone_rows(_parts(statuses), p, zone.name)
    included, missing, note = _note(zone.name, statuses)
    total.insert(0, "dataset", "")
    total.insert(0, "park", zone.name)
    total["parks_included"] = included
    total["parks_not_reported"] = missing
    out = pd.concat([*frames, total], ignore_index=True)
    for col in ("parks_included", "parks_not_reported"):
        out[col] = out[col].fillna("").astype("str")
    out.attrs["note"] = note
    return out


# --------------------------------------------------------------------------- land
def zone_cutoff(zone: Zone, as_of: Any = None) -> pd.Timestamp:
    """The one land cut-off of every park of ``zone``: ``as_of`` (its last day), else the
    latest date every dataset reaches (the earliest of their own default cut-offs)."""
    if len(zone.datasets) == 1:
        return resolve_as_of(zone.datasets[0], as_of)
    if as_of is not None:
        return resolve_as_of(None, as_of)
    return min(resolve_as_of(ds, None) for ds in zone.datasets)


def _land_statuses(zone: Zone, cutoff: pd.Timestamp):
    out = []
    for ref in zone.parks:
        end = data_end(ref.ds)
        if end is not None and cutoff > end:
            why = f"数据截至{end.year}年{end.month}月,未到{cutoff:%Y-%m-%d}"
            out.append((ref, NOT_REPORTED, np.nan, why, None))
        else:
            out.append((ref, REPORTED, np.nan, "", cutoff))
    return out


def _display_unit(refs: list[ParkRef]) -> str:
    units = {r.unit for r in refs}
    return units.pop() if len(units) == 1 else "亩"


def zone_land(data: Any, *, as_of: Any = None, name: str | None = None) -> pd.DataFrame:
    """Land indicators of the total and of each park, side by side.

    Parameters
    ----------
    data : Dataset, sequence of Datasets, Zone, or folder path(s)
    as_of : str, Period, date or None
        One cut-off for every park (default: the latest date every dataset reaches).
    name : str, optional

    Returns
    -------
    DataFrame
        ``id, name, unit``, then one value column for the total (its name) and one per park
        (label; a 未报 park's column is NaN), then ``note`` (the total's). Areas are in the
        unit every park declares (亩 when they differ); ``attrs["note"]`` names the cut-off,
        the parks taken in and the 未报 ones, ``attrs["as_of"]`` is the cut-off.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = zone_land(load_dataset("data/sample")).set_index("id")
    >>> t.loc["remaining_supplyable_mu", ["全区", "工贸园"]].tolist()
    [150.4, 150.4]
    """
    zone = as_zone(data, name=name)
    cutoff = zone_cutoff(zone, as_of)
    statuses = _land_statuses(zone, cutoff)
    taken = [(ref.ds, ref.park_id) for ref, _, _, _, c in statuses if c is not None]
    if not taken:
        raise ParameterError(f"截至{cutoff:%Y-%m-%d}没有园区有土地数据")
    prepared = prepare_parts(taken, cutoff)  # each park's parcels and tax read once
    total = land_rows(taken, cutoff, window=window_years(zone.datasets[0], None), prepared=prepared)
    columns = {zone.name: total["value"].to_numpy()}
    mine = {(id(ds), pid): part for part, (ds, pid) in zip(prepared, taken, strict=True)}
    for ref, _, _, _, c in statuses:
        if c is None:
            columns[ref.label] = np.full(len(total), np.nan)
            continue
        own = land_rows(
            [(ref.ds, ref.park_id)],
            cutoff,
            window=window_years(ref.ds, ref.park_id),
            prepared=[mine[(id(ref.ds), ref.park_id)]],
        )
        columns[ref.label] = own.set_index("id")["value"].reindex(total["id"]).to_numpy()
    columns["note"] = total["note"].to_numpy()
    out = pd.concat(
        [total[["id", "name", "unit"]], pd.DataFrame(columns, index=total.index)], axis=1
    )
    unit = _display_unit([r for r, *_, c in statuses if c is not None])
    out = _in_unit(out, [zone.name, *zone.labels()], unit)
    _, _, note = _note(zone.name, statuses)
    out.attrs["note"] = f"截至{cutoff:%Y-%m-%d};{note}"
    out.attrs["as_of"] = cutoff
    return out


def _in_unit(table: pd.DataFrame, columns: list[str], unit: str) -> pd.DataFrame:
    """Rows in 亩 (亩/年) shown in ``unit`` via :func:`parkanalysis.units.convert`."""
    if unit == "亩":
        return table
    out = table.copy()
    is_mu = out["unit"].isin(["亩", "亩/年"]).to_numpy()
    for col in columns:
        values = out[col].to_numpy(dtype="float64")
        out[col] = np.where(is_mu, np.round(convert(values, "亩", unit), 4), values)
    out["unit"] = [
        str(u).replace("亩", unit) if m else u for u, m in zip(out["unit"], is_mu, strict=True)
    ]
    return out


def zone_supply_table(data: Any, *, as_of: Any = None, name: str | None = None) -> pd.DataFrame:
    """Land supplied per year (亩): the total and each park, zero years filled.

    Returns
    -------
    DataFrame
        ``year``, ``complete``, then one column per the total (its name) and per park taken
        in; ``attrs`` as in :func:`zone_land`.
    """
    zone = as_zone(data, name=name)
    cutoff = zone_cutoff(zone, as_of)
    statuses = _land_statuses(zone, cutoff)
    taken = [(ref, (ref.ds, ref.park_id)) for ref, _, _, _, c in statuses if c is not None]
    total = zone_supply_history([t for _, t in taken], cutoff)
    out = pd.DataFrame({"year": total["year"], "complete": total["complete"]})
    out[zone.name] = total["supplied_mu"].to_numpy() if len(total) else []
    columns = {}
    for ref, part in taken:
        own = zone_supply_history([part], cutoff)
        own_s = pd.Series(own["supplied_mu"].to_numpy(), index=own["year"].to_numpy())
        columns[ref.label] = own_s.reindex(out["year"].to_numpy()).fillna(0.0).to_numpy()
    out = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
    _, _, note = _note(zone.name, statuses)
    out.attrs["note"] = f"截至{cutoff:%Y-%m-%d};单位:亩;{note}"
    out.attrs["as_of"] = cutoff
    return out
