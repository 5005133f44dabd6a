"""The workflow's data: phases, agents, document templates, checklists and project types.

Everything here is read from YAML under `bmadgen/templates/` (shipped inside the wheel) and
validated into pydantic models once per process. Code never hard-codes a phase or an agent;
it asks this module. It sits below both `agents` and `workflow`, which read it, and imports
neither.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bmadgen.appspec import EntitySpec, EventSpec, format_errors
from bmadgen.errors import InvalidInput, NotFound
from bmadgen.resources import templates_root

WORKFLOW_NAME = "bmad"

QuestionType = Literal["text", "list", "choice", "multichoice", "color"]
SectionType = Literal[
    "paragraphs", "bullet-list", "numbered-list", "table", "code", "template-text"
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Data):
    key: str
    prompt: str
    type: QuestionType = "text"
    choices: list[str] | None = None
    # Choices that depend on the project type: its feature names or its stacks.
    choices_from: Literal["features", "stacks"] | None = None
    required: bool = True


class Section(_Data):
    """One section of a BMAD document template (id, title, instruction, type, elicit,
    repeatable, condition), plus `questions` (what an elicit section asks) and `fill` (how the
    offline provider fills it)."""

    id: str
    title: str
    instruction: str = ""
    type: SectionType | None = None
    elicit: bool = False
    repeatable: bool = False
    repeat_over: Literal["features", "stories"] | None = None
    condition: str | None = None
    questions: list[Question] = []
    fill: str | None = None
    # A section about one feature (a feature, or a story of one) that shows the suggestions
    # from the person's history for that feature: the workflow passes them, the runner places
    # them as data before the section's content.
    suggestions: bool = False
    sections: list[Section] = []


class TemplateOutput(_Data):
    format: Literal["markdown"] = "markdown"
    filename: str
    title: str


class TemplateInfo(_Data):
    id: str
    name: str
    version: int
    output: TemplateOutput


class DocTemplate(_Data):
    template: TemplateInfo
    workflow: dict[str, str] = {}
    sections: list[Section]

    def walk(self) -> list[Section]:
        """Every section, depth first, in document order."""
        out: list[Section] = []

        def visit(sections: list[Section]) -> None:
            for section in sections:
                out.append(section)
                visit(section.sections)

        visit(self.sections)
        return out

    def questions(self) -> list[Question]:
        return [q for s in self.walk() if s.elicit for q in s.questions]


class AgentCommand(_Data):
    name: str
    description: str


class Agent(_Data):
    id: str
    name: str
    title: str
    icon: str = ""
    persona: dict[str, str]
    commands: list[AgentCommand]
    templates: list[str]
    checklists: list[str]


class Phase(_Data):
    id: str
    title: str
    agent: str
    template: str
    requires: list[str]
    produces: list[str]
    checklist: str
    approval: bool = True


class Workflow(_Data):
    id: str
    name: str
    description: str = ""
    phases: list[Phase]

    @property
    def phase_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.phases)

    def phase(self, phase_id: str) -> Phase:
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise NotFound(
            f"unknown phase {phase_id!r}", hint=f"phases are: {', '.join(self.phase_ids)}"
        )

    def index(self, phase_id: str) -> int:
        return self.phase_ids.index(self.phase(phase_id).id)

    def producer_of(self, relpath: str) -> Phase | None:
        for phase in self.phases:
            if relpath in phase.produces:
                return phase
        return None


class ChecklistItem(_Data):
    id: str
    text: str
    check: str | None = None


class Checklist(_Data):
    id: str
    title: str
    items: list[ChecklistItem]


class Story(_Data):
    title: str
    role: str
    goal: str
    benefit: str
    requirement: str
    acceptance: list[str] = Field(min_length=1)
    # read: the story only looks at its feature's rows, so its role is not given write access
    access: Literal["read", "write"] = "write"


class TypeFeature(_Data):
    name: str
    title: str
    description: str
    entities: list[EntitySpec] = Field(min_length=1)
    events: list[EventSpec] = []
    stories: list[Story] = Field(min_length=1)


class StartingTask(_Data):
    title: str
    description: str = ""
    priority: str = "medium"


class StartingMemory(_Data):
    title: str
    content: str
    importance: str = "medium"


class ProjectType(_Data):
    id: str
    title: str
    description: str
    stacks: list[str] = Field(min_length=1)
    non_functional: list[str] = []
    features: list[TypeFeature] = Field(min_length=1)
    tasks: list[StartingTask] = []
    memories: list[StartingMemory] = []
    sample_answers: dict[str, dict[str, Any]]
    # The role sign-up gives, when the stories leave it ambiguous (words, as stories name roles).
    default_role: str | None = None

    def feature(self, name: str) -> TypeFeature:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise NotFound(f"project type {self.id!r} has no feature {name!r}")

    def choices(self, source: str) -> list[str]:
        if source == "features":
            return [f.name for f in self.features]
        return list(self.stacks)


def _yaml_load(path: Path) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


def _load(model: type[BaseModel], path: Path) -> Any:
    try:
        return model.model_validate(_yaml_load(path))
    except ValidationError as exc:  # a broken shipped or user-added template
        raise InvalidInput(f"template {path} is invalid", details=format_errors(exc)) from exc


def _names(folder: str) -> list[str]:
    return sorted(p.stem for p in (templates_root() / folder).glob("*.yaml"))


def _path(folder: str, name: str, what: str) -> Path:
    path = templates_root() / folder / f"{name}.yaml"
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise NotFound(f"unknown {what} {name!r}", hint=f"choose one of: {', '.join(_names(folder))}")
    return path


@functools.cache
def workflow(name: str = WORKFLOW_NAME) -> Workflow:
    return _load(Workflow, _path("workflows", name, "workflow"))


@functools.cache
def agent(name: str) -> Agent:
    return _load(Agent, _path("agents", name, "agent"))


@functools.cache
def doc_template(name: str) -> DocTemplate:
    return _load(DocTemplate, _path("docs", name, "document template"))


@functools.cache
def checklist(name: str) -> Checklist:
    return _load(Checklist, _path("checklists", name, "checklist"))


def project_type_names() -> list[str]:
    return _names("projects")


def agent_names() -> list[str]:
    return _names("agents")


@functools.cache
def _project_type(name: str) -> ProjectType:
    return _load(ProjectType, _path("projects", name, "project type"))


def project_type(name: str) -> ProjectType:
    """A project type by name; an unknown name is the user's input error, listed with choices."""
    names = project_type_names()
    if name not in names:
        raise InvalidInput(
            f"unknown project type {name!r}", hint=f"choose one of: {', '.join(names)}"
        )
    return _project_type(name)
