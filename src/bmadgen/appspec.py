"""The app spec: the machine-readable contract between the architecture phase and generation.

One YAML file in the project repo (`appspec.yaml`), validated here. Every problem is reported
with its path (`features[1].entities[0].fields[2].ref`), all at once.
"""

from __future__ import annotations

import math
import re
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bmadgen.errors import InvalidInput, NotFound
from bmadgen.naming import singular
from bmadgen.validation import identifier

SPEC_FILENAME = "appspec.yaml"
SPEC_VERSION: Literal[1] = 1
FieldType = Literal["str", "text", "slug", "email", "url", "int", "float", "money", "bool", "date",
                    "datetime", "enum", "ref", "refs"]
OnDelete = Literal["restrict", "cascade"]
TEXT_TYPES = ("str", "text", "slug")  # the types that take max_length
NUMBER_TYPES = ("int", "float", "money")  # the types that take min and max
FIELD_TYPES = get_args(FieldType)  # the same names, for messages
Action = Literal["list", "create", "read", "update", "delete"]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]

MAX_NAME_LENGTH = 40
# Names that would clash with generated code, SQLAlchemy, or the app skeleton.
RESERVED_FIELD_NAMES = frozenset({"id", "created_at", "updated_at", "metadata", "registry",
                                  "query", "self", "cls"})
RESERVED_SLICE_NAMES = frozenset({"shared", "features", "app", "main", "tests", "test", "api",
                                  "config", "settings", "static", "templates", "ui", "db",
                                  "database", "models", "schemas", "services"})


# Sign-in and roles (the `auth` section). admin always exists and may do everything; the
# accounts slice and the identity tables are generated when auth is on, so their names are taken.
AuthStyle = Literal["session", "token", "none"]
ADMIN_ROLE = "admin"
ACCOUNTS_SLICE = "accounts"
ACCOUNTS_ENTITIES = frozenset({"user", "app_user", "auth_session"})

MAX_SPEC_BYTES = 2 * 1024 * 1024  # a spec of hundreds of features is a few hundred KB
# min/max of number fields: the generated tests step 0.25 and 1 away from them, which a float
# only resolves below 2**51 (and SQLite stores integers below 2**63).
MAX_BOUND = 1e15
MAX_MONEY = 1e13  # 13 digits before the point: cents fit a 64-bit integer
MIN_PYTHON_MINOR = 11  # the generated code uses enum.StrEnum and targets py311

# Raised as ValueError so that pydantic lists the problem with its path, next to the others.
_check_name = partial(identifier, max_len=MAX_NAME_LENGTH, error=ValueError)

# What free text may not hold: it is placed into Python, TOML, Markdown and HTML files, which
# escape newlines and tabs but have no safe form for other control characters or for lone
# surrogates (they cannot even be written as UTF-8).
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_PYTHON_VERSION = re.compile(r"3\.(\d{1,2})")
# A route: "/" or "/"-separated segments (letters, digits, _ and -, or one {parameter}), an
# optional trailing "/"; never an empty segment ("//"), which FastAPI cannot mount.
_ROUTE = re.compile(r"/|(/([A-Za-z0-9_\-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))+/?")


def _text(value: str) -> str:
    bad = _BAD_TEXT.search(value)
    if bad is not None:
        kind = "a lone surrogate" if 0xD800 <= ord(bad.group()) <= 0xDFFF else "a control character"
        raise ValueError(f"text contains {kind} ({bad.group()!r} at {bad.start()}); "
                         "only newlines and tabs are allowed")
    return value


