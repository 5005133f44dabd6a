"""The LLM provider: each section drafted by the phase's agent through the gateway.

A section's prompt is the agent's persona, the section's instruction, the project's facts
(the answers, and the feature or story when the section repeats) and the context the step
needs within its budget (`context`). Text sections stream to the face as they are written;
list sections come back as JSON validated by pydantic. The runner places what comes back as
data: a heading or a fence the model writes is escaped here, template syntax stays text.

Sections that carry the plan's facts (tables, code, the stories' acceptance criteria, the
prototype's file list) are filled from the plan as the offline provider fills them: every
document and checklist agrees on the FR ids, entities and endpoints they hold.

The app spec is drafted in stages a small model can follow: the entities of each feature
first, then each entity's fields, where a reference may only name an entity already drafted
(the JSON schema's enum says so, so a schema-constrained server cannot get it wrong). It is
then validated by the app spec model with its cross-reference checks.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from bmadgen import appspec as appspec_mod
from bmadgen import definitions
from bmadgen.agents import context as context_mod
from bmadgen.agents.offline import OfflineProvider
from bmadgen.agents.provider import FillContext, Filled, ProviderScope
from bmadgen.appspec import AppSpec, EntitySpec, FeatureSpec, FieldSpec
from bmadgen.definitions import Section
from bmadgen.errors import InvalidInput
from bmadgen.plan import Plan, PlannedFeature
from bmadgen.settings import Settings

FACT_TYPES = ("table", "code", "template-text")
FACT_FILLS = ("prototype_files",)
MAX_ITEMS = 4
ITEM_CHARS = 80  # a list item is cut at three times this
NAME_PATTERN = r"^[a-z][a-z0-9_]{1,30}$"
FIELD_TYPES = ("str", "text", "int", "float", "bool", "date", "datetime")
_HEADING = re.compile(r"^(\s{0,3})(#{1,6}\s)", re.MULTILINE)
_FENCE_LINE = re.compile(r"^(\s{0,3})(```|~~~)", re.MULTILINE)
_WRAPPED = re.compile(r"^\s*```[\w-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


class _Entity(BaseModel):
    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=1, max_length=60)


class Entities(BaseModel):
    entities: list[_Entity] = Field(min_length=1, max_length=2)


def placed_text(text: str) -> str:
    """Model text made safe to place in a Markdown section: a fence wrapping the whole answer
    is unwrapped, headings and fences inside it are escaped (so no section appears that the
    template did not make). Template syntax is left as it is: the runner never renders it."""
    wrapped = _WRAPPED.match(text)
    if wrapped:
        text = wrapped.group(1)
    text = _HEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    text = _FENCE_LINE.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return text.strip()


class LLMProvider:
    name = "llm"

    def __init__(self, settings: Settings, *, use_cache: bool = True,
                 on_token: Any = None, gateway: Any = None):
        self.settings = settings
        self.use_cache = use_cache
        self.on_token = on_token
        self.gateway = gateway
        self.scope: ProviderScope | None = None
        self.offline = OfflineProvider()

    def bind(self, scope: ProviderScope) -> LLMProvider:
        from bmadgen.llm.gateway import Gateway

        bound = LLMProvider(self.settings, use_cache=self.use_cache, on_token=self.on_token,
                            gateway=self.gateway)
        bound.scope = scope
        if bound.gateway is None:
            bound.gateway = Gateway(config=self.settings.llm, store=scope.store,
                                    home=self.settings.data_home(),
                                    environment_keys=self.settings.provider_keys,
                                    use_cache=self.use_cache, on_token=self.on_token)
        if not self.settings.llm.chain(scope.agent):
            raise InvalidInput(f"the llm provider has no model for the {scope.agent} agent",
                               hint="set llm.default in the config file (docs/llm.md), or use "
                                    "the offline provider")
        return bound

    # ------------------------------------------------------------ sections

    def fill(self, section: Section, context: FillContext) -> Filled:
        if section.type in FACT_TYPES or section.fill in FACT_FILLS or self.scope is None:
            return self.offline.fill(section, context)
        kind = section.type or "paragraphs"
        messages, budget_context = self._messages(section, context, kind)
        listed = kind in ("bullet-list", "numbered-list")
        call = self._call(messages, purpose=f"section {section.id}", context=budget_context)
        return self._drafted(call, section, listed)

    def _drafted(self, call: Any, section: Section, listed: bool) -> list[str]:
        """The section's paragraphs or items, from plain text (streamed as it is written):
        a list is one item per line. An empty answer gets the repairs, then fails."""
        from dataclasses import replace

        from bmadgen.llm.gateway import ModelOutputInvalid

        for attempt in range(1 + self.settings.llm.repairs):
            reply = self.gateway.text(call)
            parts = _items(reply.content) if listed else _paragraphs(reply.content)
            if parts:
                return parts
            call = replace(call, messages=[
                *call.messages, {"role": "assistant", "content": reply.content},
                {"role": "user", "content": "That answer was empty. Write the section now."}],
                purpose=f"section {section.id} (repair {attempt + 1})")
        raise ModelOutputInvalid(f"the model wrote nothing for section {section.id!r}",
                                 hint="nothing was written; try again or pick a stronger model")

    def _persona(self) -> str:
        assert self.scope is not None
        agent = definitions.agent(self.scope.agent)
        persona = agent.persona
        return (f"You are {agent.name}, the {agent.title}: {persona.get('role', '')}. "
                f"Style: {persona.get('style', '')}. Focus: {persona.get('focus', '')}.")

    def _messages(self, section: Section, context: FillContext,
                  kind: str) -> tuple[list[dict[str, str]], context_mod.Context]:
        assert self.scope is not None
        plan = context.plan
        facts = [(f"Project: {plan.title} ({plan.project_type.title}). "
                 f"{plan.answer('vision', 'summary', '')}")]
        facts += _answer_lines(section, plan)
        if context.item is not None:
            facts.append(_item_line(context.item))
        query = " ".join([section.title, section.instruction, _item_line(context.item)
                          if context.item is not None else ""])
        ctx = self.context_for(query)
        shape = ("Write one or two short paragraphs of plain text, no headings."
                 if kind == "paragraphs" else
                 f"Write 2 to {MAX_ITEMS} short items, one per line, each starting with '- '.")
        user = (f"Write the section '{_plain_title(section.title)}'. {section.instruction}\n"
                f"{shape}\n\nFacts:\n" + "\n".join(f"- {f}" for f in facts if f))
        if ctx.text:
            user += f"\n\nContext from earlier documents and the project memory:\n{ctx.text}"
        return [{"role": "system", "content": self._persona()},
                {"role": "user", "content": user}], ctx

    def context_for(self, query: str) -> context_mod.Context:
        assert self.scope is not None
        scope = self.scope
        budget = self.settings.llm.context_tokens
        pieces = context_mod.upstream_pieces(scope.folder, scope.requires)
        flow = definitions.workflow()
        later = flow.phases[flow.index(scope.phase):]
        own = frozenset(f"{p.title} decision" for p in later)
        memories = context_mod.memories_for(scope.store, scope.project_id, query, own)
        return context_mod.build(query, pieces, memories, budget,
                                 context_mod.whole_tokens(scope.folder, scope.requires))

    def _call(self, messages: list[dict[str, str]], *, purpose: str,
              context: context_mod.Context | None = None, max_tokens: int | None = None) -> Any:
        from bmadgen.llm.gateway import Call

        assert self.scope is not None
        return Call(agent=self.scope.agent, messages=messages, purpose=purpose,
                    phase=self.scope.phase, project_id=self.scope.project_id,
                    max_tokens=max_tokens,
                    context_budget=context.budget if context else 0,
                    context_tokens=context.tokens if context else 0)

    # ------------------------------------------------------------ the app spec

    def appspec(self, plan: Plan) -> AppSpec:
        if self.scope is None:
            return self.offline.appspec(plan)
        drafted: dict[str, list[_Entity]] = {}
        taken: set[str] = set()
        for feature in plan.features:
            drafted[feature.name] = self._entities(plan, feature, taken)
            taken |= {e.name for e in drafted[feature.name]}
        known = sorted(taken)
        features = []
        for feature in plan.features:
            entities = [self._fields(plan, feature, entity, known)
                        for entity in drafted[feature.name]]
            features.append(FeatureSpec(
                name=feature.name, title=feature.title, description=feature.description,
                requirements=feature.requirement_ids, entities=entities,
                endpoints=PlannedFeature(name=feature.name, title=feature.title,
                                         description=feature.description, entities=entities,
                                         events=[], stories=[]).endpoints(),
                events=[]))
        spec = AppSpec(name=plan.slug, title=plan.title,
                       description=plan.answer("vision", "summary", ""),
                       stack=plan.appspec_stack(), features=features)
        appspec_mod.parse(spec.model_dump(mode="json"), "the app spec drafted by the model")
        return spec

    def _entities(self, plan: Plan, feature: PlannedFeature, taken: set[str]) -> list[_Entity]:
        stories = "; ".join(s.story.requirement for s in feature.stories)
        hint = ", ".join(e.name for e in feature.entities)
        user = (f"Feature '{feature.title}' of {plan.title}: {feature.description} "
                f"Requirements: {stories}. Name the data entities this feature stores "
                f"(1 or 2; lowercase snake_case names, e.g. {hint}). "
                + (f"These names are taken by other features: {', '.join(sorted(taken))}."
                   if taken else ""))
        messages = [{"role": "system", "content": self._persona()},
                    {"role": "user", "content": user}]

        def check(value: Entities) -> list[str]:
            problems = []
            names = [e.name for e in value.entities]
            for index, name in enumerate(names):
                where = f"entities.{index}.name"
                if name in taken:
                    problems.append(f"{where}: {name!r} is already an entity of another "
                                    "feature")
                elif names.index(name) != index:
                    problems.append(f"{where}: {name!r} is named twice")
                elif name in appspec_mod.RESERVED_SLICE_NAMES:
                    problems.append(f"{where}: {name!r} is reserved")
            return problems

        found = self.gateway.structured(
            self._call(messages, purpose=f"app spec entities of {feature.name}",
                       max_tokens=80), Entities, check=check)
        return list(found.entities)

    def _fields(self, plan: Plan, feature: PlannedFeature, entity: _Entity,
                known: list[str]) -> EntitySpec:
        others = [n for n in known if n != entity.name]
        fields_model = _fields_model(others)
        user = (f"Entity '{entity.name}' ({entity.title}) of the feature '{feature.title}' in "
                f"{plan.title}: {feature.description} List its fields (1 to 4; lowercase "
                "snake_case names; not id, created_at or updated_at) with a type: "
                f"{', '.join(FIELD_TYPES)}."
                + (f" A field may reference one of these entities: {', '.join(others)}."
                   if others else ""))
        messages = [{"role": "system", "content": self._persona()},
                    {"role": "user", "content": user}]
        found = self.gateway.structured(
            self._call(messages, purpose=f"app spec fields of {entity.name}", max_tokens=160),
            fields_model, check=_field_problems)
        return EntitySpec(name=entity.name, title=entity.title,
                          fields=_to_fields(found.model_dump()))


def _fields_model(refs: list[str]) -> type[BaseModel]:
    """The fields answer: plain fields with a type, and references whose target must be one of
    `refs` (an enum in the schema)."""
    from pydantic import create_model

    plain = create_model("PlainField", name=(str, Field(pattern=NAME_PATTERN)),
                         type=(Literal[FIELD_TYPES], ...))
    members: dict[str, Any] = {"fields": (list[plain], Field(min_length=1, max_length=4))}  # type: ignore[valid-type]
    if refs:
        target = Literal[tuple(refs)]  # type: ignore[valid-type]
        ref = create_model("RefField", name=(str, Field(pattern=NAME_PATTERN)),
                           entity=(target, ...))
        members["references"] = (list[ref], Field(default_factory=list, max_length=2))  # type: ignore[valid-type]
    return create_model("Fields", **members)


def _to_fields(data: dict[str, Any]) -> list[FieldSpec]:
    out = [FieldSpec(name=f["name"], type=f["type"]) for f in data["fields"]]
    out += [FieldSpec(name=r["name"], type="ref", ref=r["entity"])
            for r in data.get("references", [])]
    return out


def _field_problems(value: BaseModel) -> list[str]:
    data = value.model_dump()
    names = [f["name"] for f in data["fields"]] + [r["name"] for r in data.get("references", [])]
    problems = []
    for index, name in enumerate(names):
        if name in appspec_mod.RESERVED_FIELD_NAMES:
            problems.append(f"fields.{index}.name: {name!r} is reserved")
        elif names.index(name) != index:
            problems.append(f"fields.{index}.name: {name!r} is named twice")
    if not problems:
        try:
            _to_fields(data)
        except ValueError as exc:
            problems.append(str(exc).splitlines()[0])
    return problems


_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)])\s+")


def _items(text: str) -> list[str]:
    """List items from a model's text: one per line, bullets and numbers taken off."""
    items = []
    for line in placed_text(text).splitlines():
        item = _BULLET.sub("", line).strip()
        if item:
            items.append(item[:ITEM_CHARS * 3])
    return items[:MAX_ITEMS + 2]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", placed_text(text)) if p.strip()]


def _plain_title(title: str) -> str:
    return re.sub(r"\{\{.*?\}\}", "", title).strip(" :")


def _item_line(item: Any) -> str:
    if isinstance(item, PlannedFeature):
        return f"Feature: {item.title}: {item.description}"
    story = getattr(item, "story", None)
    if story is not None:
        return f"Story: {story.title}: as a {story.role}, {story.goal}"
    return ""


def _answer_lines(section: Section, plan: Plan) -> list[str]:
    """The answers a section is about (its own question first), then the vision's."""
    lines = []
    if section.fill and section.fill.startswith("answer:"):
        phase, _, key = section.fill.removeprefix("answer:").partition(".")
        lines.append(f"{phase}.{key}: {_shown(plan.answer(phase, key))}")
    for key in ("problem", "users", "goals"):
        value = plan.answer("vision", key)
        if value and f"vision.{key}" not in (section.fill or ""):
            lines.append(f"vision.{key}: {_shown(value)}")
    return lines


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
