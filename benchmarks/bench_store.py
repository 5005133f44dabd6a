"""Store benchmark: ranked search over 100,000 memories, writes, and the whole CLI command.

    python benchmarks/bench_store.py            # full run: 100,000 memories in 10 projects
    python benchmarks/bench_store.py --quick    # 10,000 memories, fewer samples (a smoke run)

Prints one table. The figures are recorded in docs/perf/store.md.

The baseline is what Memory Pickle and the official memory MCP server do: every row is in
memory (or read from one file) and a query is a substring test on each row. The baseline here
gets the most favourable form of that: rows already loaded, lowercased once, filtered by project.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A fixed vocabulary: the words a software project's notes are made of, plus glue words.
DOMAIN_WORDS = """
api endpoint route handler request response status header token auth login logout session
cookie password hash salt user account profile role permission admin customer order cart
checkout payment invoice refund stripe webhook retry queue worker job schedule cron email
notification template render page layout component button form field validation error
message toast modal table column row index query migration schema database sqlite postgres
transaction lock timeout cache redis memory cpu latency throughput benchmark profile trace
log metric alert dashboard deploy docker container image registry kubernetes cluster node
pod volume network port proxy nginx tls certificate domain dns cdn bucket upload download
file folder path config setting env variable secret key vault rotate backup restore
snapshot release version tag branch merge rebase commit review test unit integration e2e
fixture mock coverage mutation lint format type check gate sandbox slice feature entity
model relation foreign primary unique constraint search filter sort page limit offset
product catalog category price discount coupon stock inventory shipping address tax
currency report export import csv json yaml markdown document spec story epic sprint
backlog priority blocker decision architecture frontend backend mobile tablet desktop
accessibility contrast keyboard focus screen reader theme dark light font color spacing
grid flex responsive breakpoint animation performance bundle lazy chunk prefetch seo
analytics event funnel conversion retention churn onboarding signup invite team member
workspace tenant billing plan subscription trial upgrade downgrade quota rate throttle
""".split()  # noqa: SIM905 - a block of words reads better than a list literal
GLUE_WORDS = """
the a an and or but with without for from to into on in at by of after before when while
because so that this it we they should must can will may not never always only also then
use add remove change fix keep move split merge check make sure need want avoid prefer
""".split()  # noqa: SIM905 - a block of words reads better than a list literal
VOCABULARY = DOMAIN_WORDS + GLUE_WORDS
IMPORTANCE = ["critical", "high", "medium", "low"]
IMPORTANCE_WEIGHTS = [0.05, 0.2, 0.5, 0.25]


def zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


class TextMaker:
    """Seeded sentences with a Zipf word distribution, so some words are common, most rare."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        words = DOMAIN_WORDS[:]
        self.rng.shuffle(words)
        self.domain = words
        self.domain_weights = zipf_weights(len(words))

    def domain_words(self, k: int) -> list[str]:
        return self.rng.choices(self.domain, weights=self.domain_weights, k=k)

    def sentence(self, n_words: int) -> str:
        out = []
        for _ in range(n_words):
            if self.rng.random() < 0.35:
                out.append(self.rng.choice(GLUE_WORDS))
            else:
                out.append(self.domain_words(1)[0])
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def memory(self) -> tuple[str, str]:
        title = " ".join(self.domain_words(self.rng.randint(2, 5))).capitalize()
        body = " ".join(self.sentence(self.rng.randint(8, 20)) for _ in range(self.rng.randint(1, 4)))
        return title, body


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def build_store(home: Path, n_memories: int, n_projects: int, seed: int):
    os.environ["BMADGEN_HOME"] = str(home)
    from bmadgen import projects
    from bmadgen.store import open_store

    store = open_store()
    project_ids = [projects.create(store, f"bench-{i}").id for i in range(n_projects)]
    maker = TextMaker(seed)
    now = time.time()
    rows = []
    for i in range(n_memories):
        title, content = maker.memory()
        importance = maker.rng.choices(IMPORTANCE, weights=IMPORTANCE_WEIGHTS)[0]
        created = now - maker.rng.uniform(0, 365 * 86400)
        rows.append((project_ids[i % n_projects], "note", title, content, importance, created))
    # Bulk load through the same table and triggers memory.add uses, in one transaction.
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO memories (project_id, kind, title, content, importance, created_at) "
            "VALUES (?,?,?,?,?,?)",
            rows,
        )
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("ANALYZE")
    return store, project_ids, maker


