"""The park profile ``park.yaml``: parks, phases with declared areas, configuration.

Thresholds differ by province, so they live in the profile with documented defaults
(:data:`DEFAULT_CONFIG`, the values of data/README.md) and are never constants in code.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.readers import ReadFailure, open_regular
from parkanalysis.dataset.settings import (
    LINE_KEYS,
    PARK_KEYS,
    PHASE_KEYS,
    PROFILE_KEYS,
    check_config,
    check_keys,
    defaults,
)
from parkanalysis.units import to_mu

PROFILE_FILE = "park.yaml"

#: Largest park.yaml read (a real profile is a few KB).
MAX_PROFILE_BYTES = 4 * 2**20

#: Documented defaults of the ``config`` section (data/README.md), derived from the one spec
#: of park.yaml keys (:data:`parkanalysis.dataset.settings.CONFIG_SPEC`).
DEFAULT_CONFIG: dict[str, Any] = defaults()

#: Units the declared areas of park.yaml may be given in (data/README.md); converted to 亩 by
#: :func:`parkanalysis.units.to_mu`.
DECLARED_UNITS = ("亩", "公顷", "平方公里")

#: Declared figures and the Chinese words used in messages.
DECLARED_KEYS = {
    "total": "规划总面积",
    "road": "道路",
    "green": "绿地",
    "water": "水域",
    "usable": "可利用土地",
}


@dataclass(frozen=True)
class PhaseInfo:
    """One phase (期别) and its declared areas converted to 亩."""

    phase_id: str
    name: str
    unit: str = "亩"
    declared_mu: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ParkInfo:
    """One park of the profile."""

    park_id: str
    name: str
    region: str | None = None
    established: int | None = None
    phases: dict[str, PhaseInfo] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def declared_mu(self) -> dict[str, float]:
        """Declared areas summed over phases (亩)."""
        out: dict[str, float] = {}
        for ph in self.phases.values():
            for k, v in ph.declared_mu.items():
                out[k] = out.get(k, 0.0) + v
        return out


@dataclass(frozen=True)
class Profile:
    """The parsed ``park.yaml``."""

    parks: dict[str, ParkInfo]
    config: dict[str, Any]
    schema_version: int = 1


#: Mappings whose keys the user chooses as a set: an override replaces them whole, so a
#: park that lists two grading weights does not silently inherit a third default one.
REPLACED_WHOLE = {("grading", "weights"), ("grading", "benchmarks")}


def merge_config(base: dict, override: dict | None, _path: tuple[str, ...] = ()) -> dict:
    """Deep-merge ``override`` into a copy of ``base`` (see :data:`REPLACED_WHOLE`).

    >>> merge_config({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 9}})
    {'a': 1, 'b': {'c': 9, 'd': 3}}
    >>> merge_config({"grading": {"weights": {"x": 0.5, "y": 0.5}}},
    ...              {"grading": {"weights": {"x": 1}}})
    {'grading': {'weights': {'x': 1}}}
    """
    out = copy.deepcopy(base)
    for k, v in (override or {}).items():
        path = (*_path, k)
        if isinstance(v, dict) and isinstance(out.get(k), dict) and path not in REPLACED_WHOLE:
            out[k] = merge_config(out[k], v, path)
        else:
            out[k] = copy.deepcopy(v)
    return out


#: Largest park.yaml, in YAML nodes once aliases are expanded (a real profile has a few
#: hundred); more is an alias bomb ("billion laughs") and is refused before it is built.
MAX_YAML_NODES = 100_000
#: Deepest nesting accepted in park.yaml (a real profile nests five levels).
MAX_YAML_DEPTH = 50


class _YamlTooLarge(yaml.YAMLError):
    def __init__(self, problem: str, mark=None):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping as ``__line__``.

    Documents whose expanded size exceeds :data:`MAX_YAML_NODES` or whose nesting exceeds
    :data:`MAX_YAML_DEPTH` are refused (:class:`_YamlTooLarge`) before any object is built.
    """

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__keys__"] = {
            k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)
        }
        return mapping

    def compose_node(self, parent, index):
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise _YamlTooLarge(f"嵌套超过 {MAX_YAML_DEPTH} 层", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_data(self):
        node = self.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return self.construct_document(node)


def _check_size(root) -> None:
    """Count the nodes of ``root`` with aliases expanded (memoised: linear in the document)."""
    sizes: dict[int, int] = {}
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 1) for c in children)
        sizes[id(node)] = total
        if total > MAX_YAML_NODES:
            raise _YamlTooLarge(
                f"别名(&/*)展开后超过 {MAX_YAML_NODES} 个节点,疑似 YAML 炸弹", node.start_mark
            )


def strip_lines(obj):
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k not in LINE_KEYS}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj


