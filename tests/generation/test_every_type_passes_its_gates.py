"""Acceptance (issue 12): the app generated for every project type passes every quality gate in
the Docker sandbox, as `bmadgen gate run` runs them: format, lint, slice independence, strict
types, security, secrets, each slice's tests with coverage >= 90% and each slice's mutation
score >= 85%. The audit needs the network, which the sandbox does not have: it is the one gate
that may say "not run", and it judges nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen import definitions
from bmadgen.gates.service import run_gates

from .test_references import _generated_for

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.mark.parametrize("type_name", definitions.project_type_names())
def test_every_gate_passes_for_every_slice(type_name: str, tmp_path: Path, docker_client, store,
                                           project) -> None:
    app, spec = _generated_for(type_name, tmp_path)
    report = run_gates(store, project, app, sandbox="docker")
    results = {r.label: r for r in report.results}
    failed = {label: (r.status, r.detail, [f.message for f in r.findings][:5])
              for label, r in results.items() if r.status != "passed" and label != "audit"}
    assert failed == {}
    assert report.backend == "docker" and report.isolated and report.passed
    # The accounts slice, generated when the app signs people in, is gated like the others.
    slices = [f.name for f in spec.features] + ["accounts"] * spec.auth_enabled
    for name in slices:
        tests = results[f"tests[{name}]"]
        mutation = results[f"mutation[{name}]"]
        assert tests.score is not None and tests.score >= 90, (name, tests.score)
        assert mutation.score is not None and mutation.score >= 85, (name, mutation.score)
    assert {v.verdict for v in report.verdicts} == {"PASS"}
