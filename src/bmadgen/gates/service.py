"""Running a project's quality gates: the service the CLI, the workflow and CI call.

`run_gates` plans (gate x slice), serves unchanged results from the cache, runs the rest in one
warm sandbox (created only when something must actually run), parses each tool's output into
findings and a score, and derives a QA verdict per slice. The run and its results are recorded
in the store; the verdicts are returned in the report, and the workflow records them where
people and agents look (`bmadgen.workflow.qa`).

Between gates the sandbox is checked and reset: every process a gate left behind is killed (and
named in its result), and the app copy is put back to the snapshot the results are keyed by.
"""

from __future__ import annotations

import getpass
import hashlib
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bmadgen.errors import BmadgenError, EnvironmentUnavailable, InvalidInput, NotFound
from bmadgen.gates import records
from bmadgen.gates.cache import FileDigests, gate_hash
from bmadgen.gates.models import (
    APP_WIDE,
    GateEvent,
    GateResult,
    GateRunReport,
    GateSpec,
    Waiver,
)
from bmadgen.gates.parsers import MAX_FINDINGS, PARSERS, judge
from bmadgen.gates.stack import discover_slices, gates_for, select
from bmadgen.gates.verdicts import apply_waivers, slice_verdicts
from bmadgen.models import MAX_NOTE, NextAction, Project
from bmadgen.sandbox.base import OUT_DIR, AppSnapshot, ExecResult, Sandbox, some_of
from bmadgen.sandbox.tiers import Tier, get_tier
from bmadgen.store import Store
from bmadgen.validation import choice, clean_text, identifier

SANDBOX_CHOICES = ("auto", "docker", "local")
Progress = Callable[[GateEvent], None]
LOCAL_TOOLS = ("ruff", "mypy", "import-linter", "bandit", "detect-secrets", "pytest",
               "pytest-cov", "coverage", "mutmut", "pip-audit")
NOT_FOUND_EXIT = 127  # sh: the command is not installed


class _Backend:
    """The chosen sandbox kind and its toolchain id; the sandbox itself starts on first use."""

    def __init__(self, kind: str, project_dir: Path, project: Project, tier: Tier, run_id: str,
                 snapshot: AppSnapshot):
        self.kind = kind
        self.project_dir = project_dir
        self.project = project
        self.tier = tier
        self.run_id = run_id
        self.snapshot = snapshot
        self.notes: list[str] = []
        self.actions: list[NextAction] = []
        self.client = None
        self.sandbox: Sandbox | None = None
        if kind == "docker":
            from bmadgen.sandbox import engine

            self.client = engine.connect()
            image = engine.require_image(self.client, engine.image_name())
            self.toolchain = f"docker:{image.id}"
            self.isolated = True
        else:
            self.toolchain = _local_toolchain()
            self.isolated = False
            from bmadgen.sandbox.local_backend import NOT_ISOLATED

            self.notes.append(NOT_ISOLATED)

    def get(self) -> Sandbox:
        if self.sandbox is None:
            if self.kind == "docker":
                from bmadgen.sandbox.docker_backend import DockerSandbox

                self.sandbox = DockerSandbox(
                    self.project_dir, project=self.project.name, tier=self.tier,
                    run_id=self.run_id, client=self.client, snapshot=self.snapshot,
                )
            else:
                from bmadgen.sandbox.local_backend import LocalSandbox

                self.sandbox = LocalSandbox(self.project_dir, project=self.project.name,
                                            tier=self.tier, run_id=self.run_id,
                                            snapshot=self.snapshot)
        return self.sandbox

    def online(self) -> bool:
        """Docker sandboxes never have a network; the local backend has the host's."""
        if self.kind == "docker":
            return False
        try:
            socket.create_connection(("pypi.org", 443), timeout=2).close()
        except OSError:
            return False
        return True


def _local_toolchain() -> str:
    import sys
    from importlib import metadata

    versions = []
    for tool in LOCAL_TOOLS:
        try:
            versions.append(f"{tool}={metadata.version(tool)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{tool}=absent")
    return f"local:py{sys.version_info[0]}.{sys.version_info[1]}:" + ",".join(versions)


