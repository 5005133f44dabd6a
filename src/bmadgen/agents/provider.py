"""The provider interface: what fills one section of a document template.

A provider gets the section (with its `instruction`) and a context (the plan derived from the
answers and the project type, plus the item when the section repeats) and returns the
section's content as data - a paragraph, a list of items, or a table. The runner, never the
provider, turns that data into Markdown, so user text is always placed, never interpreted.
It also drafts the app spec, as a typed `AppSpec` that the architecture phase validates and
writes.

The offline provider is the default. The LLM provider (`llm_provider`) implements the same
two methods; it needs to know where it works (the store, the project, the phase and its agent,
the upstream documents), so it is `bind`-ed to a `ProviderScope` by the engine before a phase
runs. Nothing here imports an LLM library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from bmadgen.appspec import AppSpec
from bmadgen.definitions import Section
from bmadgen.errors import EnvironmentUnavailable
from bmadgen.plan import Plan
from bmadgen.store import Store

PROVIDER_ENV = "BMADGEN_PROVIDER"
DEFAULT_PROVIDER = "offline"


class Table(BaseModel):
    columns: list[str]
    rows: list[list[str]]


Filled = str | list[str] | Table


@dataclass(frozen=True)
class FillContext:
    plan: Plan
    item: Any = None
    index: int = 0
    parent: Any = None
    parent_index: int = 0


class Provider(Protocol):
    name: str

    def fill(self, section: Section, context: FillContext) -> Filled:
        """The content of `section` in `context`: text, a list of items, or a table."""
        ...

    def appspec(self, plan: Plan) -> AppSpec:
        """The app spec of the plan's features: the contract generation reads."""
        ...


@dataclass(frozen=True)
class ProviderScope:
    """Where a provider works for one phase run."""

    store: Store
    project_id: int
    folder: Path
    phase: str
    agent: str
    requires: tuple[str, ...] = ()  # the upstream documents the phase reads


# What a face passes instead of a provider name when it has options to give (no cache, a
# token stream): called with the scope of each phase run.
ProviderFactory = Callable[[ProviderScope], Provider]
PROVIDERS = ("offline", "llm")


def get_provider(name: str | None = None) -> Provider:
    """The provider named (or in BMADGEN_PROVIDER), the offline one by default."""
    from bmadgen.settings import get_settings

    settings = get_settings()
    name = name or settings.provider or DEFAULT_PROVIDER
    if name == "offline":
        from bmadgen.agents.offline import OfflineProvider

        return OfflineProvider()
    if name == "llm":
        from bmadgen.agents.llm_provider import LLMProvider

        return LLMProvider(settings)
    raise EnvironmentUnavailable(
        f"provider {name!r} is not available",
        hint=f"providers: {', '.join(PROVIDERS)}; unset {PROVIDER_ENV} to use the offline one",
    )

