"""What every CLI command shares: opening the store, finding the project, printing results.

Kept light: rich is imported only when something is rendered for a person.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from bmadgen.store import Store

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document instead of a table.")
PROJECT_OPTION = typer.Option(
    None,
    "--project",
    "-p",
    help="Project name or id. Default: the project folder's marker found upwards from the "
    "working directory, else the last project used.",
)


class State:
    """Options given before the subcommand (`bmadgen --project X memory list`)."""

    project: str | None = None


state = State()


@contextmanager
def open_store() -> Iterator[Store]:
    from bmadgen.store import open_store as _open

    store = _open()
    try:
        yield store
    finally:
        store.close()


def current_project(store: Store, explicit: str | None):
    from bmadgen import projects

    return projects.resolve_current(store, explicit or state.project)


def to_jsonable(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, list | tuple):
        return [to_jsonable(o) for o in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    return obj


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
