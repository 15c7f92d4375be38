"""What the bench scripts share: medians, a page fetched through the test client, the load average, the table
of app against raw SQL. A package, not a bench/*.py script, so that `make bench` and the smoke run do not run it.

    from timing import fetch, load_average, median_ms, print_table    # bench/ is the script's sys.path[0]
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def median_ms(fn: Callable[[], Any], runs: int, warmup: int = 1) -> float:
    """The median of ``runs`` timed calls of ``fn`` in ms, after ``warmup`` untimed ones (caches, plans)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def fetch(client, url: str) -> Callable[[], None]:
    """A GET of ``url`` through the Django test client that must answer 200 (a failing page is no figure)."""
    def run() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return run


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_table(rows: Sequence[tuple[str, float, float]]) -> None:
    """``(label, app ms, raw SQL ms)`` rows with the ratio of the two, as every script prints them."""
    width = max((len(label) for label, _app, _sql in rows), default=7)
    print(f"{'measure':<{width}}  {'app ms':>8}  {'raw SQL ms':>10}  {'ratio':>6}")
    for label, app, sql in rows:
        print(f"{label:<{width}}  {app:>8.1f}  {sql:>10.2f}  {app / sql if sql else 0:>6.1f}")
