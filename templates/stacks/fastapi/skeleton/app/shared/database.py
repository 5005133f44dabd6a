"""The database: SQLite by default (DATABASE_URL overrides, e.g. postgresql+psycopg://...),
one session per request; its schema comes from the migrations (app/shared/migrate.py).

Every table has a 64-bit id and server-set `created_at` / `updated_at`; times are stored in UTC
and read back time-zone aware; money is stored as whole cents."""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

IN_MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")
# SQLite makes only an INTEGER PRIMARY KEY an alias of its 64-bit rowid.
BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as naive UTC, so every database compares and sorts it alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Cents(TypeDecorator[Decimal]):
    """A money amount (two decimals) stored exactly, as a whole number of cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        return None if value is None else int(value.scaleb(2))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-2)


# Constraint and index names the migration revisions name too (a SQLite batch operation can
# only drop a constraint that has a name); none is longer than PostgreSQL's 63 characters.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
}


class Base(DeclarativeBase):
    """The base of every slice's models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Entity(Base):
    """A table of a slice: its id and the times the server set when it was created and changed."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


def _enforce_foreign_keys(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    if url in IN_MEMORY_URLS:
        # One shared connection, or every session would see its own empty database.
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    else:
        engine = create_engine(url, connect_args=connect_args)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _enforce_foreign_keys)
    return engine


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.database
    with database.sessions() as session:
        yield session
