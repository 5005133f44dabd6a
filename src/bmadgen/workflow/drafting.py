"""A phase written by an MCP client's own model, one question and one section at a time.

The client asks for the next unanswered question of a phase and answers it, then asks for the
next section to write: its template instruction, the agent's persona and the project context
within a token budget. What it submits is checked the way a provider's output is
(`runner.check_filled`) and kept in `section_drafts`; once every section has content,
`write_phase` runs the phase with those drafts as its provider, so the document is assembled,
checked and left awaiting approval exactly as with any other provider.

A section is named by a key: its template id, plus `[feature.story]` numbers when it repeats
(`feature-detail[2]`, `story[2.1]`), so the same key names the same place run after run.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bmadgen import definitions, summary
from bmadgen.agents import runner
from bmadgen.agents.offline import OfflineProvider
from bmadgen.agents.provider import FillContext, Filled, Table
from bmadgen.appspec import AppSpec
from bmadgen.definitions import Phase, Section
from bmadgen.errors import InvalidInput, NotFound
from bmadgen.models import NextAction, Project
from bmadgen.plan import Plan
from bmadgen.store import Store
from bmadgen.workflow import answers as answers_mod
from bmadgen.workflow import drift, engine
from bmadgen.workflow.folder import project_folder

PROVIDER_NAME = "mcp-client"
MAX_SECTION_CHARS = 20_000  # one section's content
CHARS_PER_TOKEN = 4  # the usual estimate for English text
TRUNCATED = "\n[... truncated to fit the token budget]"


class QuestionView(BaseModel):
    phase: str
    key: str  # `phase.key`, what `answer_question` takes
    prompt: str
    type: str
    expected: str
    default: str | None
    remaining: int  # unanswered questions of the phase, this one included


class SectionTask(BaseModel):
    phase: str
    agent: str
    persona: dict[str, str]
    key: str
    title: str
    type: str
    instruction: str
    expected: str
    context: str
    written: int  # sections of the phase that already have content
    total: int


class DraftState(BaseModel):
    phase: str
    key: str
    written: int
    total: int
    next_action: NextAction


def section_key(section: Section, context: FillContext) -> str:
    if not section.repeatable:
        return section.id
    if context.parent is not None:
        return f"{section.id}[{context.parent_index}.{context.index}]"
    return f"{section.id}[{context.index}]"


class _Slot(BaseModel):
    key: str
    section: Section
    title: str


def _slot(section: Section, context: FillContext) -> _Slot:
    title = runner.render_title(section.title, project_title=context.plan.title,
                                item=context.item, index=context.index,
                                parent_index=context.parent_index)
    return _Slot(key=section_key(section, context), section=section, title=title)


class _Recorder:
    """A provider that fills nothing and notes every section it is asked for, in order."""

    name = "recorder"

    def __init__(self) -> None:
        self.slots: list[_Slot] = []

    def fill(self, section: Section, context: FillContext) -> Filled:
        self.slots.append(_slot(section, context))
        return Table(columns=[], rows=[]) if section.type == "table" else ""

    def appspec(self, plan: Plan) -> AppSpec:
        return OfflineProvider().appspec(plan)


class DraftsProvider:
    """Fills each section with what the client's model submitted for it."""

    name = PROVIDER_NAME

    def __init__(self, drafts: dict[str, Any]) -> None:
        self.drafts = drafts

    def fill(self, section: Section, context: FillContext) -> Filled:
        key = section_key(section, context)
        if key not in self.drafts:
            raise InvalidInput(f"section {key!r} has no content yet",
                               hint="ask for the next section and submit it")
        return _as_filled(section, self.drafts[key])

    def appspec(self, plan: Plan) -> AppSpec:
        # The app spec is derived from the plan, as offline: a model's YAML would need its own
        # review loop, and the spec is validated and human-editable after approval anyway.
        return OfflineProvider().appspec(plan)


def _slots(phase: Phase, plan: Plan) -> list[_Slot]:
    recorder = _Recorder()
    runner.run_agent(definitions.agent(phase.agent), definitions.doc_template(phase.template),
                     plan, recorder)
    return recorder.slots


def _drafts(store: Store, project_id: int, phase_id: str) -> dict[str, Any]:
    return {row["section"]: json.loads(row["content"]) for row in store.query(
        "SELECT section, content FROM section_drafts WHERE project_id = ? AND phase = ?",
        (project_id, phase_id))}


def _as_filled(section: Section, content: Any) -> Filled:
    if isinstance(content, dict) and section.type == "table":
        try:
            content = Table.model_validate(content)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                 for e in exc.errors()[:5])
            raise InvalidInput(f"the table for section {section.id!r} is not valid: {problems}",
                               hint=f"send {runner.expected_content(section)}") from exc
    return runner.check_filled(section, content, "the submission")


