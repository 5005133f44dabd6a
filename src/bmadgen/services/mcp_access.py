"""Reaching the MCP server: its bearer token (HTTP) and the snippet that registers it in a
client (Claude Desktop, Claude Code, Cursor, VS Code).

Nothing here imports the `mcp` SDK: `bmadgen mcp token` and `bmadgen mcp config` stay as
fast as any other command. The token is a random secret kept in the bmadgen home with mode
0600, made on first use and replaced by `rotate`.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from bmadgen.errors import EnvironmentUnavailable, InvalidInput
from bmadgen.settings import Settings, get_settings

TOKEN_FILENAME = "mcp-token"
TOKEN_BYTES = 32
CLIENTS = ("claude-desktop", "claude-code", "cursor", "vscode")
Client = Literal["claude-desktop", "claude-code", "cursor", "vscode"]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class TokenInfo(BaseModel):
    token: str
    path: str
    created: bool  # made (or replaced) by this call


class ClientConfig(BaseModel):
    client: str
    where: str  # the file (or command) that takes the snippet, for a person
    snippet: str


def token_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_home() / TOKEN_FILENAME


def token(*, rotate: bool = False, settings: Settings | None = None) -> TokenInfo:
    """The server's bearer token; a new one when there is none or `rotate` is set."""
    path = token_path(settings)
    if not rotate:
        current = read_token(path)
        if current:
            return TokenInfo(token=current, path=str(path), created=False)
    value = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        os.chmod(temp, 0o600)  # an existing temp file keeps its mode through O_CREAT
        os.replace(temp, path)
    except OSError as exc:
        raise EnvironmentUnavailable(f"cannot write the MCP token to {path}: {exc.strerror}",
                                     hint="set BMADGEN_HOME to a folder you may write") from exc
    return TokenInfo(token=value, path=str(path), created=True)


def read_token(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def token_matches(given: str, expected: str) -> bool:
    """Compared in constant time, so the answer's timing says nothing about the token."""
    return hmac.compare_digest(given.encode(), expected.encode())


def check_bind(host: str, *, allow_remote: bool) -> None:
    """Serving beyond this machine is a choice a person makes explicitly."""
    if host not in LOOPBACK and not allow_remote:
        raise InvalidInput(
            f"{host} is not a loopback address: the server would be reachable from other "
            "machines", hint="pass --allow-remote to mean it (the token is still required)")


def _command() -> tuple[str, list[str]]:
    """How a client starts the server: the `bmadgen` on PATH, else this Python."""
    found = shutil.which("bmadgen")
    if found:
        return found, ["mcp", "serve"]
    return sys.executable, ["-m", "bmadgen", "mcp", "serve"]


def client_config(client: str, *, project: str | None = None) -> ClientConfig:
    """The snippet that registers the stdio server in `client`."""
    if client not in CLIENTS:
        raise InvalidInput(f"unknown client {client!r}", hint=f"choose one of: {', '.join(CLIENTS)}")
    command, args = _command()
    if project:
        args = [*args, "--project", project]
    entry = {"command": command, "args": args}
    if client == "claude-code":
        line = " ".join(["claude", "mcp", "add", "bmadgen", "--", command, *args])
        return ClientConfig(client=client, where="run in a terminal", snippet=line)
    if client == "vscode":
        body = {"servers": {"bmadgen": {"type": "stdio", **entry}}}
        where = ".vscode/mcp.json in the workspace (or the user mcp.json)"
    else:
        body = {"mcpServers": {"bmadgen": entry}}
        where = ("claude_desktop_config.json (Settings > Developer > Edit Config)"
                 if client == "claude-desktop" else "~/.cursor/mcp.json or .cursor/mcp.json")
    return ClientConfig(client=client, where=where, snippet=json.dumps(body, indent=2))
