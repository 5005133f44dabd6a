"""From an app spec to the data the stack templates render: plain dicts, computed once.

Everything a template needs that takes a decision (type mapping, sample values for the
generated tests, import lists, literals) is computed here in Python, so the templates only
place values. User text (titles, descriptions) is passed as data and turned into literals by
the `py_str` / `toml_str` filters; it is never compiled as template code.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

from bmadgen.appspec import AppSpec, EntitySpec, FeatureSpec, FieldSpec
from bmadgen.generate.pyfmt import call, isort_modules, isort_names, py_literal, py_str
from bmadgen.naming import plural

# Names the fastapi stack itself uses next to the spec's names: list query parameters,
# module aliases, pydantic and SQLAlchemy attributes, and the names a model's class body reads
# after its fields (a field `int` would hide the type of every later `int` field).
STACK_RESERVED_FIELD_NAMES = frozenset(
    {"limit", "offset", "dt", "enum", "session", "copy", "dict", "json", "schema", "fields",
     "construct", "validate", "model_fields", "model_config", "str", "int", "float", "bool",
     "mapped_column"}
)
# Classes the generated modules import or define next to the spec's own classes.
STACK_CLASS_NAMES = frozenset(
    {"Base", "Session", "Page", "PageParams", "PageDep", "SessionDep", "Table", "Mapped",
     "String", "Text", "Integer", "Float", "Boolean", "Date", "DateTime", "Enum", "Field",
     "BaseModel", "ConfigDict", "APIRouter", "Depends", "Query", "HTMLResponse", "TestClient",
     "Annotated", "Any", "IntegrityError", "NotFoundError", "ConflictError", "Iterator",
     "Request", "FastAPI", "Database", "TITLE"}
)
# Slice names whose `<name>_page` route function would shadow an import of ui.py.
STACK_RESERVED_SLICE_NAMES = frozenset({"render"})
MAX_NAME_LENGTH = 24
MAX_ENUM_CLASS_LENGTH = 32
RESERVED_PATHS = ("/health", "/docs", "/redoc", "/openapi.json", "/ui")
STACK_RESERVED_PREFIXES = ("model_", "_")
SA_TYPES = {
    "str": "String",
    "text": "Text",
    "int": "Integer",
    "float": "Float",
    "bool": "Boolean",
    "date": "Date",
    "datetime": "DateTime",
    "enum": "Enum",
    "ref": "Integer",
}
PY_TYPES = {
    "str": "str",
    "text": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "date": "dt.date",
    "datetime": "dt.datetime",
    "ref": "int",
}


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_") if part)


def toml_str(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's; TOML also forbids a raw DEL, and has no
    form at all for a lone surrogate (the app spec refuses those)."""
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise ValueError("TOML cannot hold a lone surrogate")
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


# What YAML 1.1 (PyYAML) reads only escaped: C0/C1 controls, DEL, surrogates, U+FFFE, U+FFFF.
_YAML_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar: JSON's escapes plus \\u escapes for what YAML reads only
    escaped. Other non-ASCII text stays as it is (PyYAML reads an escaped astral character
    back as two surrogates)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


# Markdown user text could start: emphasis, code, links and images, tables, strikethrough,
# headings. (html.escape has already made < > & entities: no HTML, no autolink.)
_MD_INLINE = re.compile(r"[\\`*_\[\]|~#]")
# Block markers that count only at the start of a line: lists and setext underlines.
_MD_LINE_START = re.compile(r"^(\d+[.)]|[-+=])")


def md_line(text: str) -> str:
    """User text for Markdown: one line (no heading or list breaks), HTML escaped, and every
    character that would turn it into Markdown backslash-escaped, so it reads as typed."""
    line = html.escape(" ".join(text.split()), quote=False)
    line = _MD_INLINE.sub(lambda m: "\\" + m.group(), line)
    return _MD_LINE_START.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], line)


