"""Mutation testing (mutmut 3) of the modules that carry the package's definitions.

``make mutate`` (or ``.venv/bin/python scripts/mutate.py [NAME ...]``) runs, per module of
:data:`MODULES`, mutmut on that one file with only the tests that pin it: each module in its
own folder ``build/mutate/NAME/`` (mutmut's ``mutants/`` copy and its verdicts live there: a
second run with nothing changed reports them at once; a change to the package or to the
module's tests runs every mutant anew), mutants in parallel workers (``MUTATE_WORKERS``,
default 2: the machine is shared) under ``nice -n 10`` (``MUTATE_NICE``), each mutant stopping
at its first failing test. A module may name the functions that carry its definition (the
forecast's interval code in ``forecast/annual.py``): only their mutants run and count. It
prints the score and wall time per module and every surviving mutant; docs/MUTATION.md
records the scores and why the survivors that remain are equivalent or change no published
figure.

``MUTATE_FUNCTIONS="x__growth* x__summed*"`` runs only the mutants of those functions (the
verdicts of the others are kept); ``scripts/mutate.py NAME --results`` prints the stored
verdicts without running, the mutants not checked yet counted apart (exit 1 while any is left).
A change to a module's list of tests below changes mutmut's configuration, which makes mutmut
forget that module's verdicts.

Exit status 1 when a module has a surviving mutant that is not listed in docs/MUTATION.md,
so a run before a stop says whether the change left a definition less tested than before. A
survivor is listed by its function and the line as mutated, in a double-backtick span::

    ``parkanalysis.units.x__parse_cells → body = text[valid].str.replace(",", "", regex=True)``

not by mutmut's number (``x__parse_cells__mutmut_39``): mutmut numbers the mutants of a
function in order, so any edit of the function renumbers them, and a number once explained
would silently name another mutant. The line cannot drift: when the code under it changes, the
entry no longer matches and the survivor is reported again.

mutmut mutates function and method bodies, not module-level constants (a unit factor in
``UNIT_FACTORS``); ``scripts/seven_mutants.py`` covers those by hand.
"""

from __future__ import annotations

import ast
import difflib
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "mutate"
RB = "tests/test_rules_boundaries.py"

