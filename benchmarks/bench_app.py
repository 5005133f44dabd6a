"""A generated app under load: requests per second of the products list with 10,000 rows, and
the SQLite query plans of the list queries the spec declares.

    python benchmarks/bench_app.py APP_DIR [--seconds 10] [--clients 4]

APP_DIR is an app generated from examples/ecommerce.appspec.yaml (by this checkout, or by an
older one for a before/after comparison). The rows are built from the app's own generated test
payload (`make_product_a`), validated by its `ProductCreate`, with `stock` counting up and
`status` cycling, and inserted in one transaction into a fresh SQLite file. Then uvicorn serves
the app with one worker and `--clients` threads send keep-alive GETs for `--seconds`.
The query plans are printed for the filters and sorts that this checkout generates.
Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROWS = 10_000

# Fills the app's database (upgraded to its newest migration) with ROWS products made from
# a generated test's sample; {sample} names it (a test module of the catalog slice and its
# function), so the web-pages benchmark seeds the same rows.
SEED_TEMPLATE = r"""
import sys
from app.features.catalog import models, schemas
from app.features.catalog.tests import {module}
from app.shared.database import Database
from app.shared.migrate import upgrade

database = Database(sys.argv[1])
upgrade(database.engine)
payload = {module}.{function}()
payload["category_id"] = None
statuses = list(models.ProductStatus)
rows = []
for number in range(int(sys.argv[2])):
    values = schemas.ProductCreate.model_validate(payload).model_dump()
    values.update(stock=number, status=statuses[number % len(statuses)])
    rows.append(models.Product(**values))
with database.sessions() as session:
    session.add_all(rows)
    session.commit()
"""
SEED = SEED_TEMPLATE.format(module="test_catalog", function="make_product_a")

PLANS = r"""
import sys
from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from app.features.catalog import models, schemas
from app.shared.database import Database
from app.shared.query import conditions, ordering
from sqlalchemy import select

database = Database(sys.argv[1])
for query in ({"status": "published"}, {"sort": "-price"}, {"stock_min": 5000, "sort": "stock"},
              {"status": "published", "sort": "-stock"}):
    filters = schemas.ProductFilter.model_validate(query)
    statement = (select(models.Product).where(*conditions(models.Product, filters))
                 .order_by(*ordering(models.Product, str(filters.sort))).limit(20))
    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with database.engine.connect() as connection:
        plan = [row[-1] for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql))]
    print(f"{query}: {'; '.join(plan)}")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the app did not answer at {url}")


def _load(base: str, path: str, seconds: float, clients: int) -> float:
    import httpx

    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            while time.monotonic() < stop:
                response = http.get(path)
                assert response.status_code == 200, response.text
                done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds

@contextlib.contextmanager
def served(app_dir: Path, seed: str, plans: str | None = None) -> Iterator[str]:
    """The app at `app_dir` on a fresh SQLite file seeded by `seed` (and its query plans
    printed by `plans`), served by uvicorn with one worker; yields its base URL."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        subprocess.run([sys.executable, "-c", seed, url, str(ROWS)], cwd=app_dir, check=True)
        if plans is not None:
            subprocess.run([sys.executable, "-c", plans, url], cwd=app_dir, check=True)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--workers",
             "1", "--log-level", "warning"], cwd=app_dir, env=dict(os.environ, DATABASE_URL=url),
            stderr=subprocess.DEVNULL)  # the app logs every request there
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/health")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app_dir", type=Path)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--paths", nargs="*", default=["/products", "/products?status=published"])
    parser.add_argument("--plans", action="store_true", help="print the list query plans")
    args = parser.parse_args()
    with served(args.app_dir, SEED, PLANS if args.plans else None) as base:
        for path in args.paths:
            _load(base, path, 2, args.clients)  # warm up
            rate = _load(base, path, args.seconds, args.clients)
            print(f"GET {path} ({ROWS} rows, {args.clients} clients): {rate:.0f} requests/s")


if __name__ == "__main__":
    main()
