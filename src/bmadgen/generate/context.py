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

from bmadgen.appspec import AppSpec, EntitySpec, EventSpec, FeatureSpec, FieldSpec
from bmadgen.generate.pyfmt import call, fits, isort_modules, isort_names, py_literal, py_str
from bmadgen.naming import plural

# Names the fastapi stack itself uses next to the spec's names: list query parameters,
# module aliases, pydantic and SQLAlchemy attributes, and the names a model's class body reads
# after its fields (a field `int` would hide the type of every later `int` field).
STACK_RESERVED_FIELD_NAMES = frozenset(
    {"limit", "offset", "dt", "enum", "session", "copy", "dict", "json", "schema", "fields",
     "construct", "validate", "model_fields", "model_config", "str", "int", "float", "bool",
     "mapped_column", "q", "sort", "search", "required", "register_target", "register_reference"}
)
# Classes the generated modules import or define next to the spec's own classes.
STACK_CLASS_NAMES = frozenset(
    {"Base", "Session", "Page", "PageParams", "PageDep", "SessionDep", "Table", "Mapped",
     "String", "Text", "Integer", "Float", "Boolean", "Date", "DateTime", "Enum", "Field",
     "BaseModel", "ConfigDict", "APIRouter", "Depends", "Query", "HTMLResponse", "TestClient",
     "Annotated", "Any", "IntegrityError", "NotFoundError", "ConflictError", "Iterator",
     "Request", "FastAPI", "Database", "TITLE", "Entity", "Money", "IsoDate", "UtcDatetime",
     "HttpUrlText", "EmailStr", "Cents", "UtcDateTime", "BigId", "BigInteger", "ForeignKey",
     "ListQuery", "PatchBody", "Reference", "SkipJsonSchema", "Decimal", "ClassVar",
     "MIN_BIGINT", "MAX_BIGINT", "MAX_SEARCH_LENGTH", "SLUG_PATTERN", "PATH", "Generator",
     "MetaData", "Column", "MonkeyPatch", "IdList", "AssociationProxy", "Link", "Event",
     "Embedded"}
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
    "slug": "String",
    "email": "String",
    "url": "String",
    "int": "BigInteger",
    "float": "Float",
    "money": "Cents",
    "bool": "Boolean",
    "date": "Date",
    "datetime": "UtcDateTime",
    "enum": "Enum",
    "ref": "BigId",
}
# Column types that come from app.shared.database, not from sqlalchemy.
SHARED_COLUMN_TYPES = frozenset({"Cents", "UtcDateTime", "BigId"})
# The Python type of a column (models) and of a value read from JSON (schemas).
PY_TYPES = {
    "str": "str",
    "text": "str",
    "slug": "str",
    "email": "str",
    "url": "str",
    "int": "int",
    "float": "float",
    "money": "Decimal",
    "bool": "bool",
    "date": "dt.date",
    "datetime": "dt.datetime",
    "ref": "int",
    "refs": "list[int]",
}
SCHEMA_TYPES = {**PY_TYPES, "int": "JsonInt", "float": "JsonFloat", "bool": "StrictBool",
                "ref": "JsonInt", "email": "EmailStr", "url": "HttpUrlText", "money": "Money",
                "date": "IsoDate", "datetime": "UtcDatetime", "refs": "IdList"}
# What app.shared.schemas provides, by the spec type that needs it.
SHARED_SCHEMA_NAMES = {"url": "HttpUrlText", "money": "Money", "date": "IsoDate",
                       "datetime": "UtcDatetime"}