#: name → (the file mutated, the tests that pin it: paths, node ids, the module's doctests)
MODULES: dict[str, tuple[str, list[str]]] = {
    "rules": (
        "parkanalysis/share/rules.py",
        [
            "parkanalysis/share/rules.py",
            *(
                f"{RB}::{t}"
                for t in (
                    "test_threshold_rule",
                    "test_nothing_to_protect",
                    "test_no_contributor_is_not_sensitive",
                    "test_p_percent_rule_at_its_edge",
                    "test_nk_rule_at_its_edge",
                    "test_dominance_on_contributions_as_given",
                    "test_share_settings_refused_with_the_key_and_value",
                    "test_a_share_section_that_is_not_a_mapping",
                    "test_share_settings_accepted_at_their_edges",
                    "test_profile_share_sections_checked_before_any_report",
                    "test_profile_that_is_not_a_mapping_is_left_to_the_loader",
                )
            ),
            "tests/test_share_protection.py::test_share_settings_only_towards_more_protection",
            "tests/test_share_protection.py::test_zero_contributions_do_not_count_towards_k",
        ],
    ),
    "periods": (
        "parkanalysis/periods.py",
        [
            "parkanalysis/periods.py",
            "tests/test_periods.py",
            *(
                f"{RB}::{t}"
                for t in (
                    "test_jan_feb_rule",
                    "test_separates_jan_feb",
                    "test_batch_periods_at_january_february_march",
                    "test_year_only_at_the_year_end",
                    "test_coverage_at_the_data_edges",
                    "test_period_errors_say_what_was_given",
                    "test_half_year_contains_its_edges",
                    "test_first_cumulative_period_of_a_year",
                )
            ),
        ],
    ),
    "units": (
        "parkanalysis/units.py",
        [
            "parkanalysis/units.py",
            "tests/test_units.py",
            "tests/test_mutants_units.py",
            *(
                f"{RB}::{t}"
                for t in (
                    "test_area_factors",
                    "test_the_hectare_constants",
                    "test_area_unit_mixups_are_named_by_the_factor_between_units",
                    "test_area_rows_shown_in_hectares_with_mu_alongside",
                    "test_conversions_return_float64",
                    "test_is_missing",
                    "test_numbers_read_from_a_column_keep_its_name_and_refuse_booleans",
                    "test_number_errors_say_why",
                    "test_units_typed_without_a_superscript",
                    "test_unit_errors_list_what_is_known",
                )
            ),
        ],
    ),
    "measures": (
        "parkanalysis/indicators/measures.py",
        [
            "parkanalysis/indicators/measures.py",
            "tests/test_mutants_measures.py",
            "tests/test_indicators_reference.py::test_table_matches_a_straightforward_computation",
            # the table tests of test_indicators.py; not its CLI, period-spelling, trend and
            # cache tests (the CLI's JSON and xlsx alone took 19 s per mutant on the shared
            # machine, and none of them pins a measure)
            *(
                f"tests/test_indicators.py::{t}"
                for t in (
                    "test_hand_built_park_levels_and_same_scope_growth",
                    "test_growth_reconciles_same_scope_and_all_enterprises",
                    "test_counts_have_no_growth",
                    "test_ratios",
                    "test_growth_edge_cases",
                    "test_missing_previous_year",
                    "test_empty_period_inside_the_data",
                    "test_multiple_parks",
                    "test_seed_figures_from_the_sample",
                    "test_by_park_matches_park_by_park_on_synthetic_data",
                    "test_monthly_rows_in_another_order_give_the_same_tables",
                )
            ),
            f"{RB}::test_same_scope_growth_over_firms_of_both_years",
            f"{RB}::test_the_first_year_of_data_has_levels_and_no_growth",
            f"{RB}::test_growth_over_a_zero_base_is_not_computed",
        ],
    ),
    "frames": (
        "parkanalysis/dataset/frames.py",
        [
            "parkanalysis/dataset/frames.py",
            "tests/test_dataset_frames.py",
            "tests/test_mutants_frames.py",
            f"{RB}::test_cumulative_to_monthly_never_across_years",
        ],
    ),
    "completeness": (
        "parkanalysis/dataset/completeness.py",
        [
            "parkanalysis/dataset/completeness.py",
            # every definition against a row-by-row reference, in about a second
            "tests/test_mutants_completeness.py",
            "tests/test_indicators_reference.py::test_period_rates_match_a_filter_of_the_rates",
            # the gate through the CLI (exit 2) and the 缺报 through the loader's findings; not
            # the report renders (5-7 s per mutant, their statement is test_sentence's), the
            # indicator-table references (measures' tests) nor the wrong-dataset corpus
            "tests/test_logic_checks.py::test_march_missing_period_below_threshold_is_refused",
            "tests/test_logic_checks.py::test_missing_reports_name_each_enterprise_and_month",
        ],
    ),
    "history": (
        "parkanalysis/land/history.py",
        [
            "parkanalysis/land/history.py",
            "tests/test_land.py",
            "tests/test_mutants_land.py",
            f"{RB}::test_only_finished_years_are_complete",
        ],
    ),
    "ratios": (
        "parkanalysis/land/ratios.py",
        [
            "parkanalysis/land/ratios.py",
            "tests/test_land.py",
            "tests/test_mutants_land.py",
            "tests/test_mutants_ratios.py",
        ],
    ),
    "intervals": (
        "parkanalysis/forecast/annual.py",
        [
            "parkanalysis/forecast/annual.py",
            "tests/test_forecast.py",
            "tests/test_mutants_intervals.py",
        ],
    ),
    "audit": (
        "parkanalysis/share/audit.py",
        [
            "parkanalysis/share/audit.py",
            # the audit against the reference LP; not test_share_protection.py: its two batch
            # tests took 121 s per surviving mutant on 2026-12-06 (all of test_mutants_audit.py:
            # 10 s); they stay in the full suite
            "tests/test_mutants_audit.py",
        ],
    ),
}