def make_queries(maker: TextMaker, n: int) -> list[str]:
    """1-3 topic words a person would type, each vocabulary word equally likely.

    The memories follow Zipf, so some queries hit a word found in most memories; the separate
    "most frequent word" row measures that worst case on its own.
    """
    queries = []
    for _ in range(n):
        k = maker.rng.choices([1, 2, 3], weights=[0.4, 0.4, 0.2])[0]
        words = maker.rng.sample(maker.domain, k)
        queries.append(" ".join(words) + maker.rng.choice(["", "?", ",", "!"]))
    return queries


class Samples:
    """Wall-clock and CPU milliseconds of repeated runs. CPU time is what the code costs;
    wall time is what a person waits, and grows when other processes share the cores."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._start = (0.0, 0.0)

    def start(self) -> None:
        self._start = (time.perf_counter(), time.process_time())

    def stop(self) -> None:
        self.wall.append((time.perf_counter() - self._start[0]) * 1000)
        self.cpu.append((time.process_time() - self._start[1]) * 1000)


def bench_search(store, project_ids, queries, rng):
    from bmadgen import memory

    timings, hits, any_mode = Samples(), 0, 0
    for q in queries[:20]:  # warm the page cache and the statement cache
        memory.search(store, rng.choice(project_ids), q)
    for q in queries:
        pid = rng.choice(project_ids)
        timings.start()
        page = memory.search(store, pid, q, limit=10)
        timings.stop()
        hits += page.total > 0
        any_mode += page.matched == "any"
    return timings, hits, any_mode


def substring_page(rows, project_id: int, words: list[str]) -> list:
    """The newest 10 rows of a project whose text contains every word: the baseline search.
    Rows are (id, project_id, lowercased title + content, created_at)."""
    found = [r for r in rows if r[1] == project_id and all(w in r[2] for w in words)]
    found.sort(key=lambda r: r[3], reverse=True)
    return found[:10]


def bench_substring_baseline(store, project_ids, queries, rng):
    from bmadgen.memory import query_words

    rows = [
        (r[0], r[1], (r[2] + " " + r[3]).lower(), r[4])
        for r in store.query("SELECT id, project_id, title, content, created_at FROM memories")
    ]
    timings = Samples()
    for q in queries:
        pid = rng.choice(project_ids)
        words = query_words(q)
        timings.start()
        substring_page(rows, pid, words)
        timings.stop()
    return timings


def bench_reload_baseline(store, project_ids, queries, rng):
    """The official memory server's way: read every record again, then scan (few queries)."""
    from bmadgen.memory import query_words

    timings = Samples()
    for q in queries:
        pid = rng.choice(project_ids)
        words = query_words(q)
        timings.start()
        rows = [(r[0], r[1], (r[2] + " " + r[3]).lower(), r[4]) for r in store.query(
            "SELECT id, project_id, title, content, created_at FROM memories")]
        substring_page(rows, pid, words)
        timings.stop()
    return timings


def bench_writes(store, project_id, maker, n):
    from bmadgen import memory

    timings = Samples()
    for _ in range(n):
        title, content = maker.memory()
        timings.start()
        memory.add(store, project_id, content, title=title, importance="medium")
        timings.stop()
    return timings


