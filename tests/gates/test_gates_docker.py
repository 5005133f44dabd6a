"""The gates in a real Docker sandbox: the fixture app passes, a broken copy fails the right gates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bmadgen.errors import EnvironmentUnavailable
from bmadgen.gates.service import run_gates

pytestmark = pytest.mark.docker


def by_label(report) -> dict:
    return {r.label: r for r in report.results}


def test_fixture_app_passes_every_gate_then_reruns_only_the_edited_slice(
    docker_client, store, project, vsa_app: Path
) -> None:
    report = run_gates(store, project, vsa_app, sandbox="docker")
    results = by_label(report)
    assert report.backend == "docker" and report.isolated and report.passed
    not_passed = {k: (r.status, r.detail) for k, r in results.items() if r.status != "passed"}
    assert not_passed == {"audit": ("not_run", "not run: offline (the sandbox has no network)")}
    for slice_name in ("orders", "products"):
        assert results[f"tests[{slice_name}]"].score >= 90  # type: ignore[operator]
        assert results[f"mutation[{slice_name}]"].score >= 85  # type: ignore[operator]
    # An audit that cannot run judges nothing: said once in the notes, every slice PASSes.
    assert {v.verdict for v in report.verdicts} == {"PASS"}
    assert report.notes == ["audit: not run: offline (the sandbox has no network)"]
    assert report.usage["exec_count"] == len(results) - 1 and report.usage["cpu_s"] > 0

    services = vsa_app / "app/features/orders/services.py"
    services.write_text(services.read_text() + "\n\nRUSH_FEE_CENTS = 500\n")
    again = by_label(run_gates(store, project, vsa_app, sandbox="docker"))
    assert again["tests[products]"].cached and again["mutation[products]"].cached
    assert not again["tests[orders]"].cached and not again["mutation[orders]"].cached


def test_broken_copy_fails_the_right_gates_with_the_right_findings(
    docker_client, store, project, broken_app: Path
) -> None:
    report = run_gates(store, project, broken_app, sandbox="docker")
    results = by_label(report)
    assert not report.passed

    arch = results["architecture"]
    assert arch.status == "failed"
    assert [(f.file, "app.features.products.services" in f.message) for f in arch.findings] == [
        ("app/features/orders/services.py", True)]

    types = results["types"]
    assert types.status == "failed"
    [type_error] = types.findings
    assert type_error.file == "app/features/products/services.py"
    assert type_error.rule == "return-value"

    assert results["tests[orders]"].status == "passed", "weak tests still pass and cover"
    weak = results["mutation[orders]"]
    assert weak.status == "failed" and weak.score < 85  # type: ignore[operator]
    assert weak.detail == f"{weak.score:g}% is below the 85% threshold"
    assert any("survived" in f.message for f in weak.findings)

    assert results["lint"].status == "passed" and results["format"].status == "passed"
    verdicts = {v.slice: v for v in report.verdicts}
    assert verdicts["orders"].verdict == verdicts["products"].verdict == "FAIL"
    assert any(reason.startswith("architecture") for reason in verdicts["orders"].reasons)
    assert not any(reason.startswith("architecture") for reason in verdicts["products"].reasons)


def test_auto_prefers_docker(docker_client, store, project, vsa_app: Path) -> None:
    report = run_gates(store, project, vsa_app, gates=["lint"])
    assert (report.backend, report.isolated, report.notes) == ("docker", True, [])


def test_missing_image(docker_client, store, project, vsa_app: Path, monkeypatch) -> None:
    """An engine without the gate image is not "Docker unavailable": the image is not built,
    here is how (an action) and how long it takes."""
    from bmadgen.sandbox.engine import BUILD_TIME

    monkeypatch.setenv("BMADGEN_GATE_IMAGE", "bmadgen/missing:0")
    with pytest.raises(EnvironmentUnavailable, match="bmadgen/missing:0 is not built") as caught:
        run_gates(store, project, vsa_app, gates=["lint"], sandbox="docker")
    assert caught.value.action is not None and caught.value.action.kind == "build_gate_image"
    assert BUILD_TIME in caught.value.one_line()
    fallback = run_gates(store, project, vsa_app, gates=["lint"], sandbox="auto")
    assert fallback.backend == "local" and not fallback.isolated
    assert fallback.notes[0].startswith("the gate image bmadgen/missing:0 is not built on the "
                                        "Docker engine: used the local backend; build it once")
    assert "Docker unavailable" not in fallback.notes[0]
    assert [a.kind for a in fallback.actions] == ["build_gate_image"]


def test_missing_image_at_a_terminal_offers_to_build_it(docker_client, cli, project,
                                                        vsa_app: Path, monkeypatch) -> None:
    import typer

    from bmadgen.cli import gates as cli_gates
    from bmadgen.sandbox.image import ImageInfo
    from bmadgen.services import sandboxes

    monkeypatch.setenv("BMADGEN_GATE_IMAGE", "bmadgen/missing:0")
    monkeypatch.setattr(cli_gates, "_interactive", lambda: True)
    answers: list[bool] = [False, True]
    asked: list[str] = []
    built: list[str] = []

    def confirm(text: str, **_: object) -> bool:
        asked.append(text)
        return answers.pop(0)

    def build(session, **_: object) -> ImageInfo:  # the real build is measured elsewhere
        built.append("built")
        return ImageInfo(name="bmadgen/missing:0", id="0123456789ab", size_mb=547.0,
                         created="", kind="gates")

    monkeypatch.setattr(typer, "confirm", confirm)
    monkeypatch.setattr(sandboxes, "build_image", build)
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--gate", "lint")  # declined
    assert code == 0 and asked == ["Build the gate image now?"] and built == []
    assert "has no gate image" in err and "NOT isolated" in err
    note = next(line for line in err.splitlines() if line.startswith("note: the gate image"))
    assert note.startswith("note: the gate image bmadgen/missing:0 is not built on the Docker "
                           "engine: used the local backend; build it once, offline (")
    assert note.endswith(": bmadgen sandbox image build")
    code, _, err = cli("gate", "run", "-C", str(vsa_app), "--gate", "lint")  # accepted
    assert code == 0 and built == ["built"] and "built bmadgen/missing:0" in err


def test_no_offer_without_a_terminal_or_with_json(docker_client, cli, project, vsa_app: Path,
                                                  monkeypatch) -> None:
    import typer

    monkeypatch.setenv("BMADGEN_GATE_IMAGE", "bmadgen/missing:0")
    monkeypatch.setattr(typer, "confirm", lambda *a, **kw: pytest.fail("asked without a person"))
    code, out, _ = cli("gate", "run", "-C", str(vsa_app), "--gate", "lint", "--json")
    assert code == 0 and json.loads(out)["actions"] == [
        {"kind": "build_gate_image", "phase": None, "slice": None, "run_id": None,
         "project_type": None, "detail": json.loads(out)["actions"][0]["detail"]}]


def test_sandbox_commands(docker_client, cli, small_box) -> None:
    name = small_box.container.name
    code, out, _ = cli("sandbox", "list", "--all", "--json")
    assert code == 0 and name in [s["name"] for s in json.loads(out)]
    code, out, _ = cli("sandbox", "pause", small_box.run_id, "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "paused"
    code, _, err = cli("sandbox", "pause", small_box.run_id)
    assert code == 5 and "is paused, not running" in err
    code, out, _ = cli("sandbox", "resume", small_box.run_id, "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "running"
    code, out, _ = cli("sandbox", "prune", "--json")
    assert name not in json.loads(out)["removed"], "a live run's sandbox is not an orphan"
    code, out, _ = cli("sandbox", "rm", name, "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "removed"
    code, _, err = cli("sandbox", "rm", name)
    assert code == 4 and "no sandbox" in err and "among bmadgen's" in err


@pytest.fixture
def small_box(docker_client, vsa_app: Path):
    from bmadgen.sandbox.docker_backend import DockerSandbox
    from bmadgen.sandbox.tiers import get_tier

    box = DockerSandbox(vsa_app, project="cli", tier=get_tier("free"), client=docker_client)
    yield box
    box.close()


def test_two_gate_runs_at_once_do_not_collide(docker_client, project, vsa_app: Path) -> None:
    import threading

    from bmadgen.store import open_store

    reports: list = []
    errors: list = []

    def run() -> None:
        with open_store() as own_store:  # one connection per run, as two processes would
            try:
                reports.append(run_gates(own_store, project, vsa_app, gates=["lint", "types"],
                                         sandbox="docker", use_cache=True))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r.run_id for r in reports}) == 2
    assert all(r.passed and [x.status for x in r.results] == ["passed", "passed"]
               for r in reports)


SLOW_BUT_CORRECT = '''"""Slow but correct, and cheap: sleeping costs no CPU.

75 s in the tests gate. mutmut's stats run (MUTANT_UNDER_TEST=stats) runs every test once; there
this one sleeps long enough that the whole mutation gate takes about 200 s. It calls no mutated
code, so no mutant runs it.
"""

import os
import time


def test_slow_but_correct() -> None:
    time.sleep(190 if os.environ.get("MUTANT_UNDER_TEST") == "stats" else 75)
'''


@pytest.mark.slow
def test_slow_gates_run_to_the_tiers_timeout_not_the_clients(docker_client, store, project,
                                                              vsa_app: Path) -> None:
    """A 75 s test and a ~200 s mutation run pass: the tier's timeout (600 s on the free tier)
    applies, not the docker client's 60 s socket timeout."""
    (vsa_app / "app/features/products/tests/test_slow.py").write_text(SLOW_BUT_CORRECT)
    report = run_gates(store, project, vsa_app, gates=["tests", "mutation"], slices=["products"],
                       sandbox="docker")
    tests, mutation = report.results
    assert (tests.status, tests.detail) == ("passed", "") and tests.duration_s >= 75
    assert (mutation.status, mutation.detail) == ("passed", "") and mutation.duration_s >= 190
