"""Memory Pickle's thirteen tools through the official client, in process: names, schemas and
annotations as Memory Pickle has them, bmadgen's semantics (persistent, ranked, paged), dry
runs that change nothing, and bad input answered as an error a model can act on."""

from __future__ import annotations

import pytest

from tests.mcp_server.helpers import call, error

pytestmark = pytest.mark.anyio

MEMORY_PICKLE = {"recall_state", "list_projects", "create_project", "update_project",
                 "set_current_project", "create_task", "update_task", "get_task", "list_tasks",
                 "remember_this", "recall_context", "export_session", "generate_handoff_summary"}
READERS = {"recall_state", "list_projects", "get_task", "list_tasks", "recall_context",
           "export_session", "generate_handoff_summary"}


async def test_the_tools_have_memory_pickles_names_parameters_and_annotations(client):
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert MEMORY_PICKLE <= set(tools)
    for name in MEMORY_PICKLE:
        hints = tools[name].annotations
        assert hints is not None and hints.open_world_hint is False, name
        if name in READERS:
            assert hints.read_only_hint is True and hints.idempotent_hint is True, name
        else:
            assert hints.read_only_hint is False and hints.destructive_hint is False, name
    schema = tools["update_task"].input_schema
    assert schema["required"] == ["task_id"]
    assert {"task_id", "title", "description", "priority", "completed", "progress", "notes",
            "blockers", "dry_run"} <= set(schema["properties"])
    recall = tools["recall_context"].input_schema["properties"]
    assert {"query", "project_id", "importance", "limit"} <= set(recall)
    assert recall["limit"]["maximum"] == 100 and recall["limit"]["minimum"] == 1
    create = tools["create_task"].input_schema["properties"]
    assert {"parent_id", "line_range", "dry_run"} <= set(create)
    assert tools["remember_this"].input_schema["properties"]["content"]["maxLength"] == 50000


async def test_projects_are_created_updated_switched_and_listed(client):
    rehearsed = await call(client, "create_project", name="alpha", description="first",
                           dry_run=True)
    assert rehearsed["dry_run"] is True and rehearsed["name"] == "alpha"
    assert (await call(client, "list_projects"))["total"] == 0  # the dry run kept nothing
    alpha = await call(client, "create_project", name="alpha", description="first")
    await call(client, "create_project", name="beta")
    state = await call(client, "recall_state")
    assert state["current_project"]["name"] == "beta"  # a new project becomes current
    await call(client, "set_current_project", project_id=str(alpha["id"]))
    assert (await call(client, "recall_state"))["current_project"]["name"] == "alpha"
    await call(client, "update_project", project_id=alpha["id"], name="gamma", dry_run=True)
    renamed = await call(client, "update_project", project_id=str(alpha["id"]), name="alpha2",
                         description="renamed")
    assert renamed["name"] == "alpha2" and renamed["description"] == "renamed"
    await call(client, "update_project", project_id="beta", status="archived")
    listed = await call(client, "list_projects")
    assert [p["name"] for p in listed["items"]] == ["alpha2"]
    archived = await call(client, "list_projects", status="archived")
    assert [p["name"] for p in archived["items"]] == ["beta"] and archived["total"] == 1
    assert "already exists" in await error(client, "create_project", name="alpha2")


async def test_tasks_are_created_updated_completed_reopened_and_listed(client):
    await call(client, "create_project", name="tasks")
    parent = await call(client, "create_task", title="Build checkout", priority="high")
    child = await call(client, "create_task", title="Card form", parent_id=str(parent["id"]),
                       line_range={"start_line": 10, "end_line": 42, "file_path": "app/a.py"})
    assert child["parent_id"] == parent["id"]
    assert child["notes"][0]["text"] == "code: app/a.py lines 10-42"
    rehearsed = await call(client, "update_task", task_id=child["id"], progress=90,
                           dry_run=True)
    assert rehearsed["progress"] == 90
    assert (await call(client, "get_task", task_id=child["id"]))["progress"] == 0
    await call(client, "remember_this", content="cards need 3-D Secure", task_id=child["id"])
    shown = await call(client, "get_task", task_id=str(parent["id"]))
    assert [t["id"] for t in shown["subtasks"]] == [child["id"]] and shown["memories"] == []
    linked = await call(client, "get_task", task_id=child["id"])
    assert [m["content"] for m in linked["memories"]] == ["cards need 3-D Secure"]
    updated = await call(client, "update_task", task_id=str(child["id"]), progress=50,
                         notes=["card fields done", "cvc next"], blockers=["waiting for keys"],
                         title="Card form v2", priority="critical")
    assert updated["progress"] == 50 and updated["title"] == "Card form v2"
    assert updated["open_blockers"] == ["waiting for keys"]
    assert [n["text"] for n in updated["notes"] if n["kind"] == "note"][-2:] == [
        "card fields done", "cvc next"]
    cleared = await call(client, "update_task", task_id=child["id"], blockers=[])
    assert cleared["open_blockers"] == []
    done = await call(client, "update_task", task_id=child["id"], completed=True)
    assert done["status"] == "completed" and done["progress"] == 100
    reopened = await call(client, "update_task", task_id=child["id"], completed=False)
    assert reopened["status"] == "active" and reopened["completed_at"] is None
    await call(client, "update_task", task_id=parent["id"], completed=True)
    active = await call(client, "list_tasks", completed=False)
    assert [t["title"] for t in active["items"]] == ["Card form v2"]
    assert (await call(client, "list_tasks", status="completed"))["total"] == 1
    first = await call(client, "list_tasks", limit=1)
    assert first["next_offset"] == 1 and "offset=1" in first["more"]


