"""The generation API the faces call: generate the app, and list/add/regen/rm/diff slices.

Every writing call renders in memory first, refuses with every problem listed before touching
the tree, merges three ways against the pristine output kept in the manifest, applies the
result atomically and leaves exactly one git commit (none when a conflict is left to resolve:
then it raises `Conflict` naming the files, whose markers show both sides).
"""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bmadgen import appspec, pathguard
from bmadgen.appspec import AppSpec
from bmadgen.errors import Conflict, EnvironmentUnavailable, InvalidInput, NotFound
from bmadgen.generate import context, manifest, migrations, plan, tables, writer
from bmadgen.generate.models import (
    WRITING_ACTIONS,
    FileChange,
    GenerationResult,
    SliceDiff,
    SliceInfo,
)
from bmadgen.generate.stack import RenderedFile, Renderer, load_stack
from bmadgen.models import NextAction

SKELETON = ""


@dataclass
class _Rendered:
    stack: str
    files: dict[str, dict[str, str]]  # owner -> path -> content
    slice_root: str  # the stack's folder of a slice, "{name}" standing for its name


def _load_spec(project: Path) -> AppSpec:
    return appspec.load(pathguard.inside(project, appspec.SPEC_FILENAME, "the project folder"))


def _slice_root(project: Path, slice_root: str, name: str) -> str:
    """The slice's folder, refused when the stack's layout puts it outside the project."""
    root = slice_root.format(name=name)
    pathguard.inside(project, root, "the stack's slice_root (stack.yaml)")
    return root


def _base(project: Path, owner: str, rendered: _Rendered) -> dict[str, str]:
    """The pristine files of `owner`; a slice's manifest may only name files of its folder."""
    base = manifest.load_owner(project, owner) or {}
    if owner != SKELETON:
        root = _slice_root(project, rendered.slice_root, owner) + "/"
        strays = sorted(path for path in base if not path.startswith(root))
        if strays:
            raise InvalidInput(
                f"refusing a path from {manifest.manifest_path(owner)}",
                details=[f"{path!r} is not in the slice folder {root}" for path in strays[:5]],
                hint="restore the file from git (git checkout -- FILE)",
            )
    return base


def _render(spec: AppSpec, owners: list[str], templates_root: Path | None) -> _Rendered:
    """Render the skeleton ('' in owners) and the named slices; every problem, or nothing."""
    problems = context.stack_problems(spec)
    stack = load_stack(spec.stack.name, templates_root)
    renderer = Renderer(stack)
    app = context.app_context(spec)
    features = {f["name"]: f for f in app["features"]}
    files: dict[str, dict[str, str]] = {}
    rendered: list[RenderedFile] = []
    if SKELETON in owners:
        rendered += renderer.skeleton(app)
    for owner in owners:
        if owner != SKELETON:
            rendered += renderer.feature(app, features[owner])
    problems += renderer.problems
    for item in rendered:
        files.setdefault(item.owner, {})[item.path] = item.content
    if problems:
        raise InvalidInput(
            f"cannot generate: {len(problems)} problem{'s' * (len(problems) != 1)}",
            details=problems,
        )
    return _Rendered(stack.name, files, stack.slice_root)


def _revision(
    project: Path, spec: AppSpec, message: str, only: set[str] | None = None
) -> migrations.Revision | None:
    """The migration revision from the last snapshot's tables to `spec`'s (`only` those of
    the named slices), None when they are the same."""
    return migrations.next_revision(project, tables.table_shapes(spec), message, only=only)


