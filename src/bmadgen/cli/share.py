"""CLI commands for sharing: export (memory, documents, stories), preview, insights."""

from __future__ import annotations

import sys

import typer

from bmadgen.cli import common
from bmadgen.cli.common import JSON_OPTION, PROJECT_OPTION

OUTPUT_HELP = "File to write (atomically, whole or not at all); default: standard output."

export_app = typer.Typer(
    help=(
        "Export a project. Without a subcommand: its tasks, memories and handoffs as Markdown "
        "or JSON. `export docs`: the brief, PRD, front-end spec, architecture and stories as "
        "one document (md, html, pdf). `export stories`: the epics and stories for GitHub "
        "Issues, Jira or Linear. Nothing is sent anywhere; keys and secrets are never exported."
    ),
    invoke_without_command=True,
)


def _output_option() -> str | None:
    return typer.Option(None, "--output", "-o", help=OUTPUT_HELP)


def _written(what: str, output: str | None, text: str | None) -> None:
    if output is None:
        sys.stdout.write(text or "")
    else:
        print(f"exported {what} to {output}", file=sys.stderr)


@export_app.callback()
def export(
    ctx: typer.Context,
    fmt: str = typer.Option("md", "--format", "-f", help="md or json."),
    output: str | None = _output_option(),
    project: str | None = PROJECT_OPTION,
) -> None:
    """Export a project's tasks, memories and handoffs as Markdown or JSON."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"project": project}
        return
    from pathlib import Path

    from bmadgen.services import recall

    with common.session(project) as session:
        result = recall.export(session, fmt, Path(output) if output else None)
    _written(result.project.name, output, result.text)


def _project(ctx: typer.Context, project: str | None) -> str | None:
    parent = ctx.obj.get("project") if isinstance(ctx.obj, dict) else None
    return project or parent


@export_app.command("docs")
def export_docs(
    ctx: typer.Context,
    fmt: str = typer.Option("md", "--format", "-f", help="md, html (one self-contained file) "
                            "or pdf (needs --output and Chromium)."),
    output: str | None = _output_option(),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The brief, PRD, front-end spec, architecture and stories as one document with a table
    of contents, in phase order."""
    from pathlib import Path

    from bmadgen.services import exports

    with common.session(_project(ctx, project)) as session:
        result = exports.export_docs(session, fmt, Path(output) if output else None)
    if as_json:
        common.print_json(result)
        return
    _written(f"{len(result.documents)} documents of {result.project}", output, result.text)


@export_app.command("stories")
def export_stories(
    ctx: typer.Context,
    fmt: str = typer.Option(..., "--format", "-f", help="github (a JSON list of issues for "
                            "the REST API or gh), jira-csv or linear-csv."),
    output: str | None = _output_option(),
    project: str | None = PROJECT_OPTION,
) -> None:
    """The PRD's epics and stories, with their acceptance criteria, in a tracker's import
    format: one issue (row) per story, labelled with its epic."""
    from pathlib import Path

    from bmadgen.services import exports

    with common.session(_project(ctx, project)) as session:
        result = exports.export_stories(session, fmt, Path(output) if output else None)
    _written(f"{result.stories} stories of {result.project}", output, result.text)


def _can_open_browser() -> bool:
    """A browser is opened only for a person at a terminal with a display."""
    import os

    if not sys.stdout.isatty():
        return False
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def preview(
    port: int | None = typer.Option(None, "--port", help="Port on 127.0.0.1; default: a free "
                                    "one. A port in use is replaced by a free one."),
    no_open: bool = typer.Option(False, "--no-open", help="Do not open a browser."),
    app_: bool = typer.Option(False, "--app", help="Run the generated application (uvicorn) "
                              "instead of the prototype."),
    shots: bool = typer.Option(False, "--shots", help="Write a PNG of every prototype page to "
                               "prototype/shots/ with headless Chromium, then exit."),
    project: str | None = PROJECT_OPTION,
) -> None:
    """Serve the HTML prototype on 127.0.0.1 and reload open pages when it is regenerated;
    Ctrl-C stops it."""
    from bmadgen.services import preview as previews

    with common.session(project) as session:
        if shots:
            taken = previews.screenshots(session)
            for shot in taken.shots:
                print(shot.path)
            print(f"{len(taken.shots)} screenshots in {taken.folder}", file=sys.stderr)
            return
        if app_:
            import signal

            def _stop(_signum: int, _frame: object) -> None:
                raise KeyboardInterrupt  # SIGTERM ends the application too, as Ctrl-C does

            signal.signal(signal.SIGTERM, _stop)
            process, started = previews.start_app(session, port)
            try:
                _announce(started.url, started.note, "the application", no_open)
                raise typer.Exit(process.wait())
            except KeyboardInterrupt:
                return
            finally:
                if process.poll() is None:
                    process.terminate()
                    process.wait(timeout=10)
        server, info = previews.serve_prototype(session, port)
    _announce(info.url, info.note, f"{info.folder} ({len(info.pages)} pages)", no_open)
    import threading

    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _announce(url: str, note: str, what: str, no_open: bool) -> None:
    if note:
        print(f"note: {note}", file=sys.stderr)
    print(url, flush=True)
    print(f"serving {what} at {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if not no_open and _can_open_browser():
        import webbrowser

        webbrowser.open(url)


def _minutes(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def insights(as_json: bool = JSON_OPTION) -> None:
    """What your own projects say: types and stacks, recurring features, the gates that fail
    most and on which slices, mutation scores, time per phase, rollbacks, LLM cost."""
    from bmadgen.services import insights as service

    with common.session() as session:
        found = service.insights(session)
    if as_json:
        common.print_json(found)
        return
    none = "(no data yet)"

    def counts(items) -> str:
        return ", ".join(f"{c.name} ({c.count})" for c in items) or none

    lines = [f"{found.projects} projects in this store", "",
             f"types: {counts(found.types)}", f"stacks: {counts(found.stacks)}",
             "recurring features: " + (", ".join(
                 f"{r.feature} ({len(r.projects)}: {', '.join(r.projects)})"
                 for r in found.recurring_features) or none), "", "gates failing most:"]
    lines += [f"  {g.gate}[{g.slice or 'app'}]: {g.failures} of {g.results} results failed "
              f"({', '.join(g.projects)})" for g in found.gate_failures] or [f"  {none}"]
    lines += ["", "mutation scores over time:"]
    lines += [f"  {common.format_time(m.at)}  {m.project} {m.slice or 'app'}: {m.score:g}%"
              for m in found.mutation_scores] or [f"  {none}"]
    lines += ["", "time per phase (median, start to approval):"]
    lines += [f"  {p.phase}: {_minutes(p.median_s)} over {p.projects} projects"
              for p in found.phase_times] or [f"  {none}"]
    lines += ["", f"phases rolled back most: {counts(found.rollbacks)}", ""]
    if found.cost.available:
        lines.append(f"LLM cost: ${found.cost.total_usd:.2f} in total; by phase: " + ", ".join(
            f"{c.name} ${c.cost_usd:.2f}" for c in found.cost.by_phase))
    else:
        lines.append(f"LLM cost and budget use: {found.cost.note}")
    lines.append("suggested budget per phase (median of past projects' LLM spend): " + (
        ", ".join(f"{b.phase} ${b.median_usd:.2f} ({b.projects} projects)"
                  for b in found.budgets.by_phase) or found.budgets.note))
    if found.suggestions:
        lines += ["", "suggestions (from your history, not rules):"]
        lines += [f"  - {s.detail}" for s in found.suggestions]
    sys.stdout.write("\n".join(lines) + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.command("preview")(preview)
    app.command("insights")(insights)