def _checked(section: Section, key: str, content: Any) -> Any:
    """The content as stored (JSON-ready), checked: its form, its size, not empty."""
    filled = _as_filled(section, content)
    stored = filled.model_dump() if isinstance(filled, Table) else filled
    size = len(json.dumps(stored))
    if size > MAX_SECTION_CHARS:
        raise InvalidInput(f"section {key!r} is {size} characters; the limit is "
                           f"{MAX_SECTION_CHARS}", hint="shorten it")
    if _is_empty(stored):
        raise InvalidInput(f"section {key!r} is empty",
                           hint=f"send {runner.expected_content(section)}")
    return stored


def _is_empty(content: Any) -> bool:
    if isinstance(content, dict):
        return not content["rows"]
    if isinstance(content, str):
        return not content.strip()
    return not any(item.strip() for item in content)


# ------------------------------------------------------------------ questions


def _unanswered(store: Store, project: Project, phase_id: str) -> list[definitions.Question]:
    have = answers_mod.stored(store, project.id).get(phase_id, {})
    return [q for q in answers_mod.phase_questions().get(phase_id, []) if q.key not in have]


def next_question(store: Store, project: Project, phase_id: str | None = None
                  ) -> QuestionView | None:
    """The first unanswered question of the phase (the next runnable one by default), or None
    when every question is answered."""
    phase = engine.runnable_phase(store, project, phase_id)
    missing = _unanswered(store, project, phase.id)
    if not missing:
        return None
    question = missing[0]
    ptype = definitions.project_type(project.type)
    default = None
    if question.type == "choice":
        default = (question.choices or ptype.choices(question.choices_from or ""))[0]
    return QuestionView(phase=phase.id, key=f"{phase.id}.{question.key}", prompt=question.prompt,
                        type=question.type, expected=answers_mod.describe(question, ptype),
                        default=default, remaining=len(missing))


# ------------------------------------------------------------------ sections


def _ready(store: Store, project: Project, phase_id: str | None) -> tuple[Phase, Plan]:
    phase = engine.runnable_phase(store, project, phase_id)
    missing = _unanswered(store, project, phase.id)
    if missing:
        raise InvalidInput(
            f"phase {phase.id} has {len(missing)} unanswered question(s), first "
            f"{phase.id}.{missing[0].key}", hint="answer them first (next_question)",
            action=NextAction(kind="answer", phase=phase.id))
    return phase, engine.plan_of(store, project)


def next_section(store: Store, project: Project, phase_id: str | None = None, *,
                 budget_tokens: int = 2000) -> SectionTask | None:
    """The first section of the phase's document without content, with what the writer
    needs; None when every section has content (then `write_phase`)."""
    phase, plan = _ready(store, project, phase_id)
    slots = _slots(phase, plan)
    drafts = _drafts(store, project.id, phase.id)
    todo = [slot for slot in slots if slot.key not in drafts]
    if not todo:
        return None
    return _section_task(store, project, phase, plan, todo[0], written=len(slots) - len(todo),
                         total=len(slots), budget_tokens=budget_tokens)


def _section_task(store: Store, project: Project, phase: Phase, plan: Plan, slot: _Slot, *,
                  written: int, total: int, budget_tokens: int) -> SectionTask:
    agent = definitions.agent(phase.agent)
    persona = {"name": agent.name, "title": agent.title, **agent.persona}
    return SectionTask(
        phase=phase.id, agent=agent.id, persona=persona, key=slot.key, title=slot.title,
        type=slot.section.type or "paragraphs", instruction=slot.section.instruction.strip(),
        expected=runner.expected_content(slot.section),
        context=project_context(store, project, phase, plan, budget_tokens=budget_tokens),
        written=written, total=total)


def submit_section(store: Store, project: Project, phase_id: str | None, key: str,
                   content: Any) -> DraftState:
    """Keep the content of one section, checked like a provider's output."""
    phase, plan = _ready(store, project, phase_id)
    slots = {slot.key: slot for slot in _slots(phase, plan)}
    if key not in slots:
        raise NotFound(f"phase {phase.id} has no section {key!r}",
                       hint=f"sections are: {', '.join(list(slots)[:40])}")
    stored = _checked(slots[key].section, key, content)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO section_drafts (project_id, phase, section, content, submitted_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, phase, section) DO UPDATE SET "
            "content = excluded.content, submitted_at = excluded.submitted_at",
            (project.id, phase.id, key, json.dumps(stored), time.time()))
    written = len(set(slots) & set(_drafts(store, project.id, phase.id)))
    done = written == len(slots)
    return DraftState(
        phase=phase.id, key=key, written=written, total=len(slots),
        next_action=NextAction(kind="run_phase", phase=phase.id,
                               detail="every section has content: write the phase")
        if done else NextAction(kind="run_phase", phase=phase.id,
                                detail="ask for the next section"))


