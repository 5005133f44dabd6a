"""References between entities, across slices too, without one slice importing another.

The slice that owns an entity registers its table as a target; a slice whose entity refers to
it registers the reference. Writing a reference to a row that does not exist is refused (422
naming the field); deleting a row others refer to follows each reference's `on_delete`:
`restrict` refuses (409 naming the dependants), `cascade` deletes them first (and theirs).

A many-to-many link list (a `refs` field) keeps its rows in an association table of the slice
that declares it; that slice registers it as a link, so that deleting a row on either side
removes only the links to it. `row` and `rows` read a referenced row as a plain mapping, for
embedding it in an answer."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

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


@dataclass(frozen=True)
class Link:
    source: str  # the entity whose refs field holds the links
    table: FromClause  # the association table
    source_column: str
    target: str  # the entity linked to
    target_column: str


targets: dict[str, FromClause] = {}
references: list[Reference] = []
links: list[Link] = []


def register_target(entity: str, table: FromClause) -> None:
    targets[entity] = table


def register_reference(reference: Reference) -> None:
    if reference not in references:
        references.append(reference)


def register_link(link: Link) -> None:
    if link not in links:
        links.append(link)


def _ids(value: object) -> list[object]:
    """The ids a ref field (one or null) or a refs field (a list) names."""
    if value is None:
        return []
    return list(cast(Iterable[object], value)) if isinstance(value, list) else [value]


def check_references(
    session: Session, values: Mapping[str, object], refs: Mapping[str, str]
) -> None:
    """Every id a ref or refs field names (`refs`: field -> entity) is an existing row."""
    for field, entity in refs.items():
        for item_id in _ids(values.get(field)):
            table = targets.get(entity)
            found = (
                None
                if table is None
                else session.scalar(select(table.c.id).where(table.c.id == item_id))
            )
            if found is None:
                raise InvalidReferenceError(field, entity, item_id)


def row(session: Session, entity: str, item_id: int | None) -> dict[str, Any] | None:
    """The row of `entity` with this id as a mapping of its columns (None when there is none)."""
    table = targets.get(entity)
    if table is None or item_id is None:
        return None
    found = session.execute(select(table).where(table.c.id == item_id)).mappings().first()
    return None if found is None else dict(found)


def rows(session: Session, entity: str, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The rows of `entity` with these ids, in id order."""
    table = targets.get(entity)
    if table is None:
        return []
    matching = select(table).where(table.c.id.in_(list(ids))).order_by(table.c.id)
    return [dict(found) for found in session.execute(matching).mappings()]


def _unlink(session: Session, entity: str, item_id: int) -> None:
    """Remove the links of the row's own refs fields (a row deleted in bulk, by a cascade;
    the ORM removes those of a row it deletes itself)."""
    for link in links:
        if link.source == entity:
            table = cast(Table, link.table)
            session.execute(delete(table).where(table.c[link.source_column] == item_id))


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
    for link in links:
        if link.target == entity:
            table = cast(Table, link.table)
            session.execute(delete(table).where(table.c[link.target_column] == item_id))
    for reference in references:
        if reference.target != entity or reference.on_delete != "cascade":
            continue
        column = reference.table.c[reference.column]
        dependants = session.scalars(select(reference.table.c.id).where(column == item_id))
        for dependant in list(dependants):
            release(session, reference.source, dependant)
            _unlink(session, reference.source, dependant)
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