def _choose_backend(kind: str, project_dir: Path, project: Project, tier: Tier,
                    run_id: str, snapshot: AppSnapshot) -> _Backend:
    if kind != "auto":
        return _Backend(kind, project_dir, project, tier, run_id, snapshot)
    try:
        return _Backend("docker", project_dir, project, tier, run_id, snapshot)
    except EnvironmentUnavailable as exc:
        backend = _Backend("local", project_dir, project, tier, run_id, snapshot)
        if exc.action is not None and exc.action.kind == "build_gate_image":
            backend.notes.insert(0, f"{exc.message}: used the local backend; {exc.hint}")
            backend.actions.append(exc.action)
        else:
            backend.notes.insert(0, f"Docker unavailable ({exc.message}): used the local backend")
        return backend


def _plan(specs: list[GateSpec], slices: list[str]) -> list[tuple[GateSpec, str | None]]:
    plan: list[tuple[GateSpec, str | None]] = []
    for spec in specs:
        if spec.scope == "app":
            plan.append((spec, None))
        else:
            plan.extend((spec, name) for name in slices)
    return plan


def _result(spec: GateSpec, slice_name: str | None, **fields: object) -> GateResult:
    return GateResult(gate=spec.name, scope=spec.scope, slice=slice_name,
                      threshold=spec.threshold, percent=spec.percent, required=spec.required,
                      **fields)  # type: ignore[arg-type]


def _tool_cache_dir(project: Project, backend: _Backend, spec: GateSpec) -> Path:
    """Where a gate's own incremental cache (e.g. mypy's) is kept between runs, on the host."""
    from bmadgen.store.db import bmadgen_home

    toolchain = hashlib.sha256(backend.toolchain.encode()).hexdigest()[:12]
    return bmadgen_home() / "gate-cache" / f"p{project.id}" / f"{spec.name}-{toolchain}"


def _restore_tool_cache(sandbox: Sandbox, spec: GateSpec, kept: Path) -> None:
    if spec.tool_cache and kept.is_dir():
        try:
            sandbox.push(kept, spec.tool_cache)
        except (BmadgenError, OSError):
            pass  # only an optimisation: another run may be swapping it right now


def _keep_tool_cache(sandbox: Sandbox, spec: GateSpec, kept: Path) -> None:
    """Copy the tool's cache out (through safetar: it is untrusted) and swap it in whole."""
    if not spec.tool_cache:
        return
    fresh = kept.with_name(kept.name + f".new-{uuid.uuid4().hex[:6]}")
    try:
        sandbox.fetch(spec.tool_cache, fresh)
    except BmadgenError:
        shutil.rmtree(fresh, ignore_errors=True)
        return  # a missing or hostile cache is simply not kept
    old = kept.with_name(kept.name + f".old-{uuid.uuid4().hex[:6]}")
    try:
        if kept.exists():
            kept.rename(old)
        fresh.rename(kept)
    except OSError:  # a concurrent run swapped its own copy in first: keep that one
        shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def _leftovers_note(leftovers: list[str]) -> str:
    if not leftovers:
        return ""
    return (f"left {len(leftovers)} process(es) running after the gate, killed: "
            f"{some_of(leftovers, 3)}")


def _with(detail: str, note: str) -> str:
    return "; ".join(part for part in (detail, note) if part)


def _not_installed(spec: GateSpec, slice_name: str | None, done: ExecResult,
                   note: str) -> GateResult | None:
    """The gate's tool is not there (sh's exit 127): not run when the gate is optional."""
    if done.exit_code != NOT_FOUND_EXIT or "not found" not in done.stderr:
        return None
    why = done.stderr.strip().splitlines()[-1][:200]
    if spec.required:
        return _result(spec, slice_name, status="error", duration_s=done.duration_s,
                       detail=_with(f"error: not installed ({why})", note))
    return _result(spec, slice_name, status="not_run", duration_s=done.duration_s,
                   detail=_with(f"not run: not installed ({why})", note))