def write_phase(store: Store, project: Project, phase_id: str | None = None, *,
                force: bool = False) -> engine.PhaseResult:
    """Write the phase's document from the submitted sections; it then awaits approval. The
    drafts are cleared once it is written."""
    phase, plan = _ready(store, project, phase_id)
    drafts = _drafts(store, project.id, phase.id)
    missing = [slot.key for slot in _slots(phase, plan) if slot.key not in drafts]
    if missing:
        raise InvalidInput(f"{len(missing)} section(s) of phase {phase.id} have no content, "
                           f"first {missing[0]!r}", hint="ask for the next section and submit it",
                           action=NextAction(kind="run_phase", phase=phase.id))
    result = engine.run_phase(store, project, phase.id, provider=DraftsProvider(drafts),
                              force=force)
    with store.write() as conn:
        conn.execute("DELETE FROM section_drafts WHERE project_id = ? AND phase = ?",
                     (project.id, phase.id))
    return result


# ------------------------------------------------------------------ a model asked directly

# Asked for one section: (what to write, the problem with the previous answer or None) ->
# the model's text. The MCP face asks the client's model through sampling.
SectionWriter = Callable[[SectionTask, "str | None"], str]
WRITE_ATTEMPTS = 2  # a model's answer that does not fit is asked for once more, saying why


def content_from_text(text: str, kind: str) -> Any:
    """A model's text as section content: a table from the JSON object in it, a list from its
    lines (bullets and numbers removed), else the text."""
    text = text.strip()
    if kind == "table":
        start, end = text.find("{"), text.rfind("}")
        try:
            return json.loads(text[start:end + 1]) if start >= 0 else text
        except ValueError:
            return text
    if kind in ("bullet-list", "numbered-list"):
        items = [re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip()
                 for line in text.splitlines()]
        return [item for item in items if item]
    return text


class WriterProvider:
    """Fills each section by asking a model (through `write`), its answer checked like any
    provider's output; a misfit is asked again once with the reason."""

    name = PROVIDER_NAME

    def __init__(self, store: Store, project: Project, phase: Phase, plan: Plan,
                 write: SectionWriter, *, total: int, budget_tokens: int) -> None:
        self.store, self.project, self.phase, self.plan = store, project, phase, plan
        self.write, self.total, self.budget_tokens = write, total, budget_tokens
        self.written = 0

    def fill(self, section: Section, context: FillContext) -> Filled:
        slot = _slot(section, context)
        task = _section_task(self.store, self.project, self.phase, self.plan, slot,
                             written=self.written, total=self.total,
                             budget_tokens=self.budget_tokens)
        problem: str | None = None
        for _ in range(WRITE_ATTEMPTS):
            content = content_from_text(self.write(task, problem), task.type)
            try:
                stored = _checked(section, slot.key, content)
            except InvalidInput as exc:
                problem = exc.one_line()
                continue
            self.written += 1
            return _as_filled(section, stored)
        raise InvalidInput(f"the client's model gave no usable content for section "
                           f"{slot.key!r}: {problem}",
                           hint="write it with next_section and submit_section instead")

    def appspec(self, plan: Plan) -> AppSpec:
        return OfflineProvider().appspec(plan)


def write_phase_with(store: Store, project: Project, phase_id: str | None,
                     write: SectionWriter, *, budget_tokens: int = 2000) -> engine.PhaseResult:
    """Run the phase asking `write` for every section; it then awaits approval."""
    phase, plan = _ready(store, project, phase_id)
    provider = WriterProvider(store, project, phase, plan, write,
                              total=len(_slots(phase, plan)), budget_tokens=budget_tokens)
    return engine.run_phase(store, project, phase.id, provider=provider)


# ------------------------------------------------------------------ context


def project_context(store: Store, project: Project, phase: Phase | None, plan: Plan, *,
                    budget_tokens: int) -> str:
    """What an agent writes from, most important first, cut to `budget_tokens`: the project,
    the answers, the key memories, then the documents of the earlier phases."""
    parts = [f"# Project {project.name} ({project.type})", project.description or "",
             "## Answers", json.dumps(plan.answers, indent=1, ensure_ascii=False)]
    memories = summary.important_memories(store, project.id, limit=8, min_importance="high")
    if memories:
        parts.append("## Key memories")
        parts += [f"- {m.title + ': ' if m.title else ''}{m.content}" for m in memories]
    folder = project_folder(project)
    flow = definitions.workflow()
    earlier = flow.phases[: flow.index(phase.id)] if phase is not None else flow.phases
    for done in earlier:
        for relpath in drift.expand(folder, done.produces):
            if relpath.endswith(".md"):
                parts += [f"## {relpath}", _read(folder / relpath)]
    return clip(("\n".join(part for part in parts if part)).strip(), budget_tokens)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def clip(text: str, budget_tokens: int) -> str:
    limit = max(budget_tokens, 1) * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATED), 0)] + TRUNCATED
