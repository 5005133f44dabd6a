"""What the answers and the project type imply, derived deterministically.

The plan is pure: the same project name, type and answers give the same plan, so the offline
provider, the prototype and the app spec built from it are byte-identical run after run.
Requirement ids are assigned here (FR1.. in feature then story order) so every document
agrees on them. Like `definitions`, it sits below `agents` and `workflow` and imports neither.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import BaseModel

from bmadgen.appspec import (
    ADMIN_ROLE,
    Action,
    AuthSpec,
    EndpointSpec,
    EntitySpec,
    EventSpec,
    HttpMethod,
    Permission,
    StackSpec,
)
from bmadgen.definitions import ProjectType, Story
from bmadgen.naming import plural

# phase -> question key -> answer, as given in an answers file or at a prompt
Answers = dict[str, dict[str, Any]]

CRUD: tuple[tuple[HttpMethod, str, Action], ...] = (
    ("GET", "", "list"),
    ("POST", "", "create"),
    ("GET", "/{id}", "read"),
    ("PUT", "/{id}", "update"),
    ("DELETE", "/{id}", "delete"),
)


def role_name(words: str) -> str:
    """A story's role as an identifier: "store manager" -> store_manager."""
    name = "_".join("".join(c if c.isalnum() else " " for c in words.lower()).split())
    return name if name and name[0].isalpha() else f"role_{name}"


def page_name(feature_name: str) -> str:
    """The prototype page of a feature, relative to the prototype folder."""
    return f"{feature_name}.html"


def _summary(action: Action, entity: str) -> str:
    """An endpoint's summary as the OpenAPI document shows it: "List posts", "Read a post"."""
    words = entity.replace("_", " ")
    if action == "list":
        return f"List {plural(entity).replace('_', ' ')}"
    verb = {"create": "Create", "read": "Read", "update": "Replace", "delete": "Delete"}[action]
    return f"{verb} a {words}"


class PlannedStory(BaseModel):
    fr_id: str
    story: Story

    @property
    def title(self) -> str:
        return self.story.title


class PlannedFeature(BaseModel):
    name: str
    title: str
    description: str
    entities: list[EntitySpec]
    events: list[EventSpec]
    stories: list[PlannedStory]
    dropped_refs: list[str] = []

    @property
    def requirement_ids(self) -> list[str]:
        return [s.fr_id for s in self.stories]

    def endpoints(self) -> list[EndpointSpec]:
        out = []
        for entity in self.entities:
            base = "/" + plural(entity.name).replace("_", "-")  # URL style: /cart-items
            for method, suffix, action in CRUD:
                out.append(EndpointSpec(method=method, path=base + suffix, entity=entity.name,
                                        action=action, summary=_summary(action, entity.name)))
        return out


class Plan(BaseModel):
    project_name: str
    project_type: ProjectType
    answers: Answers

    def answer(self, phase: str, key: str, default: Any = None) -> Any:
        return self.answers.get(phase, {}).get(key, default)

    @property
    def title(self) -> str:
        return self.project_name.replace("_", " ").replace("-", " ").title()

    @property
    def slug(self) -> str:
        """The app spec name: the project name as a lowercase identifier."""
        slug = "".join(c if c.isalnum() else "_" for c in self.project_name.lower()).strip("_")
        if not slug or not slug[0].isalpha():
            slug = "app_" + slug
        return slug[:40]

    @property
    def feature_names(self) -> list[str]:
        chosen = self.answer("requirements", "features")
        available = [f.name for f in self.project_type.features]
        if not chosen:
            return available
        return [name for name in available if name in chosen]

    @cached_property
    def features(self) -> list[PlannedFeature]:
        names = self.feature_names
        kept_entities = {e.name for f in self.project_type.features if f.name in names
                         for e in f.entities}
        out: list[PlannedFeature] = []
        counter = 0
        for feature in self.project_type.features:
            if feature.name not in names:
                continue
            stories = []
            for story in feature.stories:
                counter += 1
                stories.append(PlannedStory(fr_id=f"FR{counter}", story=story))
            entities, dropped = [], []
            for entity in feature.entities:
                # A reference to an entity of a slice that was not chosen is left out, so the
                # spec stays valid whatever subset of slices a person picks.
                fields = [f for f in entity.fields
                          if f.type not in ("ref", "refs") or f.ref in kept_entities]
                dropped += [f"{entity.name}.{f.name}" for f in entity.fields if f not in fields]
                entities.append(entity.model_copy(update={"fields": fields}))
            events = [e.model_copy(update={"consumers": [c for c in e.consumers if c in names]})
                      for e in feature.events]
            out.append(PlannedFeature(name=feature.name, title=feature.title,
                                      description=feature.description, entities=entities,
                                      events=events, stories=stories, dropped_refs=dropped))
        return out

    @property
    def functional_requirements(self) -> list[tuple[str, str, str]]:
        """(FR id, requirement, feature name)"""
        return [(s.fr_id, s.story.requirement, f.name) for f in self.features for s in f.stories]

    @property
    def non_functional_requirements(self) -> list[tuple[str, str]]:
        items = list(self.project_type.non_functional)
        items += self.answer("requirements", "non_functional", []) or []
        return [(f"NFR{i}", text) for i, text in enumerate(items, start=1)]

    @property
    def flags(self) -> dict[str, bool]:
        return {
            "has_events": any(f.events for f in self.features),
            "has_auth": self.answer("architecture", "auth", "none") != "none",
        }

    def appspec_stack(self) -> StackSpec:
        return StackSpec(name=self.answer("architecture", "stack", self.project_type.stacks[0]))


    def auth_spec(self) -> AuthSpec | None:
        """Sign-in and roles from the `auth` answer and the stories: every story's role may read
        every entity, a writing story's role may write its feature's entities, and sign-up gives
        the project type's `default_role` or else the role of the most stories."""
        style = self.answer("architecture", "auth", "none")
        if style == "none":
            return None
        counts: dict[str, int] = {}
        for feature in self.features:
            for planned in feature.stories:
                role = role_name(planned.story.role)
                if role != ADMIN_ROLE:
                    counts[role] = counts.get(role, 0) + 1
        roles = list(counts)
        named = role_name(self.project_type.default_role or "")
        default = named if named in counts else max(roles, key=counts.__getitem__, default=None)
        permissions: dict[str, Permission] = {}
        for feature in self.features:
            writers = list(dict.fromkeys(
                role_name(s.story.role) for s in feature.stories if s.story.access == "write"))
            for entity in feature.entities:
                permissions[entity.name] = Permission(read=roles, write=writers)
        return AuthSpec(style=style, roles=roles, default_role=default, permissions=permissions)