Text = Annotated[str, AfterValidator(_text)]
Name = Annotated[str, AfterValidator(lambda v: _check_name(v, "name"))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class FieldSpec(_Strict):
    name: str
    type: FieldType
    optional: bool = False
    description: Text = ""
    values: list[str] | None = Field(default=None, description="enum members")
    ref: str | None = Field(
        default=None,
        description="entity referenced by id (type ref), or linked by a list of ids (type refs)",
    )
    on_delete: OnDelete | None = Field(
        default=None,
        description="ref fields: deleting the referenced row is refused while this one refers "
        "to it (restrict, the default) or deletes this one too (cascade)",
    )
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    min: float | None = None
    max: float | None = None
    unique: bool = False
    filterable: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        _check_name(v, "field name")
        if v in RESERVED_FIELD_NAMES:
            raise ValueError(f"field name {v!r} is reserved")
        return v

    @field_validator("min", "max")
    @classmethod
    def _bound(cls, v: float | None, info: ValidationInfo) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError(f"{info.field_name} must be a finite number, not {v}")
        if v is not None and abs(v) > MAX_BOUND:
            raise ValueError(f"{info.field_name} must be between -{MAX_BOUND:.0e} and "
                             f"{MAX_BOUND:.0e}, not {v}")
        return v

    @model_validator(mode="after")
    def _type_options(self) -> FieldSpec:
        if self.type == "enum":
            if not self.values:
                raise ValueError(f"enum field {self.name!r} needs 'values'")
            for member in self.values:
                _check_name(member, "enum value")
            if len(set(self.values)) != len(self.values):
                raise ValueError(f"enum field {self.name!r} has duplicate values")
        elif self.values is not None:
            raise ValueError(f"'values' is only for enum fields, not {self.type}")
        if self.type in ("ref", "refs"):
            if not self.ref:
                raise ValueError(f"{self.type} field {self.name!r} needs 'ref' (the entity it "
                                 "points to)")
            if self.type == "refs":
                self._links_options()
        elif self.ref is not None or self.on_delete is not None:
            option = "ref" if self.ref is not None else "on_delete"
            raise ValueError(f"'{option}' is only for ref fields, not {self.type}")
        if self.max_length is not None and self.type not in TEXT_TYPES:
            raise ValueError(f"'max_length' is only for str, text and slug fields, not {self.type}")
        if (self.min is not None or self.max is not None) and self.type not in NUMBER_TYPES:
            raise ValueError(f"'min'/'max' are only for int, float and money fields, not {self.type}")
        if self.type == "money" and any(abs(b) >= MAX_MONEY for b in (self.min, self.max) if b is not None):
            raise ValueError(f"money field {self.name!r}: min and max must be below {MAX_MONEY:.0e}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"field {self.name!r} has min > max")
        if (self.type == "int" and self.min is not None and self.max is not None
                and math.ceil(self.min) > math.floor(self.max)):
            raise ValueError(f"int field {self.name!r} has no whole number between min "
                             f"{self.min} and max {self.max}")
        return self

    def _links_options(self) -> None:
        """A refs field is a set of links (many-to-many): named `<thing>_ids`, never null
        (left out, it links nothing), and deleting either side removes only the link."""
        if not self.name.endswith("_ids") or self.name == "_ids":
            raise ValueError(f"refs field {self.name!r} must be named <thing>_ids, as "
                             f"{self.ref}_ids")
        for option in ("on_delete", "unique", "optional"):
            if getattr(self, option) not in (None, False):
                raise ValueError(f"'{option}' is not for refs fields ({self.name!r}): a link "
                                 "list may always be left out, and deleting either side "
                                 "removes only the links")


class EntitySpec(_Strict):
    name: str
    title: Text = ""
    description: Text = ""
    fields: list[FieldSpec] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v, "entity name")

    @model_validator(mode="after")
    def _unique_fields(self) -> EntitySpec:
        seen: set[str] = set()
        for f in self.fields:
            if f.name in seen:
                raise ValueError(f"entity {self.name!r} has duplicate field {f.name!r}")
            seen.add(f.name)
        return self


class EndpointSpec(_Strict):
    method: HttpMethod
    path: str
    entity: str
    action: Action
    summary: Text = ""

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not _ROUTE.fullmatch(v):
            raise ValueError(
                f"endpoint path {v!r} must be a route: /segments of letters, digits, _ and -, "
                "or {parameter}, none empty (no //)"
            )
        return v


class EventSpec(_Strict):
    name: str
    description: Text = ""
    consumers: list[Name] = []

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v, "event name")


