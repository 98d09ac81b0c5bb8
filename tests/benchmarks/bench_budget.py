"""B3: spending Spidra's request window well, in emulated time.

The emulator limits like Spidra (300 requests per address every 15 minutes,
``RateLimit-*`` headers, Reset as a Unix timestamp). 20 or 100 jobs run for 30
seconds to 20 minutes each; beside the contender, a neighbour program at the
same address spends a steady 100 requests per 15 minutes. Each run lasts 45
minutes of emulated time (three windows), on a virtual clock shared with the
emulator, so a run takes seconds and the times the server sees are the times the
clients meant. Contenders, one at a time, each on a fresh emulator with the same
jobs:

- spidra-tui: the Poller with its schedule (news first) and the request budget
  at its default share (0.5), learning the window from the headers;
- round robin with the same budget: the same Poller and budget, every job in turn;
- the official Python SDK (PyPI ``spidra``): ``spidra.lib.poll.poll`` per job with
  its default options (a request every 3 s, give up after 3 errors in a row), as
  its documentation shows, all jobs at once.

Counted at the server: 429s (the contender's, the neighbour's), the most requests
of the contender in one of the server's windows (as a share of the limit).
Counted by the client: jobs whose end it never reported, and each job's detection
delay (when it saw the job's end, minus when the job ended at the server).

Run: ``python -m tests.benchmarks.bench_budget`` (a few minutes; ``--jobs 20``,
``--seed``, ``--only``). The figures are also written as JSON to
``tests/benchmarks/results/bench_budget.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import math
import random
import statistics
import time
import types
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import spidra
from spidra.lib.poll import PollOptions

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Script
from spidra_tui.emulator.accounting import key_hash
from spidra_tui.secret import Secret
from spidra_tui.watch.budget import Budget
from spidra_tui.watch.poller import Poller
from spidra_tui.watch.schedule import NewsFirst, RoundRobin, SchedulePolicy
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.virtual_time import VirtualClock

# The module, not the function ``spidra.lib`` exports under the same name.
sdk_poll = importlib.import_module("spidra.lib.poll")

KEY = "spd_bench_key_0001"
NEIGHBOUR_KEY = "spd_neighbour_key_01"
LIMIT, WINDOW = 300, 900.0
NEIGHBOUR_EVERY = WINDOW / 100  # 100 requests per 15 minutes
HORIZON = 45 * 60.0  # emulated seconds a run lasts
RESULTS = Path(__file__).parent / "results" / "bench_budget.json"


@dataclass(frozen=True)
class Outcome:
    """One contender's figures on one set of jobs."""

    name: str
    jobs: int
    requests: int
    ours_429: int
    neighbour_429: int
    neighbour_requests: int
    unseen: int  # jobs whose end the contender never reported
    max_window_share: float  # the contender's most requests in one server window / limit
    p50: float
    p95: float
    max: float
    real_seconds: float


def plan_jobs(count: int, seed: int) -> list[Script]:
    """Jobs of 30 s to 20 min (log-uniform), after up to a minute in the queue."""
    rng = random.Random(seed)
    scripts = []
    for _ in range(count):
        active = math.exp(rng.uniform(math.log(30.0), math.log(1200.0)))
        scripts.append(Script(waiting=rng.uniform(2.0, 60.0), active=active))
    return scripts


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def neighbour(emulator: Emulator, clock: VirtualClock, job_id: str) -> None:
    """Another program at the same address: a steady 100 requests per 15 minutes."""
    assert emulator.base_url is not None
    async with SpidraClient(
        emulator.base_url, Secret(NEIGHBOUR_KEY), clock=clock, get_retries=0
    ) as client:
        while True:
            with clock.hold(), contextlib.suppress(Exception):
                await client.get_job(job_id)
            await clock.sleep(NEIGHBOUR_EVERY)


Contender = Callable[[str, list[str], VirtualClock, dict[str, float]], Awaitable[None]]


def ours(policy: SchedulePolicy) -> Contender:
    async def watch(
        base_url: str, ids: list[str], clock: VirtualClock, seen: dict[str, float]
    ) -> None:
        def on_update(update: JobUpdate) -> None:
            if update.terminal:
                seen[update.job_id] = clock.monotonic()

        budget = Budget(clock=clock)  # the default share, the window learned from the headers
        async with SpidraClient(base_url, Secret(KEY), clock=clock) as client:
            budget.attach(client)
            poller = Poller(
                client,
                on_update=on_update,
                clock=clock,
                rng=random.Random(1),
                policy=policy,
                budget=budget,
            )
            for job_id in ids:
                poller.add(job_id, user=True)  # the user gave them: the first looks are theirs
            await poller.start()
            try:
                await poller.wait_until_done()
            finally:
                await poller.stop()

    return watch


async def sdk(base_url: str, ids: list[str], clock: VirtualClock, seen: dict[str, float]) -> None:
    # The SDK sleeps with asyncio.sleep: give its poll loop the virtual clock's sleep.
    sdk_poll.asyncio = types.SimpleNamespace(  # type: ignore[attr-defined]
        sleep=clock.sleep, get_running_loop=asyncio.get_running_loop
    )
    client = spidra.AsyncSpidra(api_key=KEY, api_url=base_url)

    async def get(job_id: str) -> object:
        with clock.hold():
            return await client.get_scrape(job_id)

    async def follow(job_id: str) -> None:
        try:
            await sdk_poll.poll(lambda: get(job_id), PollOptions(), job_id)
        except Exception as exc:  # it gives up after 3 errors in a row
            failures[f"{type(exc).__name__}: {exc}"] += 1
            return
        seen[job_id] = clock.monotonic()

    failures: Counter[str] = Counter()

    try:
        await asyncio.gather(*(follow(job_id) for job_id in ids))
    finally:
        sdk_poll.asyncio = asyncio  # type: ignore[attr-defined]
        await client.aclose()
        if failures:
            print(f"  the SDK gave up on {sum(failures.values())} jobs: {dict(failures)}")


