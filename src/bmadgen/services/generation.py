"""Generation: the whole app from the app spec, and one feature slice at a time (add, regenerate
with the person's edits merged in, remove, diff against the pristine generated version).

Every function acts on `session.folder()` (the folder holding `appspec.yaml`).
"""

from __future__ import annotations

from bmadgen.appspec import AppSpec
from bmadgen.generate import service as generator
from bmadgen.generate.models import FileChange, GenerationResult, SliceDiff, SliceInfo
from bmadgen.services.session import Session

__all__ = ["AppSpec", "FileChange", "GenerationResult", "SliceDiff", "SliceInfo"]


def generate(session: Session, *, dry_run: bool = False) -> GenerationResult:
    """Generate (or regenerate) the app: one git commit; a dry run only plans."""
    return generator.generate_app(session.folder(), dry_run=dry_run)


def list_slices(session: Session) -> list[SliceInfo]:
    return generator.list_slices(session.folder())


def add_slice(session: Session, name: str, *, entity: str | None = None,
              fields: list[str] | None = None, title: str = "",
              dry_run: bool = False) -> GenerationResult:
    """Add a feature to the app spec and generate its slice. Fields: `name:type[?]`."""
    return generator.add_slice(session.folder(), name, entity=entity, fields=fields, title=title,
                               dry_run=dry_run)


def regen_slice(session: Session, name: str, *, dry_run: bool = False) -> GenerationResult:
    """Regenerate one slice, merging the person's edits; a clash raises Conflict."""
    return generator.regen_slice(session.folder(), name, dry_run=dry_run)


def remove_slice(session: Session, name: str, *, force: bool = False,
                 dry_run: bool = False) -> GenerationResult:
    return generator.remove_slice(session.folder(), name, force=force, dry_run=dry_run)


def diff_slice(session: Session, name: str) -> SliceDiff:
    return generator.diff_slice(session.folder(), name)


def app_spec(session: Session) -> AppSpec:
    """The app spec (`appspec.yaml`) of the app folder, validated as generation reads it (a
    spec that generation would refuse raises with every problem listed)."""
    from bmadgen import appspec

    return appspec.load(session.folder() / appspec.SPEC_FILENAME)
