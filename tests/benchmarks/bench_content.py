"""Time how fast DocumentView shows big results, against Textual's own Markdown widget.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.bench_content            # 3 runs per case
    .venv/bin/python -m tests.benchmarks.bench_content --runs 5
    .venv/bin/python -m tests.benchmarks.bench_content --no-baseline

For each case (forEach markdown of 20 KB, 200 KB, 1 MB and 5 MB, and a 5 MB JSON value),
a headless app of 100x30 cells is started and the content handed to the view. Measured:

- first paint: from the `show_*` call until the view paints its first line holding the
  expected first heading (``Item 1``, or ``[`` for JSON);
- max stall: the longest the event loop went without running a task that wakes every
  5 ms, from the `show_*` call until all the content is processed (`DocumentView.Ready`);
- ready: from the call until `DocumentView.Ready`.

ratio is the stock widget's time over our first paint; (ready) over our time to have
processed all of the content.

Each run starts from a freshly collected heap (`gc.collect()`), so a full collection
of the previous run's garbage does not land in the next run's figures.

The baseline mounts Textual's `Markdown` widget and awaits `Markdown.update(text)`, then
one paint: at 20 KB in every run, at 200 KB once (it takes minutes), never above that.
`run(runs)` returns the rows as dicts for a suite runner.
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


async def _measure_baseline(text: str, timeout: float) -> float | None:
    app = _MarkdownApp()
    async with app.run_test(size=SIZE) as pilot:
        markdown = app.query_one(Markdown)
        await pilot.pause()
        start = time.perf_counter()
        try:
            await asyncio.wait_for(markdown.update(text), timeout)
        except TimeoutError:
            return None
        await pilot.pause()
        return time.perf_counter() - start


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
            "baseline": None,
            "baseline_note": "n/a (too slow)" if kind == "markdown" else "n/a",
            "ratio": None,
            "ratio_ready": None,
        }
        count = _baseline_runs(size, runs) if baseline and text is not None else 0
        if count:
            times = [await _measure_baseline(text, timeout) for _ in range(count)]  # type: ignore[arg-type]
            if None in times:
                row["baseline_note"] = f"> {timeout:.0f} s (timed out)"
            else:
                row["baseline"] = statistics.median(times)  # type: ignore[type-var]
                row["baseline_note"] = f"{row['baseline']:.2f} s ({count} run{'s' * (count > 1)})"
                row["ratio"] = row["baseline"] / row["first_paint"]
                row["ratio_ready"] = row["baseline"] / row["ready"]
        rows.append(row)
    return rows


def run(runs: int = 3, baseline: bool = True, timeout: float = BASELINE_TIMEOUT) -> list[dict]:
    """Measure every case `runs` times; one dict per case (times in seconds)."""
    return asyncio.run(_run(runs, baseline, timeout))


def _print(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'content':<10}{'size':>10}  {'first paint':>12}{'max stall':>11}{'worst':>9}"
        f"{'ready':>9}  {'stock Markdown':<22}{'ratio':>8}{'(ready)':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = f"{row['ratio']:.0f}x" if row["ratio"] else "-"
        ratio_ready = f"{row['ratio_ready']:.0f}x" if row["ratio_ready"] else "-"
        print(
            f"{row['kind']:<10}{_size(row['size']):>10}  {row['first_paint'] * 1000:>9.0f} ms"
            f"{row['max_stall'] * 1000:>8.0f} ms{row['worst_stall'] * 1000:>6.0f} ms"
            f"{row['ready']:>7.2f} s  {row['baseline_note']:<22}{ratio:>8}{ratio_ready:>9}"
        )


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