class FeatureSpec(_Strict):
    name: str
    title: Text = ""
    description: Text = ""
    requirements: list[Text] = Field(default_factory=list, description="FR ids this feature covers")
    entities: list[EntitySpec] = Field(min_length=1)
    endpoints: list[EndpointSpec] = Field(default_factory=list)
    events: list[EventSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        _check_name(v, "feature name")
        if v in RESERVED_SLICE_NAMES:
            raise ValueError(f"feature name {v!r} is reserved")
        return v

    @model_validator(mode="after")
    def _endpoints_name_entities(self) -> FeatureSpec:
        names = {e.name for e in self.entities}
        for endpoint in self.endpoints:
            if endpoint.entity not in names:
                raise ValueError(
                    f"endpoint {endpoint.method} {endpoint.path} names entity {endpoint.entity!r}"
                    f" which is not in feature {self.name!r}"
                )
        return self


class StackSpec(_Strict):
    """Its values land in pyproject.toml and the CI workflow, so each is checked by its form."""

    name: Name = "fastapi"
    database: Literal["sqlite"] = "sqlite"
    python: str = "3.11"

    @field_validator("python", mode="before")
    @classmethod
    def _python_is_text(cls, v: object) -> object:
        # A ValueError, not a TypeError: pydantic lists only the former with its path.
        if isinstance(v, int | float):
            message = (f"write the Python version in quotes, as '3.12' (YAML reads {v} as a "
                       "number, and 3.10 as 3.1)")
            raise ValueError(message)  # noqa: TRY004
        return v

    @field_validator("python")
    @classmethod
    def _python(cls, v: str) -> str:
        match = _PYTHON_VERSION.fullmatch(v)
        if match is None or int(match.group(1)) < MIN_PYTHON_MINOR:
            raise ValueError(f"Python version {v!r} must look like '3.11' or '3.12' "
                             f"(3.{MIN_PYTHON_MINOR} or newer)")
        return v


_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_BRAND_COLOR = "#2a6f97"


class UiSpec(_Strict):
    """How the app's web pages look: the prototype's answers, so the app looks like the pages the
    person approved. The values land in a stylesheet and a class attribute, so each is checked
    by its form."""

    layout: Literal["top-nav", "sidebar"] = "top-nav"
    style: Literal["clean", "playful", "corporate"] = "clean"
    brand_color: str = DEFAULT_BRAND_COLOR

    @field_validator("brand_color")
    @classmethod
    def _colour(cls, v: str) -> str:
        if _HEX_COLOUR.fullmatch(v) is None:
            raise ValueError(f"brand colour {v!r} must look like '#2a6f97' (# and six hex digits)")
        return v.lower()


class Permission(_Strict):
    """The roles that may read (GET) and write (create, change, delete) an entity's rows."""

    read: list[Name] = []
    write: list[Name] = []


class AuthSpec(_Strict):
    """Who signs in and what each role may do. `style` is how the API takes credentials
    (session: the pages' cookie and bearer tokens; token: bearer tokens; none: an open app).
    An entity with no `permissions` entry may be read by every signed-in role and written by
    admin only; admin may always do everything."""

    style: AuthStyle = "none"
    roles: list[Name] = []
    default_role: Name | None = Field(default=None, description="the role sign-up gives")
    permissions: dict[str, Permission] = {}

    @property
    def enabled(self) -> bool:
        return self.style != "none"

    @property
    def all_roles(self) -> list[str]:
        """admin first, then the declared roles in their order."""
        return [ADMIN_ROLE] + [r for r in self.roles if r != ADMIN_ROLE]

    @property
    def signup_role(self) -> str:
        """The role sign-up gives: `default_role`, else the first declared role but admin."""
        others = [r for r in self.all_roles if r != ADMIN_ROLE]
        return self.default_role or (others[0] if others else ADMIN_ROLE)

    def readers(self, entity: str) -> list[str]:
        entry = self.permissions.get(entity)
        if entry is None:
            return self.all_roles
        return [r for r in self.all_roles if r == ADMIN_ROLE or r in entry.read or r in entry.write]

    def writers(self, entity: str) -> list[str]:
        entry = self.permissions.get(entity)
        allowed = entry.write if entry is not None else []
        return [r for r in self.all_roles if r == ADMIN_ROLE or r in allowed]

    @model_validator(mode="after")
    def _roles(self) -> AuthSpec:
        problems: list[str] = []
        if len(set(self.roles)) != len(self.roles):
            problems.append("roles: a role is named twice")
        declared = set(self.all_roles)
        if self.default_role == ADMIN_ROLE:
            problems.append("default_role: sign-up never gives admin (make the first admin with "
                            "the create-admin command)")
        elif self.default_role is not None and self.default_role not in declared:
            problems.append(f"default_role: {self.default_role!r} is not one of the roles")
        if self.enabled and declared == {ADMIN_ROLE}:
            problems.append("roles: name at least one role besides admin (sign-up gives it)")
        for entity, entry in self.permissions.items():
            for action in ("read", "write"):
                problems += [f"permissions.{entity}.{action}: role {role!r} is not one of the roles"
                             for role in getattr(entry, action) if role not in declared]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class AppSpec(_Strict):
    spec_version: Literal[1] = SPEC_VERSION
    name: str
    title: Text = ""
    description: Text = ""
    stack: StackSpec = Field(default_factory=StackSpec)
    ui: UiSpec = Field(default_factory=UiSpec)
    features: list[FeatureSpec] = Field(min_length=1)
    auth: AuthSpec | None = Field(default=None, description="sign-in and roles; none: open")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v, "app name")

    @property
    def auth_enabled(self) -> bool:
        return self.auth is not None and self.auth.enabled

    @model_validator(mode="after")
    def _cross_references(self) -> AppSpec:
        problems: list[str] = []
        seen_features: set[str] = set()
        entities: dict[str, str] = {}
        for feature in self.features:
            if feature.name in seen_features:
                problems.append(f"duplicate feature {feature.name!r}")
            seen_features.add(feature.name)
            for entity in feature.entities:
                if entity.name in entities:
                    problems.append(
                        f"entity {entity.name!r} is defined in both {entities[entity.name]!r} "
                        f"and {feature.name!r}"
                    )
                entities[entity.name] = feature.name
        for feature in self.features:
            for entity in feature.entities:
                for f in entity.fields:
                    if f.type in ("ref", "refs") and f.ref not in entities:
                        problems.append(
                            f"{feature.name}.{entity.name}.{f.name} references missing entity "
                            f"{f.ref!r}"
                        )
                    if f.type == "refs" and f.ref == entity.name:
                        problems.append(f"{feature.name}.{entity.name}.{f.name}: a refs field "
                                        "cannot link an entity to itself")
        problems += _event_problems(self.features)
        problems += _auth_problems(self, entities)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def feature(self, name: str) -> FeatureSpec:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise NotFound(f"no feature {name!r} in the app spec")

    def entity_owner(self) -> dict[str, str]:
        return {e.name: f.name for f in self.features for e in f.entities}