SHARED_SCHEMA_CANDIDATES = frozenset(
    {*SHARED_SCHEMA_NAMES.values(), "MIN_BIGINT", "MAX_BIGINT", "SLUG_PATTERN", "JsonInt",
     "JsonFloat", "UnsignedMoney", "IdList", "json_bounds"}
)
PYDANTIC_CANDIDATES = frozenset({"EmailStr", "StrictBool"})
DEFAULT_STR_LENGTH = 255
DEFAULT_SLUG_LENGTH = 100
EMAIL_LENGTH = 254
URL_LENGTH = 2083
RANGE_TYPES = ("int", "float", "money", "date", "datetime")
SORT_TYPES = ("str", "slug", "email", "int", "float", "money", "date", "datetime", "enum")
SEARCH_TYPES = ("str", "text")
RANGE_SUFFIXES = ("_min", "_max")
# Query parameters of every list route next to the spec's filters.
LIST_PARAMETERS = frozenset({"q", "sort"})


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
    tables = {e.name for f in spec.features for e in f.entities}
    for feature in spec.features:
        problems.extend(_length_problems(feature))
        if feature.name in STACK_RESERVED_SLICE_NAMES:
            problems.append(f"{feature.name}: slice name is reserved by the fastapi stack")
        class_names: dict[str, str] = dict.fromkeys(STACK_CLASS_NAMES, "the fastapi stack")
        for entity in feature.entities:
            where = f"{feature.name}.{entity.name}"
            suffixes = ("", "Create", "Read", "Filter", "Patch", "Sort", "Embed", "Embedded",
                        "Detail")
            link_classes = [link_table(entity, f)["class_name"] for f in entity.fields
                            if f.type == "refs"]
            for generated in [pascal(entity.name) + suffix for suffix in suffixes] + link_classes:
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
            names = {f.name for f in entity.fields}
            problems.extend(_relation_problems(feature, entity, tables))
            for field in entity.fields:
                for suffix in RANGE_SUFFIXES:
                    if field.name.endswith(suffix) and field.name.removesuffix(suffix) in names:
                        problems.append(
                            f"{feature.name}.{entity.name}.{field.name}: clashes with the range "
                            f"filter of {field.name.removesuffix(suffix)!r}; rename the field"
                        )
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


def _relation_problems(feature: FeatureSpec, entity: EntitySpec, tables: set[str]) -> list[str]:
    """Names the generated links and embeds would take that clash with others: a field, an
    entity's table (`tables`), another embed."""
    problems = []
    names = {f.name for f in entity.fields}
    for field in entity.fields:
        if field.type != "refs":
            continue
        link = link_table(entity, field)
        if link["relationship"] in names:
            problems.append(f"{feature.name}.{entity.name}.{field.name}: its links attribute "
                            f"{link['relationship']!r} clashes with a field; rename one")
        if link["table"] in tables:
            problems.append(f"{feature.name}.{entity.name}.{field.name}: its link table "
                            f"{link['table']!r} clashes with an entity's table; rename one")
    embeds = [e["name"] for e in _embeds(entity)]
    problems += [f"{feature.name}.{entity.name}: two references embed as {name!r}; rename one"
                 for name in sorted({n for n in embeds if embeds.count(n) > 1})]
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
    if field.type == "slug":
        text = f"{field.name.replace('_', '-')}-{which}"
    elif field.type == "email":
        return f"{which}@example.com"
    elif field.type == "url":
        return f"https://example.com/{which}"
    else:
        text = f"{field.name.replace('_', ' ')} {which}"
    if field.max_length is not None and len(text) > field.max_length:
        text = text[-field.max_length:].lstrip("-")
    return text


def _money(value: float) -> str:
    return f"{value:.2f}"


def _samples(field: FieldSpec) -> tuple[object, object]:
    """Two valid values, distinct where the field allows it (so filters can be tested), as
    the JSON an answer holds (a datetime in UTC, money as a decimal string)."""
    kind = field.type
    if kind in ("str", "text", "slug", "email", "url"):
        return _text_sample(field, "one"), _text_sample(field, "two")
    if kind in ("int", "float"):
        return _numbers(field)
    if kind == "money":
        first, second = _numbers(field.model_copy(update={"type": "float"}))
        return _money(first), _money(second)
    if kind == "bool":
        return True, False
    if kind == "date":
        return "2024-01-02", "2025-03-04"
    if kind == "datetime":
        return "2024-01-02T03:04:05Z", "2025-03-04T05:06:07Z"
    if kind == "enum":
        assert field.values
        return field.values[0], field.values[-1]
    if kind == "refs":
        return [1], [2]  # links to the rows the tests' stand-in tables hold
    return 1, 2  # ref: ids of rows the tests create


class TooLong(int):
    """A string one character over max_length, written as an expression, not a literal."""


