"""MCP server benchmark: recall over stdio, writes, start-up, and recall quality.

    python benchmarks/bench_mcp.py            # 10,000 memories over stdio; quality at 1k/10k/100k
    python benchmarks/bench_mcp.py --quick    # 2,000 memories, quality at 1k/10k (a smoke run)
    python benchmarks/bench_mcp.py --no-quality --starts 15   # stdio figures and start-up only
    python benchmarks/bench_mcp.py --quality-only --src OLD/src  # recall of an older checkout

Prints one table; the figures are recorded in docs/performance.md ("Issue 10: MCP server").

- `recall_context` round trip: a real `bmadgen mcp serve` subprocess, the official client over
  stdio, a store of 10,000 memories (benchmarks/recall_set.py), every question of the set asked
  `--rounds` times; median and p95 of the client-side round trip.
- `remember_this` round trip over the same connection: median and p95.
- Start-up: from spawning `bmadgen mcp serve` to the answer of the first `tools/list`
  (initialize included), `--starts` times; median.
- Recall quality: share of questions whose answer is ranked first by `recall_context` (over
  stdio, at 10,000) and by the search behind it in process (1,000 / 10,000 / 100,000).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import recall_set

DAY = 86400.0


def load_store(home: Path, size: int, seed: int = 7) -> tuple[recall_set.RecallSet, list[int]]:
    """A store in `home` with one project holding the set's memories (bulk insert)."""
    os.environ["BMADGEN_HOME"] = str(home)
    from bmadgen.services import projects
    from bmadgen.services.session import open_session

    data = recall_set.build(size, seed=seed)
    now = time.time()
    with open_session() as session:
        project = projects.create(session, "bench")
        with session.store.write() as conn:
            first = None
            for item in data.memories:
                cur = conn.execute(
                    "INSERT INTO memories (project_id, kind, title, content, importance, "
                    "created_at) VALUES (?, 'note', ?, ?, ?, ?)",
                    (project.id, item.title, item.content, item.importance,
                     now - item.age_days * DAY))
                first = first or cur.lastrowid
        assert first is not None
    return data, [first + i for i in range(len(data.memories))]


def in_process_top1(size: int, rounds: int) -> tuple[int, int, float, float]:
    """(hits, questions, median ms, p95 ms) of the search behind recall_context, in process;
    every question asked `rounds` times for the times."""
    from bmadgen.services import memory
    from bmadgen.services.session import open_session

    with tempfile.TemporaryDirectory() as tmp:
        data, ids = load_store(Path(tmp), size)
        hits, times = 0, []
        with open_session() as session:
            for round_ in range(rounds):
                for question in data.questions:
                    start = time.perf_counter()
                    found = memory.search(session, question.text, limit=10)
                    times.append(time.perf_counter() - start)
                    if round_ == 0:
                        hits += bool(found.items) and found.items[0].id == ids[question.answer]
    return (hits, len(data.questions), statistics.median(times) * 1000,
            percentile(times, 95) * 1000)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def server_params(home: Path, cwd: Path):
    from mcp import StdioServerParameters

    env = dict(os.environ, BMADGEN_HOME=str(home), PYTHONPATH=str(REPO / "src"))
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "bmadgen", "mcp", "serve"], env=env, cwd=str(cwd))


async def stdio_figures(home: Path, data: recall_set.RecallSet, ids: list[int],
                        rounds: int, writes: int) -> dict[str, float]:
    from mcp import Client

    recall_times, write_times, hits = [], [], 0
    async with Client(server_params(home, home)) as client:
        await client.call_tool("recall_context", {"query": "warm up"})
        for round_ in range(rounds):
            for question in data.questions:
                start = time.perf_counter()
                result = await client.call_tool("recall_context",
                                                {"query": question.text, "limit": 10})
                recall_times.append(time.perf_counter() - start)
                if round_ == 0:
                    assert not result.is_error and result.structured_content is not None
                    items = result.structured_content["items"]
                    hits += bool(items) and items[0]["id"] == ids[question.answer]
        for i in range(writes):
            start = time.perf_counter()
            result = await client.call_tool("remember_this", {
                "content": f"benchmark note {i}: the queue worker retries failed jobs",
                "importance": "medium"})
            write_times.append(time.perf_counter() - start)
            assert not result.is_error
    return {"recall_median": statistics.median(recall_times) * 1000,
            "recall_p95": percentile(recall_times, 95) * 1000,
            "recall_n": len(recall_times),
            "write_median": statistics.median(write_times) * 1000,
            "write_p95": percentile(write_times, 95) * 1000,
            "write_n": len(write_times),
            "hits": hits, "questions": len(data.questions)}