def stack_problems(spec: AppSpec) -> list[str]:
    """What the app spec allows but the fastapi stack cannot generate, all at once."""
    problems: list[str] = []
    collection_paths: dict[str, str] = {}
    for feature in spec.features:
        problems.extend(_length_problems(feature))
        if feature.name in STACK_RESERVED_SLICE_NAMES:
            problems.append(f"{feature.name}: slice name is reserved by the fastapi stack")
        class_names: dict[str, str] = dict.fromkeys(STACK_CLASS_NAMES, "the fastapi stack")
        for entity in feature.entities:
            where = f"{feature.name}.{entity.name}"
            for suffix in ("", "Create", "Read", "Filter"):
                generated = pascal(entity.name) + suffix
                if class_names.get(generated) == "the fastapi stack":
                    problems.append(
                        f"{where}: its class {generated} clashes with a name the fastapi stack "
                        "uses; rename the entity"
                    )
                class_names.setdefault(generated, where)
            path = collection_path(feature, entity)
            if any(path == p or path.startswith(p + "/") for p in RESERVED_PATHS):
                problems.append(f"{where}: route {path} is reserved by the fastapi stack")
            if path in collection_paths:
                problems.append(
                    f"{where}: route {path} is also used by {collection_paths[path]}"
                )
            collection_paths[path] = where
            for field in entity.fields:
                if field.name in STACK_RESERVED_FIELD_NAMES or field.name.startswith(
                    STACK_RESERVED_PREFIXES
                ):
                    problems.append(
                        f"{where}.{field.name}: field name {field.name!r} is reserved by the "
                        "fastapi stack"
                    )
        for entity in feature.entities:
            for field in entity.fields:
                if field.type != "enum":
                    continue
                enum_name = pascal(entity.name) + pascal(field.name)
                owner = class_names.get(enum_name)
                if owner is not None:
                    problems.append(
                        f"{feature.name}.{entity.name}.{field.name}: enum class {enum_name} "
                        f"clashes with a class generated for {owner}"
                    )
                class_names[enum_name] = f"{feature.name}.{entity.name}.{field.name}"
        pascal_entities = [pascal(e.name) for e in feature.entities]
        for name in sorted({n for n in pascal_entities if pascal_entities.count(n) > 1}):
            problems.append(f"{feature.name}: two entities become the class name {name}")
    return problems


def _length_problems(feature: FeatureSpec) -> list[str]:
    """Longer names would make generated lines wrap differently from ruff's layout."""
    problems = []
    if len(feature.name) > MAX_NAME_LENGTH:
        problems.append(f"{feature.name}: slice name is longer than {MAX_NAME_LENGTH} characters")
    for entity in feature.entities:
        where = f"{feature.name}.{entity.name}"
        if len(entity.name) > MAX_NAME_LENGTH:
            problems.append(f"{where}: entity name is longer than {MAX_NAME_LENGTH} characters")
        for field in entity.fields:
            if len(field.name) > MAX_NAME_LENGTH:
                problems.append(
                    f"{where}.{field.name}: field name is longer than {MAX_NAME_LENGTH} characters"
                )
            enum_class = pascal(entity.name) + pascal(field.name)
            if field.type == "enum" and len(enum_class) > MAX_ENUM_CLASS_LENGTH:
                problems.append(
                    f"{where}.{field.name}: enum class {enum_class} is longer than "
                    f"{MAX_ENUM_CLASS_LENGTH} characters; shorten the entity or field name"
                )
    return problems


def collection_path(feature: FeatureSpec, entity: EntitySpec) -> str:
    """The spec's list/create path for the entity when it names one, else /<plural>."""
    for endpoint in feature.endpoints:
        names_collection = endpoint.action in ("list", "create") and "{" not in endpoint.path
        if endpoint.entity == entity.name and names_collection and endpoint.path != "/":
            return endpoint.path.rstrip("/")
    return "/" + plural(entity.name)