#: Modules of which only some functions carry a definition: name → mutmut name patterns.
#: forecast/annual.py: the prediction intervals (the Laplace scale calibrated on rolling-origin
#: errors, its half width, the bounds and their floor); the point forecast's candidates are
#: scored by benchmarks/m3_forecast.py instead.
FUNCTIONS: dict[str, list[str]] = {
    "intervals": [
        f"parkanalysis.forecast.annual.x_{f}__mutmut_*"
        for f in ("_forecast_core", "_laplace_halfwidth", "_interval_frame")
    ],
    # share/audit.py: every function that decides what an outsider can infer; not
    # Exposure.describe (the wording of a finding, after the decision is made)
    "audit": [
        "parkanalysis.share.audit.x_*",
        "parkanalysis.share.audit.xǁCellǁ*",
    ],
}

#: The order of a full run: the disclosure and period rules and the unit factors first.
ORDER = list(MODULES)


def _config(target: str, tests: list[str]) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["parkanalysis"]\n'
        f"only_mutate = {toml_list([target])}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
        # one process per mutant (mutmut forks the workers), no cache written, quiet; the
        # doctests of mutmut's copies of each function (one per mutant, each running the same
        # example through the trampoline) left out: the function's own doctest still runs
        'pytest_add_cli_args = ["-n", "0", "-p", "no:cacheprovider", "-q", "-W", "ignore", '
        '"-k", "not __mutmut_"]\n'
        'also_copy = ["data", "notebooks"]\n'
        # mutmut's default (a CPU-time limit per mutant): 5 took equivalent mutants of units for
        # hangs beside another run (36 "timeouts" that survived alone); mutmut re-runs only the
        # timeouts when this changes
        "timeout_multiplier = 15.0\n"
    )


def _stamp(paths: list[str]) -> str:
    stamp = hashlib.sha256()
    for path in paths:
        stamp.update(path.encode() + b"\0" + (ROOT / path).read_bytes())
    return stamp.hexdigest()


def _prepare(name: str) -> tuple[Path, bool]:
    """The module's folder, and whether only its tests changed since its last run."""
    target, tests = MODULES[name]
    folder = BUILD / name
    folder.mkdir(parents=True, exist_ok=True)
    for entry in ("parkanalysis", "tests", "data", "notebooks"):
        link = folder / entry
        if not link.exists():
            link.symlink_to(ROOT / entry, target_is_directory=True)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8") + _config(target, tests)
    config = folder / "pyproject.toml"
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    # mutmut keeps its verdicts in mutants/. A change to the package runs every mutant anew;
    # a change to the module's tests only (stronger tests kill more, never fewer) runs the
    # survivors of the last run again (mutmut collects which functions the new tests reach).
    code = _stamp(sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("parkanalysis/**/*.py")))
    pinned = _stamp([*sorted({t.split("::")[0] for t in tests} | {"tests/helpers.py"}), target])
    fingerprint, tests_print = folder / "fingerprint", folder / "tests-fingerprint"
    survivors_only = False
    if fingerprint.exists() and fingerprint.read_text() != code:
        shutil.rmtree(folder / "mutants", ignore_errors=True)
    elif tests_print.exists() and tests_print.read_text() != pinned:
        survivors_only = (folder / "mutants").is_dir()
    fingerprint.write_text(code)
    if not tests_print.exists():
        tests_print.write_text(pinned)
    # a changed tests' fingerprint is recorded only once a run has finished (``_finish``): a
    # run stopped half way leaves it stale, and the next run takes the survivors again (mutmut
    # itself re-runs only mutants without a verdict)
    (folder / "tests-fingerprint.next").write_text(pinned)
    return folder, survivors_only