def _event_problems(features: list[FeatureSpec]) -> list[str]:
    """Each event name is published by one slice only, and its consumers are slices."""
    problems: list[str] = []
    names = {feature.name for feature in features}
    publishers: dict[str, str] = {}
    for feature in features:
        for event in feature.events:
            if event.name in publishers:
                problems.append(f"event {event.name!r} is published by both "
                                f"{publishers[event.name]!r} and {feature.name!r}")
            publishers.setdefault(event.name, feature.name)
            problems += [f"{feature.name}: event {event.name!r} names consumer {consumer!r}, "
                         "which is not a slice of the app"
                         for consumer in event.consumers if consumer not in names]
    return problems


def _auth_problems(spec: AppSpec, entities: dict[str, str]) -> list[str]:
    """Permissions name entities of the app; with sign-in on, the accounts slice and its
    tables are taken."""
    if spec.auth is None:
        return []
    problems = [f"auth.permissions.{name}: names entity {name!r}, which is not in the app"
                for name in spec.auth.permissions if name not in entities]
    if not spec.auth.enabled:
        return problems
    for i, feature in enumerate(spec.features):
        if feature.name == ACCOUNTS_SLICE:
            problems.append(f"features[{i}].name: {ACCOUNTS_SLICE!r} is reserved when auth is on "
                            "(the generated sign-in slice)")
        problems += [f"features[{i}].entities[{j}].name: {entity.name!r} is reserved when auth "
                     "is on (the accounts tables)"
                     for j, entity in enumerate(feature.entities)
                     if entity.name in ACCOUNTS_ENTITIES]
    return problems


def format_errors(exc: ValidationError) -> list[str]:
    """One line per problem, each with the path into the spec."""
    lines = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{path or '(top)'}: {message}")
    return lines


