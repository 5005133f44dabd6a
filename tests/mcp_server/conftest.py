"""In-process MCP clients over a server on the test's own store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
async def client(bmadgen_home: Path, workdir: Path):
    from mcp import Client

    from bmadgen.mcp_server.server import build_server

    async with Client(build_server(cwd=workdir)) as connected:
        yield connected