def _numbers(field: FieldSpec) -> tuple[int | float, int | float]:
    """Two values inside [min, max], distinct unless the range holds only one."""
    low, high = field.min, field.max
    if field.type == "int":
        if low is not None:
            first = math.ceil(low)
        elif high is not None:
            first = math.floor(high) - 1
        else:
            first = 1
        second = first + 1 if high is None or first + 1 <= high else first
        return first, second
    if low is not None:
        first_f = low + 0.25 if high is None or low + 0.25 <= high else low
    elif high is not None:
        first_f = high - 1.5
    else:
        first_f = 1.5
    second_f = first_f + 1 if high is None or first_f + 1 <= high else float(high)
    return float(first_f), float(second_f)


def _text_sample(field: FieldSpec, which: str) -> str:
    text = f"{field.name.replace('_', ' ')} {which}"
    if field.max_length is not None and len(text) > field.max_length:
        text = text[-field.max_length:]
    return text


def _samples(field: FieldSpec) -> tuple[object, object]:
    """Two valid values, distinct where the field allows it (so filters can be tested)."""
    kind = field.type
    if kind in ("str", "text"):
        return _text_sample(field, "one"), _text_sample(field, "two")
    if kind in ("int", "float"):
        return _numbers(field)
    if kind == "bool":
        return True, False
    if kind == "date":
        return "2024-01-02", "2025-03-04"
    if kind == "datetime":
        return "2024-01-02T03:04:05", "2025-03-04T05:06:07"
    if kind == "enum":
        assert field.values
        return field.values[0], field.values[-1]
    return 1, 2  # ref: an id


class TooLong(int):
    """A string one character over max_length, written as an expression, not a literal."""


def _bad_literal(value: object) -> str:
    return f'"x" * {int(value)}' if isinstance(value, TooLong) else py_literal(value)


def _invalid(field: FieldSpec) -> object:
    kind = field.type
    if kind in ("str", "text"):
        if field.max_length is not None:
            return TooLong(field.max_length + 1)
        return 12345
    if kind in ("int", "float", "ref"):
        return "not a number"
    if kind == "bool":
        return "maybe"
    if kind in ("date", "datetime"):
        return "not a date"
    return "not_a_member"


def _column(field: FieldSpec, enum_class: str) -> list[str]:
    """The arguments of the field's `mapped_column(...)`."""
    if field.type == "str":
        column_type = f"String({field.max_length or 255})"
    elif field.type == "enum":
        longest = max(len(value) for value in field.values or ["x"])
        column_type = f"Enum({enum_class}, native_enum=False, length={longest})"
    else:
        column_type = SA_TYPES[field.type]
    args = [column_type]
    if field.unique:
        args.append("unique=True")
    if field.type == "ref":
        args.append("index=True")
    return args


def _schema_constraints(field: FieldSpec) -> list[str]:
    constraints = []
    if field.max_length is not None:
        constraints.append(f"max_length={field.max_length}")
    if field.min is not None:
        constraints.append(f"ge={_num_literal(field, field.min)}")
    if field.max is not None:
        constraints.append(f"le={_num_literal(field, field.max)}")
    if field.description:
        constraints.append(f"description={py_str(field.description)}")
    return constraints


def _num_literal(field: FieldSpec, value: float) -> str:
    if field.type == "int" and value == int(value):
        return repr(int(value))
    return repr(float(value))


