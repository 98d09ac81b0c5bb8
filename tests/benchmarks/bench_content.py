"""Time how fast DocumentView shows big results, against Textual's own Markdown widget.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.bench_content            # 3 runs per case
    .venv/bin/python -m tests.benchmarks.bench_content --runs 5
    .venv/bin/python -m tests.benchmarks.bench_content --no-baseline

For each case (forEach markdown of 20 KB, 200 KB, 1 MB and 5 MB, and a 5 MB JSON value),
a headless app of 100x30 cells is started and the content handed to the view. Measured:

- first paint: from the `show_*` call until the view paints its first line holding the
  expected first heading (``Item 1``, or ``[`` for JSON);
- ready: from the call until `DocumentView.Ready`, when all of the content is processed
  (cleaned, split, measured) and any line of it can be shown;
- max stall: the longest the event loop went without running a task that wakes every
  5 ms, from the `show_*` call until ready.

The baseline is Textual's own `Markdown` widget, given the same text with
`Markdown.update(text)`, timed with the same two measures:

- first paint: from the call until a heading widget paints a line holding ``Item 1``;
- fully mounted: from the call until the awaited update returns (every block mounted),
  plus one paint; the stock widget's equivalent of ready.

Each measure is compared with the same measure of the stock widget (the suite's table gives
our time over the stock widget's; this script prints how many times faster ours is). The
stock widget is timed at
20 KB in every run and at 200 KB once (its update takes about 20 s there); from 1 MB up
it needs minutes and is not timed. Each run starts from a freshly collected heap
(`gc.collect()`), so a full collection of the previous run's garbage does not land in the
next run's figures. `run(runs)` returns the rows as dicts for a suite runner.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownHeader

from spidra_tui.emulator.content import foreach_markdown, json_value
from spidra_tui.ui.document.view import DocumentView

SIZE = (100, 30)
MARKDOWN_SIZES = (20_000, 200_000, 1_000_000, 5_000_000)
JSON_SIZE = 5_000_000
BASELINE_EVERY_RUN = (20_000,)
BASELINE_ONCE = (200_000,)
BASELINE_TIMEOUT = 300.0
TICK = 0.005


class _ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DocumentView()


class _MarkdownApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Markdown(open_links=False)


class _StallMeter:
    """Records the longest gap between wake-ups of a task sleeping `TICK` at a time."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
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


def _watch_paint(view: DocumentView, expected: str) -> Callable[[], float | None]:
    """Time the first paint of a line 0 holding `expected`, by wrapping render_line."""
    painted: list[float] = []
    render_line = view.render_line

    def watched(y: int) -> Any:
        strip = render_line(y)
        if not painted and y == 0 and expected in strip.text:
            painted.append(time.perf_counter())
        return strip

    view.render_line = watched  # type: ignore[method-assign]
    return lambda: painted[0] if painted else None


async def _measure_view(show: Callable[[DocumentView], None], expected: str) -> dict[str, float]:
    app = _ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DocumentView)
        view.focus()
        await pilot.pause()
        ready = asyncio.Event()
        original_post = view.post_message

        def post(message: Any) -> bool:
            if isinstance(message, DocumentView.Ready):
                ready.set()
            return original_post(message)

        view.post_message = post  # type: ignore[method-assign]
        painted = _watch_paint(view, expected)
        # Start from a clean heap: the garbage of the previous run's app would otherwise
        # be collected during this one and counted as its stall.
        gc.collect()
        meter = _StallMeter()
        meter.start()
        await asyncio.sleep(0)
        start = time.perf_counter()
        show(view)
        while painted() is None:
            await asyncio.sleep(0.001)
        first_paint = painted() - start  # type: ignore[operator]
        await ready.wait()
        ready_time = time.perf_counter() - start
        # A little longer: what follows Ready (layout, a frame) counts too.
        await asyncio.sleep(0.05)
        stall = await meter.stop()
    return {"first_paint": first_paint, "max_stall": stall, "ready": ready_time}


