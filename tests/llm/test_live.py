"""A live call to a hosted provider, only when its key is set in the environment (it costs a
fraction of a cent). Skipped, saying so, otherwise."""

from __future__ import annotations

import os

import pytest
from pydantic import BaseModel

LIVE = [("OPENAI_API_KEY", "gpt-4o-mini"),
        ("ANTHROPIC_API_KEY", "anthropic/claude-3-5-haiku-20241022")]


class Answer(BaseModel):
    capital: str


@pytest.mark.parametrize(("variable", "model"), LIVE)
def test_a_hosted_model_answers_through_the_gateway(variable, model, store, project,
                                                    bmadgen_home):
    if not os.environ.get(variable):
        pytest.skip(f"live test skipped: {variable} is not set")
    from bmadgen.llm.gateway import Call, Gateway
    from bmadgen.llmconfig import LLMConfig

    gateway = Gateway(config=LLMConfig(default=model, max_tokens=30, budget_usd=0.05),
                      store=store, home=bmadgen_home, environment_keys=(variable,))
    value = gateway.structured(Call(agent="analyst", project_id=project.id, messages=[
        {"role": "user", "content": "What is the capital of France?"}]), Answer)
    assert "paris" in value.capital.lower()
    row = store.query_one("SELECT * FROM llm_calls ORDER BY id DESC LIMIT 1")
    assert row["priced_by"] == "known" and row["cost_usd"] > 0 and row["prompt_tokens"] > 0
