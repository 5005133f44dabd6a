"""Answers to the elicitation questions: checking an answers file, coercing typed input,
keeping them in the store, and writing them back out as YAML.

An answers file is a mapping of phase -> question key -> value, e.g.::

    vision:
      summary: An online shop for a bookshop.
      users: [Shoppers, Store staff]

Every problem in a file is reported at once, each naming the key (`vision.users`) and the
line it is on, so a person can fix the file in one pass.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from bmadgen import definitions
from bmadgen.definitions import ProjectType, Question, Workflow
from bmadgen.errors import BmadgenError, InvalidInput, NotFound
from bmadgen.fsutil import read_user_text
from bmadgen.models import NextAction, Project
from bmadgen.plan import Answers
from bmadgen.store import Store
from bmadgen.validation import clean_text

MAX_TEXT = 2000
MAX_ITEM = 500
MAX_ITEMS = 50
LIST_SEPARATOR = ";"
MAX_FILE_BYTES = 1 << 20  # an answers file; the largest complete one is a few kilobytes
MAX_PROBLEMS = 20  # problems listed in one error; the rest are counted
MAX_DEPTH = 32  # nesting of lists and mappings; an answers file needs three
MAX_SHOWN = 80  # characters of a key or a value from the file quoted in a message
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class AnswerError(ValueError):
    """An answer that does not fit its question; the message says why, without the key."""


def phase_questions(flow: Workflow | None = None) -> dict[str, list[Question]]:
    """Each phase's questions in the order they are asked (phases without questions omitted)."""
    flow = flow or definitions.workflow()
    out: dict[str, list[Question]] = {}
    for phase in flow.phases:
        questions = definitions.doc_template(phase.template).questions()
        if questions:
            out[phase.id] = questions
    return out


def describe(question: Question, ptype: ProjectType) -> str:
    """What a valid answer looks like, for prompts and error messages."""
    choices = question.choices or (
        ptype.choices(question.choices_from) if question.choices_from else None
    )
    return {
        "text": "text",
        "list": "a list of text",
        "color": "a colour like #2a6f97",
        "choice": f"one of: {', '.join(choices or [])}",
        "multichoice": f"a list of: {', '.join(choices or [])}",
    }[question.type]


