"""Elicitation: asking a phase's questions, each answer saved as soon as it is given, so
quitting and coming back resumes at the same question."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bmadgen.definitions import ProjectType
from bmadgen.errors import InvalidInput
from bmadgen.models import NextAction, Project
from bmadgen.store import Store
from bmadgen.workflow import answers as answers_mod
from bmadgen.workflow import state

if TYPE_CHECKING:
    from bmadgen.workflow.engine import Asker


def _suggestion(store: Store, project: Project, phase_id: str, question: Any,
                ptype: ProjectType, asker: Asker) -> Any | None:
    """Last time's choice for this project type, offered first and said to be a suggestion;
    dropped when it is no longer a valid answer (the choices changed)."""
    last = answers_mod.last_choice(store, project, question, phase_id)
    if last is None:
        return None
    try:
        answers_mod.parse_typed(question, answers_mod.to_prompt_text(question, last), ptype)
    except ValueError:
        return None
    asker.tell(f"suggestion: {phase_id}.{question.key} is what you chose for your last "
               f"{project.type} project; press Enter to keep it or type another")
    return last


def elicit(store: Store, project: Project, phase_id: str, ptype: ProjectType,
           asker: Asker | None, *, reask: bool = False) -> dict[str, Any]:
    """Ask this phase's unanswered questions (all of them with `reask`), saving each answer
    as soon as it is given."""
    questions = answers_mod.phase_questions().get(phase_id, [])
    have = answers_mod.stored(store, project.id).get(phase_id, {})
    for question in questions:
        if question.key in have and not reask:
            continue
        state.update(store, project.id, phase_id, elicit_position=f"{phase_id}.{question.key}")
        if asker is None:
            raise InvalidInput(
                f"no answer for {phase_id}.{question.key}",
                hint="pass an answers file with --answers, or answer it in a terminal",
                action=NextAction(kind="answer", phase=phase_id),
            )
        default = have.get(question.key)
        if default is None:
            default = _suggestion(store, project, phase_id, question, ptype, asker)
        if default is None and question.type == "choice":
            default = (question.choices or ptype.choices(question.choices_from or ""))[0]
        expected = answers_mod.describe(question, ptype)
        while True:
            raw = asker.ask(phase_id, question, expected,
                            None if default is None else answers_mod.to_prompt_text(question, default))
            try:
                value = answers_mod.parse_typed(question, raw, ptype)
                break
            except ValueError as exc:
                asker.tell(f"{phase_id}.{question.key}: {exc}")
        answers_mod.save(store, project.id, {phase_id: {question.key: value}}, source="prompt")
        have[question.key] = value
    state.update(store, project.id, phase_id, elicit_position=None)
    return have
