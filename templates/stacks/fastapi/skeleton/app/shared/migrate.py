"""Bring the database to the newest schema: `python -m app.shared.migrate` (DATABASE_URL).

The app also upgrades at startup. The revisions are in app/migrations/versions."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from app.shared.database import make_engine
from app.shared.settings import SettingsError, load_settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch operation copies a table into a new one and drops the old: with foreign
            # keys enforced, that drop would delete (cascade) or refuse the rows referring to it.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                step(_config(connection), revision)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:  # one line, no traceback
        raise SystemExit(f"error: {error}") from None
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


if __name__ == "__main__":  # pragma: no cover
    main()
