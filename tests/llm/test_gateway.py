"""The gateway against a scripted OpenAI-style server: retries, fallbacks, timeouts, the hard
cap, accounting, the cache, structured output with a bounded repair, and streaming. Every
test talks HTTP to a real server; the server counts what it received."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from bmadgen.llm.gateway import (
    BudgetExceeded,
    Call,
    Gateway,
    ModelCallFailed,
    ModelOutputInvalid,
)
from bmadgen.llmconfig import LLMConfig, ModelEntry
from tests.llm.conftest import FakeLLM, Reply, completion, stream_body

pytestmark = pytest.mark.slow


def make(fake: FakeLLM, store, home: Path, *, names=("a",), prices=True, **config) -> Gateway:
    models = {}
    for name in names:
        price = {"input_price": 1.0, "output_price": 2.0} if prices else {}
        models[name] = ModelEntry(name=name, model=f"openai/model-{name}",
                                  api_base=fake.base(name), json_mode="json_object_schema",
                                  timeout=config.pop("timeout_" + name, None), **price)
    settings = {"default": names[0], "fallbacks": tuple(names[1:]), "retries": 1,
                **config}
    return Gateway(config=LLMConfig(models=models, **settings), store=store, home=home)


def rows(store) -> list[dict]:
    return [dict(r) for r in store.query("SELECT * FROM llm_calls ORDER BY id")]


def ask(project_id: int | None = None, text: str = "Say hello", **kw) -> Call:
    return Call(agent="analyst", messages=[{"role": "user", "content": text}],
                purpose="test", phase="vision", project_id=project_id, **kw)


class Named(BaseModel):
    name: str
    size: int


def test_a_429_is_retried_and_the_call_is_recorded(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", Reply(status=429, body={"error": {"message": "slow down"}}), "hello")
    gateway = make(fake_llm, store, bmadgen_home)
    reply = gateway.text(ask(project.id))
    assert reply.content == "hello" and fake_llm.count("a") == 2
    [row] = rows(store)
    assert row["outcome"] == "ok" and row["prompt_tokens"] == 11 and row["output_tokens"] == 7
    assert row["cost_usd"] == pytest.approx((11 * 1.0 + 7 * 2.0) / 1e6)
    assert row["agent"] == "analyst" and row["phase"] == "vision" and row["latency_ms"] > 0


def test_a_500_from_the_first_model_falls_back_to_the_second(fake_llm, store, project,
                                                            bmadgen_home):
    fake_llm.script("a", Reply(status=500, body="boom", content_type="text/plain"),
                    Reply(status=500, body="boom", content_type="text/plain"))
    fake_llm.script("b", "from b")
    gateway = make(fake_llm, store, bmadgen_home, names=("a", "b"))
    assert gateway.text(ask(project.id)).content == "from b"
    assert fake_llm.count("b") == 1
    [row] = rows(store)
    assert row["outcome"] == "fallback" and row["model"] == "a" and row["model_used"] == "b"


def test_a_timeout_fails_in_one_line_and_is_recorded(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", Reply(body=completion("late"), delay=2.5),
                    Reply(body=completion("late"), delay=2.5))
    gateway = make(fake_llm, store, bmadgen_home, retries=0, timeout_a=0.5)
    with pytest.raises(ModelCallFailed, match="failed: .*[Tt]imeout") as caught:
        gateway.text(ask(project.id))
    assert "\n" not in caught.value.one_line()
    [row] = rows(store)
    assert row["outcome"] == "error" and row["cost_usd"] == 0


def test_an_invalid_answer_gets_one_repair_carrying_the_errors(fake_llm, store, project,
                                                               bmadgen_home):
    fake_llm.script("a", '{"name": "x", "size": "big"}', '{"name": "x", "size": 3}')
    gateway = make(fake_llm, store, bmadgen_home)
    value = gateway.structured(ask(project.id), Named)
    assert value == Named(name="x", size=3) and fake_llm.count("a") == 2
    repair = fake_llm.bodies("a")[1]["messages"][-1]["content"]
    assert "size" in repair and "not valid" in repair
    assert fake_llm.bodies("a")[0]["response_format"]["type"] == "json_object"
    assert "schema" in fake_llm.bodies("a")[0]["response_format"]
    assert [r["outcome"] for r in rows(store)] == ["invalid", "ok"]


def test_invalid_twice_fails_naming_the_field(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", '{"name": "x"}', "<html><body>Bad gateway</body></html>")
    gateway = make(fake_llm, store, bmadgen_home, repairs=1)
    with pytest.raises(ModelOutputInvalid) as caught:
        gateway.structured(ask(project.id), Named)
    assert fake_llm.count("a") == 2  # one request and one repair, no Router retry
    line = caught.value.one_line()
    assert "not JSON" in line and "nothing was written" in line
    fake_llm.script("a", '{"name": "x"}', '{"name": "y"}')
    with pytest.raises(ModelOutputInvalid) as again:
        make(fake_llm, store, bmadgen_home, repairs=1, cache=False).structured(
            ask(project.id, "another"), Named)
    assert "size: Field required" in again.value.one_line()


def test_an_over_budget_call_makes_no_request(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", "never sent")
    gateway = make(fake_llm, store, bmadgen_home, budget_usd=0.0001, max_tokens=500)
    with pytest.raises(BudgetExceeded) as caught:
        gateway.text(ask(project.id))
    assert fake_llm.count() == 0
    line = caught.value.one_line()
    assert "spent $0.0000" in line and "budget is $0.0001" in line and "up to $0.00" in line
    [row] = rows(store)
    assert row["outcome"] == "refused" and row["cost_usd"] == 0


def test_the_spend_so_far_counts_against_the_budget(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", completion("one", prompt_tokens=1000, completion_tokens=1000), "two")
    # each call may cost up to (prompt + 100) tokens at $10/M: about $0.001
    gateway = make(fake_llm, store, bmadgen_home, prices=False, budget_usd=0.0205,
                   max_tokens=100, default_price=10.0)
    gateway.text(ask(project.id))  # charged 2000 tokens at the default: $0.02
    with pytest.raises(BudgetExceeded, match=r"spent \$0.0200"):
        gateway.text(ask(project.id, "again"))
    assert fake_llm.count() == 1


def test_a_model_with_no_known_price_is_charged_the_default(fake_llm, store, project,
                                                             bmadgen_home):
    fake_llm.script("a", completion("hi", prompt_tokens=100, completion_tokens=50))
    gateway = make(fake_llm, store, bmadgen_home, prices=False, default_price=4.0)
    gateway.text(ask(project.id))
    [row] = rows(store)
    assert row["priced_by"] == "default" and row["cost_usd"] == pytest.approx(150 * 4.0 / 1e6)
    assert row["cost_usd"] > 0


def test_a_repeated_request_is_answered_from_the_cache(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", '{"name": "x", "size": 1}')
    make(fake_llm, store, bmadgen_home).structured(ask(project.id), Named)
    again = make(fake_llm, store, bmadgen_home).structured(ask(project.id), Named)
    assert again.size == 1 and fake_llm.count() == 1
    cached = rows(store)[-1]
    assert cached["cache_hit"] == 1 and cached["cost_usd"] == 0
    fake_llm.script("a", '{"name": "x", "size": 2}')
    gateway = make(fake_llm, store, bmadgen_home)
    gateway.use_cache = False
    assert gateway.structured(ask(project.id), Named).size == 2 and fake_llm.count() == 2


def test_streaming_delivers_tokens_as_they_arrive_with_usage(fake_llm, store, project,
                                                             bmadgen_home):
    fake_llm.script("a", Reply(body=stream_body(["Hel", "lo ", "there"], prompt_tokens=9),
                               content_type="text/event-stream"))
    seen: list[str] = []
    gateway = make(fake_llm, store, bmadgen_home)
    gateway.on_token = seen.append
    reply = gateway.text(ask(project.id))
    assert seen == ["Hel", "lo ", "there"] and reply.content == "Hello there"
    assert fake_llm.bodies("a")[0]["stream"] is True
    [row] = rows(store)
    assert row["prompt_tokens"] == 9 and row["output_tokens"] == 3


def test_a_server_answering_html_is_one_clear_line(fake_llm, store, project, bmadgen_home):
    page = "<!DOCTYPE html><html><body>" + "x" * 5000 + "</body></html>"
    fake_llm.script("a", Reply(status=200, body=page, content_type="text/html"),
                    Reply(status=200, body=page, content_type="text/html"))
    gateway = make(fake_llm, store, bmadgen_home, retries=0)
    with pytest.raises(ModelCallFailed) as caught:
        gateway.text(ask(project.id))
    line = caught.value.one_line()
    assert len(line) < 600 and "x" * 100 not in line
    assert rows(store)[0]["outcome"] == "error"


def test_fenced_json_is_read(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", '```json\n{"name": "{{ 7*7 }}", "size": 2}\n```')
    value = make(fake_llm, store, bmadgen_home).structured(ask(project.id), Named)
    assert value.name == "{{ 7*7 }}"


def test_every_call_sends_max_tokens(fake_llm, store, project, bmadgen_home):
    fake_llm.script("a", "ok")
    make(fake_llm, store, bmadgen_home, max_tokens=64).text(ask(project.id))
    assert fake_llm.bodies("a")[0]["max_tokens"] == 64
    assert json.dumps(fake_llm.bodies("a")[0]).count("Say hello") == 1


def test_a_server_refusing_json_schema_is_asked_in_a_weaker_mode(fake_llm, store, project,
                                                                 bmadgen_home):
    from dataclasses import replace

    fake_llm.script("a", Reply(status=400, body={"error": {"message": "json_schema: no"}}),
                    '{"name": "x", "size": 4}', '{"name": "y", "size": 5}')
    gateway = make(fake_llm, store, bmadgen_home)
    entry = replace(gateway.config.models["a"], json_mode="json_schema")
    gateway.config = replace(gateway.config, models={"a": entry})
    assert gateway.structured(ask(project.id), Named).size == 4
    formats = [b.get("response_format", {}).get("type") for b in fake_llm.bodies("a")]
    assert formats == ["json_schema", "json_object"]
    assert gateway.structured(ask(project.id, "next"), Named).size == 5  # remembered
    assert [b.get("response_format", {}).get("type") for b in fake_llm.bodies("a")][-1] == \
        "json_object"
    assert "refused json mode json_schema" in rows(store)[0]["detail"]
