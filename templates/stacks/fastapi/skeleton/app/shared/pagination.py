"""Limit/offset pagination for every list endpoint."""

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from app.shared.schemas import MAX_BIGINT

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)
