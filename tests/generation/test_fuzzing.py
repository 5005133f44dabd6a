"""Acceptance: schemathesis (`--checks all`) finds no failure in the app generated for any
project type, run live over uvicorn on a SQLite file.

One check is narrowed, for the reasons docs/generation.md gives: `positive_data_acceptance`
also accepts 422 on the operations whose body holds
- a reference (`ref` field) or a link list (`refs` field): no OpenAPI schema can say which
  ids exist, and a reference to a missing row is refused by design;
- an `email` field: JSON Schema's `format: email` admits addresses at reserved names
  (`x@localhost`, `x@a.test`) that email-validator refuses on purpose.
An app that signs people in is fuzzed as its first admin (made by the documented command, its
bearer token on every request), so schemathesis also checks that each operation refuses a
request without it. The accounts operations are narrowed too: register takes an email (as
above) and may meet an email it made before (409), and a made-up sign-in is refused (401).
Sign-out and the role change are left out: they would revoke the run's token or make the run's
admin someone else (the generated app's own tests cover both).
Every other check runs as schemathesis ships it, on every operation."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bmadgen import definitions
from bmadgen.appspec import AppSpec

from .signin import admin_headers
from .test_generated_app import serve
from .test_references import _generated_for

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 5  # per operation and phase: about 30 s an app on two shared CPUs


NARROWED_TYPES = ("ref", "refs", "email")


ACCOUNTS_OPERATIONS = ("register", "token")
LEFT_OUT = ("sign_out", "change_role")  # they would end the run's own admin session


def _narrowed_operations(spec: AppSpec) -> list[str]:
    return [f"{verb}_{entity.name}" for feature in spec.features for entity in feature.entities
            if any(f.type in NARROWED_TYPES for f in entity.fields)
            for verb in ("create", "update", "patch")] + (
        list(ACCOUNTS_OPERATIONS) if spec.auth_enabled else [])


def _config(spec: AppSpec, folder: Path) -> Path:
    lines = []
    operations = _narrowed_operations(spec)
    if operations:
        names = ", ".join(f'"{name}"' for name in operations)
        lines += ["[[operations]]", f"include-operation-id = [{names}]",
                  ('checks.positive_data_acceptance.expected-statuses = '
                   '["2xx", "401", "404", "409", "422"]')]
    path = folder / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.skipif(shutil.which("schemathesis") is None and shutil.which("st") is None,
                    reason="schemathesis is not installed (pip install -e '.[dev]')")
@pytest.mark.parametrize("type_name", definitions.project_type_names())
def test_schemathesis_finds_nothing(type_name: str, tmp_path: Path) -> None:
    project, spec = _generated_for(type_name, tmp_path)
    database = tmp_path / "live.db"
    with serve(project, database) as base:
        headers = admin_headers(project, f"sqlite:///{database}", base)
        assert bool(headers) == spec.auth_enabled
        auth = [f"--header=Authorization: {headers['Authorization']}",
                *(f"--exclude-operation-id={name}" for name in LEFT_OUT)] if headers else []
        tool = shutil.which("schemathesis") or shutil.which("st") or "schemathesis"
        proc = subprocess.run(
            [tool, "--config-file", str(_config(spec, tmp_path)), "run",
             f"{base}/openapi.json", "--checks", "all", "--max-examples", str(MAX_EXAMPLES),
             "--seed", "1", "--no-color", *auth],
            capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
