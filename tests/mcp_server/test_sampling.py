"""`sample_phase`: the server asks the client's own model (MCP sampling) for each section of
a phase; a misfit answer is asked again once with the reason; the phase then awaits approval."""

from __future__ import annotations

import pytest
from mcp import Client, types

from tests.mcp_server.helpers import answer_for, call, error

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore:The sampling capability is deprecated")]


async def _answer_questions(client: Client) -> None:
    while (question := (await call(client, "next_question"))["question"]) is not None:
        await call(client, "answer_question", key=question["key"], value=answer_for(question))


async def test_the_clients_model_writes_every_section_through_sampling(bmadgen_home, workdir):
    from bmadgen.mcp_server.server import build_server

    asked: list[str] = []

    async def model(context, params: types.CreateMessageRequestParams):
        prompt = params.messages[0].content.text  # type: ignore[union-attr]
        asked.append(prompt)
        assert "Project context:" in prompt and params.system_prompt.startswith("You are Mary")
        title = prompt.split('"')[1]
        if "starting with '- '" in prompt:
            text = f"- {title} one\n- {title} two"
        elif "JSON object" in prompt:
            text = '{"columns": ["A"], "rows": [["' + title + '"]]}'
        elif title == "Project Type" and "did not fit" not in prompt:
            text = "   "  # an empty answer: asked again, saying why
        else:
            text = f"Sampled text for {title}."
        return types.CreateMessageResult(role="assistant", model="test-model",
                                         content=types.TextContent(type="text", text=text))

    # sampling is a request from the server: the handshake-era session carries it
    async with Client(build_server(cwd=workdir), sampling_callback=model,
                      mode="legacy") as client:
        await call(client, "start_workflow_project", name="shop", type="ecommerce")
        await _answer_questions(client)
        written = await call(client, "sample_phase")
        assert written["status"] == "awaiting_approval"
        assert (await call(client, "approve_phase"))["status"] == "approved"
    brief = (workdir / "shop" / "docs" / "brief.md").read_text()
    assert "Sampled text for Executive Summary." in brief
    assert "Sampled text for Project Type." in brief
    assert any("did not fit" in prompt and "is empty" in prompt for prompt in asked)
    assert len(asked) >= 8


async def test_a_client_without_sampling_is_told_what_to_use(client):
    await call(client, "start_workflow_project", name="shop", type="ecommerce")
    assert "next_section and submit_section" in await error(client, "sample_phase")


async def test_a_connection_without_server_requests_is_told_what_to_use(bmadgen_home, workdir):
    from bmadgen.mcp_server.server import build_server

    async def model(context, params):  # never called: the protocol cannot carry it
        raise AssertionError("sampled")

    async with Client(build_server(cwd=workdir), sampling_callback=model) as client:
        await call(client, "start_workflow_project", name="shop", type="ecommerce")
        await _answer_questions(client)
        message = await error(client, "sample_phase")
        assert "2026-07-28" in message and "next_section" in message
        assert (await call(client, "workflow_status"))["phases"][0]["status"] == "pending"


async def test_sampling_over_a_real_stdio_server(bmadgen_home, tmp_path):
    from tests.mcp_server.helpers import stdio_server

    async def model(context, params: types.CreateMessageRequestParams):
        prompt = params.messages[0].content.text  # type: ignore[union-attr]
        text = ("- one\n- two" if "starting with '- '" in prompt else
                '{"columns": ["A"], "rows": [["x"]]}' if "JSON object" in prompt else
                "Written over stdio.")
        return types.CreateMessageResult(role="assistant", model="test-model",
                                         content=types.TextContent(type="text", text=text))

    async with Client(stdio_server(bmadgen_home, tmp_path), sampling_callback=model,
                      mode="legacy") as client:
        await call(client, "start_workflow_project", name="shop", type="ecommerce")
        await _answer_questions(client)
        assert (await call(client, "sample_phase"))["status"] == "awaiting_approval"
    assert "Written over stdio." in (tmp_path / "shop" / "docs" / "brief.md").read_text()
