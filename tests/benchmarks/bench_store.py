"""Time the job store's hot paths on this machine and print the figures.

Run: ``python tests/benchmarks/bench_store.py`` (add ``--full`` to compare
``synchronous=FULL``, which syncs the disk on every commit).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from spidra_tui.api.models import parse_job
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.store import JobStore

JOBS = 1000
ANSWER_BYTES = 100_000


def _body(index: int, size: int) -> dict:
    # Random hex between headings: compresses worse than real pages, the costly case.
    words = os.urandom(size // 2).hex()
    lines = [f"## Section {n}\n{words[n * 80 : (n + 1) * 80]} lorem" for n in range(size // 100)]
    return {
        "status": "completed",
        "progress": {"message": "done", "progress": 1},
        "result": {"content": "\n".join(lines), "data": [{"url": f"https://e.com/{index}"}]},
    }


def _time(repeat: int, action: Callable[[], object]) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    full = "--full" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        store = JobStore.open(Path(folder))
        if full:
            store._conn.execute("PRAGMA synchronous = FULL")  # for comparison only
        ids = [f"job-{n:05d}" for n in range(JOBS)]
        start = time.perf_counter()
        store.add_many(ids)
        print(f"add_many({JOBS}):                 {(time.perf_counter() - start) * 1000:7.2f} ms")

        now = time.time()
        small = [
            JobUpdate(i, "active", fraction=0.5, message="page 2 of 4", polled_at=now) for i in ids
        ]
        step = iter(small * 3)
        med, p95 = _time(1000, lambda: store.record(next(step)))
        print(f"record(small, no answer):        {med:7.3f} ms median, {p95:.3f} ms p95")

        job = parse_job({"status": "active", "progress": {"message": "x", "progress": 0.3}})
        with_answer = iter(
            [JobUpdate(job_id, "active", fraction=0.3, message="x", job=job) for job_id in ids] * 3
        )
        med, p95 = _time(1000, lambda: store.record(next(with_answer)))
        print(f"record(small with answer):       {med:7.3f} ms median, {p95:.3f} ms p95")

        bodies = [_body(n, ANSWER_BYTES) for n in range(20)]
        big = iter(
            [
                JobUpdate(job_id, "completed", job=parse_job(bodies[n % 20]), terminal=True)
                for n, job_id in enumerate(ids)
            ]
        )
        med, p95 = _time(JOBS, lambda: store.record(next(big)))
        print(f"record(100 KB answer):           {med:7.3f} ms median, {p95:.3f} ms p95")

        burst = [JobUpdate(job_id, "active", fraction=0.7) for job_id in ids[:50]]
        med, p95 = _time(50, lambda: store.record_many(burst))
        print(f"record_many(50 small):           {med:7.3f} ms median, {p95:.3f} ms p95")

        med, p95 = _time(50, store.list)
        print(f"list() of {JOBS}:                 {med:7.3f} ms median, {p95:.3f} ms p95")
        med, p95 = _time(200, lambda: store.load_answer("job-00500"))
        print(f"load_answer(100 KB):             {med:7.3f} ms median, {p95:.3f} ms p95")
        store.close()

        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        print(f"files on disk:                   {size / 1e6:7.1f} MB")

        def reopen() -> None:
            JobStore.open(Path(folder)).close()

        med, p95 = _time(30, reopen)
        print(f"open+close ({JOBS} x 100 KB):     {med:7.3f} ms median, {p95:.3f} ms p95")

        def open_and_list() -> None:
            with JobStore.open(Path(folder)) as again:
                again.list()

        med, p95 = _time(30, open_and_list)
        print(f"open+list+close:                 {med:7.3f} ms median, {p95:.3f} ms p95")


if __name__ == "__main__":
    main()
