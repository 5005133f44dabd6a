"""`bmadgen gate ...` and `bmadgen sandbox usage` through the real CLI entry point."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path


def test_gate_run_passes_with_exit_0_and_writes_reports(cli, project, vsa_app: Path,
                                                        tmp_path: Path) -> None:
    junit, sarif = tmp_path / "r" / "junit.xml", tmp_path / "r" / "gates.sarif"
    code, out, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate",
                         "lint", "--gate", "format", "--junit", str(junit), "--sarif", str(sarif))
    assert code == 0, err
    assert "gates passed" in out and "NOT ISOLATED" in out
    assert ET.parse(junit).getroot().get("tests") == "2"
    assert json.loads(sarif.read_text())["runs"][0]["results"] == []


def test_gate_run_ci_fails_with_exit_8_and_json(cli, project, broken_app: Path) -> None:
    code, out, err = cli("gate", "run", "-C", str(broken_app), "--sandbox", "local", "--gate",
                         "architecture", "--ci")
    assert code == 8
    report = json.loads(out[out.index("{"):])
    assert report["passed"] is False
    assert report["results"][0]["findings"][0]["file"] == "app/features/orders/services.py"
    assert "required gates failed for: orders" in err


def test_gate_show_list_and_waive(cli, project, broken_app: Path) -> None:
    cli("gate", "run", "-C", str(broken_app), "--sandbox", "local", "--gate", "architecture")
    code, out, _ = cli("gate", "waive", "orders", "--gate", "architecture", "--reason",
                       "pricing is shared until #12", "--by", "ana", "-C", str(broken_app))
    assert code == 0 and "waived architecture for orders (by ana)" in out
    code, out, _ = cli("gate", "run", "-C", str(broken_app), "--sandbox", "local", "--gate",
                       "architecture")
    assert code == 0 and "waived by ana" in out
    code, out, _ = cli("gate", "show", "--json")
    assert code == 0 and json.loads(out)["verdicts"][0]["verdict"] == "WAIVED"
    code, out, _ = cli("gate", "list", "--json", "-C", str(broken_app))
    listed = json.loads(out)
    assert [r["status"] for r in listed["runs"]] == ["passed", "failed"]
    assert listed["gates"][0]["name"] == "format"


def test_user_errors_are_one_line_with_exit_codes(cli, project, vsa_app: Path) -> None:
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate", "x")
    assert code == 4 and err.startswith("error: no gate named x") and "Traceback" not in err
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "vm")
    assert code == 3 and "invalid sandbox 'vm'" in err
    code, _, err = cli("gate", "show", "nope")
    assert code == 4 and "no finished gate run 'nope'" in err
    code, _, err = cli("gate", "waive", "orders", "--gate", "lint", "--reason", "")
    assert code == 3 and "waiver reason must not be empty" in err


def test_sandbox_usage_is_recorded_per_project(cli, project, vsa_app: Path) -> None:
    cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate", "lint")
    code, out, _ = cli("sandbox", "usage", "--json")
    usage = json.loads(out)
    assert code == 0 and usage["runs"] == 1 and usage["exec_count"] == 1
    assert usage["wall_s"] > 0


def test_docker_required_but_no_engine_is_exit_7(cli, project, vsa_app: Path, monkeypatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/stopped.sock")
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "docker")
    assert code == 7 and err.startswith("error: no Docker engine answers at unix://")
    assert "--sandbox local" in err and "Traceback" not in err
    code, out, _ = cli("gate", "run", "-C", str(vsa_app), "--gate", "lint", "--json")
    assert code == 0 and json.loads(out)["backend"] == "local", "auto falls back, and says so"
    assert "Docker unavailable" in json.loads(out)["notes"][0]


def test_broken_stack_gates_file_is_exit_3(cli, project, vsa_app: Path, monkeypatch,
                                           tmp_path: Path) -> None:
    from bmadgen.gates import stack

    (tmp_path / "gates.yaml").write_text("gates:\n  - name: lint\n    parser: ruff\n")
    monkeypatch.setattr(stack, "stack_dir", lambda name: tmp_path)
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local")
    assert code == 3
    assert "is not a valid gates file: gates.0.command: Field required" in err


def test_report_to_a_folder_is_exit_3_before_anything_runs(cli, project, vsa_app: Path,
                                                          tmp_path: Path) -> None:
    code, out, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate",
                         "lint", "--junit", str(tmp_path))
    assert code == 3 and "Traceback" not in err + out
    assert err.startswith(f"error: the JUnit report {tmp_path} is a folder")
    assert len(err.strip().splitlines()) == 1
    code, out, _ = cli("gate", "list", "--json", "-C", str(vsa_app))
    assert json.loads(out)["runs"] == [], "refused before any gate ran"


def test_report_in_an_unwritable_place_is_exit_7_and_nothing_is_half_written(
        cli, project, vsa_app: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    junit = reports / "junit.xml"
    code, out, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate",
                         "lint", "--junit", str(junit), "--sarif", "/proc/x")
    assert code == 7 and "Traceback" not in err + out
    assert err.startswith("error: cannot write the SARIF report /proc/x")
    assert not junit.exists() and list(reports.iterdir()) == []


def test_reports_never_follow_a_link_planted_at_a_predictable_name(cli, project, vsa_app: Path,
                                                                    tmp_path: Path) -> None:
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    junit, sarif = tmp_path / "junit.xml", tmp_path / "gates.sarif"
    for report in (junit, sarif):
        (tmp_path / (report.name + ".tmp")).symlink_to(victim)
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate",
                       "lint", "--junit", str(junit), "--sarif", str(sarif))
    assert code == 0, err
    assert victim.read_text() == "precious\n"
    assert ET.parse(junit).getroot().get("tests") == "1" and not junit.is_symlink()
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gates.sarif", "gates.sarif.tmp", "junit.xml", "junit.xml.tmp", "victim.txt"]


def test_a_report_path_that_is_a_link_is_replaced_not_followed(cli, project, vsa_app: Path,
                                                              tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    junit = tmp_path / "junit.xml"
    junit.symlink_to(victim)
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate",
                       "lint", "--junit", str(junit))
    assert code == 0, err
    assert victim.read_text() == "precious\n" and not junit.is_symlink()


def test_gate_show_takes_sql_wildcards_literally(cli, project, vsa_app: Path) -> None:
    code, out, _ = cli("gate", "run", "-C", str(vsa_app), "--sandbox", "local", "--gate",
                       "lint", "--json")
    run_id = json.loads(out)["run_id"]
    for pattern in ("%", "_", "%%", "_" * 12, run_id[:3] + "%"):
        code, out, err = cli("gate", "show", pattern)
        assert (code, out) == (4, ""), pattern
        assert f"no finished gate run {pattern!r}" in err
    code, out, _ = cli("gate", "show", run_id[:4].upper(), "--json")
    assert code == 0 and json.loads(out)["run_id"] == run_id


def test_the_progress_line_of_a_gate_that_could_not_run_says_why(capsys) -> None:
    from bmadgen.cli.gates import gate_progress_printer
    from bmadgen.gates.models import GateEvent, GateResult

    show = gate_progress_printer(plain=True)
    detail = "not run: offline (the sandbox has no network)"
    for status, text in (("not_run", detail), ("passed", "")):
        result = GateResult(gate="audit", scope="app", status=status, threshold=0,
                            required=False, detail=text)
        show(GateEvent(kind="finished", gate="audit", result=result))
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"audit: {detail} (0.00s)", "audit: passed (0.00s)"]
