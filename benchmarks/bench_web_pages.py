"""Render time of a generated app's web pages with 10,000 rows: the products list (first page,
a deep page, sorted, filtered, searched), the slice's overview and the create form.

    python benchmarks/bench_web_pages.py APP_DIR [--requests 50]

APP_DIR is an app generated from examples/ecommerce.appspec.yaml. 10,000 products, built from
the app's own page test payload (`product_a`) and validated by its `ProductCreate`, with
`stock` counting up and `status` cycling, go into a fresh SQLite file in one transaction. Then
uvicorn serves the app with one worker and one client sends `--requests` keep-alive GETs to
each page, one at a time, after 5 to warm up; the median and the 95th percentile are printed.
The list pages query the database for one page of 20 rows and the count (server-side paging).
Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROWS = 10_000
PAGES = (
    "/ui/catalog/products",
    "/ui/catalog/products?page=250",
    "/ui/catalog/products?sort=-price",
    "/ui/catalog/products?status=published",
    "/ui/catalog/products?q=title",
    "/ui/catalog",
    "/ui/catalog/products/new",
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import SEED_TEMPLATE, served

SEED = SEED_TEMPLATE.format(module="test_catalog_pages", function="product_a")


def _timings(base: str, path: str, requests: int) -> list[float]:
    import httpx

    times = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for number in range(requests + 5):
            start = time.perf_counter()
            response = http.get(path)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.text[:500]
            if number >= 5:
                times.append(elapsed * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app_dir", type=Path)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with served(args.app_dir, SEED) as base:
        for path in PAGES:
            times = _timings(base, path, args.requests)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"GET {path} ({ROWS} rows): median {statistics.median(times):.1f} ms, "
                  f"p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