# The floor for start-up: the SDK's own smallest server (one tool), started the same way.
FLOOR_SERVER = (
    "from mcp.server.mcpserver import MCPServer\n"
    "server = MCPServer('floor')\n"
    "@server.tool()\n"
    "def ping() -> str:\n"
    "    return 'pong'\n"
    "server.run('stdio')\n"
)


def floor_params(home: Path):
    from mcp import StdioServerParameters

    return StdioServerParameters(command=sys.executable, args=["-c", FLOOR_SERVER],
                                 env=dict(os.environ), cwd=str(home))


async def start_to_tools_list(home: Path, floor: bool = False) -> float:
    from mcp import Client

    start = time.perf_counter()
    async with Client(floor_params(home) if floor else server_params(home, home)) as client:
        tools = await client.list_tools()
        elapsed = time.perf_counter() - start
        assert tools.tools
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--no-quality", action="store_true",
                        help="skip the in-process recall quality runs (the 100,000 build)")
    parser.add_argument("--quality-only", action="store_true",
                        help="only the in-process recall quality runs (no server)")
    parser.add_argument("--src", type=Path, default=REPO / "src",
                        help="the bmadgen source to measure, e.g. an older checkout's src "
                             "for the recall baseline (with --quality-only)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    size = 2_000 if args.quick else 10_000
    quality_sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    if args.no_quality:
        quality_sizes = []

    print("| figure | measured | target |\n|---|---|---|")
    if not args.quality_only:
        stdio_and_startup(size, args.rounds, args.starts)
    for quality_size in quality_sizes:
        hits, total, median, p95 = in_process_top1(quality_size, args.rounds)
        print(f"| search in process, {quality_size:,} memories ({total} questions x "
              f"{args.rounds}) | top-1 {hits}/{total} ({100 * hits / total:.0f}%), median "
              f"{median:.2f} ms, p95 {p95:.2f} ms | >= 95%, p95 <= 20 ms |")


def stdio_and_startup(size: int, rounds: int, start_count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        data, ids = load_store(home, size)
        figures = anyio.run(stdio_figures, home, data, ids, rounds, 200)
        starts, floors = [], []
        for _ in range(start_count):  # in turn, so both see the same machine load
            starts.append(anyio.run(start_to_tools_list, home))
            floors.append(anyio.run(start_to_tools_list, home, True))
        ratios = [s / f for s, f in zip(starts, floors, strict=True)]

    print(f"| recall_context over stdio, {size:,} memories ({figures['recall_n']} calls) | "
          f"median {figures['recall_median']:.2f} ms, p95 {figures['recall_p95']:.2f} ms | "
          "p95 <= 20 ms |")
    print(f"| remember_this over stdio ({figures['write_n']} calls) | median "
          f"{figures['write_median']:.2f} ms, p95 {figures['write_p95']:.2f} ms | "
          "median <= 10 ms |")
    print(f"| start to first tools/list over stdio ({len(starts)} starts) | median "
          f"{statistics.median(starts):.3f} s (min {min(starts):.3f}, max {max(starts):.3f}); "
          f"the SDK's one-tool server: median {statistics.median(floors):.3f} s; paired ratio "
          f"median {statistics.median(ratios):.2f}x | <= 0.5 s |")
    print(f"| recall_context top-1 over stdio, {size:,} memories | "
          f"{figures['hits']}/{figures['questions']} | >= 95% |")


if __name__ == "__main__":
    main()