def field_context(entity: EntitySpec, field: FieldSpec) -> dict[str, Any]:
    enum_class = pascal(entity.name) + pascal(field.name)
    base_type = enum_class if field.type == "enum" else PY_TYPES[field.type]
    annotation = f"{base_type} | None" if field.optional else base_type
    sample_a, sample_b = _samples(field)
    constraints = _schema_constraints(field)
    declaration = f"{field.name}: {annotation}"
    if constraints:
        defaults = ["default=None", *constraints] if field.optional else constraints
        schema_line = call(f"{declaration} = Field", defaults, indent=4)
    else:
        schema_line = f"    {declaration} = None" if field.optional else f"    {declaration}"
    column_line = call(
        f"{field.name}: Mapped[{annotation}] = mapped_column", _column(field, enum_class), indent=4
    )
    bad_values = [_bad_literal(_invalid(field))]
    if field.min is not None:
        bad_values.append(_num_literal(field, field.min - 1))
    if field.max is not None:
        bad_values.append(_num_literal(field, field.max + 1))
    return {
        "name": field.name,
        "type": field.type,
        "optional": field.optional,
        "unique": field.unique,
        "filterable": field.filterable,
        "enum_class": enum_class if field.type == "enum" else None,
        "enum_members": [(value.upper(), value) for value in field.values or []],
        "filter_line": f"    {field.name}: {base_type} | None = None",
        "schema_line": schema_line,
        "column_line": column_line,
        "uses_field": bool(constraints),
        "sample_a": py_literal(sample_a),
        "sample_b": py_literal(sample_b),
        "distinct": sample_a != sample_b,
        "bad_values": bad_values,
        "text_like": field.type in ("str", "text"),
    }


def entity_context(feature: FeatureSpec, entity: EntitySpec) -> dict[str, Any]:
    fields = [field_context(entity, f) for f in entity.fields]
    path = collection_path(feature, entity)
    return {
        "name": entity.name,
        "class_name": pascal(entity.name),
        "plural": plural(entity.name),
        "title": entity.title or pascal(entity.name),
        "description": entity.description,
        "collection_path": path,
        "item_path": path + "/{item_id}",
        "fields": fields,
        "filter_fields": [f for f in fields if f["filterable"]],
        "required_fields": [f for f in fields if not f["optional"]],
        "optional_fields": [f for f in fields if f["optional"]],
        "bad_values": [(f["name"], value) for f in fields for value in f["bad_values"]],
        "unique_fields": [f for f in fields if f["unique"]],
        "enum_fields": [f for f in fields if f["enum_class"]],
        "has_unique": any(f.unique for f in entity.fields),
        "display_field": next((f["name"] for f in fields if f["text_like"]), None),
    }


def _schema_names(entities: list[dict[str, Any]], suffixes: tuple[str, ...]) -> list[str]:
    return isort_names({e["class_name"] + suffix for e in entities for suffix in suffixes})


def feature_context(feature: FeatureSpec) -> dict[str, Any]:
    entities = [entity_context(feature, e) for e in feature.entities]
    kinds = {f.type for e in feature.entities for f in e.fields}
    return {
        "name": feature.name,
        "title": feature.title or pascal(feature.name),
        "description": feature.description,
        "requirements": list(feature.requirements),
        "entities": entities,
        "sa_imports": isort_names({SA_TYPES[kind] for kind in kinds}),
        "uses_dt": bool(kinds & {"date", "datetime"}),
        "uses_enum": "enum" in kinds,
        "uses_field": any(f["uses_field"] for e in entities for f in e["fields"]),
        "has_unique": any(e["has_unique"] for e in entities),
        "enum_classes": [f["enum_class"] for e in entities for f in e["enum_fields"]],
        "enum_imports": isort_names(f["enum_class"] for e in entities for f in e["enum_fields"]),
        "model_imports": isort_names(e["class_name"] for e in entities),
        "schema_imports": _schema_names(entities, ("Create", "Filter")),
        "api_schema_imports": _schema_names(entities, ("Create", "Filter", "Read")),
        "filter_imports": _schema_names(entities, ("Filter",)),
    }


def app_context(spec: AppSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "title": spec.title or pascal(spec.name),
        "description": spec.description,
        "python": spec.stack.python,
        "features": [feature_context(f) for f in spec.features],
        # The slices in the order ruff's isort wants their imports (th2 before th10).
        "import_order": isort_modules(f.name for f in spec.features),
    }
