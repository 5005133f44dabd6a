"""Nothing on disk or in a test is trusted (issue 15): tests that lie to the gate or outlive it,
links out of the project, secrets outside app/, and optional gates that cannot run.

Each test runs on the local backend (fast) and, where the backends differ, on Docker too.
"""

from __future__ import annotations

from pathlib import Path

from bmadgen.gates.service import run_gates

LYING_TEST = '''
import os
import sys


def test_fails() -> None:
    assert 1 == 2


def test_writes_its_own_reports_and_leaves() -> None:
    junit = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--junitxml="))
    out = os.path.dirname(junit)
    with open(junit, "w") as fh:
        fh.write('<testsuites><testsuite tests="1"><testcase classname="t" name="ok"/>'
                 '</testsuite></testsuites>')
    totals = {"percent_covered": 100.0, "num_statements": 1, "missing_lines": 0,
              "num_branches": 0, "num_partial_branches": 0}
    with open(os.path.join(out, "coverage.json"), "w") as fh:
        fh.write('{"totals": %s}' % str(totals).replace("'", '"'))
    os._exit(0)
'''


def test_a_test_that_writes_its_own_reports_and_exits_cannot_pass(store, project,
                                                                 vsa_app: Path) -> None:
    (vsa_app / "app/features/orders/tests/test_lies.py").write_text(LYING_TEST)
    report = run_gates(store, project, vsa_app, gates=["tests"], slices=["orders"],
                       sandbox="local")
    [tests] = report.results
    assert tests.status == "error", (tests.status, tests.score, tests.detail)
    assert "without its closing summary" in tests.detail
    assert {v.slice: v.verdict for v in report.verdicts} == {"orders": "FAIL"}