def _execute(sandbox: Sandbox, spec: GateSpec, slice_name: str | None, tier: Tier,
             tool_cache: Path | None = None, all_slices: list[str] | None = None) -> GateResult:
    out_dir = f"{OUT_DIR}/{spec.name}-{slice_name or APP_WIDE}"
    others = " ".join(s for s in all_slices or [] if s != slice_name)
    command = (spec.command.replace("{slice}", slice_name or "").replace("{out}", out_dir)
               .replace("{other_slices}", others))
    timeout = min(spec.timeout_s, tier.gate_timeout_s)
    sandbox.reset()  # the app exactly as snapshotted, nothing an earlier gate left
    if tool_cache is not None:
        _restore_tool_cache(sandbox, spec, tool_cache)
    done: ExecResult = sandbox.exec(f"rm -rf {out_dir} && mkdir -p {out_dir} || exit 3\n{command}",
                                    timeout_s=timeout)
    note = _leftovers_note(sandbox.sweep())  # before anything is read back out
    if tool_cache is not None and done.outcome == "ok":
        _keep_tool_cache(sandbox, spec, tool_cache)
    if done.outcome != "ok":
        return _result(spec, slice_name, status="error", duration_s=done.duration_s,
                       detail=_with(f"error: {done.outcome}: {done.detail}", note))
    missing = _not_installed(spec, slice_name, done, note)
    if missing is not None:
        return missing
    with tempfile.TemporaryDirectory(prefix="bmadgen-report-") as tmp:
        report = None
        if spec.report:
            try:
                report = sandbox.fetch(out_dir, Path(tmp) / "out")
            except NotFound:
                report = None
        parsed = PARSERS[spec.parser](done.stdout, done.stderr, done.exit_code or 0, report)
    status, score = judge(spec, parsed)
    findings = parsed.findings
    detail = f"error: {parsed.error}" if parsed.error else ""
    if status == "failed" and spec.percent and (score or 0.0) < spec.threshold:
        detail = f"{score or 0.0:g}% is below the {spec.threshold:g}% threshold"
    if len(findings) > MAX_FINDINGS:
        detail = _with(detail, f"{len(findings)} findings, first {MAX_FINDINGS} kept")
        findings = findings[:MAX_FINDINGS]
    return _result(spec, slice_name, status=status, score=score, findings=findings,
                   duration_s=done.duration_s, detail=_with(detail, note))


def _check_dir(project_dir: Path) -> Path:
    folder = Path(project_dir).expanduser().resolve()
    if not folder.is_dir():
        raise NotFound(f"the app folder {folder} does not exist")
    if not (folder / "app").is_dir():
        raise InvalidInput(f"{folder} holds no app/ package: nothing to check",
                           hint="generate the app first, or pass the folder that holds app/")
    return folder


def _choose_slices(all_slices: list[str], wanted: list[str] | None) -> list[str]:
    if not wanted:
        return all_slices
    for name in wanted:
        identifier(name, "slice name")
        if name not in all_slices:
            raise NotFound(f"no slice named {name!r}",
                           hint=f"slices: {', '.join(all_slices) or 'none'}")
    return [s for s in all_slices if s in wanted]