def _slice_folder_files(project: Path, root: str) -> list[str]:
    folder = pathguard.inside(project, root, "the stack's slice_root (stack.yaml)")
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(
        p.relative_to(project).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def _run(
    project: Path,
    *,
    rendered: _Rendered,
    owners: list[str],
    removed: list[str],
    message: str,
    dry_run: bool,
    extra_writes: dict[str, str] | None = None,
    force_delete: dict[str, list[str]] | None = None,
    revision: migrations.Revision | None = None,
) -> GenerationResult:
    """Plan every file of `owners` (rendered) and `removed` (no longer generated), then apply;
    `revision`, a new migration revision, is written beside them (never planned or merged)."""
    extra_writes = dict(extra_writes or {})
    if revision is not None:
        extra_writes[revision.path] = revision.content
        extra_writes[migrations.SNAPSHOT] = revision.snapshot
    force_delete = force_delete or {}
    everyone = sorted(set(owners) | set(removed))
    bases = {owner: _base(project, owner, rendered) for owner in everyone}
    news = {owner: rendered.files.get(owner, {}) if owner in owners else {} for owner in everyone}
    new_manifests: dict[str, str | None] = {
        manifest.manifest_path(owner): manifest.dump(rendered.stack, news[owner])
        if owner in owners else None
        for owner in everyone
    }
    # Every path this run may read or touch is checked before any of them is read.
    touched = sorted({path for owner in everyone for path in (*bases[owner], *news[owner])}
                     | {path for paths in force_delete.values() for path in paths}
                     | set(extra_writes) | set(new_manifests))
    problems = plan.unsafe_paths(project, touched)
    if problems:
        raise InvalidInput("cannot write the project", details=problems)
    planned: list[plan.PlannedFile] = []
    for owner in everyone:
        base, new = bases[owner], news[owner]
        for path in sorted(set(base) | set(new)):
            planned.append(
                plan.plan_file(
                    path, owner, new.get(path), base.get(path), plan.read_current(project, path)
                )
            )
    deletes = [p.path for p in planned if p.action == "delete"]
    for owner, paths in force_delete.items():
        for path in paths:
            if path not in deletes:
                deletes.append(path)
                planned = [p for p in planned if p.path != path]
                planned.append(plan.PlannedFile(path, owner, "delete", None))

    merging = [p.path for p in planned if p.action in ("merged", "conflict", "kept")]
    leftovers = plan.unresolved_conflicts(project, merging)
    if leftovers:
        raise Conflict(
            "resolve the conflict markers from the last run first",
            details=leftovers,
            hint="edit the files, remove the <<<<<<< ======= >>>>>>> markers and commit",
        )

    conflicted = sorted(p.path for p in planned if p.action == "conflict")
    if revision is not None:
        planned.append(plan.PlannedFile(revision.path, SKELETON, "create", revision.content))
    result = GenerationResult(
        project_dir=str(project),
        dry_run=dry_run,
        stack=rendered.stack,
        slices=sorted(o for o in owners if o != SKELETON),
        changes=[FileChange(path=p.path, action=p.action, slice=p.owner) for p in planned],
        written=sorted(p.path for p in planned if p.action in WRITING_ACTIONS),
        unchanged=sorted(p.path for p in planned if p.action == "unchanged"),
        conflicted=conflicted,
        deleted=sorted(deletes),
        kept=sorted(p.path for p in planned if p.action == "kept"),
    )
    if dry_run:
        result.summary = _summary(result)
        return result

    transaction = writer.Transaction(project, message, commit=not conflicted)
    for item in planned:
        if item.content is not None:
            transaction.writes[item.path] = item.content
    transaction.writes.update(extra_writes)
    for path, content in new_manifests.items():
        if content is None:
            transaction.deletes.append(path)
        elif plan.read_current(project, path) != content:
            transaction.writes[path] = content
    transaction.deletes += deletes
    transaction.also_commit = [appspec.SPEC_FILENAME]
    if transaction.writes or transaction.deletes:
        result.commit = transaction.apply()
    result.summary = _summary(result)
    if conflicted:
        raise Conflict(
            f"{len(conflicted)} file{'s' * (len(conflicted) != 1)} changed by you and by the "
            "templates in the same lines; both sides are in the file between conflict markers",
            details=conflicted,
            hint="resolve the markers, then commit (git commit -am 'resolve generation conflicts')",
        )
    return result


def _summary(result: GenerationResult) -> str:
    parts = [f"{len(result.written)} written", f"{len(result.unchanged)} unchanged"]
    for label, paths in (("deleted", result.deleted), ("kept as you left them", result.kept),
                         ("in conflict", result.conflicted)):
        if paths:
            parts.append(f"{len(paths)} {label}")
    what = f"{len(result.slices)} slice{'s' * (len(result.slices) != 1)}"
    verb = "would render" if result.dry_run else "rendered"
    commit = f", commit {result.commit[:8]}" if result.commit else ""
    return f"{verb} {what} ({result.stack}): {', '.join(parts)}{commit}"


@contextmanager
def _session(project_dir: Path, dry_run: bool) -> Iterator[Path]:
    """The project folder, locked against a concurrent generation and with any interrupted run
    rolled forward first (a dry run only reads, so it takes neither step).

    Nothing is created here: the lock is taken on the folder itself and the git repository is
    made by the run's commit, so a command refused for any reason leaves no trace."""
    project = Path(project_dir)
    if not project.is_dir():
        raise NotFound(f"no project folder at {project}")
    if dry_run:
        yield project
        return
    if shutil.which("git") is None:
        raise EnvironmentUnavailable("git is not available", hint="install git")
    with writer.locked(project):
        writer.recover(project)
        yield project


def generate_app(
    project_dir: Path, *, dry_run: bool = False, templates_root: Path | None = None
) -> GenerationResult:
    """Generate (or regenerate) the whole app from `<project_dir>/appspec.yaml`."""
    with _session(project_dir, dry_run) as project:
        return _generate_app(project, dry_run, templates_root)


def _generate_app(project: Path, dry_run: bool, templates_root: Path | None) -> GenerationResult:
    spec = _load_spec(project)
    owners = [SKELETON] + [f.name for f in spec.features]
    rendered = _render(spec, owners, templates_root)
    removed = [s for s in manifest.generated_slices(project) if s not in owners]
    return _run(
        project,
        rendered=rendered,
        owners=owners,
        removed=removed,
        message=f"bmadgen: generate {spec.name} ({len(spec.features)} slices, {rendered.stack})",
        dry_run=dry_run,
        revision=_revision(project, spec, "update tables"),
    )


def regen_slice(
    project_dir: Path, name: str, *, dry_run: bool = False, templates_root: Path | None = None
) -> GenerationResult:
    """Regenerate one slice, merging the user's edits; nothing outside the slice changes."""
    with _session(project_dir, dry_run) as project:
        return _regen_slice(project, name, dry_run, templates_root)


def _regen_slice(
    project: Path, name: str, dry_run: bool, templates_root: Path | None
) -> GenerationResult:
    spec = _load_spec(project)
    spec.feature(name)  # NotFound when it is not in the app spec
    # A slice generated for the first time must also be mounted by the skeleton (main.py).
    owners = [name] if manifest.load_owner(project, name) is not None else [SKELETON, name]
    rendered = _render(spec, owners, templates_root)
    return _run(
        project,
        rendered=rendered,
        owners=owners,
        removed=[],
        message=f"bmadgen: regenerate slice {name}",
        dry_run=dry_run,
        revision=_revision(project, spec, f"change slice {name}", {name}),
    )


def _validate_new_slice_name(project: Path, spec: AppSpec, name: str) -> None:
    problems = appspec.new_feature_problems(spec, name, max_len=context.MAX_NAME_LENGTH)
    folder = project / "app" / "features" / name
    # Only a plain name is looked up as a folder ('', '..' and 'a/b' name other places).
    if name.isidentifier() and (folder.exists() or folder.is_symlink()):
        problems.append(f"app/features/{name} already exists in the project")
    if problems:
        raise InvalidInput(f"cannot add slice {name!r}", details=problems)


def add_slice(
    project_dir: Path,
    name: str,
    *,
    entity: str | None = None,
    fields: list[str] | None = None,
    title: str = "",
    dry_run: bool = False,
    templates_root: Path | None = None,
) -> GenerationResult:
    """Add a feature to the app spec and generate its slice (and the skeleton that lists it)."""
    with _session(project_dir, dry_run) as project:
        return _add_slice(project, name, entity, fields, title, dry_run, templates_root)


def _add_slice(
    project: Path,
    name: str,
    entity: str | None,
    fields: list[str] | None,
    title: str,
    dry_run: bool,
    templates_root: Path | None,
) -> GenerationResult:
    spec = _load_spec(project)
    _validate_new_slice_name(project, spec, name)
    new_spec = appspec.with_feature(spec, name, entity=entity, fields=fields, title=title)
    owners = [SKELETON, name]
    rendered = _render(new_spec, owners, templates_root)
    result = _run(
        project,
        rendered=rendered,
        owners=owners,
        removed=[],
        message=f"bmadgen: add slice {name}",
        dry_run=dry_run,
        extra_writes={appspec.SPEC_FILENAME: appspec.dump(new_spec)},
        revision=_revision(project, new_spec, f"add slice {name}", {name}),
    )
    references = appspec.references_from(new_spec, name)
    if references:
        result.summary += "; " + "; ".join(references)
    return result


def remove_slice(
    project_dir: Path,
    name: str,
    *,
    force: bool = False,
    dry_run: bool = False,
    templates_root: Path | None = None,
) -> GenerationResult:
    """Remove a slice from the app spec and the tree. Refuses to drop the user's edits or files
    unless `force`."""
    with _session(project_dir, dry_run) as project:
        return _remove_slice(project, name, force, dry_run, templates_root)


def _remove_slice(
    project: Path, name: str, force: bool, dry_run: bool, templates_root: Path | None
) -> GenerationResult:
    spec = _load_spec(project)
    new_spec = appspec.without_feature(spec, name)
    rendered = _render(new_spec, [SKELETON], templates_root)
    root = load_stack(spec.stack.name, templates_root).slice_root.format(name=name)
    base = manifest.load_owner(project, name) or {}
    on_disk = _slice_folder_files(project, root)
    yours = sorted(
        path for path in on_disk if path not in base or plan.read_current(project, path) != base[path]
    )
    if yours and not force:
        raise Conflict(
            f"slice {name!r} holds {len(yours)} file{'s' * (len(yours) != 1)} you changed or added",
            details=yours,
            hint="see them, then run again with --force to delete them",
            action=NextAction(kind="diff_slice", slice=name),
        )
    return _run(
        project,
        rendered=rendered,
        owners=[SKELETON],
        removed=[name],
        message=f"bmadgen: remove slice {name}",
        dry_run=dry_run,
        extra_writes={appspec.SPEC_FILENAME: appspec.dump(new_spec)},
        force_delete={name: on_disk} if force else None,
        revision=_revision(project, new_spec, f"remove slice {name}", {name}),
    )


def diff_slice(project_dir: Path, name: str, *, templates_root: Path | None = None) -> SliceDiff:
    """What the user changed in a slice against its pristine generated version."""
    project = Path(project_dir)
    spec = _load_spec(project)
    base = manifest.load_owner(project, name)
    if base is None:
        spec.feature(name)
        raise NotFound(f"slice {name!r} has not been generated yet",
                       hint="generate the app first", action=NextAction(kind="generate"))
    stack_name = spec.stack.name
    root = load_stack(stack_name, templates_root).slice_root.format(name=name)
    paths = sorted(set(base) | set(_slice_folder_files(project, root)))
    chunks: list[str] = []
    changed: list[str] = []
    for path in paths:
        before = base.get(path)
        after = plan.read_current(project, path)
        if before == after:
            continue
        changed.append(path)
        chunks.extend(
            difflib.unified_diff(
                (before or "").splitlines(keepends=True),
                (after or "").splitlines(keepends=True),
                fromfile=f"generated/{path}" if before is not None else "/dev/null",
                tofile=path if after is not None else "/dev/null",
            )
        )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in chunks)
    return SliceDiff(name=name, files=changed, diff=text)


def list_slices(project_dir: Path) -> list[SliceInfo]:
    """The app spec's slices with their generation state, plus slices only the tree still has."""
    project = Path(project_dir)
    spec = _load_spec(project)
    out = []
    names = [f.name for f in spec.features]
    for feature in spec.features:
        base = manifest.load_owner(project, feature.name)
        modified = sorted(
            path for path, content in (base or {}).items()
            if plan.read_current(project, path) != content
        )
        out.append(
            SliceInfo(
                name=feature.name,
                title=feature.title or context.pascal(feature.name),
                entities=[e.name for e in feature.entities],
                routes=[context.collection_path(feature, e) for e in feature.entities],
                generated=base is not None,
                files=len(base or {}),
                modified=modified,
            )
        )
    for orphan in manifest.generated_slices(project):
        if orphan not in names:
            base = manifest.load_owner(project, orphan) or {}
            out.append(
                SliceInfo(name=orphan, title="(not in the app spec)", entities=[], routes=[],
                          generated=True, files=len(base), modified=[])
            )
    return out
