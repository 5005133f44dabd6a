"""References between entities, across slices too, without one slice importing another.

The slice that owns an entity registers its table as a target; a slice whose entity refers to
it registers the reference. Writing a reference to a row that does not exist is refused (422
naming the field); deleting a row others refer to follows each reference's `on_delete`:
`restrict` refuses (409 naming the dependants), `cascade` deletes them first (and theirs)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import Enum, FromClause, String, Table, delete, func, select
from sqlalchemy.orm import Session

from app.shared.errors import ConflictError, InvalidReferenceError

OnDelete = Literal["restrict", "cascade"]


@dataclass(frozen=True)
class Reference:
    source: str  # the referring entity
    table: FromClause  # its table
    column: str
    target: str  # the entity referred to
    on_delete: OnDelete


targets: dict[str, FromClause] = {}
references: list[Reference] = []


def register_target(entity: str, table: FromClause) -> None:
    targets[entity] = table


def register_reference(reference: Reference) -> None:
    if reference not in references:
        references.append(reference)


def check_references(
    session: Session, values: Mapping[str, object], refs: Mapping[str, str]
) -> None:
    """Every non-null value of a ref field (`refs`: field -> entity) names an existing row."""
    for field, entity in refs.items():
        item_id = values.get(field)
        if item_id is None:
            continue
        table = targets.get(entity)
        found = (
            None
            if table is None
            else session.scalar(select(table.c.id).where(table.c.id == item_id))
        )
        if found is None:
            raise InvalidReferenceError(field, entity, item_id)


def release(session: Session, entity: str, item_id: int) -> None:
    """Make the row deletable: refuse while a `restrict` reference holds it, delete what a
    `cascade` reference holds. Call before deleting; the caller commits."""
    holding = []
    for reference in references:
        if reference.target != entity or reference.on_delete != "restrict":
            continue
        column = reference.table.c[reference.column]
        count = session.scalar(
            select(func.count()).select_from(reference.table).where(column == item_id)
        )
        if count:
            holding.append(f"{count} {reference.source} ({reference.source}.{reference.column})")
    if holding:
        raise ConflictError(f"{entity} {item_id} is still referenced by {', '.join(holding)}")
    for reference in references:
        if reference.target != entity or reference.on_delete != "cascade":
            continue
        column = reference.table.c[reference.column]
        dependants = session.scalars(select(reference.table.c.id).where(column == item_id))
        for dependant in list(dependants):
            release(session, reference.source, dependant)
        session.execute(delete(cast(Table, reference.table)).where(column == item_id))


def choices(session: Session, entity: str, limit: int) -> list[tuple[int, str]]:
    """Rows of `entity` a picker offers, newest first: each id and a label made of the id and
    the row's first text column (nothing when no slice registered the entity)."""
    table = targets.get(entity)
    if table is None:
        return []
    texts = [c for c in table.c if isinstance(c.type, String) and not isinstance(c.type, Enum)]
    columns = [table.c.id, *texts[:1]]
    rows = session.execute(select(*columns).order_by(table.c.id.desc()).limit(limit))
    return [(row[0], " · ".join(str(value) for value in row if value is not None)) for row in rows]