def _finish(folder: Path) -> None:
    """Record the tests' fingerprint of a run that has finished."""
    pending = folder / "tests-fingerprint.next"
    if pending.exists():
        pending.replace(folder / "tests-fingerprint")


def _results(folder: Path, env: dict[str, str]) -> dict[str, str]:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("mutmut")), "results", "--all", "true"],
        cwd=folder, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    out = {}
    for line in done.stdout.splitlines():
        m = re.match(r"\s+(\S+): (.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


#: A documented survivor: ``parkanalysis.MODULE.FUNCTION → the line as mutated``
ENTRY = re.compile(r"``(parkanalysis\.\S+?) → (.+?)``")


def _squash(line: str) -> str:
    return " ".join(line.split())


def _documented() -> set[tuple[str, str]]:
    """The (function, mutated line) pairs docs/MUTATION.md explains."""
    doc = ROOT / "docs" / "MUTATION.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    return {(f, _squash(line)) for f, line in ENTRY.findall(text)}


def mutated_lines(folder: Path, target: str) -> dict[str, tuple[str, str]]:
    """Each mutant of the module's folder → (its function, the line as mutated).

    Read from mutmut's copy of the module, where every mutant is a function of its own
    (``x_f__mutmut_3`` beside ``x_f__mutmut_orig``): the mutated line is the one the mutant
    has and the original lacks (several, joined by `` ⏎ ``); a mutant that only removes lines
    is named by them, prefixed ``deleted:``.
    """
    path = folder / "mutants" / target
    if not path.is_file():
        return {}
    source = path.read_text(encoding="utf-8")
    prefix = target[:-3].replace("/", ".")
    every = source.splitlines()
    bodies: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            text = every[node.lineno - 1 : node.end_lineno]
            bodies[node.name] = [text[0].replace(node.name, "F", 1), *text[1:]]
    out = {}
    for name, lines in bodies.items():
        function, _, number = name.rpartition("__mutmut_")
        original = bodies.get(f"{function}__mutmut_orig")
        if number == "orig" or original is None:
            continue
        changes = [
            op
            for op in difflib.SequenceMatcher(None, original, lines, autojunk=False).get_opcodes()
            if op[0] != "equal"
        ]
        added = [_squash(t) for _, _, _, j1, j2 in changes for t in lines[j1:j2]]
        removed = [_squash(t) for _, i1, i2, _, _ in changes for t in original[i1:i2]]
        line = " ⏎ ".join(added) if added else "deleted: " + " ⏎ ".join(removed)
        # the line of the function where the change is (the original's numbering)
        where = changes[0][1] if changes else 0
        out[f"{prefix}.{name}"] = (f"{prefix}.{function}", line, where)
    # the same mutated text at two places of a function: told apart by the line's offset
    # from the ``def`` (``@+12``), which drifts only when that function is edited above it
    seen = Counter((f, line) for f, line, _ in out.values())
    return {
        k: (f, line if seen[f, line] == 1 else f"{line} @+{where}")
        for k, (f, line, where) in out.items()
    }


def _selected(name: str, status: dict[str, str]) -> dict[str, str]:
    patterns = FUNCTIONS.get(name)
    if not patterns:
        return status
    return {k: v for k, v in status.items() if any(fnmatch.fnmatch(k, p) for p in patterns)}


KILLED = ("killed", "timeout", "caught by type check")


def run(name: str, workers: int, *, only: list[str], report: bool) -> tuple[int, int, list[str]]:
    """Run (or with ``report``, only read) one module's mutants; ``only``: fnmatch patterns of
    the function names whose mutants run this time (the verdicts of the others are kept)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    env.pop("PYTEST_ADDOPTS", None)
    started = time.monotonic()
    if report:
        folder = BUILD / name
        if not (folder / "mutants").is_dir():  # this clone has never run the module
            print(f"{name:13s} {MODULES[name][0]:40s} not run here (no {folder.relative_to(ROOT)})")
            return 0, 0, []
    else:
        folder, survivors_only = _prepare(name)
        chosen = FUNCTIONS.get(name, [])
        before = _selected(name, _results(folder, env))
        if only:
            chosen = sorted(
                k for k in before if any(fnmatch.fnmatch(k.split(".")[-1], p) for p in only)
            ) or [f"{MODULES[name][0][:-3].replace('/', '.')}.{p}__mutmut_*" for p in only]
        if survivors_only:
            # ``before`` is already the module's selection (``FUNCTIONS``); only names chosen
            # by ``MUTATE_FUNCTIONS`` narrow it further (``chosen`` holds patterns otherwise,
            # and intersecting names with patterns left nothing: no survivor was run again)
            left = {k for k, v in before.items() if v not in KILLED}
            chosen = sorted(left & set(chosen)) if only else sorted(left)
        niceness = int(os.environ.get("MUTATE_NICE", "10"))
        done = subprocess.run(
            [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children",
             str(workers), *chosen],
            cwd=folder, capture_output=True, text=True, env=env, check=False,
            preexec_fn=(lambda: os.nice(niceness)) if niceness else None,
        )  # fmt: skip
        (folder / "last-run.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode == 0:
            _finish(folder)
    status = _selected(name, _results(folder, env))
    if not report and done.returncode != 0 and not status:
        tail = (done.stdout + done.stderr)[-2000:]
        raise SystemExit(f"mutmut failed on {name} (log: {folder / 'last-run.log'}):\n{tail}")
    killed = sum(s in KILLED for s in status.values())
    unchecked = sum(s == "not checked" for s in status.values())
    timeouts = sum(s == "timeout" for s in status.values())
    survived = sorted(k for k, s in status.items() if s not in (*KILLED, "not checked"))
    total = len(status)
    score = 100.0 * killed / total if total else float("nan")
    took = time.monotonic() - started
    print(
        f"{name:13s} {MODULES[name][0]:40s} {killed:4d}/{total:<4d} {score:5.1f} %  {took:5.0f} s"
        + (
            f"  ({unchecked} not checked yet: {killed}/{total - unchecked} of those checked)"
            if unchecked
            else ""
        )
        + (f"  (of the killed, {timeouts} by the CPU-time limit)" if timeouts else "")
    )
    return killed, total, survived


def main(argv: list[str]) -> int:
    report = "--results" in argv
    names = [a for a in argv if a != "--results"] or ORDER
    only = os.environ.get("MUTATE_FUNCTIONS", "").split()
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"unknown module {unknown}; known: {', '.join(MODULES)}", file=sys.stderr)
        return 2
    workers = int(os.environ.get("MUTATE_WORKERS", min(2, os.cpu_count() or 1)))
    print(f"{'module':13s} {'file':40s} killed/all  score   time")
    documented = _documented()
    undocumented = []
    for name in names:
        _killed, _total, survived = run(name, workers, only=only, report=report)
        lines = mutated_lines(BUILD / name, MODULES[name][0])
        for mutant in survived:
            function, line = lines.get(mutant, (mutant, "?"))
            known = (function, line) in documented
            print(
                f"    survived{'' if not known else ' (documented)'}: {mutant}\n"
                f"        ``{function} → {line}``"
            )
            if not known:
                undocumented.append(mutant)
    if undocumented:
        print(f"{len(undocumented)} surviving mutants not explained in docs/MUTATION.md")
        return 1
    if report and any(
        not (BUILD / n / "mutants").is_dir()
        or any(
            v == "not checked" for v in _selected(n, _results(BUILD / n, dict(os.environ))).values()
        )
        for n in names
    ):
        return 1  # a partial run is not a pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
