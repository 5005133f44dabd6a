"""One generic runner for every agent: walk the agent's document template, ask the provider
for each section, and turn what it returns into Markdown.

Headings come from the template (rendered in a sandboxed Jinja environment with strict
undefined, user values passed as variables); bodies come from the provider as data and are
placed verbatim, so `{{ 7*7 }}` typed by a person stays `{{ 7*7 }}` in the document.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from bmadgen.agents.provider import FillContext, Filled, Provider, Table
from bmadgen.definitions import Agent, DocTemplate, Section
from bmadgen.errors import InvalidInput
from bmadgen.plan import Plan, PlannedFeature

SUGGESTION_PREFIX = "Suggestion (from your past projects): "
# feature (slice) name -> sentences from the person's history about it
Notes = Mapping[str, Sequence[str]]


class RenderedSection(BaseModel):
    id: str
    title: str
    level: int
    body: str


class RenderedDocument(BaseModel):
    relpath: str
    title: str
    agent: str
    provider: str
    sections: list[RenderedSection]
    markdown: str


@functools.cache
def _jinja():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def render_title(template_text: str, **variables: Any) -> str:
    """A heading from the template; only the template text is compiled, never user text."""
    return _jinja().from_string(template_text).render(**variables).strip()


def run_agent(agent: Agent, template: DocTemplate, plan: Plan, provider: Provider,
              notes: Notes | None = None) -> RenderedDocument:
    """The document; `notes` (per feature) go before the content of the sections that take
    suggestions, each as a quoted line `> Suggestion (from your past projects): ...`."""
    sections: list[RenderedSection] = []
    root = FillContext(plan=plan)
    _render_sections(template.sections, root, 2, provider, sections, notes or {})
    title = render_title(template.template.output.title, project_title=plan.title)
    lines = [f"# {title}", "",
             (f"<!-- bmadgen {template.template.id} v{template.template.version}: written by the "
             f"{agent.title} ({agent.id}) with the {provider.name} provider. Edit freely: "
             "bmadgen notices the change. -->"), ""]
    for section in sections:
        lines += ["#" * section.level + " " + section.title, ""]
        if section.body:
            lines += [section.body, ""]
    markdown = "\n".join(lines).rstrip("\n") + "\n"
    return RenderedDocument(relpath=template.template.output.filename, title=title,
                            agent=agent.id, provider=provider.name, sections=sections,
                            markdown=markdown)


def _render_sections(sections: list[Section], context: FillContext, level: int,
                     provider: Provider, out: list[RenderedSection], notes: Notes) -> None:
    for section in sections:
        if section.condition and not context.plan.flags.get(section.condition, False):
            continue
        if section.repeatable:
            for index, item in enumerate(_items(section, context), start=1):
                child = FillContext(plan=context.plan, item=item, index=index,
                                    parent=context.item, parent_index=context.index)
                _render_one(section, child, level, provider, out, notes)
        else:
            _render_one(section, context, level, provider, out, notes)


def _items(section: Section, context: FillContext) -> list[Any]:
    if section.repeat_over == "features":
        return list(context.plan.features)
    if section.repeat_over == "stories":
        return list(context.item.stories)
    return []


def _render_one(section: Section, context: FillContext, level: int, provider: Provider,
                out: list[RenderedSection], notes: Notes) -> None:
    title = render_title(section.title, project_title=context.plan.title, item=context.item,
                         index=context.index, parent_index=context.parent_index)
    body = ""
    if section.fill:
        content = check_filled(section, provider.fill(section, context),
                               f"the {provider.name} provider")
        body = to_markdown(section.type or "paragraphs", content)
    if section.suggestions:
        body = "\n\n".join([*suggestion_lines(_feature_of(context), notes), body]).strip()
    out.append(RenderedSection(id=section.id, title=title, level=min(level, 6), body=body))
    _render_sections(section.sections, context, level + 1, provider, out, notes)


def _feature_of(context: FillContext) -> str | None:
    """The feature a section is about: its item (an epic, a slice) or its parent (a story)."""
    for candidate in (context.item, context.parent):
        if isinstance(candidate, PlannedFeature):
            return candidate.name
    return None


def suggestion_lines(feature: str | None, notes: Notes) -> list[str]:
    """Each note on the feature as one quoted line of Markdown (data: collapsed to one line, so
    no note can open a heading, a list or a fence)."""
    if feature is None:
        return []
    return [f"> {SUGGESTION_PREFIX}{_one_line(note)}" for note in notes.get(feature, ())]


def expected_content(section: Section) -> str:
    """What a section's content must be, in words a model can follow."""
    if (section.type or "paragraphs") == "table":
        return 'a table: {"columns": [text, ...], "rows": [[text, ...], ...]}'
    return "text, or a list of text (one item per paragraph or list entry)"


def check_filled(section: Section, content: object, source: str) -> Filled:
    """What a provider (or a client's model) returns is checked before it is written: a model
    may return anything. `source` names who returned it, for the message."""
    kind = section.type or "paragraphs"
    ok = (isinstance(content, Table) if kind == "table" else
          isinstance(content, str) or (isinstance(content, list)
                                        and all(isinstance(i, str) for i in content)))
    if not ok:
        raise InvalidInput(f"{source} returned {type(content).__name__} for section "
                           f"{section.id!r}; expected {expected_content(section)}")
    return content  # type: ignore[return-value]


def to_markdown(kind: str, content: Filled) -> str:
    if isinstance(content, Table):
        return _table(content)
    if kind == "code":
        text = content if isinstance(content, str) else "\n".join(content)
        return f"```text\n{text}\n```"
    items = [content] if isinstance(content, str) else list(content)
    if kind == "bullet-list":
        return "\n".join(f"- {_one_line(i)}" for i in items)
    if kind == "numbered-list":
        return "\n".join(f"{n}. {_one_line(i)}" for n, i in enumerate(items, start=1))
    return "\n\n".join(i.strip() for i in items if i.strip())


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _table(table: Table) -> str:
    lines = ["| " + " | ".join(_cell(c) for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)
