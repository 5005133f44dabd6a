"""The offline provider: fills every section from the answers and the project type.

No model, no network, no clock, no randomness: the same plan gives the same content. A
section's `fill` names either an answer (`answer:vision.users`) or one of the builders
below. User text is returned as data; the runner places it in the document as is. The app
spec is the plan's features with their entities, CRUD endpoints and events.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bmadgen.agents.provider import FillContext, Filled, Table
from bmadgen.appspec import AppSpec, FeatureSpec, UiSpec
from bmadgen.definitions import Section
from bmadgen.errors import InvalidInput
from bmadgen.naming import plural
from bmadgen.plan import Plan, PlannedFeature, PlannedStory, page_name
from bmadgen.tasks import slice_ref

Builder = Callable[[FillContext], Filled]
BUILDERS: dict[str, Builder] = {}


def builder(fn: Builder) -> Builder:
    BUILDERS[fn.__name__] = fn
    return fn


class OfflineProvider:
    name = "offline"

    def fill(self, section: Section, context: FillContext) -> Filled:
        fill = section.fill or ""
        if fill.startswith("answer:"):
            phase, _, key = fill.removeprefix("answer:").partition(".")
            value = context.plan.answer(phase, key)
            if value is None:
                raise InvalidInput(f"section {section.id!r} needs the answer {phase}.{key}")
            return value
        build = BUILDERS.get(fill)
        if build is None:
            raise InvalidInput(f"section {section.id!r} names an unknown offline fill {fill!r}")
        return build(context)

    def appspec(self, plan: Plan) -> AppSpec:
        features = [
            FeatureSpec(name=f.name, title=f.title, description=f.description,
                        requirements=f.requirement_ids, entities=f.entities,
                        endpoints=f.endpoints(), events=f.events)
            for f in plan.features
        ]
        return AppSpec(name=plan.slug, title=plan.title,
                       description=plan.answer("vision", "summary", ""),
                       stack=plan.appspec_stack(), ui=_ui(plan), features=features,
                       auth=plan.auth_spec())


def _ui(plan: Plan) -> UiSpec:
    """The prototype's answers, so the app's pages look like the prototype the person approved."""
    defaults = UiSpec()
    return UiSpec.model_validate({
        "layout": plan.answer("prototype", "layout", defaults.layout),
        "style": plan.answer("prototype", "style", defaults.style),
        "brand_color": plan.answer("prototype", "brand_color", defaults.brand_color),
    })


def _feature(context: FillContext) -> PlannedFeature:
    return context.item


# ------------------------------------------------------------------ brief


@builder
def summary(context: FillContext) -> Filled:
    plan = context.plan
    return [plan.answer("vision", "summary", ""),
            f"Project type: {plan.project_type.title}."]


@builder
def project_type(context: FillContext) -> Filled:
    ptype = context.plan.project_type
    slices = ", ".join(f.title for f in ptype.features)
    return [f"Type: {ptype.title} ({ptype.id}). {ptype.description}",
            (f"It usually starts from these feature slices: {slices}. The requirements phase "
            "chooses among them.")]


# ------------------------------------------------------------------ PRD


@builder
def prd_goals(context: FillContext) -> Filled:
    plan = context.plan
    goals = list(plan.answer("vision", "goals", []))
    return goals + [f"Background: {plan.answer('vision', 'problem', '')}"]


@builder
def functional_requirements(context: FillContext) -> Filled:
    return Table(columns=["ID", "Requirement", "Feature"],
                 rows=[[fr, text, feature] for fr, text, feature in
                       context.plan.functional_requirements])


@builder
def non_functional_requirements(context: FillContext) -> Filled:
    return Table(columns=["ID", "Requirement"],
                 rows=[[nfr, text] for nfr, text in context.plan.non_functional_requirements])


@builder
def epics_intro(context: FillContext) -> Filled:
    count = len(context.plan.features)
    return f"{count} epics, one per feature slice. Each story names the FR it satisfies."


@builder
def epic(context: FillContext) -> Filled:
    feature = _feature(context)
    return [(f"{feature.description} Slice: `{feature.name}`. "
            f"Requirements: {', '.join(feature.requirement_ids)}.")]


@builder
def story(context: FillContext) -> Filled:
    return story_text(context.item)


def story_text(planned: PlannedStory) -> str:
    s = planned.story
    criteria = "\n".join(f"{i}. {c}" for i, c in enumerate(s.acceptance, start=1))
    return (f"As a {s.role}, I want to {s.goal}, so that {s.benefit}.\n\n"
            f"Requirement: {planned.fr_id}\n\nAcceptance criteria:\n\n{criteria}")


# ------------------------------------------------------------------ front-end spec


@builder
def ux_goals(context: FillContext) -> Filled:
    plan = context.plan
    users = "; ".join(plan.answer("vision", "users", []))
    return [f"Users: {users}",
            f"Style: {plan.answer('prototype', 'style', 'clean')}",
            "Every feature is one screen reachable from the navigation in one click",
            "Forms show each field's rule next to it and keep what was typed on an error"]


@builder
def navigation(context: FillContext) -> Filled:
    plan = context.plan
    layout = plan.answer("prototype", "layout", "top-nav")
    items = [f"Layout: {layout}", "Home (index.html)"]
    items += [f"{f.title} ({page_name(f.name)})" for f in plan.features]
    return items


@builder
def screens(context: FillContext) -> Filled:
    feature = _feature(context)
    items = []
    for entity in feature.entities:
        names = ", ".join(f.name for f in entity.fields)
        label = entity.title or entity.name
        items.append(f"{label} list: a table of {plural(entity.name)} with {names}")
        items.append(f"{label} form: create and edit one {entity.name}")
    return items


@builder
def key_flows(context: FillContext) -> Filled:
    flows = []
    for feature in context.plan.features:
        for planned in feature.stories:
            s = planned.story
            flows.append(f"{planned.title} ({planned.fr_id}, {s.role}): open Home, click "
                         f"{feature.title} ({page_name(feature.name)}), then {s.goal}")
    return flows


@builder
def visual_style(context: FillContext) -> Filled:
    plan = context.plan
    return [f"Brand colour: {plan.answer('prototype', 'brand_color', '#2a6f97')}",
            f"Style: {plan.answer('prototype', 'style', 'clean')}",
            "Type: the system font stack, 16 px body text",
            "Spacing: multiples of 8 px"]


@builder
def prototype_files(context: FillContext) -> Filled:
    files = ["prototype/index.html"]
    files += [f"prototype/{page_name(f.name)}" for f in context.plan.features]
    files.append("prototype/style.css")
    shots = ", ".join(f"[{Path(f).stem}](../prototype/shots/{Path(f).stem}.png)"
                      for f in files if f.endswith(".html"))
    return [f"`{f}`" for f in files] + [("Open prototype/index.html in a browser; it needs no "
                                        "network and no server"),
                                       ("Screenshots of each page, once taken with the "
                                        f"preview's shots option: {shots}")]


# ------------------------------------------------------------------ architecture


@builder
def arch_overview(context: FillContext) -> Filled:
    plan = context.plan
    names = ", ".join(f"`{f.name}`" for f in plan.features)
    return [(f"{plan.title} is built as a Vertical Slice Architecture: each business capability "
            f"is one slice ({names}) that owns its API, service, data model, UI and tests."),
            ("Slices never import each other; shared code lives in `shared/` and slices talk "
            "through events. The app spec (`appspec.yaml`) is the contract generation reads.")]


@builder
def stack_table(context: FillContext) -> Filled:
    stack = context.plan.appspec_stack()
    return Table(columns=["Component", "Choice"], rows=[
        ["Application stack", stack.name],
        ["Language", f"Python {stack.python}"],
        ["Database", stack.database],
        ["Architecture", "Vertical slices under features/<name>/"],
    ])


@builder
def feature_boundaries(context: FillContext) -> Filled:
    return Table(columns=["Feature", "Owns entities", "Requirements"], rows=[
        [f.name, ", ".join(e.name for e in f.entities), ", ".join(f.requirement_ids)]
        for f in context.plan.features
    ])


@builder
def data_model(context: FillContext) -> Filled:
    rows = []
    for entity in _feature(context).entities:
        for field in entity.fields:
            notes = []
            if field.values:
                notes.append("values: " + ", ".join(field.values))
            if field.ref:
                notes.append(f"references {field.ref}")
            if field.max_length:
                notes.append(f"max length {field.max_length}")
            if field.min is not None:
                notes.append(f"min {field.min:g}")
            if field.max is not None:
                notes.append(f"max {field.max:g}")
            if field.unique:
                notes.append("unique")
            rows.append([entity.name, field.name, field.type,
                         "no" if field.optional else "yes", "; ".join(notes)])
    return Table(columns=["Entity", "Field", "Type", "Required", "Notes"], rows=rows)


@builder
def api(context: FillContext) -> Filled:
    return Table(columns=["Method", "Path", "Entity", "Action"], rows=[
        [e.method, e.path, e.entity, e.action] for e in _feature(context).endpoints()
    ])


@builder
def events(context: FillContext) -> Filled:
    return Table(columns=["Event", "Producer", "Consumers", "Meaning"], rows=[
        [e.name, f.name, ", ".join(e.consumers) or "-", e.description]
        for f in context.plan.features for e in f.events
    ])


@builder
def security(context: FillContext) -> Filled:
    auth = context.plan.answer("architecture", "auth", "none")
    first = {
        "none": "Authentication: none; every endpoint is public (say so in the README)",
        "session": "Authentication: server-side sessions with an HTTP-only, SameSite cookie",
        "token": "Authentication: bearer tokens, checked on every request",
    }[auth]
    return [first,
            "Input: every request body is validated by the slice's schema before it is used",
            "Output: user text is escaped in HTML and never evaluated as a template",
            "Secrets: read from the environment, never committed"]


@builder
def testing(context: FillContext) -> Filled:
    return ["Each slice has its own tests under features/<name>/tests",
            ("Quality gates per slice: format, lint, types, tests with coverage, mutation score, "
            "security, secrets, and slice independence"),
            "An acceptance criterion in the PRD is a test in its slice"]


@builder
def source_tree(context: FillContext) -> Filled:
    lines = ["app/", "  features/"]
    for f in context.plan.features:
        lines.append(f"    {f.name}/  (api, services, models, schemas, ui, tests)")
    lines += ["  shared/", "appspec.yaml", "docs/"]
    return "\n".join(lines)


# ------------------------------------------------------------------ stories


@builder
def stories_overview(context: FillContext) -> Filled:
    return [("Each feature slice is one story task in the project memory "
             f"(ref {slice_ref('<name>')})"),
            "Each story of the slice is a child task with its acceptance criteria",
            "The dev step generates the slice; the QA step proves it with the quality gates"]


@builder
def slice_story(context: FillContext) -> Filled:
    feature = _feature(context)
    return feature.description + "\n\n" + "\n\n".join(
        f"Story: {s.title}\n\n{story_text(s)}" for s in feature.stories)


__all__ = ["BUILDERS", "OfflineProvider"]
