"""The provider interface: what fills one section of a document template.

A provider gets the section (with its `instruction`) and a context (the plan derived from the
answers and the project type, plus the item when the section repeats) and returns the
section's content as data - a paragraph, a list of items, or a table. The runner, never the
provider, turns that data into Markdown, so user text is always placed, never interpreted.
It also drafts the app spec, as a typed `AppSpec` that the architecture phase validates and
writes.

The offline provider is the default. An LLM-backed provider plugs in later by implementing
`fill` and `appspec` and being named in `BMADGEN_PROVIDER`; nothing here imports an LLM
library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from bmadgen.appspec import AppSpec
from bmadgen.definitions import Section
from bmadgen.errors import EnvironmentUnavailable
from bmadgen.plan import Plan

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


def get_provider(name: str | None = None) -> Provider:
    """The provider named (or in BMADGEN_PROVIDER), the offline one by default."""
    from bmadgen.settings import get_settings

    name = name or get_settings().provider or DEFAULT_PROVIDER
    if name == "offline":
        from bmadgen.agents.offline import OfflineProvider

        return OfflineProvider()
    raise EnvironmentUnavailable(
        f"provider {name!r} is not available",
        hint=f"unset {PROVIDER_ENV} to use the offline provider",
    )