def _literal(value: object) -> str:
    """A Python literal, lists (of refs fields) included."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return py_literal(value)


def _bad_literal(value: object) -> str:
    return f'"x" * {int(value)}' if isinstance(value, TooLong) else _literal(value)


def max_length(field: FieldSpec) -> int | None:
    if field.type == "str":
        return field.max_length or DEFAULT_STR_LENGTH
    if field.type == "slug":
        return field.max_length or DEFAULT_SLUG_LENGTH
    return field.max_length


def _invalid(field: FieldSpec) -> list[object]:
    """Values the API must refuse (422) for the field: wrong JSON types, out of range, badly
    formed."""
    kind = field.type
    length = max_length(field)
    too_long = [TooLong(length + 1)] if length is not None else []
    if kind in ("str", "text"):
        return [12345, *too_long, *([""] if not field.optional else [])]
    if kind == "slug":
        return [12345, "Not a slug", "-leading", *too_long]
    if kind == "email":
        return ["not an email", 12345]
    if kind == "url":
        return ["not a url", 12345]
    if kind in ("int", "ref"):
        return ["1", 1.5, True, 2**63]
    if kind == "refs":
        return [1, ["1"], [0], [True], [2**63], None]
    if kind == "float":
        return ["1.5", True]
    if kind == "money":
        return [1.5, "1.005", "12e3", True]
    if kind == "bool":
        return ["true", 1]
    if kind == "date":
        return ["not a date", 0.5, "0.5"]
    if kind == "datetime":
        return ["not a date", "2024-01-02T03:04:05", 1.5]
    return ["not_a_member"]


def _bound_literals(field: FieldSpec) -> tuple[str | None, str | None]:
    """The lower and upper bounds of a number field as Python expressions."""
    low = None if field.min is None else _num_literal(field, field.min)
    high = None if field.max is None else _num_literal(field, field.max)
    if field.type in ("int", "ref"):
        low = low or ("1" if field.type == "ref" else "MIN_BIGINT")
        high = high or "MAX_BIGINT"
    return low, high


def _value_constraints(field: FieldSpec) -> list[str]:
    """What a value of the field must satisfy, for bodies and for filters alike."""
    constraints = []
    length = max_length(field)
    if field.type == "slug":
        constraints.append("pattern=SLUG_PATTERN")
    if field.type in ("str", "text") and not field.optional:
        constraints.append("min_length=1")
    if length is not None:
        constraints.append(f"max_length={length}")
    if field.type == "float":
        constraints.append("allow_inf_nan=False")
    low, high = _bound_literals(field)
    if low is not None:
        constraints.append(f"ge={low}")
    if high is not None:
        constraints.append(f"le={high}")
    return constraints


def _description(field: FieldSpec) -> str:
    """The field's description in the OpenAPI document: the spec's, then what the type implies
    (the row a reference names, a money amount's bounds, which a string schema cannot hold)."""
    parts = [field.description.strip()] if field.description.strip() else []
    if field.type == "ref":
        parts.append(f"The id of a {field.ref.replace('_', ' ') if field.ref else 'row'}.")
    elif field.type == "refs":
        parts.append(f"The ids of the {plural(field.ref or 'row').replace('_', ' ')} it links "
                     "to (a set, answered in ascending order).")
    elif field.type == "money":
        bounds = [f"at least {_money(field.min)}" if field.min is not None else "",
                  f"at most {_money(field.max)}" if field.max is not None else ""]
        parts.append("An amount, " + " and ".join(b for b in bounds if b) + "."
                     if any(bounds) else "An amount.")
    return " ".join(parts)


def _schema_constraints(field: FieldSpec) -> list[str]:
    constraints = _value_constraints(field)
    description = _description(field)
    if description:
        constraints.append(f"description={py_str(description)}")
    return constraints


def _num_literal(field: FieldSpec, value: float) -> str:
    if field.type == "int" and value == int(value):
        return repr(int(value))
    if field.type == "money":
        return f'Decimal("{_money(value)}")'
    return repr(float(value))


def _nullable_bounds(constraints: list[str]) -> list[str]:
    """A nullable field's constraints, with the hook that writes its bounds into the OpenAPI
    document as JSON Schema's (app.shared.schemas.json_bounds)."""
    if any(c.startswith(("ge=", "le=")) for c in constraints):
        return [*constraints, "json_schema_extra=json_bounds"]
    return constraints


def _field_line(declaration: str, constraints: list[str], default: str | None = None) -> str:
    args = ([f"default={default}"] if default is not None else []) + constraints
    if not args:
        return f"    {declaration}"
    return call(f"{declaration} = Field", args, indent=4)


def _filter_lines(field: FieldSpec, base_type: str) -> list[str]:
    """The list route's query parameters for the field: equal to it, and for numbers and
    dates at least (_min) and at most (_max); for a refs field, linked to the id."""
    if not field.filterable:
        return []
    if field.type == "refs":
        return [_field_line(f"{field.name}: int | None",
                            ["ge=1", "le=MAX_BIGINT", "json_schema_extra=json_bounds"], "None")]
    # Query parameters are text: the lax types read them (the strict ones would refuse all).
    query_type = base_type if field.type != "money" else _schema_type(field, "")
    query_type = {"date": "IsoDate", "datetime": "UtcDatetime"}.get(field.type, query_type)
    constraints = [c for c in _value_constraints(field) if not c.startswith("min_length")]
    names = [field.name]
    if field.type in RANGE_TYPES:
        names += [field.name + suffix for suffix in RANGE_SUFFIXES]
    return [_field_line(f"{name}: {query_type} | None", _nullable_bounds(constraints),
                        default="None")
            for name in names]


def _sa_type(field: FieldSpec, enum_class: str) -> str:
    if field.type in ("str", "slug"):
        return f"String({max_length(field)})"
    if field.type == "email":
        return f"String({EMAIL_LENGTH})"
    if field.type == "url":
        return f"String({URL_LENGTH})"
    if field.type == "enum":
        longest = max(len(value) for value in field.values or ["x"])
        return f"Enum({enum_class}, native_enum=False, length={longest})"
    return SA_TYPES[field.type]


def column_flags(field: FieldSpec) -> tuple[bool, bool]:
    """Whether the field's column is unique, and whether it is indexed: declared filters and
    sorts are indexed, so a list query never scans the table for them (tables.py reads this
    too, for the migrations)."""
    unique = field.unique
    return unique, not unique and (field.type == "ref" or (field.filterable and field.type != "text"))


def link_table(entity: EntitySpec, field: FieldSpec) -> dict[str, str]:
    """The association table of a refs field: `<entity>_<things>` (from `<thing>_ids`), with
    `<entity>_id` and `<ref>_id` as its composite primary key, the second also indexed."""
    stem = field.name.removesuffix("_ids")
    return {
        "table": f"{entity.name}_{plural(stem)}",
        "class_name": pascal(entity.name) + pascal(stem) + "Link",
        "relationship": f"{stem}_links",
        "creator": f"_{entity.name}_{stem}_link",
        "source": entity.name,
        "source_column": f"{entity.name}_id",
        "target": field.ref or "",
        "target_column": f"{field.ref}_id",
        "field": field.name,
        "registration": _link_registration(entity, field, stem),
    }


def _link_registration(entity: EntitySpec, field: FieldSpec, stem: str) -> str:
    """`register_link(Link(...))`: deleting the linked row removes the links to it."""
    class_name = pascal(entity.name) + pascal(stem) + "Link"
    args = [py_str(entity.name), f"{class_name}.__table__", py_str(f"{entity.name}_id"),
            py_str(field.ref or ""), py_str(f"{field.ref}_id")]
    inner = call("Link", args)
    if fits(f"    {inner}"):
        return call("register_link", [inner])
    return "register_link(\n" + call("Link", args, indent=4) + ",\n)"


def _link_lines(entity: EntitySpec, field: FieldSpec) -> str:
    """The relationship to the link rows and the list of ids read and written through it."""
    link = link_table(entity, field)
    model = pascal(entity.name)
    join = f"lambda: {model}.id == foreign({link['class_name']}.{link['source_column']})"
    relationship = call(
        f"{link['relationship']}: Mapped[list[{link['class_name']}]] = relationship",
        [f"primaryjoin={join}", 'cascade="all, delete-orphan"', 'lazy="selectin"',
         f"order_by={link['class_name']}.{link['target_column']}"],
        indent=4,
    )
    proxy = call(
        f"{field.name}: AssociationProxy[list[int]] = association_proxy",
        [py_str(link["relationship"]), py_str(link["target_column"]),
         f"creator={link['creator']}"],
        indent=4,
    )
    return relationship + "\n" + proxy


def _column(field: FieldSpec, enum_class: str) -> list[str]:
    """The arguments of the field's `mapped_column(...)`; a ref is a foreign key to the
    referenced entity's table, named as a string so that slices never import each other."""
    args = [_sa_type(field, enum_class)]
    if field.type == "ref":
        on_delete = (field.on_delete or "restrict").upper()
        args.append(f"ForeignKey({py_str(f'{field.ref}.id')}, ondelete={py_str(on_delete)})")
    unique, index = column_flags(field)
    if unique:
        args.append("unique=True")
    elif index:
        args.append("index=True")
    return args


def _schema_type(field: FieldSpec, enum_class: str) -> str:
    if field.type == "enum":
        return enum_class
    if field.type == "money" and field.min is not None and field.min >= 0:
        return "UnsignedMoney"
    return SCHEMA_TYPES[field.type]


def _example(field: FieldSpec, sample: object) -> str:
    """The field's example in the OpenAPI document: the generated tests' first sample, valid
    for its type and bounds."""
    return f"examples=[{_literal(sample)}]"


def field_context(entity: EntitySpec, field: FieldSpec) -> dict[str, Any]:
    enum_class = pascal(entity.name) + pascal(field.name)
    base_type = enum_class if field.type == "enum" else PY_TYPES[field.type]
    schema_type = _schema_type(field, enum_class)
    annotation = f"{base_type} | None" if field.optional else base_type
    schema_annotation = f"{schema_type} | None" if field.optional else schema_type
    sample_a, sample_b = _samples(field)
    constraints = [*_schema_constraints(field), _example(field, sample_a)]
    declaration = f"{field.name}: {schema_annotation}"
    if field.type == "refs":
        schema_line = call(f"{declaration} = Field", ["default_factory=list", *constraints],
                           indent=4)
    else:
        schema_line = _field_line(
            declaration,
            _nullable_bounds(constraints) if field.optional else constraints,
            "None" if field.optional else None,
        )
    patch_line = _field_line(
        f"{field.name}: {schema_type} | None",
        _nullable_bounds(constraints) if field.optional
        else [*constraints, "json_schema_extra=not_null"],
        default="None",
    )
    if field.type == "refs":
        column_line = _link_lines(entity, field)
    else:
        column_line = call(
            f"{field.name}: Mapped[{annotation}] = mapped_column", _column(field, enum_class),
            indent=4,
        )
    bad_values = [_bad_literal(value) for value in _invalid(field)]
    for bound, step in ((field.min, -1), (field.max, 1)):
        if bound is not None:
            outside = bound + step
            bad_values.append(
                py_str(_money(outside)) if field.type == "money" else _num_literal(field, outside)
            )
    return {
        "name": field.name,
        "type": field.type,
        "optional": field.optional,
        "unique": field.unique,
        "filterable": field.filterable,
        "ref": field.ref,
        "links": field.type == "refs",
        "link": link_table(entity, field) if field.type == "refs" else None,
        "filter_value": "1" if field.type == "refs" else py_literal(sample_a),
        "missing_value": "[3]" if field.type == "refs" else "3",
        "on_delete": field.on_delete or "restrict",
        "enum_class": enum_class if field.type == "enum" else None,
        "enum_members": [(value.upper(), value) for value in field.values or []],
        "filter_lines": _filter_lines(field, base_type),
        "range": field.filterable and field.type in RANGE_TYPES,
        "sortable": field.filterable and field.type in SORT_TYPES,
        "searchable": field.type in SEARCH_TYPES,
        "schema_line": schema_line,
        "patch_line": patch_line,
        "column_line": column_line,
        "sample_a": _literal(sample_a),
        "sample_b": _literal(sample_b),
        "ordered": _ordered(field, sample_a, sample_b),
        "distinct": sample_a != sample_b,
        "bad_values": bad_values,
        "text_like": field.type in ("str", "text", "slug", "email", "url"),
    }


def _ordered(field: FieldSpec, first: object, second: object) -> bool:
    """Whether sample a sorts strictly before sample b (as the database compares them)."""
    if field.type == "money":
        return float(str(first)) < float(str(second))
    return str(first) < str(second) if field.type == "enum" else first < second  # type: ignore[operator]


def _registration(entity: EntitySpec, field: FieldSpec) -> str:
    """`register_reference(Reference(...))` laid out as ruff lays out a call in a call."""
    args = [py_str(entity.name), f"{pascal(entity.name)}.__table__", py_str(field.name),
            py_str(field.ref or ""), py_str(field.on_delete or "restrict")]
    inner = call("Reference", args)
    if fits(f"    {inner}"):
        return call("register_reference", [inner])
    return "register_reference(\n" + call("Reference", args, indent=4) + ",\n)"


def _embeds(entity: EntitySpec) -> list[dict[str, Any]]:
    """What `?embed=` can inline in a read answer: the row a ref field names (`author_id` ->
    `author`) and the rows a refs field links (`tag_ids` -> `tags`)."""
    embeds = []
    for field in entity.fields:
        if field.type == "ref":
            name = field.name.removesuffix("_id")
            name = name if name != field.name else field.name + "_item"
        elif field.type == "refs":
            name = plural(field.name.removesuffix("_ids"))
        else:
            continue
        embeds.append({"name": name, "field": field.name, "target": field.ref,
                       "many": field.type == "refs", "optional": field.optional})
    return embeds


def _sort_members(fields: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The `sort` values of the list route: id, created_at and each sortable field, each
    ascending and descending (`-` first)."""
    names = ["id", "created_at", *(f["name"] for f in fields if f["sortable"])]
    members = []
    for name in names:
        members += [(name.upper(), name), (name.upper() + "_DESC", "-" + name)]
    return members


def _operations(feature: FeatureSpec, entity: EntitySpec) -> dict[str, str]:
    """Each route's summary (the spec endpoint's own, else one from the entity's name) and the
    description they share (the feature's and the entity's descriptions)."""
    words = entity.name.replace("_", " ")
    summaries = {"list": f"List {plural(entity.name).replace('_', ' ')}",
                 "create": f"Create a {words}", "read": f"Read a {words}",
                 "update": f"Replace a {words}", "patch": f"Change fields of a {words}",
                 "delete": f"Delete a {words}"}
    for endpoint in feature.endpoints:
        if endpoint.entity == entity.name and endpoint.summary.strip():
            summaries[endpoint.action] = " ".join(endpoint.summary.split())
    text = " ".join(" ".join(part.split()) for part in (feature.description, entity.description)
                    if part.strip())
    return {**{k: py_str(v) for k, v in summaries.items()},
            "description": f"description={py_str(text)}" if text else ""}


def entity_context(feature: FeatureSpec, entity: EntitySpec) -> dict[str, Any]:
    fields = [field_context(entity, f) for f in entity.fields]
    path = collection_path(feature, entity)
    return {
        "operations": _operations(feature, entity),
        "name": entity.name,
        "class_name": pascal(entity.name),
        "plural": plural(entity.name),
        "title": entity.title or pascal(entity.name),
        "description": entity.description,
        "collection_path": path,
        "item_path": path + "/{item_id}",
        "fields": fields,
        "filter_fields": [f for f in fields if f["filterable"]],
        "range_fields": [f for f in fields if f["range"] and f["distinct"]],
        "sort_fields": [f for f in fields if f["sortable"] and f["distinct"]],
        "sort_members": _sort_members(fields),
        "search_fields": [f["name"] for f in fields if f["searchable"]],
        "required_fields": [f for f in fields if not f["optional"] and not f["links"]],
        "required_names": [f["name"] for f in fields if not f["optional"] and not f["links"]],
        "optional_fields": [f for f in fields if f["optional"]],
        "ref_fields": [f for f in fields if f["ref"]],
        "registrations": [_registration(entity, f) for f in entity.fields if f.type == "ref"],
        "links": [link_table(entity, f) for f in entity.fields if f.type == "refs"],
        "embeds": _embeds(entity),
        "not_null_names": [f["name"] for f in fields if not f["optional"]],
        "refs_literal": "{" + ", ".join(f"{py_str(f.name)}: {py_str(f.ref)}"
                                        for f in entity.fields if f.ref) + "}",
        "bad_values": [(f["name"], value) for f in fields for value in f["bad_values"]],
        "unique_fields": [f for f in fields if f["unique"]],
        "enum_fields": [f for f in fields if f["enum_class"]],
        "has_unique": any(f.unique for f in entity.fields),
        "display_field": next((f["name"] for f in fields if f["text_like"]), None),
    }


CHANGE_VERBS = ("updated", "changed")
DELETE_VERBS = ("deleted", "removed")


def event_trigger(feature: FeatureSpec, event: EventSpec) -> dict[str, Any]:
    """When the owning slice publishes `event` (docs/generation.md, "Events between slices").

    The name reads `<entity>_<what>` (an entity of the slice; else the whole name is `<what>`,
    about the first entity it fits): `created` fires on create; `updated`/`changed` on every
    update and patch; `deleted`/`removed` on delete; `<field>_changed` when an update changes
    that field; a member of an enum field (`post_published`: status published) or a bool
    field's name (`seller_verified`: verified) when a create or an update leaves the field at
    that value and it was not before; any other name on create."""
    entities, verb = list(feature.entities), event.name
    for candidate in sorted(feature.entities, key=lambda e: -len(e.name)):
        if event.name.startswith(candidate.name + "_"):
            entities, verb = [candidate], event.name.removeprefix(candidate.name + "_")
            break
    kind = ("create" if verb == "created" else "change" if verb in CHANGE_VERBS
            else "delete" if verb in DELETE_VERBS else None)
    if kind is not None:
        return _trigger(event, entities[0], kind)
    stem = next((verb.removesuffix("_" + v) for v in CHANGE_VERBS if verb.endswith("_" + v)), "")
    for entity in entities:
        for field in entity.fields:
            if field.name == stem and field.type != "refs":
                first, second = _samples(field)
                return _trigger(event, entity, "field_changes", field=stem,
                                testable=first != second, value=_literal(second))
            if field.type == "enum" and verb in (field.values or []):
                others = [v for v in field.values or [] if v != verb]
                return _trigger(event, entity, "becomes", field=field.name, value=py_str(verb),
                                other=py_str(others[0]) if others else None,
                                condition=f"item.{field.name} == {py_str(verb)}")
            if field.type == "bool" and field.name == verb:
                return _trigger(event, entity, "becomes", field=field.name, value="True",
                                other="False", condition=f"item.{field.name}")
    return _trigger(event, entities[0], "create")


def _trigger(event: EventSpec, entity: EntitySpec, kind: str, field: str | None = None,
             **details: Any) -> dict[str, Any]:
    return {"name": event.name, "entity": entity.name, "kind": kind, "field": field,
            "description": event.description, **details}


def _consumed(spec: AppSpec, name: str) -> list[dict[str, Any]]:
    """The events other slices publish that the slice `name` subscribes to."""
    return [{"name": event.name, "publisher": feature.name, "handler": f"on_{event.name}",
             "description": event.description or event.name.replace("_", " ")}
            for feature in spec.features for event in feature.events
            if name in event.consumers]


def _schema_names(entities: list[dict[str, Any]], suffixes: tuple[str, ...]) -> list[str]:
    return isort_names({e["class_name"] + suffix for e in entities for suffix in suffixes})


def _names_used(entities: list[dict[str, Any]], candidates: frozenset[str]) -> set[str]:
    """Which of `candidates` the slice's schema field lines name."""
    lines = " ".join(
        line
        for e in entities
        for f in e["fields"]
        for line in (f["schema_line"], f["patch_line"], *f["filter_lines"])
    )
    return set(re.findall(r"[A-Za-z_]+", lines)) & candidates


def _shared_schema_imports(entities: list[dict[str, Any]]) -> list[str]:
    """What the slice's schemas use of app.shared.schemas."""
    used = _names_used(entities, SHARED_SCHEMA_CANDIDATES)
    if any(e["search_fields"] for e in entities):
        used.add("MAX_SEARCH_LENGTH")
    if any(e["not_null_names"] for e in entities):
        used.add("not_null")
    return isort_names({"ListQuery", "PatchBody"} | used)


def feature_context(feature: FeatureSpec, owners: dict[str, str] | None = None,
                    consumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    entities = [entity_context(feature, e) for e in feature.entities]
    triggers = [event_trigger(feature, event) for event in feature.events]
    for entity in entities:
        mine = [t for t in triggers if t["entity"] == entity["name"]]
        entity["events"] = mine
        entity["watched"] = sorted({t["field"] for t in mine
                                    if t["kind"] in ("becomes", "field_changes")})
    kinds = {f.type for e in feature.entities for f in e.fields}
    column_types = {SA_TYPES[kind] for kind in kinds if kind in SA_TYPES}
    foreign_key = {"ForeignKey"} if "ref" in kinds else set()
    has_links = "refs" in kinds
    if has_links:
        column_types.add("BigId")
    refs = sorted({f["ref"] for e in entities for f in e["ref_fields"]})
    return {
        "name": feature.name,
        "title": feature.title or pascal(feature.name),
        "description": feature.description,
        "requirements": list(feature.requirements),
        "entities": entities,
        "sa_imports": isort_names((column_types - SHARED_COLUMN_TYPES) | foreign_key),
        "database_imports": isort_names(
            {"Entity"} | (column_types & SHARED_COLUMN_TYPES) | ({"Base"} if has_links else set())
        ),
        "has_links": has_links,
        "references_imports": isort_names(
            {"register_target"}
            | ({"Reference", "register_reference"} if any(e["registrations"] for e in entities)
               else set())
            | ({"Link", "register_link"} if has_links else set())
        ),
        "orm_imports": isort_names(
            {"Mapped", "mapped_column"} | ({"foreign", "relationship"} if has_links else set())
        ),
        "uses_dt": bool(kinds & {"date", "datetime"}),
        "uses_decimal": "money" in kinds,
        "uses_enum": "enum" in kinds,
        "pydantic_imports": isort_names(
            {"BaseModel", "ConfigDict", "Field"} | _names_used(entities, PYDANTIC_CANDIDATES)
        ),
        "has_unique": any(e["has_unique"] for e in entities),
        "has_refs": bool(refs),
        "ref_targets": refs,
        # Referred entities of other slices (slice tests stand in a table of that name for
        # each) and whether an entity refers to one of the slice's own.
        "foreign_ref_targets": [r for r in refs if r not in {e.name for e in feature.entities}],
        "refers_to_itself": any(r in {e.name for e in feature.entities} for r in refs),
        # The slice's tables: its entities' and its many-to-many links'.
        "table_names": [e.name for e in feature.entities]
        + [link["table"] for e in entities for link in e["links"]],
        "enum_classes": [f["enum_class"] for e in entities for f in e["enum_fields"]],
        "enum_imports": isort_names(f["enum_class"] for e in entities for f in e["enum_fields"]),
        "model_imports": isort_names(e["class_name"] for e in entities),
        "shared_schema_imports": _shared_schema_imports(entities),
        "schema_imports": _schema_names(entities, ("Create", "Filter", "Patch")),
        "api_schema_imports": isort_names(
            set(_schema_names(entities, ("Create", "Filter", "Patch", "Read")))
            | {e["class_name"] + suffix for e in entities if e["embeds"]
               for suffix in ("Detail", "Embed", "Embedded")}
        ),
        "has_embeds": any(e["embeds"] for e in entities),
        "service_reference_imports": isort_names(
            {"check_references", "release"}
            | {"rows" if embed["many"] else "row" for e in entities for embed in e["embeds"]}
        ),
        "events": triggers,
        "consumes": consumes or [],
        "filter_imports": _schema_names(entities, ("Filter",)),
    }


def auth_context(spec: AppSpec) -> dict[str, Any]:
    """Sign-in and roles as the templates read them: `enabled` False for an open app."""
    auth = spec.auth if spec.auth is not None and spec.auth.enabled else None
    if auth is None:
        return {"enabled": False, "style": "none", "roles": [], "default_role": ""}
    return {"enabled": True, "style": auth.style, "roles": auth.all_roles,
            "default_role": auth.signup_role}


def _with_access(feature: dict[str, Any], spec: AppSpec) -> dict[str, Any]:
    """Each entity's readers and writers (empty lists in an open app)."""
    for entity in feature["entities"]:
        on = spec.auth is not None and spec.auth.enabled
        entity["readers"] = spec.auth.readers(entity["name"]) if on and spec.auth else []
        entity["writers"] = spec.auth.writers(entity["name"]) if on and spec.auth else []
    return feature


def app_context(spec: AppSpec) -> dict[str, Any]:
    features = [_with_access(feature_context(f, consumes=_consumed(spec, f.name)), spec)
                for f in spec.features]
    auth = auth_context(spec)
    names = [f.name for f in spec.features] + (["accounts"] if auth["enabled"] else [])
    return {
        "name": spec.name,
        "title": spec.title or pascal(spec.name),
        "description": spec.description,
        "python": spec.stack.python,
        "ui": spec.ui.model_dump(),
        "features": features,
        "auth": auth,
        # The slices in the order ruff's isort wants their imports (th2 before th10); the
        # accounts slice, generated with sign-in, among them.
        "import_order": isort_modules(names),
    }