async def _measure_baseline(text: str, timeout: float) -> dict[str, float] | None:
    """The stock widget's first paint and fully mounted time, or None past `timeout`."""
    painted: list[float] = []
    render_line = MarkdownHeader.render_line

    def watched(self: MarkdownHeader, y: int) -> Any:
        strip = render_line(self, y)
        if not painted and "Item 1" in strip.text:
            painted.append(time.perf_counter())
        return strip

    app = _MarkdownApp()
    MarkdownHeader.render_line = watched  # type: ignore[method-assign]
    try:
        async with app.run_test(size=SIZE) as pilot:
            markdown = app.query_one(Markdown)
            await pilot.pause()
            gc.collect()
            start = time.perf_counter()
            try:
                await asyncio.wait_for(markdown.update(text), timeout)
            except TimeoutError:
                return None
            await pilot.pause()
            mounted = time.perf_counter() - start
            while not painted and time.perf_counter() - start < timeout:
                await asyncio.sleep(0.001)
            if not painted:
                return None
            return {"first_paint": painted[0] - start, "ready": mounted}
    finally:
        MarkdownHeader.render_line = render_line  # type: ignore[method-assign]


def _cases() -> list[tuple[str, int, Callable[[DocumentView], None], str, str | None]]:
    cases = []
    for size in MARKDOWN_SIZES:
        text = foreach_markdown(size, 1)
        cases.append(("markdown", size, _show_markdown(text), "Item 1", text))
    value = json_value(JSON_SIZE, 1)
    cases.append(("json", JSON_SIZE, lambda view: view.show_json(value), "[", None))
    return cases


def _show_markdown(text: str) -> Callable[[DocumentView], None]:
    return lambda view: view.show_markdown(text)


def _baseline_runs(size: int, runs: int) -> int:
    if size in BASELINE_EVERY_RUN:
        return runs
    if size in BASELINE_ONCE:
        return 1
    return 0


async def _run(runs: int, baseline: bool, timeout: float) -> list[dict[str, Any]]:
    rows = []
    for kind, size, show, expected, text in _cases():
        samples = [await _measure_view(show, expected) for _ in range(runs)]
        row: dict[str, Any] = {
            "kind": kind,
            "size": size,
            "runs": runs,
            "first_paint": statistics.median(s["first_paint"] for s in samples),
            "max_stall": statistics.median(s["max_stall"] for s in samples),
            "worst_stall": max(s["max_stall"] for s in samples),
            "ready": statistics.median(s["ready"] for s in samples),
            # The stock widget's first paint and fully mounted times, when measured.
            "baseline_paint": None,
            "baseline_ready": None,
            "baseline_runs": 0,
            "baseline_note": "not timed (minutes)" if kind == "markdown" else "n/a (not markdown)",
        }
        count = _baseline_runs(size, runs) if baseline and text is not None else 0
        if count:
            times = [await _measure_baseline(text, timeout) for _ in range(count)]  # type: ignore[arg-type]
            if any(t is None for t in times):
                row["baseline_note"] = f"> {timeout:.0f} s (timed out)"
            else:
                row["baseline_paint"] = statistics.median(t["first_paint"] for t in times)  # type: ignore[index]
                row["baseline_ready"] = statistics.median(t["ready"] for t in times)  # type: ignore[index]
                row["baseline_runs"] = count
                row["baseline_note"] = f"{count} run{'s' * (count > 1)}"
        rows.append(row)
    return rows


def run(runs: int = 3, baseline: bool = True, timeout: float = BASELINE_TIMEOUT) -> list[dict]:
    """Measure every case `runs` times; one dict per case (times in seconds)."""
    return asyncio.run(_run(runs, baseline, timeout))


def _print(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'content':<10}{'size':>8}  {'first paint':>12}{'stock':>10}{'faster':>8}"
        f"{'ready':>9}{'stock':>9}{'faster':>8}{'max stall':>11}{'worst':>9}  stock runs"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        paint, base_paint = row["first_paint"], row["baseline_paint"]
        ready, base_ready = row["ready"], row["baseline_ready"]
        print(
            f"{row['kind']:<10}{_size(row['size']):>8}  {paint * 1000:>9.0f} ms"
            f"{_seconds(base_paint):>10}{_times(paint, base_paint):>8}"
            f"{ready:>7.2f} s{_seconds(base_ready):>9}{_times(ready, base_ready):>8}"
            f"{row['max_stall'] * 1000:>8.0f} ms{row['worst_stall'] * 1000:>6.0f} ms"
            f"  {row['baseline_note']}"
        )


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _times(ours: float, stock: float | None) -> str:
    """How many times faster ours is, for two times."""
    return "-" if not stock else f"{stock / ours:.0f}x"


def _size(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size / 1000:g} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the stock widget")
    parser.add_argument("--timeout", type=float, default=BASELINE_TIMEOUT)
    args = parser.parse_args()
    _print(run(args.runs, not args.no_baseline, args.timeout))


if __name__ == "__main__":
    main()
