"""What the MCP tests share: calling a tool and reading its answer, starting the server as a
real process, and writing a phase the way a client's model would."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parents[2]


class ToolFailed(AssertionError):
    pass


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """The tool's structured answer; a failed call raises with the server's message."""
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        raise ToolFailed(result.content[0].text)  # type: ignore[union-attr]
    assert result.structured_content is not None, tool
    return result.structured_content


async def error(client: Client, tool: str, **arguments: Any) -> str:
    """The message of a call that must fail as an error result (isError)."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool} {arguments} did not fail: {result.structured_content}"
    return result.content[0].text  # type: ignore[union-attr]


def server_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src")
    env["BMADGEN_HOME"] = str(home)
    return env


def stdio_server(home: Path, cwd: Path, *extra: str) -> StdioServerParameters:
    """`bmadgen mcp serve` as a subprocess (this checkout's code)."""
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "bmadgen", "mcp", "serve", *extra],
                                 env=server_env(home), cwd=str(cwd))


def answer_for(question: dict[str, Any]) -> str:
    kind = question["type"]
    if kind == "choice":
        return question["default"]
    if kind == "multichoice":
        return question["expected"].split(": ", 1)[1].split(", ")[0]
    if kind == "color":
        return "#2a6f97"
    if kind == "list":
        return "Book lovers; Shop staff"
    return "An online shop where a small bookshop sells its used books."


def content_for(section: dict[str, Any]) -> Any:
    if section["type"] == "table":
        return {"columns": ["Item", "Detail"], "rows": [["Point", f"for {section['key']}"]]}
    if section["type"] in ("bullet-list", "numbered-list"):
        return [f"First point of {section['title']}", "Second point"]
    return f"What the client's model wrote for {section['title']}."


async def write_phase_as_a_model(client: Client) -> dict[str, Any]:
    """Answer the next phase's questions and submit every section, as a client's model
    would; returns what write_phase answered (the phase awaiting approval)."""
    while (question := (await call(client, "next_question"))["question"]) is not None:
        await call(client, "answer_question", key=question["key"],
                   value=answer_for(question))
    sections = 0
    while (section := (await call(client, "next_section", budget_tokens=400))["section"]):
        assert section["title"] and section["persona"]["name"] and section["expected"]
        assert len(section["context"]) <= 400 * 4
        await call(client, "submit_section", key=section["key"], content=content_for(section))
        sections += 1
    assert sections > 0
    return await call(client, "write_phase")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
