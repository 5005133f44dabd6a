"""The database tables an app spec describes, as plain shapes: what the migrations diff.

One place decides a table's columns (the ids and times every table has, then the spec's
fields), their column types as Alembic revision source, nullability, unique constraints,
indexes and foreign keys. The slice models (context.py) and this module read the same rules,
and the generated app's own test proves that the revisions build exactly the models' schema.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bmadgen.appspec import ACCOUNTS_SLICE, AppSpec, EntitySpec, FeatureSpec, FieldSpec
from bmadgen.generate.context import (
    EMAIL_LENGTH,
    URL_LENGTH,
    column_flags,
    link_table,
    max_length,
)

ID_TYPE = 'sa.BigInteger().with_variant(sa.Integer(), "sqlite")'
# The Alembic type of each spec type, where it does not depend on the field's options.
TYPES = {
    "text": "sa.Text()",
    "int": "sa.BigInteger()",
    "float": "sa.Float()",
    "money": "sa.BigInteger()",  # whole cents
    "bool": "sa.Boolean()",
    "date": "sa.Date()",
    "datetime": "sa.DateTime()",  # naive UTC
    "ref": ID_TYPE,
}
# What existing rows get when a required column is added to their table.
SERVER_DEFAULTS = {
    "int": '"0"',
    "float": '"0"',
    "money": '"0"',
    "bool": "sa.false()",
    "date": '"1970-01-01"',
    "datetime": '"1970-01-01 00:00:00"',
}


@dataclass(frozen=True)
class ColumnShape:
    name: str
    type: str  # the SQLAlchemy type as revision source
    nullable: bool
    unique: bool = False
    index: bool = False
    references: str | None = None  # the table whose id this column holds
    on_delete: str | None = None  # RESTRICT or CASCADE
    primary_key: bool = False
    # The server default a revision gives existing rows when it adds this column as required
    # (None: there is no sensible one, a person fills the rows); not part of the shape.
    backfill: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TableShape:
    name: str
    columns: tuple[ColumnShape, ...]

    def column(self, name: str) -> ColumnShape | None:
        return next((c for c in self.columns if c.name == name), None)

    def references(self) -> set[str]:
        return {c.references for c in self.columns if c.references}


BASE_COLUMNS = (
    ColumnShape("id", ID_TYPE, nullable=False, primary_key=True),
    ColumnShape("created_at", "sa.DateTime()", nullable=False),
    ColumnShape("updated_at", "sa.DateTime()", nullable=False),
)


def _type(spec_field: FieldSpec) -> str:
    kind = spec_field.type
    if kind in ("str", "slug"):
        return f"sa.String(length={max_length(spec_field)})"
    if kind == "email":
        return f"sa.String(length={EMAIL_LENGTH})"
    if kind == "url":
        return f"sa.String(length={URL_LENGTH})"
    if kind == "enum":
        # Not a native ENUM: a VARCHAR as long as the longest value, alike on every database.
        return f"sa.String(length={max(len(v) for v in spec_field.values or ['x'])})"
    return TYPES[kind]


def _backfill(spec_field: FieldSpec) -> str | None:
    if spec_field.type == "enum":
        return f'"{(spec_field.values or [""])[0]}"'
    if spec_field.type in ("str", "text", "slug", "email", "url"):
        return '""'
    return SERVER_DEFAULTS.get(spec_field.type)


def column_shape(spec_field: FieldSpec) -> ColumnShape:
    unique, index = column_flags(spec_field)
    is_ref = spec_field.type == "ref"
    return ColumnShape(
        name=spec_field.name,
        type=_type(spec_field),
        nullable=spec_field.optional,
        unique=unique,
        index=index,
        references=spec_field.ref if is_ref else None,
        on_delete=(spec_field.on_delete or "restrict").upper() if is_ref else None,
        backfill=_backfill(spec_field),
    )


def link_shape(entity: EntitySpec, spec_field: FieldSpec) -> TableShape:
    """The association table of a refs field (many-to-many): both ids, together the primary
    key, the linked one also indexed. The app removes a deleted row's links itself
    (app/shared/references.py), so the link columns carry no foreign key."""
    link = link_table(entity, spec_field)
    return TableShape(link["table"], (
        ColumnShape(link["source_column"], ID_TYPE, nullable=False, primary_key=True),
        ColumnShape(link["target_column"], ID_TYPE, nullable=False, primary_key=True, index=True),
    ))


def feature_tables(feature: FeatureSpec) -> dict[str, TableShape]:
    """The tables of one slice, by name (an entity's table is named like the entity; a refs
    field adds its association table)."""
    tables: dict[str, TableShape] = {}
    for entity in feature.entities:
        columns = tuple(column_shape(f) for f in entity.fields if f.type != "refs")
        tables[entity.name] = TableShape(entity.name, BASE_COLUMNS + columns)
        for spec_field in entity.fields:
            if spec_field.type == "refs":
                link = link_shape(entity, spec_field)
                tables[link.name] = link
    return tables


# The identity tables of an app with sign-in (app/shared/auth.py declares their models): a
# person's email, password hash and role, and the server-side sessions their tokens open.
ACCOUNTS = FeatureSpec(name=ACCOUNTS_SLICE, entities=[
    EntitySpec(name="app_user", fields=[
        FieldSpec(name="email", type="email", unique=True),
        FieldSpec(name="password_hash", type="str", max_length=255, filterable=False),
        FieldSpec(name="role", type="str", max_length=40),
    ]),
    EntitySpec(name="auth_session", fields=[
        FieldSpec(name="user_id", type="ref", ref="app_user", on_delete="cascade"),
        FieldSpec(name="token_hash", type="str", max_length=64, unique=True),
        FieldSpec(name="expires_at", type="datetime", filterable=False),
    ]),
])


def table_shapes(spec: AppSpec) -> dict[str, dict[str, TableShape]]:
    """Every slice's tables: slice name -> table name -> shape (the accounts tables too, when
    the app signs people in)."""
    shapes = {feature.name: feature_tables(feature) for feature in spec.features}
    if spec.auth_enabled:
        shapes[ACCOUNTS_SLICE] = feature_tables(ACCOUNTS)
    return shapes


def to_json(shapes: dict[str, dict[str, TableShape]]) -> dict[str, Any]:
    return {
        owner: {name: [asdict(c) for c in table.columns] for name, table in sorted(tables.items())}
        for owner, tables in sorted(shapes.items())
    }


# What a stored shape may hold: its values are written into revision source, so a snapshot
# edited by hand can only name types, defaults and names of these forms.
_TYPE = re.compile(
    r'sa\.(String\(length=\d{1,6}\)|Text\(\)|BigInteger\(\)|Float\(\)|Boolean\(\)|Date\(\)'
    r'|DateTime\(\)|BigInteger\(\)\.with_variant\(sa\.Integer\(\), "sqlite"\))'
)
_BACKFILL = re.compile(r'"[A-Za-z0-9_ :-]*"|sa\.false\(\)')
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def checked(column: ColumnShape) -> ColumnShape:
    """The column, when every value it would write into a revision is of a form bmadgen writes
    (ValueError otherwise)."""
    problems = [
        not _NAME.fullmatch(str(column.name)),
        not isinstance(column.type, str) or not _TYPE.fullmatch(column.type),
        column.backfill is not None and not _BACKFILL.fullmatch(str(column.backfill)),
        column.references is not None and not _NAME.fullmatch(str(column.references)),
        column.on_delete not in (None, "RESTRICT", "CASCADE"),
        not all(isinstance(flag, bool) for flag in
                (column.nullable, column.unique, column.index, column.primary_key)),
    ]
    if any(problems):
        raise ValueError(f"column {column.name!r} is not a column bmadgen wrote")
    return column


def from_json(data: Any) -> dict[str, dict[str, TableShape]]:
    """The shapes `to_json` wrote (ValueError or TypeError when the data is not that). Their
    values are checked (`checked`) only before they go into a revision: comparing is safe."""
    if not isinstance(data, dict):
        raise TypeError("not a mapping of slices")
    shapes: dict[str, dict[str, TableShape]] = {}
    for owner, tables in data.items():
        if not isinstance(tables, dict):
            raise TypeError(f"{owner}: not a mapping of tables")
        if not _NAME.fullmatch(str(owner)) or not all(_NAME.fullmatch(str(n)) for n in tables):
            raise ValueError(f"{owner}: not a slice or table name")
        shapes[str(owner)] = {}
        for name, columns in tables.items():
            if not isinstance(columns, list):
                raise TypeError(f"{owner}.{name}: not a list of columns")
            try:
                shaped = tuple(ColumnShape(**column) for column in columns)
            except (TypeError, AttributeError) as exc:
                raise ValueError(f"{owner}.{name}: {exc}") from exc
            shapes[str(owner)][str(name)] = TableShape(str(name), shaped)
    return shapes
