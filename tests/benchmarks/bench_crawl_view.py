"""B10: the detail of a large crawl while its pages arrive, in the app.

A crawl of ``--pages`` pages (10,000 by default, a page every 0.05 s of job time)
on the emulator (in a process of its own, as a server is), sped up
``--time-scale`` times, followed by the real watcher into a real SQLite file, in
the app as ``launch()`` runs it (headless, 160x50, notifications on), with
the crawl selected and its page list focused. While the pages arrive, ``down``
is sent as the terminal driver sends it, every 100-250 ms; each key's latency is
from sending it to the end of the first screen update after the detail chose the
next page. Measured:

- time until the first page shows in the detail, from the crawl's start;
- key-to-screen p50 / p95 / max while pages arrive (target p95 <= 50 ms);
- how long the event loop was held, per detail update (the longest);
- pages listed at the end, against pages kept in the store.

Run: ``python -m tests.benchmarks.bench_crawl_view`` (about a minute). Figures are
printed and written to ``tests/benchmarks/results/bench_crawl_view.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from textual import events

from spidra_tui.api.client import SpidraClient
from spidra_tui.commands.tui import make_app, pause_collector
from spidra_tui.config import PollSettings
from spidra_tui.secret import Secret
from spidra_tui.ui.app import SpidraApp
from spidra_tui.watch.store import JobStore

RESULTS = Path(__file__).parent / "results" / "bench_crawl_view.json"
SIZE = (160, 50)
TARGET_P95 = 0.050


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class _Keys:
    """Sends keys to the app and times each until the screen shows its answer."""

    def __init__(self, app: SpidraApp) -> None:
        self.app = app
        self.parts = app.main.detail.parts_view
        self.expected: int | None = None
        self.sent = 0.0
        self.done = asyncio.Event()
        self.latency = 0.0
        display = app._display

        def watched(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if self.expected is not None and self.parts.selected_index == self.expected:
                self.latency = time.monotonic() - self.sent
                self.expected = None
                self.done.set()

        app._display = watched  # type: ignore[method-assign]

    async def press(self, key: str) -> float | None:
        """Seconds from sending ``key`` to the screen showing the next page chosen."""
        now = self.parts.selected_index
        if now is None or now + 1 >= self.parts.shown_count:
            return None
        self.expected = now + 1
        self.done.clear()
        event = events.Key(key, None)
        event.set_sender(self.app)
        self.sent = time.monotonic()
        self.app._driver.send_message(event)  # type: ignore[union-attr]
        try:
            await asyncio.wait_for(self.done.wait(), 5.0)
        except TimeoutError:
            self.expected = None
            return 5.0
        return self.latency


def _serve(conn: Any, time_scale: float) -> None:
    """In a child process: the emulator; starts a crawl when asked, over ``conn``."""
    from spidra_tui.emulator import Emulator, EmulatorConfig
    from spidra_tui.emulator.window import WindowLimit

    window = WindowLimit(10_000_000, 900.0)  # the app, not the window, is measured
    emulator = Emulator(EmulatorConfig(time_scale=time_scale, window=window))
    conn.send((emulator.start(), emulator.demo_key))
    while (pages := conn.recv()) != "stop":
        conn.send(
            emulator.create_crawl(None, "https://docs.test/", maxPages=pages, page_seconds=0.05)
        )
    emulator.stop()


async def run(pages: int, time_scale: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    context = multiprocessing.get_context("spawn")
    conn, child = context.Pipe()
    server = context.Process(target=_serve, args=(child, time_scale), daemon=True)
    server.start()
    base_url, demo_key = conn.recv()
    folder = Path(tempfile.mkdtemp(prefix="spidra-bench-crawl-"))
    store = JobStore.open(folder)
    client = SpidraClient(base_url, Secret(demo_key))
    thresholds = gc.get_threshold()
    resume = pause_collector()  # the collector as launch() runs it
    conn.send(pages)
    crawl_id = conn.recv()
    started = time.monotonic()
    key = f"crawl:{crawl_id}"
    store.add(key, label="docs.test")
    app = make_app(
        store=store,
        client=client,
        poll=PollSettings(interval=1.0, max_rate=20.0, max_in_flight=4),
        server="bench",
        notify_jobs=True,
        on_first_screen=resume,
    )
    latencies: list[float] = []
    first_shown = None
    held: list[float] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            detail = app.main.detail
            show = detail.show

            def timed_show(*args: Any, **kwargs: Any) -> None:
                t0 = time.perf_counter()
                show(*args, **kwargs)
                held.append(time.perf_counter() - t0)

            detail.show = timed_show  # type: ignore[method-assign]
            app.main.job_list.select(key)
            while detail.parts_view.shown_count == 0:
                await pilot.pause(0.02)
                if time.monotonic() - started > 120:
                    raise SystemExit("no page showed within two minutes")
            first_shown = time.monotonic() - started
            await pilot.press("tab")
            await pilot.pause(0.2)
            keys = _Keys(app)
            while not (app.main.job_list.summary(key) or _NONE).terminal:
                latency = await keys.press("down")
                if latency is not None:
                    latencies.append(latency)
                await asyncio.sleep(rng.uniform(0.1, 0.25))
                if time.monotonic() - started > 600:
                    break
            await pilot.pause(2.0)
            listed = detail.parts_view.part_count
            await app.stop_watching()
    finally:
        await client.aclose()
        kept = store.page_count(key)
        store.close()
        conn.send("stop")
        server.join(10)
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        gc.enable()
    return {
        "pages": pages,
        "time_scale": time_scale,
        "first_page_shown_s": round(first_shown or -1, 2),
        "keys": len(latencies),
        "key_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "key_p95_ms": round(_percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "key_max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "detail_updates": len(held),
        "detail_update_max_ms": round(max(held) * 1000, 1) if held else None,
        "detail_update_total_ms": round(sum(held) * 1000, 1),
        "pages_listed": listed,
        "pages_kept": kept,
        "total_s": round(time.monotonic() - started, 1),
    }


class _NoSummary:
    terminal = False


_NONE = _NoSummary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    figures = asyncio.run(run(args.pages, args.time_scale, args.seed))
    figures["target_p95_ms"] = TARGET_P95 * 1000
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
