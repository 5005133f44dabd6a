"""Each tool's real output shape becomes findings and a score; a crashed tool is an error."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_pytest_coverage_from_reports(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").write_text(json.dumps({"totals": {"percent_covered": 83.337}}))
    (tmp_path / "junit.xml").write_text(
        '<testsuites><testsuite><testcase classname="app.features.a.tests.test_a" '
        'name="test_x" file="app/features/a/tests/test_a.py" line="7">'
        '<failure message="assert 1 == 2">trace</failure></testcase></testsuite></testsuites>'
    )
    parsed = parse("pytest_coverage", code=1, report=tmp_path)
    assert parsed.score == 83.34
    [failure] = parsed.findings
    assert failure.message == "test app.features.a.tests.test_a.test_x failed: assert 1 == 2"
    assert judge(spec("pytest_coverage", 80), parsed) == ("failed", 83.34), "a failing test fails"


def test_coverage_below_threshold_fails(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").write_text(json.dumps({"totals": {"percent_covered": 84.9}}))
    parsed = parse("pytest_coverage", code=0, report=tmp_path)
    assert judge(spec("pytest_coverage", 85), parsed) == ("failed", 84.9)
    assert judge(spec("pytest_coverage", 84), parsed) == ("passed", 84.9)


def test_no_tests_collected_is_an_error(tmp_path: Path) -> None:
    assert "no tests" in parse("pytest_coverage", code=5, report=tmp_path).error


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
