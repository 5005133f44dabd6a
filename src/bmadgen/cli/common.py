"""What every CLI command shares: the service session, JSON output, consoles, times.

Kept light: rich is imported only when something is rendered for a person.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from bmadgen.services.session import Session

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document instead of a table.")
PROJECT_OPTION = typer.Option(
    None,
    "--project",
    "-p",
    help="Project name or id. Default: the project folder's marker found upwards from the "
    "working directory, else the last project used.",
)


def root_project() -> str | None:
    """`bmadgen --project X ...`: the option given before the subcommand, read from the root
    command's context (no global state: each invocation has its own context)."""
    try:  # typer 0.2x carries its own copy of click
        from typer._click.globals import get_current_context
    except ImportError:  # older typer runs on click itself
        from click import get_current_context  # type: ignore[no-redef]

    ctx = get_current_context(silent=True)
    if ctx is None:
        return None
    value = ctx.find_root().params.get("project")
    return value if isinstance(value, str) and value else None


@contextmanager
def session(project: str | None = None, folder: Path | None = None) -> Iterator[Session]:
    """The service session for one command: `--project` (here or before the subcommand) and
    `--dir` as given; the services resolve the rest by their one rule."""
    from bmadgen.services.session import open_session

    with open_session(project=project or root_project(), folder=folder) as opened:
        yield opened


def to_jsonable(obj: Any) -> Any:
    from bmadgen.models import jsonable

    return jsonable(obj)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def format_time(ts: float | None) -> str:
    if ts is None:
        return "-"
    import datetime as dt

    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")
