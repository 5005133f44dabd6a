"""Nothing on disk or in a test is trusted (issue 15): tests that lie to the gate or outlive it,
links out of the project, secrets outside app/, and optional gates that cannot run.

Each test runs on the local backend (fast) and, where the backends differ, on Docker too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bmadgen.errors import InvalidInput
from bmadgen.gates import records
from bmadgen.gates.service import run_gates

BACKENDS = ["local", pytest.param("docker", marks=pytest.mark.docker)]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    if request.param == "docker":
        request.getfixturevalue("docker_client")  # skip locally, fail in CI, without an engine
    return request.param


def by_label(report) -> dict:
    return {r.label: r for r in report.results}


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


DAEMON_TEST = '''
import os
import time


def test_starts_a_process_that_outlives_the_gate() -> None:
    """Double fork and a session of its own; then plants a failing test in another slice."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            planted = "app/features/products/tests/test_planted.py"
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    with open(planted, "w") as fh:
                        fh.write("def test_planted() -> None:\\n    assert False\\n")
                except OSError:
                    pass
                time.sleep(0.05)
        os._exit(0)
    time.sleep(0.5)  # the planted test is there before this slice's gate ends
'''


def test_a_process_left_by_one_slice_cannot_touch_the_next_gate(backend: str, store, project,
                                                                vsa_app: Path) -> None:
    """It is killed after its gate and named there; the other slice runs on the app as it
    was snapshotted, and what is cached is what the gate read."""
    (vsa_app / "app/features/orders/tests/test_daemon.py").write_text(DAEMON_TEST)
    report = run_gates(store, project, vsa_app, gates=["tests"], sandbox=backend)
    results = by_label(report)
    orders, products = results["tests[orders]"], results["tests[products]"]
    assert products.status == "passed", products.findings
    assert orders.status == "passed"
    assert "left 1 process(es) running after the gate, killed:" in orders.detail
    assert "python" in orders.detail or "pytest" in orders.detail
    again = by_label(run_gates(store, project, vsa_app, gates=["tests"], sandbox=backend))
    assert again["tests[products]"].cached and again["tests[products]"].status == "passed"
    assert not (vsa_app / "app/features/products/tests/test_planted.py").exists()


def test_a_slice_linked_out_of_the_project_is_refused_never_passed(backend: str, store,
                                                                   project, vsa_app: Path,
                                                                   tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    slice_dir = vsa_app / "app/features/orders"
    shutil.move(slice_dir, outside / "orders")
    slice_dir.symlink_to(outside / "orders", target_is_directory=True)
    with pytest.raises(InvalidInput, match="symbolic links") as caught:
        run_gates(store, project, vsa_app, gates=["format", "security", "secrets"],
                  sandbox=backend)
    assert f"app/features/orders -> {outside / 'orders'}" in caught.value.message
    assert records.list_runs(store, project.id) == [], "nothing ran, nothing was recorded"


def test_a_linked_file_is_refused_too(store, project, vsa_app: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.py"
    secret.write_text("X = 1\n")
    (vsa_app / "app/shared/extra.py").symlink_to(secret)
    with pytest.raises(InvalidInput, match="app/shared/extra.py -> "):
        run_gates(store, project, vsa_app, gates=["format"], sandbox="local")


SECRET = "sk-test-4f9a8b7c6d5e4f3a2b1c0d9e"


def test_secrets_are_found_in_the_whole_committed_tree_not_only_app(backend: str, store,
                                                                    project,
                                                                    vsa_app: Path) -> None:
    subprocess.run(["git", "init", "-q", str(vsa_app)], check=True)
    (vsa_app / ".gitignore").write_text(".env\n__pycache__/\n")
    (vsa_app / ".env").write_text(f'API_KEY="{SECRET}"\n')  # ignored: never committed
    (vsa_app / ".bmadgen").mkdir()
    (vsa_app / ".bmadgen/answers.yaml").write_text(f'api_key: "{SECRET}"\n')
    (vsa_app / "app/features/products/examples.py").write_text(
        "from pydantic import Field\n\n"
        f"EXAMPLE = Field(default=\"\", description='api_key = \"{SECRET}\"')\n")
    report = run_gates(store, project, vsa_app, gates=["secrets"], sandbox=backend)
    [secrets] = report.results
    assert secrets.status == "failed"
    assert sorted((f.file, f.line) for f in secrets.findings) == [
        (".bmadgen/answers.yaml", 1), ("app/features/products/examples.py", 3)]


def test_an_optional_gate_whose_tool_is_missing_is_not_run_and_judges_nothing(
        store, project, vsa_app: Path, monkeypatch, tmp_path: Path) -> None:
    from bmadgen.gates import stack

    shipped = (stack.stack_dir("fastapi") / "gates.yaml").read_text()
    (tmp_path / "gates.yaml").write_text(shipped.replace(
        "command: pip-audit --progress-spinner off --format json .",
        "command: no-such-audit-tool --format json .").replace("needs_network: true",
                                                               "needs_network: false"))
    monkeypatch.setattr(stack, "stack_dir", lambda name: tmp_path)
    report = run_gates(store, project, vsa_app, gates=["lint", "audit"], sandbox="local")
    _, audit = report.results
    assert (audit.status, audit.scope, audit.slice) == ("not_run", "app", None)
    assert audit.detail.startswith("not run: not installed (") and "no-such-audit-tool" in \
        audit.detail
    assert {v.slice: (v.verdict, v.reasons) for v in report.verdicts} == {
        "orders": ("PASS", []), "products": ("PASS", [])}
    assert report.passed and f"audit: {audit.detail}" in report.notes


def test_an_offline_audit_is_said_once_and_lowers_no_verdict(store, project, vsa_app: Path,
                                                            monkeypatch) -> None:
    from bmadgen.gates import service

    monkeypatch.setattr(service._Backend, "online", lambda self: False)
    report = run_gates(store, project, vsa_app, gates=["lint", "audit"], sandbox="local")
    [audit] = [r for r in report.results if r.gate == "audit"]
    assert (audit.status, audit.detail) == ("not_run", "not run: offline (no network)")
    assert {v.verdict for v in report.verdicts} == {"PASS"}
    assert report.notes.count("audit: not run: offline (no network)") == 1


def test_listing_a_repository_never_runs_a_command_from_its_config(store, project,
                                                                   vsa_app: Path,
                                                                   tmp_path: Path) -> None:
    """git runs core.fsmonitor's command on `ls-files`: a repository someone else made could
    run anything when its gates are run."""
    planted = tmp_path / "ran"
    subprocess.run(["git", "init", "-q", str(vsa_app)], check=True)
    subprocess.run(["git", "-C", str(vsa_app), "config", "core.fsmonitor",
                    f"touch {planted}; false"], check=True)
    report = run_gates(store, project, vsa_app, gates=["format"], sandbox="local")
    assert report.results[0].status == "passed"
    assert not planted.exists()
