"""Content hashes that key gate results, so an unchanged slice is not checked again.

A gate's hash covers everything its answer depends on: the files it reads (for a slice gate,
that slice plus everything outside app/features/, i.e. shared code, main, configuration; for an
app gate, the whole app), the gate's own declaration, and the toolchain that runs it. The files
are hashed from the very snapshot that is copied into the sandbox, and the sandbox is put back
to that snapshot before every gate, so a result is keyed by exactly what its gate read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from bmadgen.gates.models import GateSpec
from bmadgen.sandbox.base import AppSnapshot

FEATURES = ("app", "features")


class FileDigests:
    """The digest of every app file, computed once per run and shared by every gate."""

    def __init__(self, app: Path | AppSnapshot):
        snapshot = app if isinstance(app, AppSnapshot) else AppSnapshot(app)
        self.by_path: dict[PurePosixPath, str] = {
            PurePosixPath(path): digest for path, digest in snapshot.digests().items()
        }

    def slice_of(self, path: PurePosixPath) -> str | None:
        parts = path.parts
        if len(parts) > 3 and parts[:2] == FEATURES:
            return parts[2]
        return None

    def reads(self, slice_name: str | None) -> list[tuple[str, str]]:
        """(path, digest) of the files a gate of this scope reads, sorted."""
        chosen: list[tuple[PurePosixPath, str]]
        if slice_name is None:
            chosen = list(self.by_path.items())
        else:
            chosen = [
                (p, d) for p, d in self.by_path.items()
                if self.slice_of(p) in (None, slice_name)
            ]
        return sorted((str(p), d) for p, d in chosen)


def gate_hash(spec: GateSpec, slice_name: str | None, files: FileDigests, toolchain: str) -> str:
    h = hashlib.sha256()
    h.update(spec.model_dump_json().encode())
    h.update(f"\0{slice_name or ''}\0{toolchain}\0".encode())
    for path, digest in files.reads(slice_name):
        h.update(f"{path}\0{digest}\n".encode())
    return h.hexdigest()
