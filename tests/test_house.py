"""The house rules, read from the source: no import circles, no private names across modules.

Every module of ``parkanalysis/`` is parsed with :mod:`ast`; every ``import`` and
``from … import`` counts, at module level and inside functions (a deferred import that
closes a circle is still a circle), under ``if TYPE_CHECKING:`` too. Relative imports are
resolved against the importing module's package; ``from package import name`` is an edge
to the submodule ``package.name`` when there is one, else to the package itself (its
``__init__.py``). Importing ``parkanalysis.a.b`` is an edge to ``a.b`` only: the parent
package's ``__init__`` running first is not counted as a dependency of the importer.

A *private name* is one with a single leading underscore that does not also end with one
(``_x``, not ``__version__`` or IPython's ``_repr_html_``). Private *modules* (``_io``,
``forecast/_checks``) belong to their package and may be imported inside it; their
private names may not. Besides imports, ``obj._name`` is flagged when ``obj`` is not
``self``/``cls`` and ``_name`` is defined by another module of the package only (a
private method called from another room, e.g. ``report._indicators_of(...)``).

*Rooms* are the packages and top modules of ``parkanalysis/`` (``dataset/``, ``units``,
``render/`` …; the package's own ``__init__`` is the room ``parkanalysis``). A room's *layer*
follows from the imports: 0 for a room that imports no other, else one more than the highest
room it imports (:func:`room_layers`; docs/ARCHITECTURE.md "Rooms and layers" draws them).
Following a ``kind`` through ``render_report`` with :class:`RoomTracer` (``sys.setprofile``
over the package's frames, in the calling process) lists the rooms entered and every call
from one room into another; a *climb* is a call from a room of a lower layer into a room of
a higher one — a callback, a method of an object made upstairs, a dynamic import — which
the import graph cannot show. Calls made by module bodies while importing are the import
graph's business and not counted.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
import traceback
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "parkanalysis"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name → source file, for every ``.py`` file of the package."""
    return {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def is_private(name: str) -> bool:
    """``_x`` is private; ``__x__``, ``_repr_html_`` and ``_`` are not.

    >>> [is_private(n) for n in ("_x", "__version__", "_repr_html_", "x", "_")]
    [True, False, False, False, False]
    """
    return name.startswith("_") and not name.endswith("_") and name != "_"


def imports_of(name: str, path: Path, modules: dict[str, Path]):
    """Yield ``(target module, imported name or None, line)`` for every import in a module.

    ``imported name`` is the attribute taken from the target (None for ``import a.b`` and
    for a submodule taken with ``from package import submodule``).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top = next(iter(modules)).split(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == top:
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != top:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in modules:
                    yield sub, None, node.lineno
                else:
                    yield base, alias.name, node.lineno


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the package modules it imports (anywhere in its source)."""
    modules = package_modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, _attr, _line in imports_of(name, path, modules):
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted.

    >>> import_circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c']]
    >>> import_circles({"a": {"b"}, "b": set()})
    []
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def one_circle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself (for the message)."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return component


def private_imports(root: Path = PACKAGE) -> list[str]:
    """``module:line imports _name from other`` for every private name taken across modules."""
    modules = package_modules(root)
    found = []
    for name, path in modules.items():
        for target, attr, line in imports_of(name, path, modules):
            if attr is not None and is_private(attr) and target != name:
                found.append(f"{name}:{line} imports {attr} from {target}")
    return found


def _private_definitions(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if is_private(n)}


def private_attributes(root: Path = PACKAGE) -> list[str]:
    """``module:line uses obj._name`` where only another module of the package defines it."""
    modules = package_modules(root)
    trees = {m: ast.parse(p.read_text(encoding="utf-8")) for m, p in modules.items()}
    defined = {m: _private_definitions(t) for m, t in trees.items()}
    owners: dict[str, set[str]] = defaultdict(set)
    for module, names in defined.items():
        for n in names:
            owners[n].add(module)
    found = []
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
                continue
            if node.attr in defined[module] or not owners.get(node.attr):
                continue
            others = ", ".join(sorted(owners[node.attr]))
            found.append(f"{module}:{node.lineno} uses .{node.attr} (defined in {others})")
    return found


def test_no_import_circles_in_the_package():
    graph = import_graph()
    circles = import_circles(graph)
    described = [" → ".join(one_circle(graph, c)) + f"  ({len(c)} modules)" for c in circles]
    assert not circles, "import circles:\n" + "\n".join(described)


def test_no_private_name_imported_across_modules():
    found = private_imports()
    assert not found, "private names imported from another module:\n" + "\n".join(found)


def test_no_private_attribute_of_another_module():
    found = private_attributes()
    assert not found, "private names of another module used:\n" + "\n".join(found)


def test_the_checker_sees_circles_and_private_names(tmp_path):
    """The checks above fail on a package that has each fault (so a pass means something)."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from pkg.sub.b import B\n")
    # a ↔ b through a function-level relative import, b → pkg.sub (its __init__) → b
    (pkg / "sub" / "a.py").write_text("from . import b\n\ndef _helper():\n    pass\n")
    (pkg / "sub" / "b.py").write_text(
        "B = 1\n\ndef f(x):\n    from .a import _helper\n    from pkg import sub\n"
        "    return x._helper()\n"
    )
    (pkg / "c.py").write_text("from pkg.sub import B\n")
    graph = import_graph(pkg)
    assert graph["pkg.sub.a"] == {"pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg.sub.a", "pkg.sub"}
    assert graph["pkg.c"] == {"pkg.sub"}
    assert import_circles(graph) == [["pkg.sub", "pkg.sub.a", "pkg.sub.b"]]
    assert private_imports(pkg) == ["pkg.sub.b:4 imports _helper from pkg.sub.a"]
    assert private_attributes(pkg) == ["pkg.sub.b:6 uses ._helper (defined in pkg.sub.a)"]


def test_every_imported_name_exists():
    """Each ``from parkanalysis.x import name`` (deferred ones too) names something ``x`` has.

    A deferred import inside a function only fails when the function runs; after a move
    this finds the caller still asking the old room.
    """
    import importlib

    modules = package_modules()
    missing = []
    for name, path in modules.items():
        for target, attr, line in imports_of(name, path, modules):
            if attr is None or target not in modules or target.endswith("__main__"):
                continue
            if not hasattr(importlib.import_module(target), attr):
                missing.append(f"{name}:{line} imports {attr} from {target}, which has none")
    assert not missing, "\n".join(missing)


# -- rooms and climbs, followed at run time ---------------------------------------------------


def room_of(module: str) -> str:
    """The room of a dotted module name: its first part below the package.

    >>> room_of("parkanalysis.dataset.readers.limits"), room_of("parkanalysis.units")
    ('dataset', 'units')
    >>> room_of("parkanalysis")
    'parkanalysis'
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def room_layers(root: Path = PACKAGE) -> dict[str, int]:
    """Room → layer from the import graph (a room imports only rooms of lower layers).

    >>> layers = room_layers()
    >>> layers["errors"], layers["render"] > layers["report"] > layers["dataset"] > layers["units"]
    (0, True)
    """
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in import_graph(root).items():
        graph[room_of(module)].update(room_of(t) for t in targets)
    for room, targets in graph.items():
        targets.discard(room)
    layers: dict[str, int] = {}

    def layer(room: str, path: tuple[str, ...]) -> int:
        if room in path:
            raise AssertionError("rooms import each other: " + " → ".join((*path, room)))
        if room not in layers:
            below = [layer(t, (*path, room)) for t in sorted(graph.get(room, ()))]
            layers[room] = 1 + max(below) if below else 0
        return layers[room]

    for room in sorted(graph):
        layer(room, ())
    return layers


class RoomTracer:
    """Record, in this process, every call into a function of the package's rooms.

    ``edges[(caller_room, callee_room)]`` counts the calls (the caller is the nearest frame
    of the package up the stack; None outside it); ``examples`` keeps the first
    ``caller function → callee function (file)`` of each edge. Module bodies run by imports
    are left out, as callees and as callers.
    """

    def __init__(self, root: Path = PACKAGE):
        self.prefix = str(root) + os.sep
        self.top = root.name
        self.edges: Counter[tuple[str | None, str]] = Counter()
        self.examples: dict[tuple[str | None, str], str] = {}

    def room(self, filename: str) -> str | None:
        if not (filename.startswith(self.prefix) and filename.endswith(".py")):
            return None  # not the package's Python (a template, a library)
        head = filename[len(self.prefix) :].split(os.sep)[0]
        return self.top if head == "__init__.py" else head.removesuffix(".py")

    def _profile(self, frame, event, _arg) -> None:
        if event != "call":
            return
        code = frame.f_code
        callee = self.room(code.co_filename)
        if callee is None or code.co_name == "<module>":
            return
        up, caller = frame.f_back, None
        while up is not None:
            caller = self.room(up.f_code.co_filename)
            if caller is not None:
                if up.f_code.co_name == "<module>":
                    return  # an import running a module body
                break
            up = up.f_back
        self.edges[(caller, callee)] += 1
        if caller != callee and (caller, callee) not in self.examples:
            where = code.co_filename[len(self.prefix) :]
            who = up.f_code.co_qualname if up is not None else "—"
            self.examples[(caller, callee)] = f"{who} → {code.co_qualname} ({where})"

    def __enter__(self) -> RoomTracer:
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(None)

    @property
    def rooms(self) -> set[str]:
        """The rooms entered."""
        return {callee for _caller, callee in self.edges}

    def climbs(self, layers: dict[str, int]) -> list[str]:
        """Every call from a room of a lower layer into a room of a higher one."""
        return [
            f"{a} (layer {layers[a]}) → {b} (layer {layers[b]}), {n}×: {self.examples[(a, b)]}"
            for (a, b), n in sorted(self.edges.items(), key=str)
            if a is not None and a != b and layers[a] < layers[b]
        ]


def test_the_room_tracer_sees_rooms_and_climbs(tmp_path, monkeypatch):
    """On a two-room package where the lower room calls back into the upper one, the
    tracer sees both rooms and exactly that climb (so a pass below means something)."""
    pkg = tmp_path / "roomspkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def apply(f, x):\n    return f(x) + 1\n")
    (pkg / "high.py").write_text(
        "from roomspkg.low import apply\n\ndef double(x):\n    return 2 * x\n\n"
        "def run():\n    return apply(double, 3)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    high = importlib.import_module("roomspkg.high")
    layers = room_layers(pkg)
    assert layers == {"high": 1, "low": 0, "roomspkg": 0}
    with RoomTracer(pkg) as tracer:
        assert high.run() == 7
    assert tracer.rooms == {"high", "low"}
    assert tracer.edges == Counter({(None, "high"): 1, ("high", "low"): 1, ("low", "high"): 1})
    assert tracer.climbs(layers) == ["low (layer 0) → high (layer 1), 1×: apply → double (high.py)"]


#: The rooms an internal land report (HTML and Word) enters in the calling process:
#: render (plan, params, formats, kernel, export, documents), dataset (park.yaml once, the
#: data checks' load), _io, catalogue (park.yaml's checks), periods, units, report (naming,
#: texts, the document and its Word writer). The share copy adds share/ and what it protects.
MAX_ROOMS_LAND_REPORT = 8


def test_render_report_stays_within_a_few_rooms_and_never_climbs(tmp_path):
    """One ``kind`` followed through ``render_report`` in this process — planning (file
    name, cache key, office texts), the data checks, parameterizing and running the kernel
    (another process: its calls are not here), the HTML export and the Word file — enters at
    most :data:`MAX_ROOMS_LAND_REPORT` rooms and never calls up from a lower layer."""
    from parkanalysis.render import render_report

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    layers = room_layers()
    with RoomTracer() as tracer:
        result = render_report(
            "land", out_dir=tmp_path / "out", data=str(data), formats=("html", "docx")
        )
    assert result.status == "rendered", result.error
    assert set(result.outputs) == {"html", "docx"}
    entered = sorted(tracer.rooms, key=lambda r: (layers[r], r))
    assert len(entered) <= MAX_ROOMS_LAND_REPORT, f"{len(entered)} rooms: {entered}"
    climbs = tracer.climbs(layers)
    assert not climbs, "calls from a lower layer into a higher one:\n" + "\n".join(climbs)


#: ``open`` audit events on a park.yaml while :data:`_COUNTING` holds a folder (an audit hook
#: cannot be removed, so one hook is installed for the process and switched by this list).
_COUNTING: list[Path] = []
_OPENS: list[str] = []


def _count_opens(event: str, args: tuple) -> None:
    if event == "open" and _COUNTING and isinstance(args[0], str | bytes | os.PathLike):
        path = Path(os.fsdecode(args[0]))
        if path.name == "park.yaml" and path.parent.resolve() == _COUNTING[0]:
            _OPENS.append("".join(traceback.format_stack(limit=8)[:-1]))


def test_render_report_reads_park_yaml_once(tmp_path):
    """One ``kind`` followed through ``render_report`` — plan (file name, share rules, cache
    key, office texts), the data checks, the kernel run, the HTML and the share sidecar —
    opens the dataset's park.yaml once in this process (the kernel is another process),
    and calls no room of a higher layer from a lower one.

    A fresh copy of the sample: nothing remembered from other tests can hide a read.
    """
    from parkanalysis.render import render_report
    from parkanalysis.share.sidecar import sidecar_path

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    if not getattr(_count_opens, "installed", False):
        sys.addaudithook(_count_opens)
        _count_opens.installed = True
    _OPENS.clear()
    _COUNTING.append(data.resolve())
    try:
        with RoomTracer() as tracer:
            result = render_report(
                "land", out_dir=tmp_path / "out", data=str(data), share=True, horizon=3
            )
    finally:
        _COUNTING.clear()
    assert result.status == "rendered", result.error
    # the share copy: the sidecar's protected table adds share/ and the rooms it reads
    # (indicators, land, forecast, projects, safety), still without a climb
    layers = room_layers()
    assert len(tracer.rooms) <= MAX_ROOMS_LAND_REPORT + 7, sorted(tracer.rooms)
    assert not tracer.climbs(layers), "\n".join(tracer.climbs(layers))
    assert result.html_path.name.startswith("工贸园")  # named from the park.yaml read once
    assert sidecar_path(result.html_path).is_file()  # the share sidecar was written too
    assert len(_OPENS) == 1, f"park.yaml opened {len(_OPENS)} times:\n" + "\n----\n".join(_OPENS)


def test_the_remembered_description_follows_the_folder(tmp_path):
    """Planning remembers park.yaml's Description per process (a batch reads it once); an
    edited park.yaml or a file added to the folder is read again."""
    from parkanalysis.render import plan_report

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)

    def plan():
        return plan_report("land", out_dir=tmp_path / "out", data=str(data), as_of="2016-06")

    first = plan()
    assert plan().description is first.description
    assert first.html_path.name.startswith("工贸园")
    text = (data / "park.yaml").read_text(encoding="utf-8")
    (data / "park.yaml").write_text(text.replace("name: 工贸园", "name: 新材料园"), "utf-8")
    renamed = plan()
    assert renamed.html_path.name.startswith("新材料园") and renamed.key != first.key
    (data / "notes.txt").write_text("x", encoding="utf-8")
    assert plan().description is not renamed.description
