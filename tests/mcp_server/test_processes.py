"""The server as a real process: `bmadgen mcp serve` over stdio with the official client,
the CLI writing the same store while it runs, concurrent writers, and HTTP with a token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.mcp_server.helpers import (
    call,
    error,
    server_env,
    stdio_server,
    write_phase_as_a_model,
)

pytestmark = pytest.mark.anyio


def bmadgen(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bmadgen", *args], cwd=cwd,
                          env=server_env(home), capture_output=True, text=True, timeout=120,
                          check=False)


async def test_a_whole_session_over_stdio(bmadgen_home, tmp_path):
    async with Client(stdio_server(bmadgen_home, tmp_path)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"remember_this", "recall_context", "submit_section"} <= names
        started = await call(client, "start_workflow_project", name="shop", type="ecommerce")
        assert Path(started["path"]) == tmp_path / "shop"
        kept = await call(client, "remember_this", content="Refunds take five business days",
                          importance="critical")
        found = await call(client, "recall_context", query="how long do refunds take?")
        assert found["items"][0]["id"] == kept["id"]
        task = await call(client, "create_task", title="Write the refund page", priority="high")
        updated = await call(client, "update_task", task_id=str(task["id"]), progress=40,
                             notes="copy drafted")
        assert updated["progress"] == 40
        handoff = await call(client, "generate_handoff_summary")
        assert "Write the refund page" in handoff["text"]
        assert "Refunds take five business days" in handoff["text"]
        written = await write_phase_as_a_model(client)
        assert written["status"] == "awaiting_approval"
        approved = await call(client, "approve_phase", phase="vision")
        assert approved["status"] == "approved"
        assert "not awaiting approval" in await error(client, "approve_phase", phase="vision")
        # still serving after the error
        assert (await call(client, "workflow_status"))["phases"][0]["status"] == "approved"
    log = bmadgen(bmadgen_home, tmp_path / "shop", "phase", "status", "--json")
    assert log.returncode == 0 and '"approved"' in log.stdout


async def test_the_cli_and_the_server_see_each_others_memories(bmadgen_home, tmp_path):
    async with Client(stdio_server(bmadgen_home, tmp_path)) as client:
        await call(client, "create_project", name="shared")
        added = bmadgen(bmadgen_home, tmp_path, "memory", "add",
                        "The warehouse closes at six", "--importance", "high")
        assert added.returncode == 0, added.stderr
        found = await call(client, "recall_context", query="when does the warehouse close?")
        assert [m["content"] for m in found["items"]] == ["The warehouse closes at six"]
        await call(client, "remember_this", content="Invoices are archived for ten years")
        searched = bmadgen(bmadgen_home, tmp_path, "memory", "search",
                           "how long are invoices archived", "--json")
        assert searched.returncode == 0, searched.stderr
        assert "Invoices are archived for ten years" in searched.stdout


async def test_two_clients_and_the_cli_writing_at_once_lose_nothing(bmadgen_home, tmp_path):
    per_client, cli_writes = 40, 8
    async with Client(stdio_server(bmadgen_home, tmp_path)) as first, \
            Client(stdio_server(bmadgen_home, tmp_path)) as second:
        await call(first, "create_project", name="busy")

        async def remember(client: Client, who: str) -> None:
            for i in range(per_client):
                await call(client, "remember_this", content=f"{who} note {i}",
                           project_id="busy")

        def cli() -> None:
            for i in range(cli_writes):
                done = bmadgen(bmadgen_home, tmp_path, "--project", "busy", "memory", "add",
                               f"cli note {i}")
                assert done.returncode == 0, done.stderr

        async with anyio.create_task_group() as group:
            group.start_soon(remember, first, "first")
            group.start_soon(remember, second, "second")
            group.start_soon(anyio.to_thread.run_sync, cli)
        listed = await call(first, "recall_context", project_id="busy", limit=100)
        assert listed["total"] == 2 * per_client + cli_writes
        contents = set()
        offset = 0
        while offset is not None:
            page = await call(second, "recall_context", project_id="busy", limit=100,
                              offset=offset)
            contents |= {m["content"] for m in page["items"]}
            offset = page["next_offset"]
    expected = ({f"first note {i}" for i in range(per_client)}
                | {f"second note {i}" for i in range(per_client)}
                | {f"cli note {i}" for i in range(cli_writes)})
    assert contents == expected


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_server(bmadgen_home, tmp_path):
    token = bmadgen(bmadgen_home, tmp_path, "mcp", "token").stdout.strip()
    assert oct((bmadgen_home / "mcp-token").stat().st_mode & 0o777) == "0o600"
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bmadgen", "mcp", "serve", "--http", "--port", str(port)],
        cwd=tmp_path, env=server_env(bmadgen_home), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/mcp", token
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_http_needs_the_token(http_server):
    import httpx2

    url, token = http_server
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}
    async with httpx2.AsyncClient() as http:
        missing = await http.post(url, json=body, headers=headers)
        wrong = await http.post(url, json=body,
                                headers={**headers, "Authorization": "Bearer not-the-token"})
    assert missing.status_code == 401 and wrong.status_code == 401
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        from mcp.client.streamable_http import streamable_http_client

        async with Client(streamable_http_client(url, http_client=http)) as client:
            await call(client, "create_project", name="over-http")
            kept = await call(client, "remember_this", content="HTTP works with a token")
            found = await call(client, "recall_context", query="http token")
            assert found["items"][0]["id"] == kept["id"]


def test_a_non_loopback_address_needs_an_explicit_flag(bmadgen_home, tmp_path):
    refused = bmadgen(bmadgen_home, tmp_path, "mcp", "serve", "--http", "--host", "0.0.0.0")
    assert refused.returncode == 3
    assert "--allow-remote" in refused.stderr


def test_a_rotated_token_replaces_the_old_one(bmadgen_home, tmp_path):
    first = bmadgen(bmadgen_home, tmp_path, "mcp", "token").stdout.strip()
    assert bmadgen(bmadgen_home, tmp_path, "mcp", "token").stdout.strip() == first
    rotated = bmadgen(bmadgen_home, tmp_path, "mcp", "token", "--rotate").stdout.strip()
    assert rotated != first and len(rotated) >= 40
    assert oct((bmadgen_home / "mcp-token").stat().st_mode & 0o777) == "0o600"
    assert os.environ.get("BMADGEN_HOME") == str(bmadgen_home)