def _type_name(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return type(value).__name__


def coerce(question: Question, value: Any, ptype: ProjectType) -> Any:
    """The answer as stored, or AnswerError saying what is wrong (without the key)."""
    expected = describe(question, ptype)
    if question.type in ("text", "choice", "color"):
        if not isinstance(value, str):
            raise AnswerError(f"expected {expected}, got {_type_name(value)}")
        text = _clean(value, MAX_TEXT, required=question.required)
        if question.type == "color" and not _COLOR.match(text):
            raise AnswerError(f"expected {expected}, got {text!r}")
        if question.type == "choice":
            choices = question.choices or ptype.choices(question.choices_from or "")
            if text not in choices:
                raise AnswerError(f"expected {expected}, got {text!r}")
        return text
    if not isinstance(value, list):
        raise AnswerError(f"expected {expected}, got {_type_name(value)}")
    if len(value) > MAX_ITEMS:
        raise AnswerError(f"has {len(value)} items; the limit is {MAX_ITEMS}")
    items: list[str] = []
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise AnswerError(f"item {position}: expected text, got {_type_name(item)}")
        items.append(_clean(item, MAX_ITEM, required=True, what=f"item {position}"))
    if question.required and not items:
        raise AnswerError(f"expected {expected} with at least one item, got an empty list")
    if question.type == "multichoice":
        choices = question.choices or ptype.choices(question.choices_from or "")
        unknown = [i for i in items if i not in choices]
        if unknown:
            raise AnswerError(f"unknown {', '.join(map(repr, unknown))}; expected {expected}")
        if len(set(items)) != len(items):
            raise AnswerError("lists the same choice twice")
    return items


def _clean(text: str, max_len: int, *, required: bool, what: str = "the answer") -> str:
    try:
        return clean_text(text, what, max_len=max_len, required=required)
    except InvalidInput as exc:
        raise AnswerError(exc.message) from exc


def parse_typed(question: Question, raw: str, ptype: ProjectType) -> Any:
    """An answer typed at a prompt: lists are separated by ';'."""
    if question.type in ("list", "multichoice"):
        items = [part.strip() for part in raw.split(LIST_SEPARATOR)]
        return coerce(question, [i for i in items if i], ptype)
    return coerce(question, raw, ptype)


def to_prompt_text(question: Question, value: Any) -> str:
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(value)
    return str(value)


# ------------------------------------------------------------------ answers files


def load_file(path: Path, ptype: ProjectType, flow: Workflow | None = None) -> Answers:
    """Read (bounded: a regular UTF-8 file of at most MAX_FILE_BYTES) and check an answers
    file."""
    try:
        text = read_user_text(path, "answers file", max_bytes=MAX_FILE_BYTES)
    except BmadgenError as exc:  # the face words the action: a sample shows the layout
        if exc.hint is None and exc.action is None:
            exc.hint = "a sample answers file shows the layout"
            exc.action = NextAction(kind="sample_answers", project_type=ptype.id)
        raise
    return parse_text(text, ptype, source=str(path), flow=flow)


def _compose(text: str, source: str) -> tuple[Any, Any]:
    """The YAML node tree (for line numbers) and the data built from it, parsed once."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = None
    try:
        # First the events alone (flat, fast): nesting deep enough to overflow the stack of
        # the composer (libyaml's crashes the process) is refused before a tree is built.
        depth = 0
        for event in yaml.parse(text, Loader=loader_class):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else 0
                    raise InvalidInput(f"{source} is nested more than {MAX_DEPTH} levels deep "
                                       f"(line {line}); an answers file needs three")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = loader_class(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InvalidInput(f"{source} is not valid YAML{where}: {_short(str(problem))}") from exc
    except RecursionError as exc:
        raise InvalidInput(f"{source} is nested too deeply to be an answers file") from exc
    finally:
        if loader is not None:
            loader.dispose()
    return root, data


def _short(text: str, limit: int = MAX_SHOWN) -> str:
    """Text from the file as shown in a message: one line, at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_text(text: str, ptype: ProjectType, *, source: str = "answers file",
               flow: Workflow | None = None) -> Answers:
    """Check a complete answers file; raise InvalidInput listing its problems with their lines
    (the first MAX_PROBLEMS of them, and how many more there are)."""
    import yaml

    root, data = _compose(text, source)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise InvalidInput(f"{source} must be a mapping of phase -> answers at the top level",
                           hint="a sample answers file shows the layout",
                           action=NextAction(kind="sample_answers", project_type=ptype.id))
    problems: list[str] = []
    answers: Answers = {}
    expected = phase_questions(flow)
    phase_nodes = _children(root, "", problems)
    for phase_id, (key_node, value_node) in phase_nodes.items():
        if phase_id not in expected:
            problems.append(f"{_short(phase_id)} (line {_line(key_node)}): unknown key; "
                            f"expected one of: {', '.join(expected)}")
            continue
        if not isinstance(value_node, yaml.MappingNode):
            problems.append(f"{phase_id} (line {_line(value_node)}): expected a mapping of "
                            "question -> answer")
            continue
        answers[phase_id] = {}
        questions = {q.key: q for q in expected[phase_id]}
        for key, (k_node, v_node) in _children(value_node, phase_id, problems).items():
            question = questions.get(key)
            if question is None:
                problems.append(f"{phase_id}.{_short(key)} (line {_line(k_node)}): unknown key; "
                                f"expected one of: {', '.join(questions)}")
                continue
            try:
                answers[phase_id][key] = coerce(question, data[phase_id][key], ptype)
            except ValueError as exc:
                problems.append(f"{phase_id}.{key} (line {_line(v_node)}): {_short(str(exc))}")
        present = _keys(value_node)
        for key, question in questions.items():
            if key not in present:
                problems.append(f"{phase_id}.{key}: missing (in {phase_id} at line "
                                f"{_line(key_node)}); expected {describe(question, ptype)}")
    for phase_id in expected:
        if phase_id not in phase_nodes:
            problems.append(f"{phase_id}: missing (top level); expected a mapping with "
                            f"{', '.join(q.key for q in expected[phase_id])}")
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"and {len(problems) - MAX_PROBLEMS} more")
        raise InvalidInput(f"{source} has {len(problems)} problem(s)", details=shown)
    return answers


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _keys(mapping: Any) -> set[str]:
    return {str(k.value) for k, _ in mapping.value}


