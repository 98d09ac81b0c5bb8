"""B2: 1,000 jobs watched at once: key latency, CPU use, and how soon a finished job shows.

Run from the repository root (about 100 s a run):

    .venv/bin/python -m tests.benchmarks.bench_jobs            # 3 runs
    .venv/bin/python -m tests.benchmarks.bench_jobs --runs 1 --presses 40

An emulator runs in a process of its own, so that its HTTP server neither shares the
app's interpreter lock nor counts in its CPU time, on the real clock. The app is built
as ``launch`` builds it (a state folder on disk, the real client, watcher and poller,
the garbage collector as ``launch`` sets it) and run headless at 160x50 with
notifications on. Each run has two parts.

A, all 1,000 polling, ``--max-rate 50``: 1,000 jobs wait in the queue 16-20 s, then
work 15-30 s with their progress rising on every poll. At ten times the default rate
the list gets up to 50 row updates a second, ten times what the default allows: the
hard case for keys and CPU. First with polling paused (the ``p`` key's pause): the
idle app's CPU use over 3 s, then key latency (the baseline); then polling: CPU over
4 s, then key latency, while all 1,000 are polled.

B, default settings (5 requests a second): the store holds 1,000 jobs of which 900
ended before and 100 run now (2-6 s queued, then 10-30 s of work). The effective
interval (the stretched gap between two polls of one job) is then about 22 s, so each
end can be seen within a minute; 1,000 running jobs at this rate would stretch it to
220 s. Measured: key latency once more, CPU over 4 s, and for each of the 100 the
delay from its end at the server (``Emulator.finish_time``) to the screen update after
the list got the final status; the target is the effective interval that planned the
job's last poll before its end (the largest the poller reported in one interval before
it) plus 0.5 s. Where the time goes: the gap between the polls around the end (from the
server's request log), and the app's part, from the poll that saw the end reaching the
server to the repainted row.

Key latency: ``j`` (and ``k``) sent as the terminal driver sends keys, the next one
20-80 ms later; measured from sending the key to the end of the first screen update
that repaints the row the cursor moved to (``App._display``, which here also renders
the update into terminal bytes, as a real terminal would need). CPU use: process time
over wall time.

``run(runs)`` returns the figures as a dict for the suite runner.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual._compositor import CompositorUpdate

from spidra_tui.api.client import SpidraClient
from spidra_tui.commands.tui import make_app, pause_collector, server_label
from spidra_tui.config import PollSettings
from spidra_tui.secret import Secret
from spidra_tui.ui.app import SpidraApp
from spidra_tui.watch.store import JobStore
from tests.benchmarks import stores

KEY = "spd_bench_key_0001"
JOBS = 1000
MAX_RATE = 50.0  # part A
WAIT = 16.0  # part A: seconds every job waits in the queue at least; the paused phase fits
RUNNING = 100  # part B: of JOBS, the jobs still running
SIZE = (160, 50)
NO_PAINT = 2.0  # a key not answered within this counts as this
TARGET_KEY_P95 = 0.050
SLACK = 0.5  # the finish-to-row target: effective interval + this


def _serve(conn: Any, jobs: int, seed: int, wait: float, work: tuple[float, float]) -> None:
    """In a child process: an emulator with ``jobs`` jobs; answers questions over ``conn``.

    Each job waits ``wait`` + 0-4 s in the queue, then works ``work`` (from, to) seconds.
    """
    from spidra_tui.emulator import Emulator, EmulatorConfig, Script
    from spidra_tui.emulator.window import WindowLimit

    # Beyond Spidra's window on purpose: B2 measures the app under load, B3 the window.
    # Told in the headers: a server that says nothing is taken for Spidra's 300 / 15 min.
    window = WindowLimit(10_000_000, 900.0)
    emulator = Emulator(EmulatorConfig(seed=seed, window=window, max_pending=None))
    base_url = emulator.start()
    rng = random.Random(seed)
    stages = ("Loading page", "Collecting items", "Extracting content")
    ids = [
        emulator.create_job(
            KEY,
            script=Script(
                waiting=wait + rng.uniform(0.0, 4.0), active=rng.uniform(*work), stages=stages
            ),
        )
        for _ in range(jobs)
    ]
    conn.send((base_url, ids))
    while (question := conn.recv()) != "stop":
        if question == "finish":
            conn.send({job_id: emulator.finish_time(job_id) for job_id in ids})
        elif question == "polls":
            polls: dict[str, list[float]] = {job_id: [] for job_id in ids}
            for record in emulator.stats.requests():
                if record.method == "GET" and record.job_id in polls:
                    polls[record.job_id].append(record.clock_time)
            conn.send(polls)
        elif question == "requests":
            stats = emulator.stats
            conn.send(sum(1 for r in stats.requests() if r.method == "GET"))
    emulator.stop()


class _Screen:
    """Watches the app's screen updates: key answers and rows that show a job's end."""

    def __init__(self, app: SpidraApp) -> None:
        self.app = app
        self.key_sent: float | None = None
        self.key_row: int | None = None
        self.row_drawn = False
        self.answered = asyncio.Event()
        self.latency = 0.0
        self.ended_pending: set[str] = set()
        self.ended_shown: dict[str, float] = {}
        self.table = table = app.main.job_list.table
        render_line = table._render_line
        display = app._display

        def watched_line(y: int, *args: Any) -> Any:
            if self.key_sent is not None and not self.row_drawn:
                try:
                    row_key, _ = table._get_offsets(y)
                    self.row_drawn = table._row_locations.get(row_key) == self.key_row
                except LookupError:
                    pass
            return render_line(y, *args)

        def watched_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # what a terminal would be sent
            now = time.monotonic()
            if self.row_drawn and self.key_sent is not None:
                self.latency = now - self.key_sent
                self.key_sent = None
                self.answered.set()
            for job_id in self.ended_pending:
                self.ended_shown.setdefault(job_id, now)
            self.ended_pending.clear()

        table._render_line = watched_line  # type: ignore[method-assign]
        app._display = watched_display  # type: ignore[method-assign]
        job_list = app.main.job_list
        apply = job_list.apply

        def watched_apply(summaries: Any, *args: Any, **kwargs: Any) -> None:
            summaries = list(summaries)
            apply(summaries, *args, **kwargs)
            self.ended_pending.update(s.job_id for s in summaries if s.terminal)

        job_list.apply = watched_apply  # type: ignore[method-assign]

    async def press(self, key: str) -> float:
        """Send ``key`` as the driver would; seconds until its row is repainted."""
        table = self.table
        step = 1 if key == "j" else -1
        self.key_row = min(max(0, table.cursor_row + step), table.row_count - 1)
        self.row_drawn = False
        self.answered.clear()
        event = events.Key(key, key)
        event.set_sender(self.app)
        self.key_sent = time.monotonic()
        self.app._driver.send_message(event)  # type: ignore[union-attr]
        try:
            await asyncio.wait_for(self.answered.wait(), NO_PAINT)
        except TimeoutError:
            self.key_sent = None
            return NO_PAINT
        return self.latency


async def _keys(screen: _Screen, presses: int, rng: random.Random) -> list[float]:
    """``presses`` keys: runs of j then k, 20-80 ms apart, as a user stepping through jobs."""
    latencies = []
    for n in range(presses):
        key = "j" if (n // 20) % 2 == 0 else "k"
        latencies.append(await screen.press(key))
        await asyncio.sleep(rng.uniform(0.02, 0.08))
    return latencies


async def _cpu(seconds: float) -> float:
    """Share of one core this process used over the next ``seconds``."""
    wall, cpu = time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    return (time.process_time() - cpu) / (time.monotonic() - wall)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class _Server:
    """An emulator in a child process (see ``_serve``)."""

    def __init__(self, jobs: int, seed: int, wait: float, work: tuple[float, float]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, jobs, seed, wait, work), daemon=True
        )
        self._process.start()
        self.base_url, self.ids = self._conn.recv()

    def ask(self, question: str) -> Any:
        self._conn.send(question)
        return self._conn.recv()

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


async def _with_app(
    folder: Path, base_url: str, poll: PollSettings, body: Callable[[SpidraApp], Any]
) -> Any:
    """Run ``body(app)`` in the app built as launch() builds it, on the state in ``folder``."""
    thresholds = gc.get_threshold()
    store = JobStore.open(folder)
    client = SpidraClient(base_url, Secret(KEY))
    gc.collect()  # the previous run's garbage must not be frozen below
    resume = pause_collector()  # the collector as launch() runs it
    app = make_app(
        store=store, client=client, poll=poll, server=server_label(base_url), on_first_screen=resume
    )
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            while app._poller is None:  # the poller has started and reported
                await pilot.pause(0.01)
            result = await body(app)
            await app.stop_watching()
    finally:
        await client.aclose()
        store.close()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        gc.enable()
    return result


async def _stress(server: _Server, presses: int, rng: random.Random) -> dict[str, Any]:
    """Part A: keys and CPU, paused and then with all 1,000 jobs polled at 50 a second."""

    async def body(app: SpidraApp) -> dict[str, Any]:
        app.watcher.pause()
        screen = _Screen(app)
        await asyncio.sleep(0.5)
        cpu_idle = await _cpu(3.0)
        idle = await _keys(screen, presses, rng)
        app.watcher.resume()
        resumed, sent_before = time.monotonic(), server.ask("requests")
        await asyncio.sleep(1.0)
        cpu_polling = await _cpu(4.0)
        active = app.watcher.status.active
        busy = await _keys(screen, presses, rng)
        rate = (server.ask("requests") - sent_before) / (time.monotonic() - resumed)
        return {
            "cpu_idle": cpu_idle,
            "cpu_polling": cpu_polling,
            "active_while_pressing": active,
            "idle_p50": statistics.median(idle),
            "idle_p95": _percentile(idle, 0.95),
            "busy_p50": statistics.median(busy),
            "busy_p95": _percentile(busy, 0.95),
            "poll_rate": rate,
            "planned_rate": JOBS / app.watcher.status.effective_interval,
        }

    with tempfile.TemporaryDirectory(prefix="spidra-bench-jobs-") as folder:
        with JobStore.open(Path(folder)) as store:
            store.add_many(server.ids)
        return await _with_app(Path(folder), server.base_url, PollSettings(max_rate=MAX_RATE), body)


async def _default(server: _Server, presses: int, rng: random.Random) -> dict[str, Any]:
    """Part B: default settings, 100 of 1,000 jobs running; keys, and ends to rows."""
    intervals: list[tuple[float, float]] = []

    async def body(app: SpidraApp) -> dict[str, Any]:
        screen = _Screen(app)

        async def sample() -> None:
            while True:
                intervals.append((time.monotonic(), app.watcher.status.effective_interval))
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample())
        await asyncio.sleep(1.0)
        keys = await _keys(screen, presses, rng)
        cpu = await _cpu(4.0)
        deadline = time.monotonic() + 150.0
        while len(screen.ended_shown) < RUNNING and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        sampler.cancel()
        return {"keys": keys, "cpu": cpu, "shown": dict(screen.ended_shown)}

    with tempfile.TemporaryDirectory(prefix="spidra-bench-jobs-") as folder:
        stores.fill(Path(folder), JOBS - RUNNING, answer_bytes=2_000, failed_share=0.05)
        with JobStore.open(Path(folder)) as store:
            store.add_many(server.ids)  # the newest: the top rows
        seen = await _with_app(Path(folder), server.base_url, PollSettings(), body)
    delays, excess, gaps, app_parts = [], [], [], []
    polls = server.ask("polls")
    for job_id, ended in server.ask("finish").items():
        shown = seen["shown"].get(job_id, float("inf"))
        delay = shown - ended
        delays.append(delay)
        interval = _interval_at(intervals, ended)
        excess.append(delay - (interval + SLACK))
        # Where the time went: the schedule's gap around the end, the app's own part.
        before = [at for at in polls[job_id] if at < ended]
        after = [at for at in polls[job_id] if at >= ended]
        if before and after:
            gaps.append((after[0] - before[-1]) / interval)
            app_parts.append(shown - after[0])
    return {
        "default_p50": statistics.median(seen["keys"]),
        "default_p95": _percentile(seen["keys"], 0.95),
        "cpu_default": seen["cpu"],
        "finish_p50": statistics.median(delays),
        "finish_p95": _percentile(delays, 0.95),
        "finish_max": max(delays),
        "interval": max(value for _, value in intervals),
        "worst_excess": max(excess),
        "late": sum(1 for e in excess if e > 0),
        "gap_max": max(gaps),
        "app_p95": _percentile(app_parts, 0.95),
        "app_max": max(app_parts),
    }


def _interval_at(samples: list[tuple[float, float]], when: float) -> float:
    """The effective interval that governed a job's last poll before ``when``.

    A job's end is seen at its first poll after it, planned at the poll before with
    the interval of that moment; the interval shrinks as jobs end, so take the
    largest the poller reported over one interval before ``when``.
    """
    reach = max(value for _, value in samples)
    window = [value for at, value in samples if when - reach <= at <= when]
    return max(window) if window else samples[0][1]


def run(runs: int = 3, presses: int = 80, seed: int = 7) -> dict[str, Any]:
    """``runs`` runs of both parts; per figure the median over runs (times in seconds)."""
    results = []
    for number in range(runs):
        rng = random.Random(seed + number)
        figures: dict[str, Any] = {}
        for part, jobs, wait, work in (
            (_stress, JOBS, WAIT, (15.0, 30.0)),
            (_default, RUNNING, 2.0, (10.0, 30.0)),
        ):
            server = _Server(jobs, seed + number, wait, work)
            try:
                figures.update(asyncio.run(part(server, presses, rng)))
            finally:
                server.stop()
        results.append(figures)
    figures = {key: statistics.median(r[key] for r in results) for key in results[0]}
    figures["worst_excess"] = max(r["worst_excess"] for r in results)
    figures["late"] = sum(r["late"] for r in results)
    figures["gap_max"] = max(r["gap_max"] for r in results)
    figures["app_max"] = max(r["app_max"] for r in results)
    figures["runs"] = runs
    figures["per_run"] = results
    return figures


def _print(f: dict[str, Any]) -> None:
    ms = 1000
    print(f"B2 {JOBS} jobs, median of {f['runs']} runs")
    idle = f"{f['idle_p50'] * ms:5.1f} / {f['idle_p95'] * ms:5.1f} ms"
    busy = f"{f['busy_p50'] * ms:5.1f} / {f['busy_p95'] * ms:5.1f} ms"
    calm = f"{f['default_p50'] * ms:5.1f} / {f['default_p95'] * ms:5.1f} ms"
    print(f"A key latency p50 / p95, polling paused:        {idle}")
    print(
        f"A key latency p50 / p95, {f['active_while_pressing']:.0f} polled, {MAX_RATE:g}/s: {busy} "
        f"(ratio {f['busy_p95'] / f['idle_p95']:.2f}, target p95 <= {TARGET_KEY_P95 * ms:.0f} ms)"
    )
    print(f"A CPU, paused / polling: {f['cpu_idle']:.1%} / {f['cpu_polling']:.1%} of a core")
    print(f"A requests/s sent: {f['poll_rate']:.1f} (planned {f['planned_rate']:.1f})")
    print(f"B key latency p50 / p95, {RUNNING} of {JOBS} at 5/s:  {calm}")
    print(f"B CPU while polling: {f['cpu_default']:.1%} of a core")
    print(
        f"B end to row p50 / p95 / max: {f['finish_p50']:.1f} / {f['finish_p95']:.1f} / "
        f"{f['finish_max']:.1f} s (effective interval {f['interval']:.1f} s; {f['late']} jobs "
        f"later than interval + {SLACK} s, worst by {f['worst_excess']:+.2f} s)"
    )
    print(
        f"B   the poll gap around an end, longest: {f['gap_max']:.2f} effective intervals; "
        f"answer to row p95 / max: {f['app_p95'] * ms:.0f} / {f['app_max'] * ms:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--presses", type=int, default=80, help="keys per phase")
    args = parser.parse_args()
    _print(run(args.runs, args.presses))


if __name__ == "__main__":
    main()
