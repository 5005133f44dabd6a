"""CLI over quality gates (`gate run|list|show|waive`) and sandboxes (`sandbox ...`)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bmadgen.cli import common, wording
from bmadgen.cli.common import JSON_OPTION, PROJECT_OPTION
from bmadgen.errors import ExitCode

gate_app = typer.Typer(help="Run the stack's quality gates in a sandbox; list, show, waive.",
                       no_args_is_help=True)
sandbox_app = typer.Typer(help="Sandboxes that run the gates: list, pause, resume, remove, "
                          "prune orphans, usage; build the gate image.", no_args_is_help=True)
image_app = typer.Typer(help="The gate image (bmadgen never pulls one implicitly).",
                        no_args_is_help=True)

DIR_OPTION = typer.Option(
    None, "--dir", "-C",
    help="The app folder (default: the project's folder, else the working directory).",
)
SLICE_OPTION = typer.Option(None, "--slice", help="Only this slice (repeat).")
GATE_OPTION = typer.Option(None, "--gate", help="Only this gate (repeat).")
JUNIT_OPTION = typer.Option(None, "--junit", help="Also write a JUnit XML report (a file).")
SARIF_OPTION = typer.Option(None, "--sarif", help="Also write a SARIF report (a file).")
CACHE_DIR_OPTION = typer.Option(None, "--cache-dir",
                                help="Where the rootfs and the wheelhouse are kept. Default: "
                                "the BMADGEN_CACHE setting, else /var/cache/bmadgen.")
STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "not_run": "yellow"}
VERDICT_STYLE = {"PASS": "green", "CONCERNS": "yellow", "FAIL": "red", "WAIVED": "magenta"}


def register(app: typer.Typer) -> None:
    app.add_typer(gate_app, name="gate")
    sandbox_app.add_typer(image_app, name="image")
    app.add_typer(sandbox_app, name="sandbox")


# ---------------------------------------------------------------- rendering


def _score(result) -> str:
    return result.score_text


def _note(message: str, action=None) -> str:
    """A note, completed with the command that acts on it."""
    return f"note: {message}" + (f": {wording.command(action)}" if action is not None else "")


def _status_text(result) -> str:
    text = result.status.replace("_", " ")
    if result.waived_by:
        text += f" - waived by {result.waived_by.who}: {result.waived_by.reason}"
    if result.cached:
        text += " (cached)"
    return text


def _print_report(report, *, plain: bool) -> None:
    out = common.console()
    isolation = "isolated" if report.isolated else "NOT ISOLATED"
    header = (f"gate run {report.run_id}: {report.backend} sandbox ({isolation}), tier "
              f"{report.tier}, {report.duration_s:.1f}s")
    if plain:
        print(header)
        for r in report.results:
            print(f"{r.label:<28} {_status_text(r):<20} {_score(r):<22} {r.duration_s:6.2f}s "
                  f"{r.detail}")
            for f in r.findings[:10]:
                where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
                print(f"    {where} {f.rule} {f.message}")
        for v in report.verdicts:
            print(f"{v.slice}: {v.verdict}" + (f" - {'; '.join(v.reasons)}" if v.reasons else ""))
    else:
        from rich.markup import escape
        from rich.table import Table

        out.print(escape(header))
        table = Table("gate", "slice", "status", "score", "time", "findings / detail")
        for r in report.results:
            style = "magenta" if r.waived_by else STATUS_STYLE[r.status]
            shown = [r.detail] if r.detail else []
            for f in r.findings[:5]:
                where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
                shown.append(f"{where} {f.message}".strip())
            if len(r.findings) > 5:
                shown.append(f"... {len(r.findings) - 5} more")
            table.add_row(r.gate, r.slice or "(app)", f"[{style}]{escape(_status_text(r))}[/]",
                          _score(r), f"{r.duration_s:.2f}s", escape("\n".join(shown)))
        out.print(table)
        for v in report.verdicts:
            reasons = f" - {'; '.join(v.reasons)}" if v.reasons else ""
            out.print(f"[bold]{escape(v.slice)}[/]: [{VERDICT_STYLE[v.verdict]}]{v.verdict}[/]"
                      f"{escape(reasons)}")
    for index, note in enumerate(report.notes):
        print(_note(note, report.actions[0] if index == 0 and report.actions else None))
    print("gates passed" if report.passed else "gates FAILED")


def gate_progress_printer(plain: bool):
    out = common.err_console()

    def show(event) -> None:
        if event.kind == "note":
            out.print(_note(event.message, event.action), markup=False, soft_wrap=True)
        elif event.kind == "started" and not plain:
            out.print(f"running {event.gate}" + (f" [{event.slice}]" if event.slice else "")
                      + " ...", markup=False)
        elif event.kind == "finished" and event.result is not None:
            r = event.result
            # A gate that could not run says why on its own line (e.g. the audit offline).
            status = r.detail if r.status == "not_run" and r.detail else _status_text(r)
            out.print(f"{r.label}: {status} ({r.duration_s:.2f}s)", markup=False)

    return show


# ---------------------------------------------------------------- gate


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _offer_image_build(session, sandbox: str | None) -> None:
    """With a person at the terminal and an engine without the gate image: offer to build it
    now rather than fall back to the local backend (not isolated). Declined or failed: the run
    goes on and says where it ran."""
    from bmadgen.errors import BmadgenError
    from bmadgen.services import gates, sandboxes

    action = gates.missing_gate_image(session, sandbox)
    if action is None:
        return
    err = common.err_console()
    err.print(f"The Docker engine answers but has no gate image: without it the gates run on "
              f"the local backend, NOT isolated. ({action.detail})", markup=False,
              soft_wrap=True)
    if not typer.confirm("Build the gate image now?", default=True, err=True):
        return
    try:
        info = sandboxes.build_image(session, say=lambda text: err.print(text, markup=False))
    except BmadgenError as exc:
        err.print(f"error: {wording.error_line(exc)}", markup=False)
        return
    err.print(f"built {info.name} ({info.id}, {info.size_mb:.0f} MB)", markup=False)


@gate_app.command("run")
def gate_run(
    slice_: list[str] | None = SLICE_OPTION,
    gate: list[str] | None = GATE_OPTION,
    sandbox: str | None = typer.Option(None, "--sandbox", help="docker, local or auto (Docker if "
                                       "an engine and the image are there). Default: the "
                                       "BMADGEN_SANDBOX setting, else auto."),
    tier: str | None = typer.Option(None, "--tier", help="free, premium or enterprise limits. "
                                    "Default: the BMADGEN_TIER setting, else free."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Re-run every gate."),
    fail_fast: bool = typer.Option(False, "--fail-fast", help="Stop after the first required "
                                   "gate fails (the rest are reported as not run)."),
    junit: Path | None = JUNIT_OPTION,
    sarif: Path | None = SARIF_OPTION,
    ci: bool = typer.Option(False, "--ci", help="No prompts, plain output, JSON report."),
    app_dir: Path | None = DIR_OPTION,
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the gates; exit 0 only when every required gate passed or is waived, else 8."""
    from bmadgen.services import gates

    as_json = as_json or ci
    with common.session(project, app_dir) as session:
        if not as_json and _interactive():
            _offer_image_build(session, sandbox)
        report = gates.run(
            session, slices=slice_, gates=gate, sandbox=sandbox, tier=tier,
            use_cache=not no_cache, fail_fast=fail_fast,
            progress=None if as_json and not ci else gate_progress_printer(plain=ci),
            junit=junit, sarif=sarif,
        )
    if as_json:
        print(gates.report_json(report))
    else:
        _print_report(report, plain=ci)
    if not report.passed:
        failing = [v.slice for v in report.verdicts if v.verdict == "FAIL"]
        common.err_console().print(
            f"error: required gates failed for: {', '.join(failing)}", markup=False
        )
        raise typer.Exit(int(ExitCode.GATES_FAILED))


