"""Models at work: the LLM provider for a run, drafting a project's answers from an idea, the
routing table, and the usage (tokens, cost, cache hits) of a project.

Nothing here imports litellm: the gateway does, on the first call that reaches a model, so
`bmadgen models` and `bmadgen usage` stay as fast as any other command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from bmadgen import definitions
from bmadgen.agents.provider import Provider, ProviderFactory, ProviderScope
from bmadgen.errors import InvalidInput
from bmadgen.llm import prices
from bmadgen.llm.gateway import Call, Gateway
from bmadgen.llmconfig import AGENTS
from bmadgen.services.session import Session
from bmadgen.share.insights import Suggestion, phase_budget_suggestions

OnToken = Callable[[str], None]
OnStart = Callable[[str, str], None]  # (agent, purpose) of the text about to stream
UsageBy = Literal["agent", "phase", "model"]
IDEA_MAX = 4000
Item = Annotated[str, Field(min_length=2, max_length=60)]  # one item of a list answer


def gateway(session: Session, *, use_cache: bool = True,
            on_token: OnToken | None = None, on_start: OnStart | None = None) -> Gateway:
    settings = session.settings
    return Gateway(config=settings.llm, store=session.store, home=settings.data_home(),
                   environment_keys=settings.provider_keys, use_cache=use_cache,
                   on_token=on_token,
                   on_start=None if on_start is None
                   else (lambda call: on_start(call.agent, call.purpose)))


def provider_factory(session: Session, name: str | None = None, *, use_cache: bool = True,
                     on_token: OnToken | None = None,
                     on_start: OnStart | None = None) -> ProviderFactory | str | None:
    """What the workflow should fill documents with: the provider `name` (or the settings'),
    made with these options when it is the LLM provider. `on_token` receives the model's text
    as it arrives; `on_start` is told which agent writes what (e.g. "section problem") before
    each piece of text."""
    from bmadgen.agents.provider import PROVIDERS

    chosen = name or session.settings.provider
    if chosen not in PROVIDERS:
        raise InvalidInput(f"unknown provider {chosen!r}",
                           hint=f"providers: {', '.join(PROVIDERS)}")
    if chosen != "llm":
        return chosen
    if not session.settings.llm.configured:
        raise InvalidInput("the llm provider has no model configured",
                           hint="set llm.default in the config file (docs/llm.md), e.g. "
                                "bmadgen config set llm.default gpt-4o-mini")
    shared: dict[str, Gateway] = {}

    def make(scope: ProviderScope) -> Provider:
        from bmadgen.agents.llm_provider import LLMProvider

        if "gateway" not in shared:
            shared["gateway"] = gateway(session, use_cache=use_cache, on_token=on_token,
                                        on_start=on_start)
        return LLMProvider(session.settings, gateway=shared["gateway"]).bind(scope)

    return make


# ------------------------------------------------------------------ from an idea


class IdeaDraft(BaseModel):
    type: str
    answers: dict[str, dict[str, Any]]
    text: str  # the answers as an answers file
    calls: list[int] = []  # accounting rows of the drafting, claimed by the project


def _question_field(question: Any, ptype: Any) -> tuple[Any, Any]:
    choices = question.choices or (ptype.choices(question.choices_from)
                                   if question.choices_from else None)
    if question.type in ("choice",) and choices:
        return Literal[tuple(choices)], ...
    if question.type == "multichoice" and choices:
        return list[Literal[tuple(choices)]], Field(min_length=1)  # type: ignore[misc]
    if question.type == "list":
        if not question.required:
            return list[Item], Field(default_factory=list, max_length=2)
        return list[Item], Field(min_length=1, max_length=3)
    if question.type == "color":
        return str, Field(pattern=r"^#[0-9a-fA-F]{6}$")
    return str, Field(min_length=3, max_length=120)


def idea_model(session: Session) -> str:
    """The model the analyst drafts answers from an idea with ("" when none is configured:
    then a project is created from the gallery of types)."""
    return session.settings.llm.model_for("analyst")


def draft_answers(session: Session, idea: str, type: str | None = None, *,
                  use_cache: bool = True, on_token: OnToken | None = None) -> IdeaDraft:
    """The analyst turns `idea` into the answers (proposing the project type when none is
    given), validated as an answers file is."""
    from bmadgen.workflow import answers as answers_mod

    idea = " ".join(idea.split())
    if not idea:
        raise InvalidInput("the idea is empty", hint="describe it in a sentence or a paragraph")
    if len(idea) > IDEA_MAX:
        raise InvalidInput(f"the idea is {len(idea)} characters; at most {IDEA_MAX}")
    gw = gateway(session, use_cache=use_cache, on_token=None)
    if type is None:
        names = definitions.project_type_names()
        kinds = "; ".join(f"{n}: {definitions.project_type(n).description}" for n in names)
        choice = create_model("TypeChoice", type=(Literal[tuple(names)], ...))
        found = gw.structured(Call(agent="analyst", purpose="the project type",
                                   max_tokens=30, messages=[
                                       {"role": "user", "content":
                                        f"Idea: {idea}\nWhich project type fits best? "
                                        f"Types: {kinds}"}]), choice)
        type = str(found.type)  # type: ignore[attr-defined]
    ptype = definitions.project_type(type)
    drafted: dict[str, dict[str, Any]] = {}
    for phase, questions in answers_mod.phase_questions().items():
        fields: dict[str, Any] = {q.key: _question_field(q, ptype) for q in questions}
        model: Any = create_model(f"{phase.title()}Answers", **fields)
        asked = "\n".join(f"- {q.key}: {q.prompt}" for q in questions)
        found = gw.structured(Call(agent="analyst", purpose=f"the {phase} answers",
                                   max_tokens=450, messages=[
                                       {"role": "user", "content":
                                        f"Idea for a {ptype.title} project: {idea}\n"
                                        f"Answer these questions about it, briefly:\n{asked}"}]),
                              model)
        # a list answer holds each item once (a schema cannot make a small model do that)
        drafted[phase] = {key: list(dict.fromkeys(value)) if isinstance(value, list) else value
                          for key, value in found.model_dump(mode="json").items()}
    text = answers_mod.dump(drafted)
    checked = answers_mod.parse_text(text, ptype, source="the answers drafted from the idea")
    return IdeaDraft(type=ptype.id, answers=checked, text=answers_mod.dump(checked),
                     calls=list(gw.row_ids))


def check_answers_text(text: str, type: str) -> IdeaDraft:
    """Answers a person edited after the draft, checked as an answers file."""
    from bmadgen.workflow import answers as answers_mod

    ptype = definitions.project_type(type)
    checked = answers_mod.parse_text(text, ptype, source="the edited answers")
    return IdeaDraft(type=ptype.id, answers=checked, text=answers_mod.dump(checked))


# ------------------------------------------------------------------ routing


class Route(BaseModel):
    agent: str
    model: str  # the name routed to ("" when none is configured)
    litellm_model: str
    api_base: str
    json_mode: str
    fallbacks: list[str]
    temperature: float
    max_tokens: int
    input_per_mtok: float
    output_per_mtok: float
    priced_by: str
    problem: str = ""


class Routing(BaseModel):
    provider: str
    configured: bool
    budget_usd: float
    default_price_per_mtok: float
    cache: bool
    context_tokens: int
    routes: list[Route]


def routing(session: Session) -> Routing:
    from bmadgen.llm.structured import json_mode

    config = session.settings.llm
    routes = []
    for agent in AGENTS:
        chain = config.chain(agent)
        route = config.route(agent)
        if not chain:
            routes.append(Route(agent=agent, model="", litellm_model="", api_base="",
                                json_mode="", fallbacks=[], temperature=config.temperature,
                                max_tokens=config.max_tokens, input_per_mtok=0,
                                output_per_mtok=0, priced_by="", problem="no model"))
            continue
        entry = chain[0]
        inp, out, source = prices.price(config, entry)
        routes.append(Route(
            agent=agent, model=entry.name, litellm_model=entry.model, api_base=entry.api_base,
            json_mode=json_mode(entry), fallbacks=[e.name for e in chain[1:]],
            temperature=route.temperature if route.temperature is not None
            else config.temperature,
            max_tokens=route.max_tokens or config.max_tokens,
            input_per_mtok=round(inp * 1e6, 6), output_per_mtok=round(out * 1e6, 6),
            priced_by=source,
            problem=next((p for p in (prices.unknown_model(config, e.name) for e in chain)
                          if p), "")))
    return Routing(provider=session.settings.provider, configured=config.configured,
                   budget_usd=config.budget_usd, default_price_per_mtok=config.default_price,
                   cache=config.cache, context_tokens=config.context_tokens, routes=routes)


# ------------------------------------------------------------------ usage


class UsageRow(BaseModel):
    key: str
    calls: int
    requests: int  # calls that reached a server (not cached, not refused)
    cache_hits: int
    refused: int
    errors: int
    prompt_tokens: int
    output_tokens: int
    cost_usd: float


class Usage(BaseModel):
    project: str
    by: str
    rows: list[UsageRow]
    total: UsageRow
    budget_usd: float
    remaining_usd: float
    # per phase, from the other projects' spend ("no data yet" without any): never enforced
    suggested_budgets: list[Suggestion] = []


_USAGE_SQL = """
SELECT {key} AS key, count(*) AS calls,
       sum(cache_hit = 0 AND outcome NOT IN ('refused')) AS requests,
       sum(cache_hit) AS cache_hits, sum(outcome = 'refused') AS refused,
       sum(outcome = 'error') AS errors, sum(prompt_tokens) AS prompt_tokens,
       sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
FROM llm_calls WHERE project_id = ? {group}
"""
_KEYS = {"agent": "agent", "phase": "phase",
         "model": "CASE WHEN model_used != '' THEN model_used ELSE model END"}


def usage(session: Session, by: str = "agent") -> Usage:
    if by not in _KEYS:
        raise InvalidInput(f"cannot group usage by {by!r}", hint="agent, phase or model")
    project = session.project()
    key = _KEYS[by]
    rows = session.store.query(_USAGE_SQL.format(key=key, group=f"GROUP BY {key} ORDER BY 1"),
                               (project.id,))
    total = session.store.query_one(_USAGE_SQL.format(key="'total'", group=""), (project.id,))

    def row(r: Any) -> UsageRow:
        return UsageRow(key=str(r["key"] or "-"), calls=r["calls"] or 0,
                        requests=r["requests"] or 0, cache_hits=r["cache_hits"] or 0,
                        refused=r["refused"] or 0, errors=r["errors"] or 0,
                        prompt_tokens=r["prompt_tokens"] or 0,
                        output_tokens=r["output_tokens"] or 0,
                        cost_usd=round(r["cost_usd"] or 0.0, 6))

    budget = session.settings.llm.budget_usd
    summed = row(total)
    return Usage(project=project.name, by=by, rows=[row(r) for r in rows], total=summed,
                 budget_usd=budget, remaining_usd=round(max(budget - summed.cost_usd, 0.0), 6),
                 suggested_budgets=phase_budget_suggestions(
                     session.store, [p.id for p in definitions.workflow().phases], project.id))