def window_counts(emulator: Emulator, ours_hash: str | None) -> list[tuple[int, int]]:
    """(the contender's requests, everybody's) in each window as the server counted it."""
    windows: list[tuple[int, int]] = []
    opened = -math.inf
    for record in sorted(emulator.stats.requests(), key=lambda r: r.clock_time):
        if record.clock_time >= opened + WINDOW:
            opened = record.clock_time
            windows.append((0, 0))
        mine, everybody = windows[-1]
        windows[-1] = (mine + (record.key_hash == ours_hash), everybody + 1)
    return windows


async def run(name: str, jobs: int, seed: int, contender: Contender) -> Outcome:
    base = FakeClock()
    clock = VirtualClock(base)
    emulator = Emulator(EmulatorConfig(seed=seed, max_pending=None), clock=base)
    base_url = emulator.start()
    started = time.perf_counter()
    try:
        ids = [emulator.create_job(KEY, script=script) for script in plan_jobs(jobs, seed)]
        other = emulator.create_job(NEIGHBOUR_KEY, script=Script(waiting=0, active=HORIZON * 2))
        begin = clock.monotonic()
        seen: dict[str, float] = {}
        side = asyncio.ensure_future(neighbour(emulator, clock, other))
        main = asyncio.ensure_future(contender(base_url, ids, clock, seen))
        await clock.sleep(HORIZON)
        for task in (main, side):
            task.cancel()
        await asyncio.gather(main, side, return_exceptions=True)
        await clock.aclose()
        records = emulator.stats.requests()
        mine = key_hash(KEY)
        delays = [seen[j] - emulator.finish_time(j) for j in ids if j in seen]
        windows = window_counts(emulator, mine)
        assert clock.monotonic() - begin >= HORIZON
        return Outcome(
            name=name,
            jobs=jobs,
            requests=sum(1 for r in records if r.key_hash == mine),
            ours_429=sum(1 for r in records if r.key_hash == mine and r.status == 429),
            neighbour_429=sum(1 for r in records if r.key_hash != mine and r.status == 429),
            neighbour_requests=sum(1 for r in records if r.key_hash != mine),
            unseen=sum(1 for j in ids if j not in seen),
            max_window_share=max(m for m, _ in windows) / LIMIT,
            p50=statistics.median(delays) if delays else math.nan,
            p95=percentile(delays, 0.95) if delays else math.nan,
            max=max(delays) if delays else math.nan,
            real_seconds=time.perf_counter() - started,
        )
    finally:
        emulator.stop()


CONTENDERS: dict[str, tuple[str, Contender]] = {
    "ours": ("spidra-tui (news first)", ours(NewsFirst())),
    "round-robin": ("round robin, same budget", ours(RoundRobin())),
    "sdk": ("official SDK", sdk),
}


def table(outcomes: list[Outcome]) -> str:
    head = (
        f"{'':<26}{'jobs':>5}{'requests':>9}{'429 ours':>9}{'429 nbr':>8}{'unseen':>7}"
        f"{'max window':>11}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
    )
    lines = [
        f"B3: {LIMIT} requests per {WINDOW / 60:.0f} min per address, a neighbour spending "
        f"100 per 15 min, {HORIZON / 60:.0f} emulated minutes; delays in seconds",
        head,
    ]
    for o in outcomes:
        lines.append(
            f"{o.name:<26}{o.jobs:>5}{o.requests:>9}{o.ours_429:>9}{o.neighbour_429:>8}"
            f"{o.unseen:>7}{o.max_window_share:>11.1%}{o.p50:>8.1f}{o.p95:>8.1f}{o.max:>8.1f}"
        )
    return "\n".join(lines)


def verdict(outcomes: list[Outcome], share: float = 0.5) -> list[str]:
    """The targets of the issue, for spidra-tui."""
    lines = []
    by = {(o.name, o.jobs): o for o in outcomes}
    for o in outcomes:
        if o.name != CONTENDERS["ours"][0]:
            continue
        ok = o.ours_429 == 0 and o.neighbour_429 == 0
        lines.append(f"{o.jobs} jobs: 0 429s for us and the neighbour: {'yes' if ok else 'NO'}")
        ok = o.max_window_share <= share + 0.02
        lines.append(
            f"{o.jobs} jobs: at most {share + 0.02:.0%} of any window: "
            f"{'yes' if ok else 'NO'} ({o.max_window_share:.1%})"
        )
        lines.append(f"{o.jobs} jobs: every end seen: {'yes' if o.unseen == 0 else 'NO'}")
        rr = by.get((CONTENDERS["round-robin"][0], o.jobs))
        if rr is not None:
            ok = o.p50 <= rr.p50 / 2
            lines.append(
                f"{o.jobs} jobs: p50 delay {o.p50:.1f} s vs round robin's {rr.p50:.1f} s "
                f"({o.p50 / rr.p50:.2f}): at most half: {'yes' if ok else 'NO'}"
            )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, action="append", help="default: 20 and 100")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=tuple(CONTENDERS), action="append")
    args = parser.parse_args()
    outcomes = []
    for jobs in args.jobs or [20, 100]:
        for key, (name, contender) in CONTENDERS.items():
            if args.only and key not in args.only:
                continue
            print(f"running {name} on {jobs} jobs ...", flush=True)
            outcomes.append(await run(name, jobs, args.seed, contender))
    print()
    print(table(outcomes))
    print()
    print("\n".join(verdict(outcomes)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = {"setup": vars(args), "outcomes": [asdict(o) for o in outcomes]}
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