def _raw_cross_reference_problems(data: dict[str, Any]) -> list[str]:
    """References to missing entities and duplicate names, read from the unvalidated mapping."""
    features = data.get("features")
    if not isinstance(features, list):
        return []
    entities: dict[str, str] = {}
    refs: list[tuple[str, str]] = []
    problems: list[str] = []
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or not isinstance(feature.get("entities"), list):
            continue
        for j, entity in enumerate(feature["entities"]):
            if not isinstance(entity, dict):
                continue
            name = entity.get("name")
            if isinstance(name, str):
                entities.setdefault(name, str(feature.get("name")))
            fields = entity.get("fields")
            if not isinstance(fields, list):
                fields = []
            seen: set[str] = set()
            for k, field in enumerate(fields):
                if not isinstance(field, dict):
                    continue
                path = f"features[{i}].entities[{j}].fields[{k}]"
                if field.get("name") in seen:
                    problems.append(f"{path}.name: duplicate field {field.get('name')!r}")
                seen.add(str(field.get("name")))
                if field.get("type") in ("ref", "refs") and isinstance(field.get("ref"), str):
                    refs.append((f"{path}.ref", field["ref"]))
    problems += [f"{path}: references missing entity {target!r}"
                 for path, target in refs if target not in entities]
    return problems


def parse(data: object, source: str = "app spec") -> AppSpec:
    if not isinstance(data, dict):
        raise InvalidInput(f"{source} must be a mapping at the top level")
    try:
        return AppSpec.model_validate(data)
    except ValidationError as exc:
        problems = format_errors(exc)
        # pydantic skips the whole-spec checks once a field fails; run them on the raw data so
        # one pass reports every problem (not when they ran: an error at the top is theirs).
        if all(err["loc"] for err in exc.errors()):
            problems += [p for p in _raw_cross_reference_problems(data) if p not in problems]
        count = f"{len(problems)} problem{'s' * (len(problems) != 1)}"
        raise InvalidInput(f"{source} is invalid ({count})", details=problems) from exc


def _read_spec_text(path: Path, max_bytes: int = MAX_SPEC_BYTES) -> str:
    """The spec file's text, through the one bounded reader for files a person hands in: a
    regular file, at most `max_bytes`, UTF-8 (NotFound when there is none, else InvalidInput)."""
    from bmadgen.fsutil import read_user_text

    return read_user_text(path, "app spec", max_bytes=max_bytes)


def load(path: Path) -> AppSpec:
    import yaml

    text = _read_spec_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path} is not valid YAML: {exc}".replace("\n", " ")) from exc
    except RecursionError as exc:
        raise InvalidInput(f"{path} is not valid YAML: nested too deeply") from exc
    return parse(data, str(path))


