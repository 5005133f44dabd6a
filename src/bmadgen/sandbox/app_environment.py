"""What `app run` hands the app's container: environment variables from an env file and from
KEY=VALUE entries, and the database URL, validated; the URL's password masked wherever it is
shown. Pure functions: nothing here talks to Docker.

A container reaches a server on the Docker host as `host.docker.internal` (the run maps that
name to the host's gateway address, Docker 20.10's `host-gateway`); `localhost` inside the
container is the container itself, so a URL naming it is refused with that hint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from bmadgen.errors import InvalidInput, NotFound

HOST_ALIAS = "host.docker.internal"
MASK = "***"
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LOOPBACK = ("localhost", "0.0.0.0", "::1", "::")  # nosec B104 - names refused, not bound
_POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg")
_SECRET_KEYS = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL", re.IGNORECASE)
_LOCAL_HINT = (f"inside the container that is the container itself; name the host as {HOST_ALIAS} "
               "(mapped to this machine) and let the server listen on the Docker bridge "
               "(listen_addresses, pg_hba.conf for 172.17.0.0/16)")


def _key(key: str, where: str) -> str:
    if not _KEY.match(key):
        raise InvalidInput(f"{where}: {key[:40]!r} is not a variable name",
                           hint="letters, digits and _, not starting with a digit")
    return key


def parse_entry(entry: str, environ: Mapping[str, str]) -> tuple[str, str]:
    """KEY=VALUE, or KEY alone for the value KEY has in `environ` (so a secret need not be
    written on the command line). Errors never show the value."""
    key, sign, value = entry.partition("=")
    _key(key, "environment entry")
    if sign:
        return key, value
    if key not in environ:
        raise InvalidInput(f"environment entry {key}: {key} is not set here",
                           hint="give KEY=VALUE, or export it first")
    return key, environ[key]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (compose's `.env` format): blank lines and `#` comments skipped, an
    optional `export `, one pair of matching quotes around a value removed."""
    if not path.is_file():
        raise NotFound(f"env file {path} does not exist")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"env file {path} cannot be read: {type(exc).__name__}") from None
    found: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, sign, value = text.removeprefix("export ").partition("=")
        if not sign:
            raise InvalidInput(f"env file {path}, line {number}: not KEY=VALUE")
        key = _key(key.strip(), f"env file {path}, line {number}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key] = value
    return found


def mask_url(url: str) -> str:
    """The URL with its password (user:PASSWORD@, or ?password=) replaced by ***."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return MASK
    credentials, at, location = netloc.rpartition("@")
    if at and ":" in credentials:
        user = credentials.partition(":")[0]
        url = url.replace(f"//{netloc}", f"//{user}:{MASK}@{location}", 1)
    return re.sub(r"(?i)([?&]password=)[^&#]*", rf"\g<1>{MASK}", url)


def url_password(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.password:
        return parts.password
    given = dict(parse_qsl(parts.query)).get("password")
    return given or None


def database_url(url: str) -> str:
    """A DATABASE_URL the app in its container can use: SQLite (a path inside the container)
    or PostgreSQL through psycopg 3 (postgres:// and postgresql:// become
    postgresql+psycopg://) on a host the container reaches. Errors show the URL masked."""
    shown = mask_url(url)
    if not url or any(c.isspace() for c in url) or "\x00" in url:
        raise InvalidInput(f"the database URL {shown!r} is empty or holds white space")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise InvalidInput(f"the database URL {shown} is not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        return url
    if scheme not in _POSTGRES_SCHEMES:
        raise InvalidInput(
            f"the database URL {shown} is not SQLite or PostgreSQL",
            hint="the app speaks sqlite:///PATH and postgresql+psycopg://USER:PASSWORD@HOST/DB")
    query = dict(parse_qsl(parts.query))
    if not host:
        socket = f" (a socket, {query['host']}, is not in the container)" if "host" in query \
            else ""
        raise InvalidInput(f"the database URL {shown} names no host{socket}", hint=_LOCAL_HINT)
    if host in _LOOPBACK or host.startswith("127."):
        raise InvalidInput(f"the database URL {shown} names {host}", hint=_LOCAL_HINT)
    if port == 0:
        raise InvalidInput(f"the database URL {shown} names port 0")
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, parts.query,
                       parts.fragment))


def secret_values(environment: Mapping[str, str]) -> list[str]:
    """Values never to show: those of keys that name a secret, and the database password."""
    found = [value for key, value in environment.items()
             if _SECRET_KEYS.search(key) and len(value) >= 4]
    password = url_password(environment.get("DATABASE_URL", ""))
    if password:
        found.append(password)
    return sorted(set(found), key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by ***, and any URL password masked."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return re.sub(r"(://[^:/?#@\s]*:)[^@/\s]+@", rf"\1{MASK}@", text)


def requested(entries: Iterable[str], env_file: Path | None, url: str | None,
              environ: Mapping[str, str]) -> dict[str, str]:
    """The variables a person asked for: the env file's, then the entries (a later one wins),
    then the database URL; DATABASE_URL, wherever it came from, checked and normalised."""
    found = read_env_file(env_file) if env_file is not None else {}
    for entry in entries:
        key, value = parse_entry(entry, environ)
        found[key] = value
    if url is not None:
        found["DATABASE_URL"] = url
    if "DATABASE_URL" in found:
        found["DATABASE_URL"] = database_url(found["DATABASE_URL"])
    return found