async def test_memories_are_remembered_and_recalled_ranked(client):
    await call(client, "create_project", name="mem")
    task = await call(client, "create_task", title="Refunds")
    rehearsed = await call(client, "remember_this", content="never kept", dry_run=True)
    assert rehearsed["dry_run"] is True
    refund = await call(client, "remember_this", title="Refund timing", importance="high",
                        content="Refunds are processed within five business days.",
                        task_id=str(task["id"]),
                        line_range={"start_line": 3, "end_line": 9, "file_path": "refunds.py"})
    assert (refund["file_path"], refund["line_start"], refund["line_end"]) == (
        "refunds.py", 3, 9)
    await call(client, "remember_this", content="The refund button is blue.",
               importance="critical")
    await call(client, "remember_this", content="Deploys happen on Tuesdays.", importance="low")
    found = await call(client, "recall_context", query="how fast do refunds get processed?")
    assert found["items"][0]["id"] == refund["id"]
    assert found["total"] == 1 and found["matched_words"] == 2  # "fast" is in neither
    assert (await call(client, "recall_context", query="never kept"))["total"] == 0
    newest = await call(client, "recall_context")
    assert next(m["content"] for m in newest["items"]) == "Deploys happen on Tuesdays."
    only_low = await call(client, "recall_context", query="deploys", importance="low")
    assert only_low["total"] == 1


async def test_state_handoff_and_export(client):
    await call(client, "create_project", name="wrap")
    await call(client, "create_task", title="Ship it", priority="critical")
    await call(client, "remember_this", content="We chose Postgres", importance="critical")
    state = await call(client, "recall_state", focus="all", include_completed=True)
    assert state["tasks"]["items"][0]["title"] == "Ship it"
    assert state["memories"]["items"][0]["content"] == "We chose Postgres"
    assert [p["name"] for p in state["projects"]["items"]] == ["wrap"]
    only_tasks = await call(client, "recall_state", focus="tasks")
    assert "memories" not in only_tasks and "projects" not in only_tasks
    handoff = await call(client, "generate_handoff_summary", format="brief")
    assert "Ship it" in handoff["text"] and "We chose Postgres" in handoff["text"]
    exported = await call(client, "export_session", format="markdown")
    assert "Ship it" in exported["text"] and exported["next_offset"] is None
    as_json = await call(client, "export_session", format="json")
    assert '"Ship it"' in as_json["text"]


async def test_no_project_yet_says_what_to_do(client):
    state = await call(client, "recall_state")
    assert state["current_project"] is None
    assert state["next_action"]["kind"] == "create_project"
    message = await error(client, "remember_this", content="lost?")
    assert "no current project" in message and "create project" in message


async def test_bad_input_is_an_error_result_and_nothing_is_lost(client):
    await call(client, "create_project", name="safe")
    kept = await call(client, "remember_this", content="keep me")
    task = await call(client, "create_task", title="keep this task")
    assert "Unknown tool" in await error(client, "no_such_tool")
    assert "content" in await error(client, "remember_this")  # missing argument
    assert "task_id" in await error(client, "get_task", task_id="abc")  # mistyped id
    assert "50000" in await error(client, "remember_this", content="x" * 50_001)
    assert "200" in await error(client, "create_task", title="t" * 201)
    assert "no task 999" in await error(client, "update_task", task_id=999, progress=5)
    assert "no project" in await error(client, "list_tasks", project_id="nowhere")
    assert "progress" in await error(client, "update_task", task_id=task["id"], progress=101)
    assert "limit" in await error(client, "recall_context", query="x", limit=101)
    assert "line_range" in await error(client, "create_task", title="x",
                                       line_range={"start_line": 9, "end_line": 2})
    assert "nothing to update" in await error(client, "update_task", task_id=task["id"])
    # the server still answers, and what was stored is all there
    assert (await call(client, "recall_context", query="keep"))["items"][0]["id"] == kept["id"]
    assert (await call(client, "get_task", task_id=task["id"]))["title"] == "keep this task"
    assert (await call(client, "list_tasks"))["total"] == 1


async def test_long_answers_are_cut_with_a_marker_and_continue_at_the_offset(client):
    await call(client, "create_project", name="big")
    ids = set()
    for i in range(40):
        made = await call(client, "remember_this", content=f"ledger entry {i} " + "x" * 1500)
        ids.add(made["id"])
    seen: list[int] = []
    offset = 0
    pages = 0
    while offset is not None:
        answer = await call(client, "recall_context", query="ledger", limit=100, offset=offset)
        assert len(str(answer)) < 4000 * 4 + 2000  # about 4,000 tokens at most
        seen += [m["id"] for m in answer["items"]]
        if answer["next_offset"] is not None:
            assert f"offset={answer['next_offset']}" in answer["more"]
            assert "truncated" in answer["more"]
        offset = answer["next_offset"]
        pages += 1
    assert pages > 2
    assert sorted(seen) == sorted(ids)  # every memory once, none skipped
