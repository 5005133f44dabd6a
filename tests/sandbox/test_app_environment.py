"""What `app run` hands the app's container: env files, KEY=VALUE entries and the database URL,
checked before Docker is called, with a password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.errors import ExitCode, InvalidInput, NotFound
from bmadgen.sandbox.app_environment import (
    database_url,
    mask_url,
    parse_entry,
    read_env_file,
    requested,
    scrub,
    secret_values,
)

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(("given", "used"), [
    ("postgresql+psycopg://app:pw@db.internal:5432/app",
     "postgresql+psycopg://app:pw@db.internal:5432/app"),
    ("postgres://app:pw@host.docker.internal/app", "postgresql+psycopg://app:pw@host.docker.internal/app"),
    ("postgresql://app@10.0.0.5:6543/app?sslmode=require",
     "postgresql+psycopg://app@10.0.0.5:6543/app?sslmode=require"),
    ("sqlite:////data/other.db", "sqlite:////data/other.db"),
])
def test_a_database_url_the_container_can_use_is_kept_or_made_psycopg(given: str,
                                                                       used: str) -> None:
    assert database_url(given) == used


@pytest.mark.parametrize(("given", "said"), [
    (f"postgresql://app:{SECRET}@localhost:5432/app", "names localhost"),
    (f"postgresql://app:{SECRET}@127.0.0.1/app", "names 127.0.0.1"),
    (f"postgresql://app:{SECRET}@[::1]/app", "names ::1"),
    (f"postgresql://app:{SECRET}@/app?host=/var/run/postgresql", "is not in the container"),
    (f"mysql://app:{SECRET}@db/app", "is not SQLite or PostgreSQL"),
    (f"postgresql+asyncpg://app:{SECRET}@db/app", "is not SQLite or PostgreSQL"),
    (f"postgresql://app:{SECRET}@db:99999/app", "is not a URL"),
    (f"postgresql://app:{SECRET}@db:0/app", "names port 0"),
    (f"postgresql://app:{SECRET}@db/app two", "holds white space"),
    ("", "is empty"),
])
def test_a_database_url_the_container_cannot_use_is_refused_without_its_password(
        given: str, said: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        database_url(given)
    line = refused.value.one_line()
    assert said in line
    assert SECRET not in line and refused.value.exit_code == ExitCode.INVALID_INPUT
    if "localhost" in said or "127" in said or "::1" in said:
        assert "host.docker.internal" in line


def test_mask_url_hides_the_password_wherever_the_url_holds_it() -> None:
    assert mask_url(f"postgresql+psycopg://app:{SECRET}@h:5432/db") == \
        "postgresql+psycopg://app:***@h:5432/db"
    assert mask_url(f"postgresql://app@h/db?password={SECRET}&sslmode=require") == \
        "postgresql://app@h/db?password=***&sslmode=require"
    assert mask_url("postgresql://app@h/db") == "postgresql://app@h/db"
    assert mask_url("sqlite:////data/app.db") == "sqlite:////data/app.db"


def test_entries_are_key_value_or_a_key_taken_from_the_environment() -> None:
    assert parse_entry("LOG_LEVEL=DEBUG", {}) == ("LOG_LEVEL", "DEBUG")
    assert parse_entry("A=b=c", {}) == ("A", "b=c")
    assert parse_entry("EMPTY=", {}) == ("EMPTY", "")
    assert parse_entry("DATABASE_URL", {"DATABASE_URL": "x"}) == ("DATABASE_URL", "x")
    with pytest.raises(InvalidInput, match="DATABASE_URL is not set here"):
        parse_entry("DATABASE_URL", {})
    for bad in ("1A=x", "A-B=x", "=x", "A B=x"):
        with pytest.raises(InvalidInput, match="is not a variable name"):
            parse_entry(bad, {})


def test_an_env_file_is_read_as_compose_reads_dot_env(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# the app's settings\n\nSECRET_KEY='abc def'\nexport LOG_LEVEL=debug\n"
                   'CORS_ORIGINS="https://a.example"\nEMPTY=\n')
    assert read_env_file(env) == {"SECRET_KEY": "abc def", "LOG_LEVEL": "debug",
                                  "CORS_ORIGINS": "https://a.example", "EMPTY": ""}
    env.write_text(f"A=1\n{SECRET}\n")
    with pytest.raises(InvalidInput) as refused:
        read_env_file(env)
    assert refused.value.one_line() == f"env file {env}, line 2: not KEY=VALUE"
    with pytest.raises(NotFound, match="does not exist"):
        read_env_file(tmp_path / "missing.env")


def test_later_sources_win_and_the_database_url_is_checked_wherever_it_came_from(
        tmp_path: Path) -> None:
    env = tmp_path / "app.env"
    env.write_text("LOG_LEVEL=INFO\nDATABASE_URL=postgres://app:pw@db/app\n")
    assert requested(["LOG_LEVEL=DEBUG"], env, None, {}) == {
        "LOG_LEVEL": "DEBUG", "DATABASE_URL": "postgresql+psycopg://app:pw@db/app"}
    assert requested([], env, "sqlite:////data/x.db", {})["DATABASE_URL"] == "sqlite:////data/x.db"
    with pytest.raises(InvalidInput, match="names localhost"):
        requested(["DATABASE_URL"], None, None, {"DATABASE_URL": "postgres://a:b@localhost/a"})
    assert requested([], None, None, {"DATABASE_URL": "ignored unless asked for"}) == {}


def test_secrets_are_scrubbed_from_what_the_container_said() -> None:
    environment = {"SECRET_KEY": "k" * 40, "POSTGRES_PASSWORD": SECRET, "LOG_LEVEL": "INFO",
                   "DATABASE_URL": "postgresql+psycopg://app:other-pw@db/app"}
    hidden = secret_values(environment)
    assert set(hidden) == {"k" * 40, SECRET, "other-pw"}
    said = (f"failed for {SECRET} with key {'k' * 40} at postgresql://app:other-pw@db/app "
            "and postgresql://u:unknown@h/d")
    assert scrub(said, hidden) == ("failed for *** with key *** at postgresql://app:***@db/app "
                                   "and postgresql://u:***@h/d")

