"""CLI commands over the project memory: project, memory, task, state, handoff, doctor (export
is in cli/share.py, beside the exports of documents and stories)."""

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

# Output for people is plain aligned text, not rich: importing and rendering rich costs ~80 ms,
# a third of the whole `bmadgen memory search` budget (see docs/perf/store.md). Plain text is
# also what scripts grep, and user text can never be read as markup.


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def _table(headers: list[str], rows: list[list[str]], *, flex: int | None = None,
           title: str | None = None) -> str:
    """Aligned columns, one line a row; the `flex` column is cut to fit the terminal."""
    import shutil

    cells = [[_one_line(str(cell)) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    if flex is not None:
        columns = shutil.get_terminal_size((120, 24)).columns
        others = sum(w for i, w in enumerate(widths) if i != flex) + 2 * (len(widths) - 1)
        widths[flex] = min(widths[flex], max(12, columns - others))

    def line(row: list[str]) -> str:
        return "  ".join(_fit(cell, widths[i]).ljust(widths[i]) for i, cell in enumerate(row))

    out = [title] if title else []
    out += [line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in cells] if cells else ["(none)"]
    return "\n".join(text.rstrip() for text in out)


def _say(*lines: str) -> None:
    sys.stdout.write("".join(line + "\n" for line in lines))


def _page_footer(page) -> str:
    first = page.offset + 1 if page.items else 0
    return f"{first}-{page.offset + len(page.items)} of {page.total}"


def _read_stdin(what: str, max_chars: int) -> str:
    """Standard input as text, read no further than a few times `max_chars` (so /dev/zero
    cannot fill the memory); binary input is refused like any other bad text."""
    from bmadgen.errors import InvalidInput

    if sys.stdin is None:
        raise InvalidInput(f"standard input is closed; there is no {what} to read")
    limit = 4 * max_chars  # surrounding space is stripped before the limit applies
    try:
        text = sys.stdin.read(limit + 1)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the {what} on standard input is not valid text") from exc
    if len(text) > limit:
        raise InvalidInput(f"the {what} on standard input is longer than {max_chars:,} "
                           "characters, the limit")
    return text


def register(app: typer.Typer) -> None:
    app.add_typer(project_app, name="project")
    app.add_typer(memory_app, name="memory")
    app.add_typer(task_app, name="task")
    app.command("state")(state)
    app.command("handoff")(handoff)
    app.command("doctor")(doctor)


# ---------------------------------------------------------------- project


def _print_project(project, as_json: bool) -> None:
    if as_json:
        common.print_json(project)
        return
    _say(f"{project.name} (id {project.id}, {project.type}, {project.status})")
    if project.description:
        _say(project.description)
    if project.path:
        _say(f"folder: {project.path}")


@project_app.command("new")
def project_new(
    name: str = typer.Argument(..., help="Project name (up to 200 characters, unique)."),
    type: str = typer.Option("generic", "--type", "-t", help="Project type, e.g. ecommerce, saas."),
    description: str = typer.Option("", "--description", "-d", help="What the project is for."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a project and make it the current one."""
    from bmadgen.services import projects

    with common.session() as session:
        project = projects.create(session, name, type=type, description=description)
    _print_project(project, as_json)


@project_app.command("list")
def project_list(
    all_: bool = typer.Option(False, "--all", help="Include archived projects."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = JSON_OPTION,
) -> None:
    """List projects, most recently updated first."""
    from bmadgen.services import projects

    with common.session() as session:
        page = projects.list_projects(session, include_archived=all_, limit=limit, offset=offset)
    if as_json:
        common.print_json(page)
        return
    rows = [[str(p.id), p.name, p.type, p.status, common.format_time(p.updated_at)]
            for p in page.items]
    _say(_table(["id", "name", "type", "status", "updated"], rows, flex=1), _page_footer(page))


@project_app.command("show")
def project_show(
    ref: str | None = typer.Argument(None, help="Name or id (default: current project)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one project."""
    from bmadgen.services import projects

    with common.session() as session:
        project = projects.show(session, ref)
    _print_project(project, as_json)


@project_app.command("use")
def project_use(
    ref: str = typer.Argument(..., help="Name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Make a project the current one (used when no --project and no marker file)."""
    from bmadgen.services import projects

    with common.session() as session:
        project = projects.use(session, ref)
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
    from bmadgen.services import projects

    with common.session() as session:
        project = projects.update(session, ref, name=name, type=type, description=description)
    _print_project(project, as_json)


@project_app.command("archive")
def project_archive(
    ref: str = typer.Argument(..., help="Name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Archive a project: hidden from `project list`, nothing is deleted."""
    from bmadgen.services import projects

    with common.session() as session:
        project = projects.archive(session, ref)
    _print_project(project, as_json)


# ---------------------------------------------------------------- memory


def _print_memories(page, as_json: bool, *, show_score: bool = False) -> None:
    if as_json:
        common.print_json(page)
        return
    headers = ["id", "importance", "created", "title", "text"]
    rows = []
    for m in page.items:
        rows.append([str(m.id), m.importance, common.format_time(m.created_at),
                     _fit(_one_line(m.title), 40), m.content])
        if show_score:
            rows[-1].insert(1, f"{m.score:.3g}" if m.score is not None else "")
    if show_score:
        headers.insert(1, "score")
    footer = _page_footer(page)
    if getattr(page, "matched", "all") == "any":
        footer += " (no memory has every word; showing those with any)"
    _say(_table(headers, rows, flex=len(headers) - 1), footer)


@memory_app.command("add")
def memory_add(
    text: str = typer.Argument(
        ..., help="What to remember (up to 50,000 characters); - reads it from standard input."
    ),
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
    from bmadgen.services import memory

    if text == "-":
        from bmadgen.models import MAX_MEMORY

        text = _read_stdin("memory text", MAX_MEMORY)
    with common.session(project) as session:
        mem = memory.add(session, text, title=title, importance=importance, kind=kind,
                         task_id=task, file_path=file, lines=lines)
        name = session.project().name
    if as_json:
        common.print_json(mem)
    else:
        print(f"remembered #{mem.id} in {name}")


@memory_app.command("search")
def memory_search(
    query: str = typer.Argument(..., help="Words or a question; memories holding all the words first, "
                               "then fewer."),
    importance: str | None = typer.Option(None, "--importance", "-i", help=IMPORTANCE_HELP),
    limit: int = typer.Option(10, "--limit", min=1, max=500),
    offset: int = typer.Option(0, "--offset", min=0),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Search memories: every match ranked by relevance (bm25, stemmed words), importance and
    recency breaking ties."""
    from bmadgen.services import memory

    with common.session(project) as session:
        page = memory.search(session, query, importance=importance, limit=limit, offset=offset)
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
    from bmadgen.services import memory

    with common.session(project) as session:
        page = memory.list_memories(session, importance=importance, kind=kind, limit=limit,
                                    offset=offset)
    _print_memories(page, as_json)


@memory_app.command("show")
def memory_show(
    memory_id: int = typer.Argument(..., help="Memory id."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one memory in full."""
    from bmadgen.services import memory

    with common.session(project) as session:
        mem = memory.show(session, memory_id)
    if as_json:
        common.print_json(mem)
        return
    _say(f"#{mem.id} {mem.title}".rstrip() + f" ({mem.importance}, {mem.kind}, "
         f"{common.format_time(mem.created_at)})")
    if mem.file_path:
        where = mem.file_path + (f":{mem.line_start}-{mem.line_end}" if mem.line_start else "")
        _say(f"file: {where}")
    if mem.task_id:
        _say(f"task: #{mem.task_id}")
    _say("", mem.content)


@memory_app.command("forget")
def memory_forget(
    memory_id: int = typer.Argument(..., help="Memory id."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Delete one memory."""
    from bmadgen.services import memory

    with common.session(project) as session:
        mem = memory.forget(session, memory_id)
    if as_json:
        common.print_json(mem)
    else:
        print(f"forgot #{mem.id}")


# ---------------------------------------------------------------- task


def _print_task(task, as_json: bool) -> None:
    if as_json:
        common.print_json(task)
        return
    _say(f"#{task.id} {task.title} ({task.status}, {task.priority}, {task.progress}%)")
    if task.description:
        _say(task.description)
    if task.parent_id:
        _say(f"parent: #{task.parent_id}")
    for blocker in task.open_blockers:
        _say(f"blocked: {blocker}")
    for note in task.notes:
        _say(f"  {common.format_time(note.created_at)} {note.kind}: {_one_line(note.text)}")


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
    from bmadgen.services import tasks

    with common.session(project) as session:
        task = tasks.add(session, title, description=description, priority=priority,
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
    from bmadgen.services import tasks

    with common.session(project) as session:
        page = tasks.list_tasks(session, status=status, priority=priority, limit=limit,
                                offset=offset)
    if as_json:
        common.print_json(page)
        return
    rows = [[str(t.id), t.status, t.priority, f"{t.progress}%", "yes" if t.open_blockers else "",
             t.title] for t in page.items]
    _say(_table(["id", "status", "priority", "progress", "blocked", "title"], rows, flex=5),
         _page_footer(page))


@task_app.command("show")
def task_show(
    task_id: int = typer.Argument(...),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a task with its notes and blockers."""
    from bmadgen.services import tasks

    with common.session(project) as session:
        task = tasks.show(session, task_id)
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
    from bmadgen.services import tasks

    with common.session(project) as session:
        task = tasks.update(session, task_id, progress=progress, note=note, blocker=blocker,
                            unblock=unblock, priority=priority)
    _print_task(task, as_json)


@task_app.command("done")
def task_done(
    task_id: int = typer.Argument(...),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Mark a task completed."""
    from bmadgen.services import tasks

    with common.session(project) as session:
        task = tasks.complete(session, task_id)
    _print_task(task, as_json)


# ---------------------------------------------------------------- state, handoff, doctor


def _task_table(title: str, items, *, completed: bool = False) -> str:
    rows = []
    for t in items:
        last = common.format_time(t.completed_at) if completed else "; ".join(t.open_blockers)
        rows.append([str(t.id), t.priority, f"{t.progress}%", _fit(_one_line(t.title), 60), last])
    last_header = "completed" if completed else "blocked by"
    return _table(["id", "priority", "progress", "title", last_header], rows, flex=4,
                  title=title)


def state(
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Recall a project: active tasks by priority, recently completed, most important memories."""
    from bmadgen.services import recall

    with common.session(project) as session:
        result = recall.state(session)
        proj = session.project()
    if as_json:
        common.print_json(result)
        return
    memories = [[str(m.id), m.importance, m.kind, _fit(_one_line(m.title), 40), m.content]
                for m in result.important_memories]
    _say(f"{proj.name} ({proj.type}): {result.active_total} active tasks, "
         f"{result.completed_total} completed, {result.memory_total} memories", "",
         _task_table("Active tasks", result.active_tasks), "",
         _task_table("Recently completed", result.recently_completed, completed=True), "",
         _table(["id", "importance", "kind", "title", "text"], memories, flex=4,
                title="Most important memories"))


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
    from bmadgen.services import recall

    with common.session(project) as session:
        result = recall.handoff(session, brief=brief, record=record)
    if as_json:
        common.print_json(result)
        return
    sys.stdout.write(result.summary.markdown)


def doctor(
    no_docker: bool = typer.Option(False, "--no-docker", help="Skip the Docker engine check."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check Python, the store, git, the Docker engine and which LLM provider keys are set."""
    from bmadgen.services import doctor as checks

    with common.session() as session:
        report = checks.check(session, docker=not no_docker)
    if as_json:
        common.print_json(report)
    else:
        marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
        _say(f"bmadgen {report.bmadgen_version}, Python {report.python}, {report.platform}",
             *(f"{marks[c.status]} {c.name}: {c.detail}" for c in report.checks))
    if report.exit_code:
        raise typer.Exit(int(report.exit_code))