def dump(spec: AppSpec) -> str:
    """Deterministic YAML: same spec, same bytes."""
    import yaml

    data = spec.model_dump(mode="json", exclude_defaults=False)
    if data.get("auth") is None:  # a spec without sign-in keeps the shape it always had
        data.pop("auth", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# Editing: the spec with a feature added or removed, validated whole. The faces' `slice add`
# and `slice rm` word these as slices; the spec calls them features.

# The entity of a feature added with no fields named: a name and an optional description.
DEFAULT_FIELDS: tuple[dict[str, object], ...] = (
    {"name": "name", "type": "str", "max_length": 200},
    {"name": "description", "type": "text", "optional": True},
)


def parse_field(text: str) -> dict[str, object]:
    """`name:type`, `name:type?` (optional), `status:enum=a|b`, `owner_id:ref=user`,
    `tag_ids:refs=tag` (links to any number of tags)."""
    name, sep, kind = text.partition(":")
    if not sep or not name or not kind:
        raise InvalidInput(f"field {text!r} must look like name:type (types: {', '.join(FIELD_TYPES)})")
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    kind, _, argument = kind.partition("=")
    field: dict[str, object] = {"name": name, "type": kind}
    if optional:
        field["optional"] = True
    if kind == "enum":
        field["values"] = [v for v in argument.split("|") if v]
    elif kind in ("ref", "refs"):
        field["ref"] = argument
    elif argument:
        raise InvalidInput(f"field {text!r}: only enum, ref and refs fields take '=...'")
    return field


def new_feature_problems(spec: AppSpec, name: str, *, max_len: int = MAX_NAME_LENGTH) -> list[str]:
    """Why `name` cannot name a feature added to `spec`, every reason; none when it can.
    `max_len` lets a stack ask for shorter names than the spec allows."""
    try:
        identifier(name, "slice name", max_len=max_len)
    except InvalidInput as exc:
        return [exc.message]
    problems = []
    if name in RESERVED_SLICE_NAMES or (name == ACCOUNTS_SLICE and spec.auth_enabled):
        problems.append(f"slice name {name!r} is reserved")
    if any(f.name == name for f in spec.features):
        problems.append(f"slice {name!r} already exists in the app spec")
    return problems


def with_feature(
    spec: AppSpec,
    name: str,
    *,
    entity: str | None = None,
    fields: list[str] | None = None,
    title: str = "",
) -> AppSpec:
    """`spec` plus a feature `name` holding one entity (default: `name` in the singular) with
    `fields` in `parse_field` syntax (default: `DEFAULT_FIELDS`)."""
    field_specs = [parse_field(f) for f in fields] if fields else [dict(f) for f in DEFAULT_FIELDS]
    data = spec.model_dump(mode="json")
    data["features"].append(
        {
            "name": name,
            "title": title,
            "entities": [{"name": entity or singular(name), "fields": field_specs}],
        }
    )
    return parse(data, "app spec with the new slice")


def references_to(spec: AppSpec, name: str) -> list[str]:
    """The fields of other features that refer to an entity of feature `name`, each with what
    deleting a referenced row does (`feature.entity.field -> entity (on_delete ...)`)."""
    owned = {e.name for e in spec.feature(name).entities}
    return [f"{feature.name}.{entity.name}.{field.name} -> {field.ref} "
            + ("(links)" if field.type == "refs" else f"(on_delete {field.on_delete or 'restrict'})")
            for feature in spec.features if feature.name != name
            for entity in feature.entities for field in entity.fields if field.ref in owned]


def references_from(spec: AppSpec, name: str) -> list[str]:
    """What the entities of feature `name` refer to elsewhere, and what that means for the
    referenced rows (they cannot be deleted while referred to, or take these rows with them)."""
    owner = spec.entity_owner()
    lines = []
    for entity in spec.feature(name).entities:
        for field in entity.fields:
            if field.ref is None:
                continue
            effect = ("deletes these rows too" if field.on_delete == "cascade"
                      else "removes only its links to these rows" if field.type == "refs"
                      else "is refused (409) while these rows refer to it")
            lines.append(f"{entity.name}.{field.name} refers to {field.ref} (slice "
                         f"{owner[field.ref]}): deleting a {field.ref} {effect}")
    return lines


def without_feature(spec: AppSpec, name: str) -> AppSpec:
    """`spec` without the feature `name` (NotFound when it has none; an app keeps one at least;
    InvalidInput naming every field of another feature that refers to one of its entities)."""
    spec.feature(name)
    features = [f for f in spec.features if f.name != name]
    # Its events lose it as a consumer: a publisher never depends on who listens.
    features = [f.model_copy(update={"events": [
        e.model_copy(update={"consumers": [c for c in e.consumers if c != name]})
        for e in f.events]}) for f in features]
    if not features:
        raise InvalidInput(f"cannot remove {name!r}: an app needs at least one slice")
    dependants = references_to(spec, name)
    if dependants:
        raise InvalidInput(
            f"cannot remove {name!r}: {len(dependants)} field{'s' * (len(dependants) != 1)} "
            "of other slices refer to its entities and would point at nothing",
            details=dependants,
            hint="remove or change those fields (or their slices) first, then remove this one",
        )
    update: dict[str, Any] = {"features": features}
    if spec.auth is not None:  # its entities' permissions go with it
        owned = {e.name for e in spec.feature(name).entities}
        update["auth"] = spec.auth.model_copy(update={"permissions": {
            entity: entry for entity, entry in spec.auth.permissions.items()
            if entity not in owned}})
    return parse(spec.model_copy(update=update).model_dump(mode="json"),
                 "app spec without the slice")
