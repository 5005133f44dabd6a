"""CLI commands over the project memory: project, memory, task, state, handoff, export, doctor."""

from __future__ import annotations

import sys

import typer

from bmadgen.cli import common
from bmadgen.cli.common import JSON_OPTION, PROJECT_OPTION

project_app = typer.Typer(help="Create, list, choose and archive projects.", no_args_is_help=True)
memory_app = typer.Typer(
    help="Remember notes and decisions; search them ranked by relevance, importance and recency.",
    no_args_is_help=True,
)
task_app = typer.Typer(help="Track tasks with priority, progress, notes and blockers.",
                       no_args_is_help=True)

IMPORTANCE_HELP = "critical, high, medium or low"


def _add_row(table, *cells: str) -> None:
    """Add cells as plain text: user text such as "[/]" must never be read as rich markup."""
    from rich.text import Text

    table.add_row(*(Text(cell) for cell in cells))


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def register(app: typer.Typer) -> None:
    app.add_typer(project_app, name="project")
    app.add_typer(memory_app, name="memory")
    app.add_typer(task_app, name="task")
    app.command("state")(state)
    app.command("handoff")(handoff)
    app.command("export")(export)
    app.command("doctor")(doctor)


# ---------------------------------------------------------------- project


def _print_project(project, as_json: bool) -> None:
    if as_json:
        common.print_json(project)
        return
    out = common.console()
    out.print(f"[bold]{_esc(project.name)}[/] (id {project.id}, {_esc(project.type)}, "
              f"{project.status})")
    if project.description:
        out.print(project.description, markup=False)
    if project.path:
        out.print(f"folder: {project.path}", markup=False)