def command_time(argv: list[str], runs: int, env: dict[str, str]) -> Samples:
    """Wall time and CPU time (user + system, from the child's rusage) of a whole command."""
    import resource

    timings = Samples()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)  # warm the file cache
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        timings.wall.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        timings.cpu.append((after.ru_utime + after.ru_stime - before.ru_utime
                            - before.ru_stime) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 memories, fewer samples")
    parser.add_argument("--memories", type=int, default=None)
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--candidates", type=int, default=None,
                        help="override memory.SEARCH_CANDIDATES (in process only), for tuning")
    args = parser.parse_args()
    if args.candidates:
        from bmadgen import memory

        memory.SEARCH_CANDIDATES = args.candidates
    n_memories = args.memories or (10_000 if args.quick else 100_000)
    n_queries = args.queries or (100 if args.quick else 500)
    n_writes = 200 if args.quick else 1000
    cli_runs = 5 if args.quick else 15

    home = Path(tempfile.mkdtemp(prefix="bmadgen-bench-"))
    try:
        t0 = time.perf_counter()
        store, project_ids, maker = build_store(home, n_memories, args.projects, args.seed)
        load_s = time.perf_counter() - t0
        queries = make_queries(maker, n_queries)
        search_ms, hits, any_mode = bench_search(store, project_ids, queries, random.Random(1))
        # The corpus's most frequent domain word is in nearly every memory: the worst case.
        frequent = [maker.domain[0]] * max(20, n_queries // 10)
        frequent_ms, _, _ = bench_search(store, project_ids, frequent, random.Random(2))
        scan_ms = bench_substring_baseline(store, project_ids, queries, random.Random(1))
        reload_ms = bench_reload_baseline(store, project_ids, queries[:20], random.Random(1))
        write_ms = bench_writes(store, project_ids[0], maker, n_writes)
        db_size = sum(p.stat().st_size for p in home.iterdir() if p.is_file())
        store.close()

        env = dict(os.environ, BMADGEN_HOME=str(home))
        exe = shutil.which("bmadgen")
        cli = [exe] if exe else [sys.executable, "-m", "bmadgen"]
        cli_ms = command_time(cli + ["--project", "bench-3", "memory", "search", "checkout payment"],
                           cli_runs, env)
        python_ms = command_time([sys.executable, "-c", "pass"], cli_runs, env)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    import sqlite3

    med = statistics.median
    print(f"bmadgen store benchmark: {n_memories:,} memories in {args.projects} projects, "
          f"{n_queries} queries (seed {args.seed})")
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
          f"nproc {os.cpu_count()}, load {load_s:.1f} s, db {db_size / 1e6:.1f} MB, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"queries with a hit: {hits}/{n_queries}; answered by the OR retry: {any_mode}")
    print()
    print(f"| {'measure':<44} | {'median':>10} | {'p95':>10} | {'median CPU':>10} | "
          f"{'p95 CPU':>10} | {'target':>10} |")
    print(f"|{'-' * 46}|{'-' * 12}|{'-' * 12}|{'-' * 12}|{'-' * 12}|{'-' * 12}|")

    def row(name: str, samples: Samples, target: str = "") -> None:
        print(f"| {name:<44} | {med(samples.wall):>7.2f} ms | "
              f"{percentile(samples.wall, 95):>7.2f} ms | {med(samples.cpu):>7.2f} ms | "
              f"{percentile(samples.cpu, 95):>7.2f} ms | {target:>10} |")

    row("search, FTS5 ranked (memory.search)", search_ms, "p95<=10 ms")
    row(f"search, most frequent word ({frequent[0]!r})", frequent_ms)
    row("search, substring scan baseline", scan_ms)
    row("search, re-read all rows + scan (20 queries)", reload_ms)
    row("write (memory.add)", write_ms, "med<=2 ms")
    row("`bmadgen memory search` whole command", cli_ms, "<300 ms")
    row("`python -c pass`", python_ms)
    print()
    for label, attr in (("wall", "wall"), ("CPU", "cpu")):
        scan, search = getattr(scan_ms, attr), getattr(search_ms, attr)
        whole, bare = getattr(cli_ms, attr), getattr(python_ms, attr)
        print(f"{label}: substring scan / FTS5 search, median {med(scan) / med(search):.1f}x, "
              f"p95 {percentile(scan, 95) / percentile(search, 95):.1f}x; whole command / "
              f"python -c pass, median {med(whole) / med(bare):.1f}x "
              f"(+{med(whole) - med(bare):.0f} ms)")

if __name__ == "__main__":
    main()
