"""bmadgen's own tools, the phase written by a client's model, the agent prompts and the
memory:/// resources, through the official client in process."""

from __future__ import annotations

import shutil

import pytest

from tests.mcp_server.helpers import REPO, call, error, write_phase_as_a_model

pytestmark = pytest.mark.anyio


async def test_a_clients_model_writes_a_phase_that_is_then_approved(client, workdir):
    started = await call(client, "start_workflow_project", name="shop", type="ecommerce")
    assert started["next_action"]["phase"] == "vision"
    assert (workdir / "shop" / ".git").is_dir()
    # sections cannot be written before the questions are answered
    assert "unanswered question" in await error(client, "next_section")
    assert "no phase is awaiting approval" in await error(client, "approve_phase")
    written = await write_phase_as_a_model(client)
    assert written["status"] == "awaiting_approval"
    assert written["checklist"]["score"] in ("PASS", "CONCERNS")
    brief = (workdir / "shop" / "docs" / "brief.md").read_text()
    assert "What the client's model wrote for Executive Summary." in brief
    assert "mcp-client provider" in brief
    approved = await call(client, "approve_phase")
    assert approved["status"] == "approved" and approved["commit_sha"]
    status = await call(client, "workflow_status")
    assert [p["status"] for p in status["phases"]][:2] == ["approved", "pending"]
    assert status["next_action"] == {**status["next_action"], "kind": "run_phase",
                                     "phase": "requirements"}
    # the documents
    docs = await call(client, "list_documents")
    assert {"name": "brief", "exists": True} .items() <= next(
        d for d in docs["items"] if d["name"] == "brief").items()
    goals = await call(client, "get_document", name="brief", section="goals")
    assert goals["section"] == "Goals" and "First point of Goals" in goals["text"]
    whole = await call(client, "get_document", name="brief")
    assert whole["text"].startswith("# ") and whole["length"] == len(brief)
    hits = await call(client, "search_documents", query="client's model executive summary")
    assert hits["items"][0]["document"] == "brief"
    assert "no section" in await error(client, "get_document", name="brief", section="nope")
    # roll back: the phase reopens
    rolled = await call(client, "rollback_phase", phase="vision")
    assert rolled["status"] == "in_progress"


async def test_a_submission_that_does_not_fit_says_what_to_fix(client):
    await call(client, "start_workflow_project", name="shop", type="ecommerce")
    while (question := (await call(client, "next_question"))["question"]) is not None:
        assert question["remaining"] >= 1 and question["key"].startswith("vision.")
        value = "#2a6f97" if question["type"] == "color" else (
            question["default"] or "Shoppers; Staff")
        await call(client, "answer_question", key=question["key"], value=value)
    section = (await call(client, "next_section"))["section"]
    assert section["key"] == "executive-summary" and section["written"] == 0
    message = await error(client, "submit_section", key=section["key"],
                          content={"columns": ["a"]})
    assert "expected text, or a list of text" in message
    assert "is empty" in await error(client, "submit_section", key=section["key"], content=" ")
    assert "no section 'nope'" in await error(client, "submit_section", key="nope", content="x")
    assert "have no content" in await error(client, "write_phase")
    kept = await call(client, "submit_section", key=section["key"], content="A shop.")
    assert kept["written"] == 1 and kept["total"] > 1
    again = (await call(client, "next_section"))["section"]
    assert again["key"] != section["key"] and again["written"] == 1
    assert "unknown answer key" in await error(client, "answer_question", key="vision.nope",
                                               value="x")


async def test_the_app_spec_slices_and_gate_results_of_an_app_folder(client, workdir):
    await call(client, "start_workflow_project", name="shop", type="ecommerce")
    assert "appspec.yaml" in await error(client, "get_app_spec")
    shutil.copy(REPO / "examples" / "ecommerce.appspec.yaml", workdir / "shop" / "appspec.yaml")
    spec = await call(client, "get_app_spec")
    names = [feature["name"] for feature in spec["features"]]
    slices = await call(client, "list_slices")
    assert [s["name"] for s in slices["items"]] == names
    assert "no gate run" in (await error(client, "last_gate_results")).lower()
    # a real (local, one gate, one slice) gate run, made through the services
    from bmadgen.services import gates, generation
    from bmadgen.services.session import open_session

    with open_session(project="shop") as session:
        generation.generate(session)
        gates.run(session, sandbox="local", gates=["format"], slices=[names[0]])
    run = await call(client, "last_gate_results")
    assert run["run"]["backend"] == "local"
    assert [(r["gate"], r["slice"], r["status"]) for r in run["items"]] == [
        ("format", None, "passed")]  # an app-wide gate


async def test_a_prompt_per_agent_with_the_projects_context(client):
    prompts = {p.name for p in (await client.list_prompts()).prompts}
    assert prompts == {"analyst", "pm", "ux", "architect", "sm", "dev", "qa"}
    await call(client, "start_workflow_project", name="shop", type="ecommerce")
    await call(client, "remember_this", content="Payments go through Stripe",
               importance="critical")
    for name in prompts:
        got = await client.get_prompt(name, {})
        text = got.messages[0].content.text  # type: ignore[union-attr]
        assert text.startswith("You are ") and "Persona:" in text
        assert "# Project shop (ecommerce)" in text and "Payments go through Stripe" in text
    analyst = (await client.get_prompt("analyst", {})).messages[0].content.text  # type: ignore[union-attr]
    assert "vision" in analyst and "Mary" in analyst
    qa = (await client.get_prompt("qa", {})).messages[0].content.text  # type: ignore[union-attr]
    assert "last_gate_results" in qa and "You own the phase" not in qa


async def test_the_memory_pickle_resources(client):
    import json

    uris = {str(r.uri) for r in (await client.list_resources()).resources}
    assert uris == {"memory:///current-session", "memory:///session-summary",
                    "memory:///system-stats"}
    empty = await client.read_resource("memory:///current-session")
    assert json.loads(empty.contents[0].text) == {"current_project": None}  # type: ignore[union-attr]
    await call(client, "create_project", name="res")
    await call(client, "remember_this", content="Resources read the store",
               importance="critical")
    session = json.loads((await client.read_resource("memory:///current-session"))
                         .contents[0].text)  # type: ignore[union-attr]
    assert session["project"]["name"] == "res"
    assert session["important_memories"][0]["content"] == "Resources read the store"
    summary = (await client.read_resource("memory:///session-summary")).contents[0].text  # type: ignore[union-attr]
    assert "Resources read the store" in summary
    stats = json.loads((await client.read_resource("memory:///system-stats"))
                       .contents[0].text)  # type: ignore[union-attr]
    assert stats["projects"] == 1 and stats["memories"] == 1 and stats["current_project"] == "res"
