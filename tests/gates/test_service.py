"""run_gates end to end on the fixture app with the local backend (fast, no engine needed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bmadgen.errors import InvalidInput, NotFound
from bmadgen.gates import records, reports
from bmadgen.gates.service import run_gates, waive

QUICK = ["format", "lint", "architecture"]


def test_fixture_app_passes_quick_gates_locally_and_says_not_isolated(store, project,
                                                                      vsa_app: Path) -> None:
    report = run_gates(store, project, vsa_app, gates=QUICK, sandbox="local")
    assert [(r.gate, r.status) for r in report.results] == [(g, "passed") for g in QUICK]
    assert report.passed and report.backend == "local" and report.isolated is False
    assert any("not isolated" in note for note in report.notes)
    assert {v.verdict for v in report.verdicts} == {"PASS"}


def test_cross_slice_import_fails_architecture_with_the_import(store, project,
                                                              broken_app: Path) -> None:
    report = run_gates(store, project, broken_app, gates=["architecture"], sandbox="local")
    [arch] = report.results
    assert arch.status == "failed"
    assert arch.findings[0].file == "app/features/orders/services.py"
    assert "imports app.features.products.services" in arch.findings[0].message
    verdicts = {v.slice: v.verdict for v in report.verdicts}
    assert verdicts == {"orders": "FAIL", "products": "PASS"} and not report.passed


def test_second_run_is_served_from_the_cache_until_a_file_changes(store, project,
                                                                 vsa_app: Path) -> None:
    run_gates(store, project, vsa_app, gates=["lint", "tests"], sandbox="local")
    again = run_gates(store, project, vsa_app, gates=["lint", "tests"], sandbox="local")
    assert all(r.cached for r in again.results)
    assert again.usage == {}, "nothing ran: no sandbox was started"
    test_file = vsa_app / "app/features/orders/tests/test_orders.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_more() -> None:\n    assert True\n")
    third = run_gates(store, project, vsa_app, gates=["lint", "tests"], sandbox="local")
    cached = {r.label: r.cached for r in third.results}
    assert cached == {"lint": False, "tests[orders]": False, "tests[products]": True}
    forced = run_gates(store, project, vsa_app, gates=["lint"], sandbox="local", use_cache=False)
    assert not forced.results[0].cached


def test_mutation_is_not_run_when_the_slice_tests_fail(store, project, vsa_app: Path) -> None:
    test_file = vsa_app / "app/features/products/tests/test_products.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_broken() -> None:\n"
                         "    assert 1 == 2\n")
    report = run_gates(store, project, vsa_app, gates=["tests", "mutation"],
                       slices=["products"], sandbox="local")
    tests, mutation = report.results
    assert tests.status == "failed"
    assert any("test_broken failed" in f.message for f in tests.findings)
    assert mutation.status == "not_run" and mutation.detail == "not run: needs tests[products] to pass"


def test_fail_fast_stops_after_the_first_required_failure(store, project,
                                                         broken_app: Path) -> None:
    report = run_gates(store, project, broken_app, gates=["lint", "architecture", "security"],
                       sandbox="local", fail_fast=True)
    statuses = [(r.gate, r.status) for r in report.results]
    assert statuses == [("lint", "passed"), ("architecture", "failed"), ("security", "not_run")]
    assert "fail fast" in report.results[2].detail


def test_waiver_makes_the_run_pass_and_shows_in_every_report(store, project,
                                                            broken_app: Path) -> None:
    waive(store, project, "orders", "architecture", "orders reuses pricing until #12",
          "ana", project_dir=broken_app)
    report = run_gates(store, project, broken_app, gates=["architecture"], sandbox="local")
    assert report.passed
    assert {v.slice: v.verdict for v in report.verdicts}["orders"] == "WAIVED"
    assert report.results[0].waived_by.who == "ana"  # type: ignore[union-attr]
    junit = ET.fromstring(reports.to_junit(report).split("\n", 1)[1])
    assert junit.find("testcase/skipped").get("message") == "waived"  # type: ignore[union-attr]
    assert "waived by ana" in junit.find("testcase/skipped").text  # type: ignore[union-attr]
    sarif = json.loads(reports.to_sarif(report))
    assert sarif["runs"][0]["results"][0]["level"] == "note"
    shown = records.load_report(store, project.id, report.run_id[:6])
    assert shown.results[0].waived_by is not None


def test_reports_name_failures(store, project, broken_app: Path) -> None:
    report = run_gates(store, project, broken_app, gates=["architecture"], sandbox="local")
    junit = ET.fromstring(reports.to_junit(report).split("\n", 1)[1])
    assert junit.get("failures") == "1"
    assert "imports app.features.products" in junit.find("testcase/failure").text  # type: ignore[union-attr]
    sarif = json.loads(reports.to_sarif(report))
    [finding] = sarif["runs"][0]["results"]
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/features/orders/services.py"
    assert finding["ruleId"] == "architecture/import-contract"


def test_runs_are_listed_with_their_status(store, project, vsa_app: Path) -> None:
    run_gates(store, project, vsa_app, gates=["lint"], sandbox="local")
    [summary] = records.list_runs(store, project.id)
    assert (summary.status, summary.backend, summary.isolated, summary.total) == (
        "passed", "local", False, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"gates": ["speed"]}, NotFound, "no gate named speed"),
        ({"slices": ["users"]}, NotFound, "no slice named 'users'"),
        ({"slices": ["../etc"]}, InvalidInput, "slice name '../etc' is not valid"),
        ({"sandbox": "vm"}, InvalidInput, "invalid sandbox 'vm'"),
        ({"tier": "gold"}, InvalidInput, "unknown sandbox tier 'gold'"),
    ],
)
def test_bad_input_is_refused_before_anything_runs(store, project, vsa_app: Path, kwargs,
                                                   error, message) -> None:
    with pytest.raises(error, match=message):
        run_gates(store, project, vsa_app, **{"sandbox": "local", **kwargs})
    assert records.list_runs(store, project.id) == []


def test_folder_without_an_app(store, project, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="holds no app/ package"):
        run_gates(store, project, tmp_path, sandbox="local")
    with pytest.raises(NotFound, match="does not exist"):
        run_gates(store, project, tmp_path / "nope", sandbox="local")


@pytest.mark.parametrize(
    ("slice_", "gate", "reason", "message"),
    [
        ("orders", "speed", "r", "no gate named speed"),
        ("users", "lint", "r", "no slice named 'users'"),
        ("orders", "lint", "  ", "waiver reason must not be empty"),
        ("Orders!", "lint", "r", "slice name 'Orders!' is not valid"),
    ],
)
def test_bad_waivers_are_refused(store, project, vsa_app: Path, slice_, gate, reason,
                                 message) -> None:
    with pytest.raises((InvalidInput, NotFound), match=message):
        waive(store, project, slice_, gate, reason, "ana", project_dir=vsa_app)


def test_kept_mypy_cache_never_hides_a_new_type_error(store, project, vsa_app: Path,
                                                     bmadgen_home: Path) -> None:
    first = run_gates(store, project, vsa_app, gates=["types"], sandbox="local")
    assert first.results[0].status == "passed"
    assert list((bmadgen_home / "gate-cache").rglob("CACHEDIR.TAG")), "mypy's cache was kept"
    services = vsa_app / "app/features/orders/services.py"
    services.write_text(services.read_text() + "\n\ndef label() -> int:\n    return 'x'\n")
    second = run_gates(store, project, vsa_app, gates=["types"], sandbox="local")
    [error] = second.results[0].findings
    assert (error.file, error.rule) == ("app/features/orders/services.py", "return-value")
