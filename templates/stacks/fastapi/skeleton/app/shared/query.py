"""The list query every slice runs: filters, text search, sorting and one page of results.

A filter named like a column keeps the rows equal to it; `<column>_min` and `<column>_max`
bound it (both ends included); `q` finds text in the filter's `search` columns; `sort` names a
column, `-` first for descending, and the id breaks ties in the same direction."""

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from app.shared.database import Entity
from app.shared.schemas import ListQuery

EntityT = TypeVar("EntityT", bound=Entity)
RANGE_SUFFIXES = {"_min": "__ge__", "_max": "__le__"}


def conditions(model: type[Entity], filters: ListQuery) -> list[ColumnElement[bool]]:
    result: list[ColumnElement[bool]] = []
    for name, value in filters.model_dump(exclude_none=True, exclude={"q", "sort"}).items():
        column, compare = _filter_column(model, name)
        result.append(getattr(column, compare)(value))
    text = getattr(filters, "q", None)
    if text:
        found = [getattr(model, name).icontains(text, autoescape=True) for name in filters.search]
        result.append(or_(*found))
    return result


def _filter_column(model: type[Entity], name: str) -> tuple[Any, str]:
    for suffix, compare in RANGE_SUFFIXES.items():
        base = name.removesuffix(suffix)
        if base != name and base in model.__table__.columns:
            return getattr(model, base), compare
    return getattr(model, name), "__eq__"


def ordering(model: type[Entity], sort: str) -> list[Any]:
    name = sort.removeprefix("-")
    descending = sort.startswith("-")
    columns = [getattr(model, name)] if name != "id" else []
    columns.append(model.id)
    return [column.desc() if descending else column.asc() for column in columns]


def page_of(
    session: Session,
    model: type[EntityT],
    filters: ListQuery,
    *,
    limit: int,
    offset: int,
) -> tuple[list[EntityT], int]:
    where = conditions(model, filters)
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    sort = str(getattr(filters, "sort", "-id"))
    matching = select(model).where(*where).order_by(*ordering(model, sort))
    items = list(session.scalars(matching.limit(limit).offset(offset)))
    return items, total
