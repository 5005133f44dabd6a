"""The usage view shows the calls the LLM gateway recorded for the project (per phase, agent
and model, with the budget left), and says plainly that no model is configured when none is
and no call was made: never made-up figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import open_view, screen_text, wait_for

pytestmark = pytest.mark.anyio


async def _usage_text(shop: str, tmp_path: Path) -> str:
    from bmadgen.tui.screens.usage import UsageScreen

    app = BmadgenApp(project=shop, cwd=tmp_path)
    async with app.run_test(size=(140, 48)) as pilot:
        screen = await open_view(pilot, "u", UsageScreen)
        await wait_for(pilot, lambda: screen.query_one("#sandbox-usage").row_count == 1,
                       what="the usage")
        return screen_text(app)


async def test_no_model_and_no_calls_says_so(shop: str, tmp_path: Path) -> None:
    assert "No model is configured" in await _usage_text(shop, tmp_path)


async def test_recorded_calls_are_shown_per_phase_agent_and_model(shop: str,
                                                                   tmp_path: Path) -> None:
    from bmadgen.llm.records import CallRecord, record
    from bmadgen.store import open_store

    store = open_store()
    project_id = store.query_one("SELECT id FROM projects WHERE name = ?", (shop,))["id"]
    for phase, agent, tokens, usd, hit in [("vision", "analyst", 1200, 0.0125, False),
                                           ("requirements", "pm", 800, 0.0075, False),
                                           ("requirements", "pm", 800, 0.0, True)]:
        record(store, CallRecord(project_id=project_id, phase=phase, agent=agent,
                                 purpose="section", model="local/smollm2", outcome="ok",
                                 prompt_tokens=tokens, output_tokens=100, cost_usd=usd,
                                 cache_hit=hit))
    store.close()
    text = await _usage_text(shop, tmp_path)
    assert "No model is configured" not in text
    assert "3 calls (2 requests, 1 from the cache" in text
    assert "2,800 prompt and 300 output tokens" in text
    assert "$0.0200 of $2.00 spent, $1.9800 left" in text
    assert "by phase:" in text and "by agent:" in text and "by model:" in text
    assert "local/smollm2" in text
