"""CLI face of generation: `generate` and `slice list|add|regen|rm|diff`."""

from __future__ import annotations

from pathlib import Path

import typer

from bmadgen.cli import common
from bmadgen.cli.common import JSON_OPTION
from bmadgen.errors import ExitCode

slice_app = typer.Typer(
    help="Feature slices of the generated app: list, add, regenerate (merging your edits), "
    "remove, and diff against the pristine generated version.",
    no_args_is_help=True,
)

DIR_OPTION = typer.Option(
    None,
    "--dir",
    "-C",
    help="The project folder (holding appspec.yaml). Default: the current project's folder, "
    "else the working directory.",
)
FIELD_OPTION = typer.Option(
    None,
    "--field",
    "-f",
    help="name:type, repeatable. Types: str text int float bool date datetime enum=a|b "
    "ref=entity refs=entity (links, as tag_ids:refs=tag); a trailing ? makes it optional. "
    "Default: name:str, description:text?",
)
DRY_RUN_OPTION = typer.Option(False, "--dry-run", help="Print the file plan; write nothing.")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
    app.add_typer(slice_app, name="slice")


ACTION_STYLE = {
    "create": "green",
    "update": "cyan",
    "merged": "cyan",
    "conflict": "bold red",
    "delete": "red",
    "kept": "yellow",
    "unchanged": "dim",
}


def _print_result(result, as_json: bool, *, show_unchanged: bool = False) -> None:
    """The plan or what was done; a dry run that would conflict then exits 5, as the run would
    (a run that conflicts raises Conflict in the service, after writing the markers)."""
    if as_json:
        common.print_json(result)
    else:
        from rich.markup import escape

        out = common.console()
        for change in result.changes:
            if change.action == "unchanged" and not show_unchanged:
                continue
            style = ACTION_STYLE.get(change.action, "")
            out.print(f"[{style}]{change.action:>9}[/] {escape(change.path)}")
        out.print(escape(result.summary))
    if result.conflicted:
        count = len(result.conflicted)
        common.err_console().print(
            f"error: {count} file{'s' * (count != 1)} would conflict (changed by you and by the "
            f"templates in the same lines): {', '.join(result.conflicted)}",
            markup=False, soft_wrap=True,
        )
        raise typer.Exit(int(ExitCode.CONFLICT))


def generate(
    project_dir: Path | None = DIR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate the whole app from appspec.yaml (one git commit; --dry-run prints the plan)."""
    from bmadgen.services import generation

    with common.session(folder=project_dir) as session:
        result = generation.generate(session, dry_run=dry_run)
    _print_result(result, as_json, show_unchanged=dry_run)


@slice_app.command("list")
def slice_list(project_dir: Path | None = DIR_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List the slices: entities, routes, and files you changed since generation."""
    from bmadgen.services import generation

    with common.session(folder=project_dir) as session:
        slices = generation.list_slices(session)
    if as_json:
        common.print_json(slices)
        return
    from rich.table import Table

    table = Table("slice", "title", "entities", "routes", "generated", "changed by you")
    for info in slices:
        table.add_row(info.name, info.title, ", ".join(info.entities), ", ".join(info.routes),
                      "yes" if info.generated else "no", str(len(info.modified)))
    common.console().print(table)


@slice_app.command("add")
def slice_add(
    name: str = typer.Argument(..., help="The slice (feature) name: a lowercase identifier."),
    entity: str | None = typer.Option(None, "--entity", help="Its entity. Default: NAME, singular."),
    field: list[str] | None = FIELD_OPTION,
    title: str = typer.Option("", "--title", help="A human title for the slice."),
    project_dir: Path | None = DIR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a slice to the app spec and generate it (one git commit)."""
    from bmadgen.services import generation

    with common.session(folder=project_dir) as session:
        result = generation.add_slice(session, name, entity=entity, fields=field or None,
                                      title=title, dry_run=dry_run)
    _print_result(result, as_json)


@slice_app.command("regen")
def slice_regen(
    name: str = typer.Argument(..., help="The slice to regenerate."),
    project_dir: Path | None = DIR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Regenerate one slice: your edits are merged in; a clash is a reported conflict (exit 5)."""
    from bmadgen.services import generation

    with common.session(folder=project_dir) as session:
        result = generation.regen_slice(session, name, dry_run=dry_run)
    _print_result(result, as_json)


@slice_app.command("rm")
def slice_rm(
    name: str = typer.Argument(..., help="The slice to remove."),
    force: bool = typer.Option(False, "--force", help="Also delete files you changed or added."),
    project_dir: Path | None = DIR_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove a slice from the app spec and the tree (one git commit)."""
    from bmadgen.services import generation

    with common.session(folder=project_dir) as session:
        result = generation.remove_slice(session, name, force=force, dry_run=dry_run)
    _print_result(result, as_json)


@slice_app.command("diff")
def slice_diff(
    name: str = typer.Argument(..., help="The slice to compare."),
    project_dir: Path | None = DIR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show what you changed in a slice against the pristine generated version."""
    from bmadgen.services import generation

    with common.session(folder=project_dir) as session:
        result = generation.diff_slice(session, name)
    if as_json:
        common.print_json(result)
        return
    if not result.files:
        print(f"slice {name}: no changes against the generated version")
        return
    print(result.diff, end="")
