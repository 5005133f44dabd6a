"""Generate the Markdown CLI reference from the Typer app itself.

    python -m bmadgen.cli.docs > docs/cli.md
    python -m bmadgen.cli.docs --check docs/cli.md    # CI: exit 1 when it is stale

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


def main(argv: list[str] | None = None) -> int:
    """Print the reference; with `--check FILE`, exit 1 when FILE differs from it (for CI)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bmadgen.cli.docs", description=__doc__)
    parser.add_argument("--check", metavar="FILE",
                        help="compare FILE with the generated reference instead of printing it")
    args = parser.parse_args(argv)
    text = reference()
    if args.check is None:
        sys.stdout.write(text)
        return 0
    from pathlib import Path

    try:
        current = Path(args.check).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot read {args.check}: {exc.strerror}", file=sys.stderr)
        return 1
    if current != text:
        print(f"{args.check} is out of date: run `python -m bmadgen.cli.docs > {args.check}`",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