@project_app.command("new")
def project_new(
    name: str = typer.Argument(..., help="Project name (up to 200 characters, unique)."),
    type: str = typer.Option("generic", "--type", "-t", help="Project type, e.g. ecommerce, saas."),
    description: str = typer.Option("", "--description", "-d", help="What the project is for."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a project and make it the current one."""
    from bmadgen import projects

    with common.open_store() as store:
        project = projects.create(store, name, type=type, description=description)
    _print_project(project, as_json)


@project_app.command("list")
def project_list(
    all_: bool = typer.Option(False, "--all", help="Include archived projects."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = JSON_OPTION,
) -> None:
    """List projects, most recently updated first."""
    from bmadgen import projects

    with common.open_store() as store:
        page = projects.list_projects(store, include_archived=all_, limit=limit, offset=offset)
    if as_json:
        common.print_json(page)
        return
    from rich.table import Table

    table = Table("id", "name", "type", "status", "updated")
    for p in page.items:
        _add_row(table, str(p.id), p.name, p.type, p.status, common.format_time(p.updated_at))
    common.console().print(table)
    common.console().print(f"{len(page.items)} of {page.total}")


@project_app.command("show")
def project_show(
    ref: str | None = typer.Argument(None, help="Name or id (default: current project)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one project."""
    with common.open_store() as store:
        project = common.current_project(store, ref)
    _print_project(project, as_json)


@project_app.command("use")
def project_use(
    ref: str = typer.Argument(..., help="Name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Make a project the current one (used when no --project and no marker file)."""
    from bmadgen import projects

    with common.open_store() as store:
        project = projects.use(store, ref)
    _print_project(project, as_json)


@project_app.command("update")
def project_update(
    ref: str | None = typer.Argument(None, help="Name or id (default: current project)."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    type: str | None = typer.Option(None, "--type", "-t", help="New type."),
    description: str | None = typer.Option(None, "--description", "-d"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Rename a project or change its type or description."""
    from bmadgen import projects

    with common.open_store() as store:
        current = common.current_project(store, ref)
        project = projects.update(store, current.id, name=name, type=type, description=description)
    _print_project(project, as_json)


@project_app.command("archive")
def project_archive(
    ref: str = typer.Argument(..., help="Name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Archive a project: hidden from `project list`, nothing is deleted."""
    from bmadgen import projects

    with common.open_store() as store:
        project = projects.archive(store, ref)
    _print_project(project, as_json)


# ---------------------------------------------------------------- memory


def _print_memories(page, as_json: bool, *, show_score: bool = False) -> None:
    if as_json:
        common.print_json(page)
        return
    from rich.table import Table

    table = Table("id", "importance", "title", "text", "created")
    if show_score:
        table.add_column("score")
    for m in page.items:
        text = m.content if len(m.content) <= 80 else m.content[:77] + "..."
        row = [str(m.id), m.importance, m.title, text, common.format_time(m.created_at)]
        if show_score:
            row.append(f"{m.score:.3g}" if m.score is not None else "")
        _add_row(table, *row)
    out = common.console()
    out.print(table)
    shown_to = page.offset + len(page.items)
    out.print(f"{page.offset + 1 if page.items else 0}-{shown_to} of {page.total}")


@memory_app.command("add")
def memory_add(
    text: str = typer.Argument(..., help="What to remember (up to 50,000 characters)."),
    title: str = typer.Option("", "--title", help="A short title (up to 500 characters)."),
    importance: str = typer.Option("medium", "--importance", "-i", help=IMPORTANCE_HELP),
    kind: str = typer.Option(
        "note", "--kind", help="note, decision, ... (decisions appear in `bmadgen handoff`)."
    ),
    task: int | None = typer.Option(None, "--task", help="Link to a task id."),
    file: str | None = typer.Option(None, "--file", help="A file this memory is about."),
    lines: str | None = typer.Option(None, "--lines", help="Line range in --file, e.g. 10-25."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Remember a note or a decision in the current project."""
    from bmadgen import memory

    with common.open_store() as store:
        proj = common.current_project(store, project)
        mem = memory.add(store, proj.id, text, title=title, importance=importance, kind=kind,
                         task_id=task, file_path=file, lines=lines)
    if as_json:
        common.print_json(mem)
    else:
        print(f"remembered #{mem.id} in {proj.name}")


@memory_app.command("search")
def memory_search(
    query: str = typer.Argument(..., help="Words to look for; all must match, else any."),
    importance: str | None = typer.Option(None, "--importance", "-i", help=IMPORTANCE_HELP),
    limit: int = typer.Option(10, "--limit", min=1, max=500),
    offset: int = typer.Option(0, "--offset", min=0),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Search memories ranked by relevance (bm25), importance and recency."""
    from bmadgen import memory

    with common.open_store() as store:
        proj = common.current_project(store, project)
        page = memory.search(store, proj.id, query, importance=importance, limit=limit,
                             offset=offset)
    _print_memories(page, as_json, show_score=True)


@memory_app.command("list")
def memory_list(
    importance: str | None = typer.Option(None, "--importance", "-i", help=IMPORTANCE_HELP),
    kind: str | None = typer.Option(None, "--kind", help="note, decision, handoff ..."),
    limit: int = typer.Option(20, "--limit", min=1, max=500),
    offset: int = typer.Option(0, "--offset", min=0),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List memories, newest first."""
    from bmadgen import memory

    with common.open_store() as store:
        proj = common.current_project(store, project)
        page = memory.list_memories(store, proj.id, importance=importance, kind=kind, limit=limit,
                                    offset=offset)
    _print_memories(page, as_json)


@memory_app.command("show")
def memory_show(
    memory_id: int = typer.Argument(..., help="Memory id."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one memory in full."""
    from bmadgen import memory

    with common.open_store() as store:
        proj = common.current_project(store, project)
        mem = memory.get(store, proj.id, memory_id)
    if as_json:
        common.print_json(mem)
        return
    out = common.console()
    out.print(f"[bold]#{mem.id} {_esc(mem.title)}[/] ({mem.importance}, {_esc(mem.kind)}, "
              f"{common.format_time(mem.created_at)})")
    if mem.file_path:
        where = mem.file_path + (f":{mem.line_start}-{mem.line_end}" if mem.line_start else "")
        out.print(f"file: {where}", markup=False)
    if mem.task_id:
        out.print(f"task: {mem.task_id}")
    out.print(mem.content, markup=False)


@memory_app.command("forget")
def memory_forget(
    memory_id: int = typer.Argument(..., help="Memory id."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Delete one memory."""
    from bmadgen import memory

    with common.open_store() as store:
        proj = common.current_project(store, project)
        mem = memory.forget(store, proj.id, memory_id)
    if as_json:
        common.print_json(mem)
    else:
        print(f"forgot #{mem.id}")


# ---------------------------------------------------------------- task


def _print_task(task, as_json: bool) -> None:
    if as_json:
        common.print_json(task)
        return
    out = common.console()
    out.print(f"[bold]#{task.id} {_esc(task.title)}[/] ({task.status}, {task.priority}, "
              f"{task.progress}%)", markup=True)
    if task.description:
        out.print(task.description, markup=False)
    if task.parent_id:
        out.print(f"parent: #{task.parent_id}")
    for blocker in task.open_blockers:
        out.print(f"blocked: {blocker}", markup=False)
    for note in task.notes:
        out.print(f"  {common.format_time(note.created_at)} {note.kind}: {note.text}", markup=False)


@task_app.command("add")
def task_add(
    title: str = typer.Argument(..., help="Task title (up to 500 characters)."),
    description: str = typer.Option("", "--description", "-d"),
    priority: str = typer.Option("medium", "--priority", help="critical, high, medium or low"),
    parent: int | None = typer.Option(None, "--parent", help="Parent task id."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a task to the current project."""
    from bmadgen import tasks

    with common.open_store() as store:
        proj = common.current_project(store, project)
        task = tasks.add(store, proj.id, title, description=description, priority=priority,
                         parent_id=parent)
    if as_json:
        common.print_json(task)
    else:
        print(f"added task #{task.id} ({task.priority})")


@task_app.command("list")
def task_list(
    status: str | None = typer.Option(None, "--status", help="active or completed"),
    priority: str | None = typer.Option(None, "--priority"),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    offset: int = typer.Option(0, "--offset", min=0),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List tasks: active first, by priority."""
    from bmadgen import tasks

    with common.open_store() as store:
        proj = common.current_project(store, project)
        page = tasks.list_tasks(store, proj.id, status=status, priority=priority, limit=limit,
                                offset=offset)
    if as_json:
        common.print_json(page)
        return
    from rich.table import Table

    table = Table("id", "status", "priority", "progress", "title", "blocked")
    for t in page.items:
        _add_row(table, str(t.id), t.status, t.priority, f"{t.progress}%", t.title,
                      "yes" if t.open_blockers else "")
    common.console().print(table)
    common.console().print(f"{len(page.items)} of {page.total}")


@task_app.command("show")
def task_show(
    task_id: int = typer.Argument(...),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a task with its notes and blockers."""
    from bmadgen import tasks

    with common.open_store() as store:
        proj = common.current_project(store, project)
        task = tasks.get(store, proj.id, task_id)
    _print_task(task, as_json)


@task_app.command("update")
def task_update(
    task_id: int = typer.Argument(...),
    progress: int | None = typer.Option(None, "--progress", help="0-100"),
    note: str | None = typer.Option(None, "--note", help="Add a note."),
    blocker: str | None = typer.Option(None, "--blocker", help="Record a blocker."),
    unblock: bool = typer.Option(False, "--unblock", help="Mark the open blockers resolved."),
    priority: str | None = typer.Option(None, "--priority"),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a task's progress or priority, or add a note or a blocker."""
    from bmadgen import tasks

    with common.open_store() as store:
        proj = common.current_project(store, project)
        task = tasks.update(store, proj.id, task_id, progress=progress, note=note, blocker=blocker,
                            resolve_blockers=unblock, priority=priority)
    _print_task(task, as_json)


@task_app.command("done")
def task_done(
    task_id: int = typer.Argument(...),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Mark a task completed."""
    from bmadgen import tasks

    with common.open_store() as store:
        proj = common.current_project(store, project)
        task = tasks.complete(store, proj.id, task_id)
    _print_task(task, as_json)


# ---------------------------------------------------------------- state, handoff, export, doctor


def _task_rows(title: str, items, *, completed: bool = False):
    from rich.table import Table

    table = Table("id", "priority", "progress", "title", "blocked" if not completed else "done",
                  title=title, title_justify="left")
    for t in items:
        last = common.format_time(t.completed_at) if completed else (
            "; ".join(t.open_blockers) if t.open_blockers else "")
        _add_row(table, str(t.id), t.priority, f"{t.progress}%", t.title, last)
    return table


def state(
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Recall a project: active tasks by priority, recently completed, most important memories."""
    from bmadgen import summary

    with common.open_store() as store:
        proj = common.current_project(store, project)
        result = summary.project_state(store, proj)
    if as_json:
        common.print_json(result)
        return
    out = common.console()
    out.print(f"[bold]{_esc(proj.name)}[/] ({_esc(proj.type)}): {result.active_total} active tasks, "
              f"{result.completed_total} completed, {result.memory_total} memories")
    out.print(_task_rows("Active tasks", result.active_tasks))
    out.print(_task_rows("Recently completed", result.recently_completed, completed=True))
    from rich.table import Table

    table = Table("id", "importance", "kind", "title", "text", title="Most important memories",
                  title_justify="left")
    for m in result.important_memories:
        text = m.content if len(m.content) <= 80 else m.content[:77] + "..."
        _add_row(table, str(m.id), m.importance, m.kind, m.title, text)
    out.print(table)


def handoff(
    brief: bool = typer.Option(False, "--brief", help="At most 5 items a section, short lines."),
    record: bool = typer.Option(
        True, "--record/--no-record",
        help="Store the handoff (handoffs table and a 'handoff' memory). --no-record previews.",
    ),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a Markdown handoff: done since the last one, in progress, blocked, critical, decisions."""
    from bmadgen import handoff as handoffs
    from bmadgen import summary

    with common.open_store() as store:
        proj = common.current_project(store, project)
        result = summary.build_handoff(store, proj, brief=brief)
        recorded = handoffs.record(store, proj.id, result.markdown) if record else None
    if as_json:
        common.print_json({"summary": result, "recorded": recorded})
        return
    sys.stdout.write(result.markdown)


def export(
    fmt: str = typer.Option("md", "--format", "-f", help="md or json."),
    output: str | None = typer.Option(
        None, "--output", "-o", help="File to write (atomically); default: standard output."
    ),
    project: str | None = PROJECT_OPTION,
) -> None:
    """Export a project's tasks, memories and handoffs as Markdown or JSON."""
    from pathlib import Path

    from bmadgen import export as exporter

    with common.open_store() as store:
        proj = common.current_project(store, project)
        text = exporter.export_project(store, proj, fmt, Path(output) if output else None)
    if output is None:
        sys.stdout.write(text)
    else:
        print(f"exported {proj.name} to {output}", file=sys.stderr)


def doctor(
    no_docker: bool = typer.Option(False, "--no-docker", help="Skip the Docker engine check."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check Python, the store, git, the Docker engine and which LLM provider keys are set."""
    from bmadgen import doctor as checks

    report = checks.run(docker=not no_docker)
    if as_json:
        common.print_json(report)
    else:
        out = common.console()
        out.print(f"bmadgen {report.bmadgen_version}, Python {report.python}, {report.platform}")
        marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
        for check in report.checks:
            out.print(f"{marks[check.status]} {check.name}: {check.detail}", markup=False)
    if report.exit_code:
        raise typer.Exit(int(report.exit_code))
