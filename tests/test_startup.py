"""Start-up of the processes the package owns (:mod:`parkanalysis._startup`)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import require_module

# IRIs jsonschema's ``format: iri`` checker accepts and refuses (RFC 3987, via rfc3987_syntax)
IRIS = ["http://例子.测试/路径?q=1", "https://example.org/a%20b#frag", "not an iri", "http://[::1"]

CHECK = """
import json, sys
if sys.argv[1] == "deferred":
    from parkanalysis._startup import defer_iri_grammar
    assert defer_iri_grammar()
import jsonschema, nbformat
imported = "lark" in sys.modules
checker = jsonschema.FormatChecker()
verdicts = [checker.conforms(iri, "iri") for iri in json.loads(sys.argv[2])]
print(json.dumps({"grammar_at_import": imported, "verdicts": verdicts}))
"""


def _run(mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHECK, mode, json.dumps(IRIS)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def test_deferred_iri_grammar_is_not_compiled_at_import_and_checks_the_same():
    require_module("rfc3987_syntax")  # installed with JupyterLab (jupyter-events): the lab extra
    plain, deferred = _run("plain"), _run("deferred")
    assert plain["grammar_at_import"] is True  # what the deferral is for
    assert deferred["grammar_at_import"] is False
    assert deferred["verdicts"] == plain["verdicts"]
    assert True in plain["verdicts"] and False in plain["verdicts"]  # the checker really ran
