"""Each tool's real output shape becomes findings and a score; a crashed tool is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bmadgen.gates.models import GateSpec
from bmadgen.gates.parsers import PARSERS, judge

IMPORT_LINTER_BROKEN = """
Contracts
---------

Analyzed 26 files, 40 dependencies.
-----------------------------------

Feature slices are independent BROKEN
Shared code never imports features KEPT

Contracts: 1 kept, 1 broken.


----------------
Broken contracts
----------------

Feature slices are independent
------------------------------

app.features.orders is not allowed to import app.features.products:

- app.features.orders.services -> app.features.products.services (l.8)
"""


def parse(name: str, stdout: str = "", stderr: str = "", code: int = 0, report=None):
    return PARSERS[name](stdout, stderr, code, report)


def spec(parser: str, threshold: float = 0) -> GateSpec:
    return GateSpec(name="g", command="true", parser=parser, threshold=threshold)  # type: ignore[arg-type]


def test_ruff_format_concise_and_old_style() -> None:
    out = ("app/x.py:57:1: unformatted: File would be reformatted\n"
           "Would reformat: app/y.py\n1 file would be reformatted")
    parsed = parse("ruff_format", out, code=1)
    assert [(f.file, f.line) for f in parsed.findings] == [("app/y.py", None), ("app/x.py", 57)]
    assert judge(spec("ruff_format"), parsed) == ("failed", 2.0)


def test_ruff_format_crash_is_an_error_not_a_pass() -> None:
    parsed = parse("ruff_format", "", "ruff: error: unexpected argument", code=2)
    assert parsed.error and judge(spec("ruff_format"), parsed)[0] == "error"


def test_ruff_json() -> None:
    out = json.dumps([{"filename": "/scratch/app/app/main.py", "location": {"row": 3},
                       "message": "unused import", "code": "F401"}])
    parsed = parse("ruff", out, code=1)
    assert parsed.findings[0].file == "app/main.py"
    assert (parsed.findings[0].line, parsed.findings[0].rule) == (3, "F401")


def test_import_linter_broken_contract_names_the_import() -> None:
    parsed = parse("import_linter", IMPORT_LINTER_BROKEN, code=1)
    [finding] = parsed.findings
    assert finding.file == "app/features/orders/services.py" and finding.line == 8
    assert "app.features.orders.services imports app.features.products.services" in finding.message
    assert "Feature slices are independent" in finding.message


def test_import_linter_crash_is_an_error() -> None:
    parsed = parse("import_linter", "", "No module named app", code=1)
    assert parsed.error == "No module named app"


def test_mypy_errors() -> None:
    out = ('app/features/products/services.py:60: error: Incompatible return value type '
           '(got "str", expected "int")  [return-value]\n')
    [finding] = parse("mypy", out, code=1).findings
    assert (finding.file, finding.line, finding.rule) == (
        "app/features/products/services.py", 60, "return-value")


def test_mypy_without_parsable_errors_is_an_error() -> None:
    assert parse("mypy", "mypy: can't read file 'app'", code=2).error


def test_bandit_and_detect_secrets() -> None:
    bandit = json.dumps({"results": [{"filename": "app/x.py", "line_number": 4,
                                      "issue_severity": "HIGH", "issue_text": "eval",
                                      "test_id": "B307"}]})
    [b] = parse("bandit", bandit, code=1).findings
    assert (b.file, b.line, b.rule) == ("app/x.py", 4, "B307")
    secrets = json.dumps({"results": {"app/s.py": [{"type": "AWS Access Key",
                                                      "line_number": 2}]}})
    [s] = parse("detect_secrets", secrets).findings
    assert s.message == "possible secret: AWS Access Key" and s.line == 2


JUNIT_ONE_FAILURE = (
    '<testsuites><testsuite><testcase classname="app.features.a.tests.test_a" '
    'name="test_x" file="app/features/a/tests/test_a.py" line="7">'
    '<failure message="assert 1 == 2">trace</failure></testcase></testsuite></testsuites>'
)
JUNIT_ALL_PASS = ('<testsuites><testsuite><testcase classname="t" name="test_x"/>'
                  '</testsuite></testsuites>')


def pytest_stdout(summary: str, statements: int = 60, missing: int = 10) -> str:
    """What `pytest -q --cov-report=term:skip-covered` prints: the coverage table, then its
    own closing summary."""
    return (f"..F.                                                    [100%]\n"
            f"Name    Stmts   Miss Branch BrPart  Cover\n"
            f"-----------------------------------------\n"
            f"TOTAL      {statements}     {missing}     0      0    83%\n\n"
            f"Coverage JSON written to file /scratch/out/tests-a/coverage.json\n"
            f"{summary}\n")


def write_reports(folder: Path, percent: float, junit: str = JUNIT_ALL_PASS,
                  statements: int = 60, missing: int = 10) -> Path:
    totals = {"percent_covered": percent, "num_statements": statements,
              "missing_lines": missing, "num_branches": 0, "num_partial_branches": 0}
    (folder / "coverage.json").write_text(json.dumps({"totals": totals}))
    (folder / "junit.xml").write_text(junit)
    return folder


def test_pytest_coverage_from_reports(tmp_path: Path) -> None:
    write_reports(tmp_path, 83.337, JUNIT_ONE_FAILURE)
    parsed = parse("pytest_coverage", pytest_stdout("1 failed, 3 passed in 0.52s"), code=1,
                   report=tmp_path)
    assert parsed.score == 83.34 and not parsed.error
    [failure] = parsed.findings
    assert failure.message == "test app.features.a.tests.test_a.test_x failed: assert 1 == 2"
    assert judge(spec("pytest_coverage", 80), parsed) == ("failed", 83.34), "a failing test fails"


def test_coverage_below_threshold_fails(tmp_path: Path) -> None:
    write_reports(tmp_path, 84.9)
    parsed = parse("pytest_coverage", pytest_stdout("4 passed in 63.10s (0:01:03)"), code=0,
                   report=tmp_path)
    assert judge(spec("pytest_coverage", 85), parsed) == ("failed", 84.9)
    assert judge(spec("pytest_coverage", 84), parsed) == ("passed", 84.9)


def test_no_tests_collected_is_an_error(tmp_path: Path) -> None:
    assert "no tests" in parse("pytest_coverage", code=5, report=tmp_path).error


def test_reports_written_by_a_test_that_ended_the_process_are_not_believed(
        tmp_path: Path) -> None:
    """A failing slice whose test writes a perfect junit.xml and coverage.json itself and
    calls os._exit(0): pytest never printed its closing summary, so nothing is believed."""
    write_reports(tmp_path, 100.0, statements=60, missing=0)
    parsed = parse("pytest_coverage", "..", code=0, report=tmp_path)
    assert judge(spec("pytest_coverage", 85), parsed)[0] == "error"
    assert "without its closing summary" in parsed.error


@pytest.mark.parametrize(
    ("junit", "percent", "missing", "stdout_missing", "why"),
    [
        (JUNIT_ALL_PASS, 83.33, 10, 10, "lists 0 failing tests, pytest's summary 1"),
        (JUNIT_ONE_FAILURE, 100.0, 0, 10,
         "coverage.json says missing_lines 0, pytest-cov printed 10"),
    ],
    ids=["junit rewritten", "coverage rewritten"],
)
def test_reports_rewritten_after_pytest_finished_are_not_believed(
        tmp_path: Path, junit: str, percent: float, missing: int, stdout_missing: int,
        why: str) -> None:
    write_reports(tmp_path, percent, junit, missing=missing)
    stdout = pytest_stdout("1 failed, 3 passed in 0.52s", missing=stdout_missing)
    parsed = parse("pytest_coverage", stdout, code=1, report=tmp_path)
    assert judge(spec("pytest_coverage", 85), parsed)[0] == "error"
    assert why in parsed.error


def test_exit_code_that_contradicts_the_summary_is_an_error(tmp_path: Path) -> None:
    write_reports(tmp_path, 90.0, missing=6)
    parsed = parse("pytest_coverage", pytest_stdout("1 failed, 3 passed in 0.5s", missing=6),
                   code=0, report=tmp_path)
    assert parsed.error == "pytest exited 0 but its summary counts 1 failing tests"


@pytest.mark.parametrize(
    ("junit", "message"),
    [
        ("<testsuites><testsuite><testcase", "junit.xml is not valid XML"),
        ("\xff\xfe not xml", "junit.xml is not valid XML"),
        ("<html><body>hi</body></html>", "junit.xml holds <html>, not a junit test report"),
    ],
    ids=["truncated", "binary", "not junit"],
)
def test_malformed_junit_is_a_gate_error_not_a_traceback(tmp_path: Path, junit: str,
                                                        message: str) -> None:
    write_reports(tmp_path, 90.0, missing=6)
    (tmp_path / "junit.xml").write_bytes(junit.encode("latin-1"))
    parsed = parse("pytest_coverage", pytest_stdout("4 passed in 0.5s", missing=6), code=0,
                   report=tmp_path)
    assert judge(spec("pytest_coverage", 85), parsed)[0] == "error"
    assert parsed.error.startswith(message)


def test_malformed_coverage_json_is_a_gate_error(tmp_path: Path) -> None:
    write_reports(tmp_path, 90.0, missing=6)
    (tmp_path / "coverage.json").write_text('{"totals": ')
    parsed = parse("pytest_coverage", pytest_stdout("4 passed in 0.5s", missing=6), code=0,
                   report=tmp_path)
    assert parsed.error.startswith("coverage.json is not a coverage report")


def test_mutmut_score_ignores_exit_code_and_unchecked_mutants() -> None:
    out = (
        "    app.features.a.services.x_f__mutmut_1: killed\n"
        "    app.features.a.services.x_f__mutmut_2: killed\n"
        "    app.features.a.services.x_f__mutmut_3: timeout\n"
        "    app.features.a.services.x_f__mutmut_4: survived\n"
        "    app.features.b.services.x_g__mutmut_1: not checked\n"
    )
    parsed = parse("mutmut", out, code=0)
    assert parsed.score == 75.0
    [survivor] = parsed.findings
    assert survivor.file == "app/features/a/services.py"
    assert "x_f__mutmut_4 survived" in survivor.message
    assert judge(spec("mutmut", 85), parsed) == ("failed", 75.0)


def test_mutmut_without_mutants_is_an_error() -> None:
    assert parse("mutmut", "nothing", code=0).error


def test_pip_audit() -> None:
    out = json.dumps({"dependencies": [{"name": "jinja2", "version": "2.0",
                                        "vulns": [{"id": "PYSEC-1"}]}]})
    [v] = parse("pip_audit", out, code=1).findings
    assert v.message == "jinja2 2.0: PYSEC-1"


def test_coverage_below_the_projects_own_fail_under_is_a_failure_not_an_error(
        tmp_path: Path) -> None:
    """pytest-cov exits 1 when the project's `fail_under` is not reached, with no test
    failing: the gate judges the coverage against its own threshold."""
    write_reports(tmp_path, 80.0, missing=12)
    stdout = pytest_stdout("4 passed in 0.5s", missing=12).replace(
        "Coverage JSON", "FAIL Required test coverage of 85.0% not reached. Total coverage: "
        "80.00%\nCoverage JSON")
    parsed = parse("pytest_coverage", stdout, code=1, report=tmp_path)
    assert not parsed.error and judge(spec("pytest_coverage", 85), parsed) == ("failed", 80.0)
