"""B9: following a batch and a large crawl, at the cost of one request a poll.

Part 1, a 50-item batch followed to its end, two ways, on virtual time (the
emulator and the watcher share one clock, so requests cost no real time and
the counts are exact):

- the watcher following ``batch:ID``: one ``GET /batch/scrape/{id}`` a poll;
- the same watcher following 50 single scrapes whose lives are the batch items'
  lives, one ``GET /scrape/{id}`` per job per poll.

Part 2, a 10,000-page crawl (a page every 0.05 s of job time), on real time with
the emulator sped up (``--time-scale``): the watcher following ``crawl:ID``
(pages read only when more were crawled, from where the last read stopped,
each kept once in a real SQLite file) against the official SDK's
``watch_crawl`` at the same poll interval. Measured: requests, response bytes,
pages kept, the Python heap's peak while following (tracemalloc), time until
the first page was kept (from the crawl's start), and the whole time.

Not measured here: key-to-repaint latency in the TUI while pages arrive.

Run: ``python tests/benchmarks/bench_kinds.py`` (about a minute). The figures
are printed and written to ``tests/benchmarks/results/bench_kinds.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import spidra

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock, SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Script
from spidra_tui.secret import Secret
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.virtual_time import VirtualClock
from spidra_tui.watch.watcher import Watcher

KEY = "spd_bench_key_0001"
RESULTS = Path(__file__).parent / "results" / "bench_kinds.json"


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the bytes of every answer body the client reads."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.bytes = 0
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.bytes += len(body)
        self.requests += 1
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- part 1: a batch against its scrapes one by one ---------------------------------------


async def follow(keys: list[str], emulator: Emulator, clock: VirtualClock, folder: Path) -> dict:
    emulator.reset_stats()
    seen_end: list[float] = []
    start = clock.monotonic()

    def on_update(update: JobUpdate) -> None:
        if update.terminal:
            seen_end.append(clock.monotonic() - start)

    async with SpidraClient(emulator.base_url, Secret(KEY), clock=clock) as client:
        folder.mkdir(parents=True, exist_ok=True)
        with JobStore(folder / "jobs.db", clock=clock) as store:
            watcher = Watcher(store, client, clock=clock, rng=random.Random(1), on_update=on_update)
            watcher.add(keys)
            await watcher.start()
            await watcher.wait_until_done()
            await watcher.stop()
    return {"requests": len(emulator.stats.requests()), "last_end_seen_s": max(seen_end)}


async def part_batch(folder: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"items": 50}
    for name in ("batch", "scrapes_one_by_one"):
        # A fresh emulator each time (same seed: the same batch and the same lives).
        base = FakeClock()
        clock = VirtualClock(base)
        emulator = Emulator(EmulatorConfig(), clock=base)
        emulator.start()
        try:
            urls = [f"https://shop.test/p/{n}" for n in range(50)]
            batch_id = emulator.create_batch(KEY, urls)
            items = emulator.batch(batch_id).items
            results["batch_ends_at_s"] = round(max(i.lives[-1].end for i in items), 2)
            if name == "batch":
                keys = [f"batch:{batch_id}"]
            else:
                keys = []
                for item in items:
                    life = item.lives[0]
                    script = Script(
                        waiting=life.start, active=life.end - life.start, outcome=life.outcome
                    )
                    keys.append(emulator.create_job(KEY, script=script, urls=(item.url,)))
            results[name] = await follow(keys, emulator, clock, folder / name)
        finally:
            emulator.stop()
            await clock.aclose()
    ratio = results["scrapes_one_by_one"]["requests"] / results["batch"]["requests"]
    results["request_ratio"] = round(ratio, 1)
    return results


# -- part 2: a large crawl ----------------------------------------------------------------


async def watch_crawl_with_watcher(emulator: Emulator, crawl_id: str, folder: Path) -> dict:
    transport = CountingTransport()
    first_page: list[float] = []
    start = time.monotonic()

    def on_update(update: JobUpdate) -> None:
        if update.pages and not first_page:
            first_page.append(time.monotonic() - start)

    tracemalloc.start()
    async with SpidraClient(emulator.base_url, Secret(KEY), transport=transport) as client:
        with JobStore(folder / "crawl.db") as store:
            watcher = Watcher(store, client, on_update=on_update, interval=3.0)
            watcher.add([f"crawl:{crawl_id}"])
            await watcher.start()
            await watcher.wait_until_done()
            await watcher.stop()
            kept = store.page_count(f"crawl:{crawl_id}")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "requests": transport.requests,
        "bytes": transport.bytes,
        "pages_kept": kept,
        "peak_heap_mb": round(peak / 2**20, 1),
        "first_page_s": round(first_page[0], 2) if first_page else None,
        "total_s": round(time.monotonic() - start, 1),
    }


async def watch_crawl_with_sdk(emulator: Emulator, crawl_id: str) -> dict:
    start = time.monotonic()
    first_page: list[float] = []
    urls: set[str] = set()
    transport = CountingTransport()
    session = httpx.AsyncClient(transport=transport, timeout=30.0)
    tracemalloc.start()
    client = spidra.AsyncSpidra(api_key=KEY, api_url=emulator.base_url, session=session)
    try:
        async for page in client.watch_crawl(crawl_id, poll_interval=3.0):
            if not first_page:
                first_page.append(time.monotonic() - start)
            urls.add(page.url)
    finally:
        await client.aclose()
        await session.aclose()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "requests": transport.requests,
        "bytes": transport.bytes,
        "pages_kept": len(urls),
        "peak_heap_mb": round(peak / 2**20, 1),
        "first_page_s": round(first_page[0], 2) if first_page else None,
        "total_s": round(time.monotonic() - start, 1),
    }


async def part_crawl(folder: Path, pages: int, time_scale: float) -> dict[str, Any]:
    results: dict[str, Any] = {"pages": pages, "time_scale": time_scale}
    for name in ("watcher", "sdk"):
        emulator = Emulator(EmulatorConfig(time_scale=time_scale), clock=SystemClock())
        emulator.start()
        try:
            crawl_id = emulator.create_crawl(
                KEY, "https://docs.test/", maxPages=pages, page_seconds=0.05
            )
            if name == "watcher":
                results[name] = await watch_crawl_with_watcher(emulator, crawl_id, folder)
            else:
                results[name] = await watch_crawl_with_sdk(emulator, crawl_id)
            results[name]["server_requests"] = len(emulator.stats.requests())
        finally:
            emulator.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        batch = asyncio.run(part_batch(folder))
        crawl = asyncio.run(part_crawl(folder, args.pages, args.time_scale))
    results = {"batch": batch, "crawl": crawl}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