@gate_app.command("list")
def gate_list(
    limit: int = typer.Option(20, "--limit", min=1, max=500),
    app_dir: Path | None = DIR_OPTION,
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The stack's gates and the project's recent gate runs."""
    from bmadgen.services import gates

    with common.session(project, app_dir) as session:
        found = gates.overview(session, limit=limit)
    if as_json:
        common.print_json(found)
        return
    specs, runs = found.gates, found.runs
    from rich.table import Table

    out = common.console()
    table = Table("gate", "scope", "threshold", "required", "network", "description")
    for s in specs:
        table.add_row(s.name, s.scope, f"{s.threshold:g}", "yes" if s.required else "no",
                      "yes" if s.needs_network else "no", s.description)
    out.print(table)
    runs_table = Table("run", "started", "backend", "tier", "status", "not passed", "time")
    for r in runs:
        runs_table.add_row(r.run_id, common.format_time(r.started_at),
                           r.backend + ("" if r.isolated else " (not isolated)"), r.tier,
                           r.status, f"{r.failed}/{r.total}",
                           f"{r.duration_s:.1f}s" if r.duration_s is not None else "-")
    out.print(runs_table)


@gate_app.command("show")
def gate_show(
    run: str | None = typer.Argument(None, help="Run id or prefix (default: the latest)."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one gate run's results and verdicts."""
    from bmadgen.services import gates

    with common.session(project) as session:
        report = gates.show(session, run)
    if as_json:
        common.print_json(report)
    else:
        _print_report(report, plain=False)


@gate_app.command("waive")
def gate_waive(
    slice_: str = typer.Argument(..., metavar="SLICE", help="The slice, or 'app' for all."),
    gate: str = typer.Option(..., "--gate", help="The gate to waive."),
    reason: str = typer.Option(..., "--reason", help="Why this failure is acceptable."),
    who: str | None = typer.Option(None, "--by", help="Who waives (default: your login)."),
    app_dir: Path | None = DIR_OPTION,
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Accept a failing gate for a slice; the waiver shows wherever the result does."""
    from bmadgen.services import gates

    with common.session(project, app_dir) as session:
        waiver = gates.waive(session, slice_, gate, reason, who)
    if as_json:
        common.print_json(waiver)
    else:
        print(f"waived {waiver.gate} for {waiver.slice} (by {waiver.who}): {waiver.reason}")


# ---------------------------------------------------------------- sandbox


def _print_sandboxes(items, as_json: bool) -> None:
    if as_json:
        common.print_json(items)
        return
    from rich.table import Table

    table = Table("id", "name", "project", "run", "status", "created", "owner pid")
    for s in items:
        table.add_row(s.id, s.name, s.project, s.run_id, s.status, s.created,
                      str(s.owner_pid or "-"))
    common.console().print(table)


@sandbox_app.command("list")
def sandbox_list(
    all_projects: bool = typer.Option(False, "--all", help="Every project's sandboxes."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The bmadgen sandboxes on the Docker engine."""
    from bmadgen.services import sandboxes

    with common.session(project) as session:
        found = sandboxes.list_sandboxes(session, all_projects=all_projects)
    _print_sandboxes(found, as_json)


@sandbox_app.command("pause")
def sandbox_pause(ref: str = typer.Argument(..., help="Container id, name or run id."),
                  as_json: bool = JSON_OPTION) -> None:
    """Pause a running sandbox (its processes are frozen; it uses no CPU)."""
    from bmadgen.services import sandboxes

    with common.session() as session:
        _print_sandboxes([sandboxes.pause(session, ref)], as_json)


@sandbox_app.command("resume")
def sandbox_resume(ref: str = typer.Argument(..., help="Container id, name or run id."),
                   as_json: bool = JSON_OPTION) -> None:
    """Resume a paused sandbox."""
    from bmadgen.services import sandboxes

    with common.session() as session:
        _print_sandboxes([sandboxes.resume(session, ref)], as_json)


@sandbox_app.command("rm")
def sandbox_rm(ref: str = typer.Argument(..., help="Container id, name or run id."),
               as_json: bool = JSON_OPTION) -> None:
    """Remove a sandbox (killing whatever runs in it)."""
    from bmadgen.services import sandboxes

    with common.session() as session:
        _print_sandboxes([sandboxes.remove(session, ref)], as_json)


@sandbox_app.command("prune")
def sandbox_prune(
    everything: bool = typer.Option(False, "--all", help="Remove every bmadgen sandbox, "
                                    "not only those whose bmadgen process is gone."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove sandboxes left behind by crashed or killed runs."""
    from bmadgen.services import sandboxes

    with common.session() as session:
        removed = sandboxes.prune(session, everything=everything)
    if as_json:
        common.print_json({"removed": removed})
    else:
        print(f"removed {len(removed)} sandbox(es)" + (": " + ", ".join(removed) if removed
                                                        else ""))


@sandbox_app.command("usage")
def sandbox_usage(project: str | None = PROJECT_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Sandbox usage of the project: runs, CPU seconds, peak memory, wall time, execs."""
    from bmadgen.services import gates

    with common.session(project) as session:
        totals = gates.usage(session)
    if as_json:
        common.print_json(totals)
        return
    print(f"{totals.project}: {int(totals.runs)} sandbox run(s), {totals.cpu_s:.1f} CPU s, "
          f"peak {totals.peak_memory_mb:.0f} MB, {totals.wall_s:.1f} s wall, "
          f"{int(totals.exec_count)} execs")


@image_app.command("build")
def image_build(
    offline: bool = typer.Option(True, "--offline/--registry", help="Offline: debootstrap + "
                                 "local wheelhouse, no registry. Registry: FROM python:3.11-slim."),
    cache_dir: Path | None = CACHE_DIR_OPTION,
    tag: str | None = typer.Option(None, "--tag", help="Image name (default "
                                      "bmadgen/gates:latest or BMADGEN_GATE_IMAGE)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Build the gate image (tools + the app's runtime dependencies)."""
    from bmadgen.services import sandboxes

    say = (lambda text: None) if as_json else (lambda text: print(text, flush=True))
    with common.session() as session:
        info = sandboxes.build_image(session, offline=offline, cache_dir=cache_dir, tag=tag,
                                     say=say)
    if as_json:
        common.print_json(info)
    else:
        print(f"built {info.name} ({info.id}, {info.size_mb:.0f} MB)")


@image_app.command("list")
def image_list(as_json: bool = JSON_OPTION) -> None:
    """The bmadgen images on the engine."""
    from bmadgen.services import sandboxes

    with common.session() as session:
        images = sandboxes.list_images(session)
    if as_json:
        common.print_json(images)
        return
    from rich.table import Table

    table = Table("name", "id", "kind", "size MB", "created")
    for i in images:
        table.add_row(i.name, i.id, i.kind, f"{i.size_mb:.0f}", i.created)
    common.console().print(table)