def run_gates(
    store: Store,
    project: Project,
    project_dir: Path,
    *,
    slices: list[str] | None = None,
    gates: list[str] | None = None,
    sandbox: str = "auto",
    tier: str = "free",
    use_cache: bool = True,
    progress: Progress | None = None,
    fail_fast: bool = False,
) -> GateRunReport:
    """Run the stack's gates on the app in `project_dir`; record and return the report."""
    choice(sandbox, "sandbox", SANDBOX_CHOICES)
    tier_spec = get_tier(tier)
    folder = _check_dir(project_dir)
    specs = select(gates_for(folder), gates)
    all_slices = discover_slices(folder)
    chosen = _choose_slices(all_slices, slices)
    snapshot = AppSnapshot(folder)  # what every gate reads; refuses symbolic links
    emit = progress or (lambda event: None)
    run_id = uuid.uuid4().hex[:12]
    backend = _choose_backend(sandbox, folder, project, tier_spec, run_id, snapshot)
    for index, note in enumerate(backend.notes):
        emit(GateEvent(kind="note", message=note,
                       action=backend.actions[0] if index == 0 and backend.actions else None))
    records.close_abandoned_runs(store, project.id)
    records.start_run(store, project.id, run_id, backend.kind, backend.isolated, tier_spec.name)
    started = time.time()
    digests = FileDigests(snapshot)
    results: list[GateResult] = []
    by_key: dict[tuple[str, str | None], GateResult] = {}
    stopped_by = ""
    try:
        for spec, slice_name in _plan(specs, chosen):
            emit(GateEvent(kind="started", gate=spec.name, slice=slice_name))
            content_hash = gate_hash(spec, slice_name, digests, backend.toolchain)
            result = _decide(spec, slice_name, by_key, stopped_by, backend)
            if result is None and use_cache:
                result = records.cached_result(store, project.id, spec, slice_name,
                                               content_hash)
            if result is None:
                kept = _tool_cache_dir(project, backend, spec) if use_cache else None
                result = _execute(backend.get(), spec, slice_name, tier_spec, kept, all_slices)
            result.content_hash = content_hash
            records.save_result(store, project.id, run_id, result)
            results.append(result)
            by_key[(spec.name, slice_name)] = result
            emit(GateEvent(kind="finished", gate=spec.name, slice=slice_name, result=result))
            if fail_fast and not stopped_by and spec.required and result.status in ("failed",
                                                                                     "error"):
                stopped_by = result.label
    except BaseException:
        records.abort_run(store, run_id)
        raise
    finally:
        usage = None
        if backend.sandbox is not None:
            backend.sandbox.close()
            usage = backend.sandbox.usage()
            records.record_usage(store, project.id, run_id, backend.kind, tier_spec.name, usage)
    waivers = records.waivers(store, project.id)
    judged = chosen or [APP_WIDE]  # an app without slices is judged as one unit
    apply_waivers(results, waivers, judged)
    verdicts = slice_verdicts(results, waivers, judged)
    finished = time.time()
    report = GateRunReport(
        run_id=run_id, project=project.name, backend=backend.kind, isolated=backend.isolated,
        tier=tier_spec.name, started_at=started, finished_at=finished,
        duration_s=round(finished - started, 3), results=results, verdicts=verdicts,
        passed=all(v.verdict != "FAIL" for v in verdicts),
        notes=backend.notes + _optional_not_run(results)
        + ([f"stopped after {stopped_by} failed (fail fast)"] if stopped_by else []),
        actions=backend.actions,
        usage=usage.model_dump() if usage else {},
    )
    records.finish_run(store, report, "passed" if report.passed else "failed")
    return report


def _optional_not_run(results: list[GateResult]) -> list[str]:
    """Optional gates that could not run judge nothing: said once, not in every verdict."""
    return [f"{r.label}: {r.detail}" for r in results if r.status == "not_run" and not r.required]


def _decide(spec: GateSpec, slice_name: str | None, by_key: dict[tuple[str, str | None],
            GateResult], stopped_by: str, backend: _Backend) -> GateResult | None:
    """A result that follows without running anything (not run, and why), or None."""
    if stopped_by:
        return _result(spec, slice_name, status="not_run",
                       detail=f"not run: stopped after {stopped_by} failed (fail fast)")
    for need in spec.needs:
        prior = by_key.get((need, slice_name)) or by_key.get((need, None))
        if prior is not None and prior.status != "passed":
            return _result(spec, slice_name, status="not_run",
                           detail=f"not run: needs {prior.label} to pass")
    if spec.needs_network and not backend.online():
        where = "the sandbox has no network" if backend.kind == "docker" else "no network"
        return _result(spec, slice_name, status="not_run", detail=f"not run: offline ({where})")
    return None


def waive(store: Store, project: Project, slice: str, gate: str, reason: str,
          who: str | None = None, *, project_dir: Path | None = None) -> Waiver:
    """Record that a failing gate is accepted for a slice (or for every slice: slice "app")."""
    if slice != APP_WIDE:
        identifier(slice, "slice name")
    identifier(gate, "gate name", max_len=40)
    reason = clean_text(reason, "waiver reason", max_len=MAX_NOTE)
    who = clean_text(who or getpass.getuser(), "waiver author", max_len=200)
    if project_dir is not None:
        folder = Path(project_dir)
        select(gates_for(folder), [gate])
        known = discover_slices(folder)
        if slice != APP_WIDE and known and slice not in known:
            raise NotFound(f"no slice named {slice!r}", hint=f"slices: {', '.join(known)}")
    return records.save_waiver(store, project.id, slice, gate, reason, who)
