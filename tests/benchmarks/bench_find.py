"""Time find in a 5 MB result: typing while it searches, first matches, all matches.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.bench_find            # 3 runs
    .venv/bin/python -m tests.benchmarks.bench_find --runs 5

A headless app of 100x30 cells holds the detail pane (`JobDetail`) with a completed job
whose content is 5 MB of forEach markdown (and, as a second case, a 5 MB JSON value).
The find bar is opened and a query typed a key at a time, 40-120 ms apart, the way the
terminal driver delivers keys; every key starts a new search of the whole document.
Measured:

- key to screen: from a key's arrival until the frame that shows it in the find bar
  (p50 and p95 over every key of every run). The baseline types the same keys in the
  same bar on a tab with nothing to search, in the same run;
- first matches: from the query's last key until the first `Found` message with
  matches (the first chunk's), and all matches: until the search has ended;
- longest stall: the longest the event loop went without running a task that wakes
  every 5 ms, while the last query was searched.

`run(runs)` returns the figures as a dict for the suite runner.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from spidra_tui.api.models import parse_job
from spidra_tui.clock import FakeClock
from spidra_tui.emulator.content import foreach_markdown, json_value
from spidra_tui.ui.detail.pane import JobDetail
from spidra_tui.ui.document import DocumentView
from spidra_tui.watch.state import JobSummary

SIZE = (100, 30)
DOCUMENT = 5_000_000
# Typed a key at a time: early prefixes match hundreds of thousands of times.
QUERY = "review"
TARGET_KEY_P95 = 0.050
NO_PAINT = 2.0
TICK = 0.005


class _DetailApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        yield JobDetail(clock=FakeClock(), id="detail")


class _StallMeter:
    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.longest = 0.0
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> float:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        return self.longest

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now


class _Keys:
    """Sends keys as the driver would; times each until the bar shows it on screen."""

    def __init__(self, app: App[None]) -> None:
        self.app = app
        self.box = box = app.query_one("#find-input", Input)
        self.expected: str | None = None
        self.drawn = False
        self.sent = 0.0
        self.latency = 0.0
        self.answered = asyncio.Event()
        render_line = box.render_line
        display = app._display

        def watched_line(y: int) -> Any:
            strip = render_line(y)
            if self.expected is not None and self.expected in strip.text:
                self.drawn = True
            return strip

        def watched_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if self.drawn and self.expected is not None:
                self.latency = time.perf_counter() - self.sent
                self.expected = None
                self.answered.set()

        box.render_line = watched_line  # type: ignore[method-assign]
        app._display = watched_display  # type: ignore[method-assign]

    async def type(self, text: str, rng: random.Random) -> list[float]:
        latencies = []
        for character in text:
            self.expected = self.box.value + character
            self.drawn = False
            self.answered.clear()
            event = events.Key(character, character)
            event.set_sender(self.app)
            self.sent = time.perf_counter()
            self.app._driver.send_message(event)  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(self.answered.wait(), NO_PAINT)
                latencies.append(self.latency)
            except TimeoutError:
                latencies.append(NO_PAINT)
            await asyncio.sleep(rng.uniform(0.04, 0.12))
        return latencies


def _job(content: Any) -> Any:
    return parse_job({"status": "completed", "result": {"content": content, "data": []}})


async def _measure(content: Any, rng: random.Random, searchable: bool) -> dict[str, Any]:
    app = _DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        detail = app.query_one(JobDetail)
        summary = JobSummary(job_id="bench", status="completed", terminal=True, added_at=0.0)
        detail.show(summary, _job(content))
        await pilot.pause()
        doc = detail.query_one("#content-doc", DocumentView)
        while doc.loading:
            await pilot.pause(0.05)
        if not searchable:
            detail.show_tab("stats")  # nothing to find there: the bar alone
            await pilot.pause()
        found: list[tuple[float, int, bool]] = []
        post = doc.post_message

        def record(message: Any) -> bool:
            if isinstance(message, DocumentView.Found):
                found.append((time.perf_counter(), message.count, message.searching))
            return post(message)

        doc.post_message = record  # type: ignore[method-assign]
        detail.open_find()
        await pilot.pause()
        keys = _Keys(app)
        gc.collect()
        latencies = await keys.type(QUERY[:-1], rng)
        # The last key: also time the search it starts, and the loop's stalls.
        while doc.find_searching:
            await asyncio.sleep(0.01)
        meter = _StallMeter()
        meter.start()
        found.clear()
        latencies += await keys.type(QUERY[-1], random.Random(0))
        start = keys.sent
        deadline = time.perf_counter() + 30
        while (doc.find_searching or not found) and searchable:
            assert time.perf_counter() < deadline, "the search never ended"
            await asyncio.sleep(0.002)
        stall = await meter.stop()
        first = next((t for t, count, _ in found if count), None)
        done = next((t for t, _, searching in found if not searching), None)
        return {
            "latencies": latencies,
            "first": None if first is None else first - start,
            "done": None if done is None else done - start,
            "count": doc.find_count,
            "stall": stall,
        }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _run(runs: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    markdown = foreach_markdown(DOCUMENT, 1)
    value = json_value(DOCUMENT, 1)
    figures: dict[str, Any] = {"runs": runs, "query": QUERY}
    for name, content in (("markdown", markdown), ("json", value)):
        samples = [await _measure(content, rng, True) for _ in range(runs)]
        keys = [latency for sample in samples for latency in sample["latencies"]]
        figures[name] = {
            "key_p50": _percentile(keys, 0.5),
            "key_p95": _percentile(keys, 0.95),
            "keys": len(keys),
            "first": statistics.median(s["first"] for s in samples),
            "done": statistics.median(s["done"] for s in samples),
            "count": samples[0]["count"],
            "stall": statistics.median(s["stall"] for s in samples),
            "worst_stall": max(s["stall"] for s in samples),
        }
    idle = [await _measure(markdown, rng, False) for _ in range(runs)]
    keys = [latency for sample in idle for latency in sample["latencies"]]
    figures["idle_p50"] = _percentile(keys, 0.5)
    figures["idle_p95"] = _percentile(keys, 0.95)
    return figures


def run(runs: int = 3, seed: int = 11) -> dict[str, Any]:
    """Every figure, as a dict (seconds)."""
    return asyncio.run(_run(runs, seed))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    f = run(args.runs)
    print(
        f"query typed: {f['query']!r}, {f['runs']} runs; nothing to search: "
        f"key p50 {_ms(f['idle_p50'])}, p95 {_ms(f['idle_p95'])}"
    )
    for name in ("markdown", "json"):
        c = f[name]
        print(
            f"{name} 5 MB: key to screen p50 {_ms(c['key_p50'])}, p95 {_ms(c['key_p95'])} "
            f"({c['keys']} keys); first matches {_ms(c['first'])}, all {_ms(c['done'])} "
            f"({c['count']:,}); longest stall {_ms(c['stall'])} (worst {_ms(c['worst_stall'])})"
        )


if __name__ == "__main__":
    main()
