"""CLI face of the models: `config show|set`, `models`, `keys set|list|rm`, `usage`.

None of these calls a model, so none imports litellm.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from bmadgen.cli import common
from bmadgen.cli.common import JSON_OPTION, PROJECT_OPTION

config_app = typer.Typer(help="Show and change the settings (the config file).",
                         no_args_is_help=True)
keys_app = typer.Typer(help="Provider keys for the LLM provider, encrypted at rest.",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.command("models")(models)
    app.add_typer(keys_app, name="keys")
    app.command("usage")(usage)


@config_app.command("show")
def config_show(as_json: bool = JSON_OPTION) -> None:
    """Every setting, its value and where it comes from (default, file, environment)."""
    from bmadgen.services import config

    with common.session() as session:
        view = config.show(session)
    if as_json:
        common.print_json(view)
        return
    typer.echo(f"config file: {view.file}{'' if view.exists else ' (not created yet)'}")
    width = max(len(s.key) for s in view.settings)
    for item in view.settings:
        typer.echo(f"{item.key:{width}}  {_shown(item.value)}  ({item.source})")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


@config_app.command("set")
def config_set(
    key: str = typer.Argument(..., help="A setting, e.g. llm.default or "
                                        "llm.agents.architect.model."),
    value: str = typer.Argument(..., help="Its value as TOML reads it: 2.5, true, "
                                          "[\"a\", \"b\"], or text."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change one setting in the config file; it is checked before the file is written."""
    from bmadgen.services import config

    with common.session() as session:
        changed = config.set_value(session, key, value)
    if as_json:
        common.print_json(changed)
    else:
        typer.echo(f"{changed.key} = {_shown(changed.value)}")


def models(as_json: bool = JSON_OPTION) -> None:
    """The routing: the model each agent uses, its fallbacks, limits and prices."""
    from bmadgen.services import llm

    with common.session() as session:
        table = llm.routing(session)
    if as_json:
        common.print_json(table)
        return
    from rich.table import Table

    out = Table("agent", "model", "fallbacks", "json", "max out", "temp", "$/M in", "$/M out",
                "priced")
    for r in table.routes:
        out.add_row(r.agent, r.model or "-", ", ".join(r.fallbacks) or "-", r.json_mode or "-",
                    str(r.max_tokens), f"{r.temperature:g}", f"{r.input_per_mtok:g}",
                    f"{r.output_per_mtok:g}", r.priced_by or "-")
    common.console().print(out)
    typer.echo(f"provider: {table.provider}; budget per project ${table.budget_usd:g}; "
               f"unknown prices charged ${table.default_price_per_mtok:g}/M tokens; "
               f"cache {'on' if table.cache else 'off'}; context {table.context_tokens} tokens")
    for r in table.routes:
        if r.problem and r.model:
            typer.echo(f"warning: {r.agent}: {r.problem}", err=True)
    if not table.configured:
        typer.echo("no model configured: the offline provider fills the documents "
                   "(docs/llm.md shows how to add one)")


@keys_app.command("set")
def keys_set(
    provider: str = typer.Argument(..., help="openai, anthropic, gemini, mistral, groq, ..."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Store a provider key, read from a hidden prompt (or standard input when piped)."""
    from bmadgen.services import config

    if sys.stdin.isatty():
        key = typer.prompt(f"{provider} key", hide_input=True)
    else:
        key = sys.stdin.readline()
    with common.session() as session:
        stored = config.set_key(session, provider, key)
    if as_json:
        common.print_json(stored)
    else:
        typer.echo(f"stored the {stored.provider} key ({stored.masked}), encrypted")


@keys_app.command("list")
def keys_list(as_json: bool = JSON_OPTION) -> None:
    """The stored keys (masked) and the provider variables that are set (names only)."""
    from bmadgen.services import config

    with common.session() as session:
        found = config.list_keys(session)
    if as_json:
        common.print_json(found)
        return
    for key in found.keys:
        typer.echo(f"{key.provider:12} {key.masked:14} {key.source}")
    if not found.keys:
        typer.echo("no keys")
    where = ("the OS keyring" if found.storage == "keyring"
             else "a key file (mode 0600) beside the store: no OS keyring works here")
    typer.echo(f"master key: {where}")


@keys_app.command("rm")
def keys_rm(provider: str = typer.Argument(...), as_json: bool = JSON_OPTION) -> None:
    """Remove a stored key."""
    from bmadgen.services import config

    with common.session() as session:
        removed = config.remove_key(session, provider)
    if as_json:
        common.print_json(removed)
    else:
        typer.echo(f"removed the {removed.provider} key")


def usage(
    by: str = typer.Option("agent", "--by", help="Group by agent, phase or model."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Model calls of a project: requests, cache hits, tokens and cost, against its budget."""
    from bmadgen.services import llm

    with common.session(project) as session:
        report = llm.usage(session, by)
    if as_json:
        common.print_json(report)
        return
    from rich.table import Table

    out = Table(by, "calls", "requests", "cached", "refused", "errors", "prompt tok",
                "output tok", "cost $")
    for r in [*report.rows, report.total]:
        out.add_row(r.key, str(r.calls), str(r.requests), str(r.cache_hits), str(r.refused),
                    str(r.errors), str(r.prompt_tokens), str(r.output_tokens),
                    f"{r.cost_usd:.6f}")
    common.console().print(out)
    typer.echo(f"budget ${report.budget_usd:g}; remaining ${report.remaining_usd:.6f}")
    if report.suggested_budgets and all(s.usd is None for s in report.suggested_budgets):
        typer.echo("suggestion (not enforced): suggested budget per phase from past projects: "
                   "no data yet")
        return
    for suggestion in report.suggested_budgets:
        typer.echo(f"suggestion (not enforced): {suggestion.detail}")
