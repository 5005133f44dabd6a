"""Content hashes: a change re-runs only what it can affect."""

from __future__ import annotations

from pathlib import Path

from bmadgen.gates.cache import FileDigests, gate_hash
from bmadgen.gates.stack import gates_for


def hashes(app: Path, toolchain: str = "t1") -> dict[tuple[str, str | None], str]:
    digests = FileDigests(app)
    found = {}
    for spec in gates_for(app):
        for slice_name in ([None] if spec.scope == "app" else ["orders", "products"]):
            found[(spec.name, slice_name)] = gate_hash(spec, slice_name, digests, toolchain)
    return found


def changed(before: dict, after: dict) -> set:
    return {key for key in before if before[key] != after[key]}


def test_editing_one_slice_changes_only_its_slice_gates_and_app_gates(vsa_app: Path) -> None:
    before = hashes(vsa_app)
    services = vsa_app / "app/features/orders/services.py"
    services.write_text(services.read_text() + "\n# a comment\n")
    diff = changed(before, hashes(vsa_app))
    assert ("tests", "orders") in diff and ("mutation", "orders") in diff
    assert ("tests", "products") not in diff and ("mutation", "products") not in diff
    assert ("lint", None) in diff


def test_editing_shared_code_changes_every_slice(vsa_app: Path) -> None:
    before = hashes(vsa_app)
    (vsa_app / "app/shared/settings.py").write_text("X = 1\n")
    diff = changed(before, hashes(vsa_app))
    assert {("tests", "orders"), ("tests", "products")} <= diff


def test_toolchain_and_caches_count_or_not(vsa_app: Path) -> None:
    before = hashes(vsa_app)
    assert changed(before, hashes(vsa_app, toolchain="t2")) == set(before)
    (vsa_app / "app/__pycache__").mkdir(exist_ok=True)
    (vsa_app / "app/__pycache__/x.pyc").write_bytes(b"junk")
    assert changed(before, hashes(vsa_app)) == set(), "caches are not what gates read"
