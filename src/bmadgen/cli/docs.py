"""Generate the Markdown CLI reference from the Typer app itself.

    python -m bmadgen.cli.docs > docs/cli.md

Every command and subcommand registered on the app (including the ones other modules add in
their `register`) gets a section with its exact `--help` text, so the reference cannot drift
from the program. The text is wrapped at a fixed width so the output is the same everywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

WIDTH = 100


def _walk(command: Any, ctx: Any, path: list[str]) -> Iterator[tuple[list[str], Any, Any]]:
    """Depth-first (path, command, context) for the command and everything under it."""
    # Plain click help: in rich mode typer prints boxes to the terminal and returns nothing.
    # These command objects are built fresh by get_command, so changing them is harmless.
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    yield path, command, ctx
    if not hasattr(command, "list_commands"):
        return
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or getattr(sub, "hidden", False):
            continue
        sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True,
                                   terminal_width=WIDTH, max_content_width=WIDTH)
        yield from _walk(sub, sub_ctx, [*path, name])


def _summary(command: Any) -> str:
    text = (getattr(command, "short_help", None) or command.help or "").strip()
    return text.split("\n")[0].split(". ")[0].rstrip(".")


def reference(app: Any | None = None) -> str:
    """The whole reference as Markdown: an index table, then one section a command."""
    import typer.main

    if app is None:
        from bmadgen.cli.app import app as bmadgen_app

        app = bmadgen_app
    root = typer.main.get_command(app)
    ctx = root.make_context("bmadgen", [], resilient_parsing=True, terminal_width=WIDTH,
                            max_content_width=WIDTH)
    entries = list(_walk(root, ctx, ["bmadgen"]))
    out = [
        "# bmadgen CLI reference",
        "",
        "Generated from the program by `python -m bmadgen.cli.docs`; do not edit by hand.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for path, command, _ in entries[1:]:
        anchor = "-".join(path)
        what = _summary(command).replace("|", "\\|")  # a pipe would end the table cell
        out.append(f"| [`{' '.join(path)}`](#{anchor}) | {what} |")
    for path, command, command_ctx in entries:
        out += ["", f'<a id="{"-".join(path)}"></a>', "", f"## `{' '.join(path)}`", "", "```text",
                command.get_help(command_ctx).rstrip(), "```"]
    return "\n".join(out) + "\n"


def main() -> None:
    sys.stdout.write(reference())


if __name__ == "__main__":
    main()