def _children(mapping: Any, prefix: str, problems: list[str]) -> dict[str, tuple[Any, Any]]:
    """key -> (key node, value node), reporting duplicate and non-text keys."""
    out: dict[str, tuple[Any, Any]] = {}
    for key_node, value_node in mapping.value:
        key = str(key_node.value)
        name = f"{prefix}.{_short(key)}" if prefix else _short(key)
        if key in out:
            problems.append(f"{name} (line {_line(key_node)}): duplicate key")
            continue
        out[key] = (key_node, value_node)
    return out


def dump(answers: Answers, flow: Workflow | None = None) -> str:
    """Deterministic YAML in question order: same answers, same bytes."""
    import yaml

    ordered: dict[str, dict[str, Any]] = {}
    for phase_id, questions in phase_questions(flow).items():
        if phase_id in answers:
            ordered[phase_id] = {q.key: answers[phase_id][q.key] for q in questions
                                 if q.key in answers[phase_id]}
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)


def sample(ptype: ProjectType) -> str:
    header = (
        f"# bmadgen answers for a project of type {ptype.id} ({ptype.title}).\n"
        "# Use it with: bmadgen new NAME --type "
        f"{ptype.id} --answers THIS_FILE --yes\n"
        "# Lists are YAML lists; choices are listed next to each key.\n"
    )
    body = dump(ptype.sample_answers)
    lines = []
    questions = {(p, q.key): q for p, qs in phase_questions().items() for q in qs}
    phase = ""
    for line in body.splitlines():
        if line and not line.startswith(" "):
            phase = line.rstrip(":")
        else:
            key = line.strip().split(":", 1)[0]
            question = questions.get((phase, key))
            if question is not None and question.type in ("choice", "multichoice"):
                line += f"  # {describe(question, ptype)}"
        lines.append(line)
    return header + "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the store


def save(store: Store, project_id: int, answers: Answers, *, source: str) -> None:
    now = time.time()
    with store.write() as conn:
        for phase_id, values in answers.items():
            for key, value in values.items():
                conn.execute(
                    "INSERT INTO workflow_answers (project_id, phase, key, value, source, "
                    "answered_at) VALUES (?,?,?,?,?,?) ON CONFLICT(project_id, phase, key) DO "
                    "UPDATE SET value = excluded.value, source = excluded.source, "
                    "answered_at = excluded.answered_at",
                    (project_id, phase_id, key, json.dumps(value), source, now),
                )


def stored(store: Store, project_id: int) -> Answers:
    out: Answers = {}
    for row in store.query(
        "SELECT phase, key, value FROM workflow_answers WHERE project_id = ? ORDER BY phase, key",
        (project_id,),
    ):
        out.setdefault(row["phase"], {})[row["key"]] = json.loads(row["value"])
    return out


SUGGESTED_TYPES = ("choice", "multichoice")


def last_choice(store: Store, project: Project, question: Question,
                phase_id: str) -> Any | None:
    """What the person chose for this question in their last other project of the same type
    (choice questions only: the stack, auth, layout, style, features), or None."""
    if question.type not in SUGGESTED_TYPES:
        return None
    row = store.query_one(
        "SELECT a.value FROM workflow_answers a JOIN projects p ON p.id = a.project_id "
        "WHERE p.type = ? AND a.project_id != ? AND a.phase = ? AND a.key = ? "
        "ORDER BY a.answered_at DESC, a.project_id DESC LIMIT 1",
        (project.type, project.id, phase_id, question.key))
    return json.loads(row["value"]) if row is not None else None


def set_one(store: Store, project_id: int, ptype: ProjectType, dotted_key: str,
            raw: str) -> Any:
    """`answers set vision.users "A; B"`: one answer, typed as at a prompt."""
    phase_id, _, key = dotted_key.partition(".")
    questions = phase_questions()
    question = next((q for q in questions.get(phase_id, []) if q.key == key), None)
    if question is None:
        known = [f"{p}.{q.key}" for p, qs in questions.items() for q in qs]
        raise NotFound(f"unknown answer key {dotted_key!r}", hint=f"keys are: {', '.join(known)}")
    try:
        value = parse_typed(question, raw, ptype)
    except ValueError as exc:
        raise InvalidInput(f"{dotted_key}: {exc}") from exc
    save(store, project_id, {phase_id: {key: value}}, source="set")
    return value