@dataclass(frozen=True)
class ProfileDocument:
    """``park.yaml`` as read once: its file name, its bytes and the YAML document.

    ``doc`` keeps the loader's line marks (``__line__``, ``__keys__``; :func:`strip_lines`
    removes them). The profile (:func:`profile_from_document`), the ``sources:`` section
    (:func:`parkanalysis.dataset.sources.sources_from_document`) and the share sections are
    all read from this one object.
    """

    file: str
    data: bytes = field(repr=False)
    doc: Any = field(repr=False)


def read_profile(folder: Path, findings: Findings) -> Profile | None:
    """Read and check ``park.yaml``; report problems to ``findings``; None if unusable."""
    document = read_profile_document(folder, findings)
    return None if document is None else profile_from_document(document, findings)


def read_profile_document(folder: Path, findings: Findings) -> ProfileDocument | None:
    """Read ``park.yaml`` (or ``park.yml``) once; problems reading it become findings."""
    path = folder / PROFILE_FILE
    alt = folder / "park.yml"
    if os.path.lexists(path) and os.path.lexists(alt):
        findings.add(
            "duplicate_table",
            "同时有 park.yaml 和 park.yml 两个园区概况文件;请只保留一个(读取的是 park.yaml)",
            file=alt.name,
        )
    if not os.path.lexists(path):
        if os.path.lexists(alt):
            path = alt
        else:
            findings.add(
                "missing_table",
                "缺少园区概况文件 park.yaml;请按 data/README.md 的示例创建"
                "(至少写明 park_id、name、phases)",
                file=PROFILE_FILE,
            )
            return None
    file = path.name
    try:
        with open_regular(path, file) as fh:
            data = fh.read(MAX_PROFILE_BYTES + 1)
    except ReadFailure as exc:
        findings.add_finding(exc.finding)
        return None
    if len(data) > MAX_PROFILE_BYTES:
        findings.add(
            "unreadable_file",
            f"{file} 过大(超过 {MAX_PROFILE_BYTES // 2**20} MB),不是园区概况文件;"
            "请按 data/README.md 的示例书写",
            file=file,
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            findings.add("unreadable_file", "无法识别 park.yaml 的编码;请另存为 UTF-8", file=file)
            return None
    try:
        doc = yaml.load(text, Loader=LineLoader)  # a SafeLoader subclass
    except RecursionError:
        findings.add(
            "unreadable_file",
            "park.yaml 嵌套层数过多,无法读取;请按 data/README.md 的示例书写",
            file=file,
        )
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        fix = (
            "请去掉别名(&/*)和多余的嵌套,按 data/README.md 的示例书写"
            if isinstance(exc, _YamlTooLarge)
            else "请检查缩进(用空格、不用 Tab)和冒号后的空格"
        )
        findings.add(
            "unreadable_file",
            f"park.yaml 不是有效的 YAML({problem});{fix}",
            file=file,
            row=None if mark is None else mark.line + 1,
        )
        return None
    return ProfileDocument(file, data, doc)


def profile_from_document(document: ProfileDocument, findings: Findings) -> Profile | None:
    """Check the profile of a read ``park.yaml``; problems become findings; None if unusable."""
    file, doc = document.file, document.doc
    if not isinstance(doc, dict) or not isinstance(doc.get("parks"), list) or not doc["parks"]:
        findings.add(
            "missing_value",
            "park.yaml 缺少 parks 列表;请至少写一个园区(park_id、name、phases)",
            file=file,
            row=doc.get("__line__") if isinstance(doc, dict) else None,
            column="parks",
        )
        return None
    top_config = doc.get("config") or {}
    if not isinstance(top_config, dict):
        findings.add("bad_value", "config 应为键值表", file=file, column="config")
        top_config = {}
    check_keys(doc, PROFILE_KEYS, "", file, findings)
    clean = check_config(top_config, "config", file, findings, line=top_config.get("__line__"))
    config = merge_config(DEFAULT_CONFIG, clean)
    parks: dict[str, ParkInfo] = {}
    for i, p in enumerate(doc["parks"]):
        info = _read_park(p, i, config, file, findings)
        if info is None:
            continue
        message = f"园区代码 {info.park_id} 重复;每个园区只写一次"
        _keep_first(
            parks, info.park_id, info, findings, message, file, p.get("__line__"), "park_id"
        )
    version = doc.get("schema_version", 1)
    if version != 1 or isinstance(version, bool):
        findings.add(
            "bad_value",
            "schema_version 只能为 1(本版本的数据格式);请改为 1",
            file=file,
            row=doc.get("__line__"),
            column="schema_version",
            value=_short(version),
        )
        version = 1
    return Profile(parks=parks, config=config, schema_version=version)


def _short(value: object) -> object:
    """A value for a finding: scalars as they are, containers as a short text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(strip_lines(value))[:60]


def _scalar(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _keep_first(found: dict, key: str, item, findings, message, file, row, column) -> None:
    """Store ``item`` under ``key``; a key seen before is a ``duplicate_key`` finding instead."""
    if key in found:
        findings.add("duplicate_key", message, file=file, row=row, column=column, value=key)
    else:
        found[key] = item


def _read_park(p, i, config, file, findings) -> ParkInfo | None:
    where = f"parks[{i}]"
    if not isinstance(p, dict):
        findings.add("bad_value", f"{where} 应为键值表", file=file, column=where)
        return None
    line = p.get("__line__")
    for key, zh in (("park_id", "园区代码"), ("name", "园区名称")):
        if p.get(key) in (None, ""):
            findings.add(
                "missing_value", f"{where} 缺少 {key}({zh});请填写", file=file, row=line, column=key
            )
    if p.get("park_id") in (None, ""):
        return None
    for key in ("park_id", "name", "region"):
        if p.get(key) is not None and not _scalar(p[key]):
            findings.add(
                "bad_value",
                f"{where}.{key} 应为文字;请只写一个值",
                file=file,
                row=line,
                column=key,
                value=_short(p[key]),
            )
            if key == "park_id":
                return None
            p = {**p, key: None}
    park_id = str(p["park_id"]).strip()
    park_config = p.get("config") or {}
    if not isinstance(park_config, dict):
        findings.add(
            "bad_value", f"{where}.config 应为键值表", file=file, row=line, column="config"
        )
        park_config = {}
    check_keys(p, PARK_KEYS, where, file, findings, line)
    clean = check_config(park_config, f"{where}.config", file, findings, line=line)
    merged = merge_config(config, clean)
    phases: dict[str, PhaseInfo] = {}
    raw_phases = p.get("phases") or []
    if not isinstance(raw_phases, list):
        findings.add("bad_value", f"{where}.phases 应为列表", file=file, row=line, column="phases")
        raw_phases = []
    for j, ph in enumerate(raw_phases):
        info = _read_phase(ph, f"{where}.phases[{j}]", file, line, findings)
        if info is None:
            continue
        message = f"期别 {info.phase_id} 在园区 {park_id} 中重复"
        _keep_first(
            phases, info.phase_id, info, findings, message, file, ph.get("__line__"), "phase_id"
        )
    established = p.get("established")
    if established is not None and not isinstance(established, int):
        findings.add(
            "bad_value",
            "established 应为年份(整数)",
            file=file,
            row=line,
            column="established",
            value=established,
        )
        established = None
    return ParkInfo(
        park_id=park_id,
        name=str(p.get("name") or park_id),
        region=None if p.get("region") is None else str(p["region"]),
        established=established,
        phases=phases,
        config=merged,
    )


def _read_phase(ph, where, file, park_line, findings) -> PhaseInfo | None:
    if isinstance(ph, dict) and ph.get("phase_id") is not None and not _scalar(ph["phase_id"]):
        findings.add(
            "bad_value",
            f"{where}.phase_id 应为文字;请只写一个值",
            file=file,
            row=ph.get("__line__"),
            column="phase_id",
            value=_short(ph["phase_id"]),
        )
        return None
    if not isinstance(ph, dict) or ph.get("phase_id") in (None, ""):
        findings.add(
            "missing_value",
            f"{where} 缺少 phase_id(期别代码);请填写",
            file=file,
            row=ph.get("__line__") if isinstance(ph, dict) else park_line,
            column="phase_id",
        )
        return None
    line = ph.get("__line__")
    check_keys(ph, PHASE_KEYS, where, file, findings, line)
    unit = str(_short(ph.get("unit") or "亩")).strip()
    if unit not in DECLARED_UNITS:
        findings.add(
            "bad_unit",
            f"{where}.unit 无法识别;可写 {'、'.join(DECLARED_UNITS)}",
            file=file,
            row=line,
            column="unit",
            value=unit,
        )
    from_unit = unit if unit in DECLARED_UNITS else "亩"  # an unknown unit: taken as 亩
    declared: dict[str, float] = {}
    raw = ph.get("declared") or {}
    for key, value in strip_lines(raw).items() if isinstance(raw, dict) else []:
        if value is None:
            continue
        if key not in DECLARED_KEYS:
            findings.add(
                "bad_value",
                f"{where}.declared 中的 {key!r} 无法识别;可写 {'、'.join(DECLARED_KEYS)}",
                file=file,
                row=raw.get("__line__", line),
                column=f"declared.{key}",
                value=_short(value),
            )
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            findings.add(
                "bad_value",
                f"{where}.declared.{key} 应为数字({unit})",
                file=file,
                row=raw.get("__line__", line),
                column=f"declared.{key}",
                value=_short(value),
            )
            continue
        if value < 0:
            findings.add(
                "negative_value",
                f"{where}.declared.{key} 不能为负数",
                file=file,
                row=raw.get("__line__", line),
                column=f"declared.{key}",
                value=value,
            )
            continue
        declared[str(key)] = to_mu(float(value), from_unit)
    return PhaseInfo(
        phase_id=str(ph["phase_id"]).strip(),
        name=str(ph.get("name") or ph["phase_id"]),
        unit=unit,
        declared_mu=declared,
    )
