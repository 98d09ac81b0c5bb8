"""B3: how politely, and how promptly, 100 jobs are watched to the end.

Three contenders watch the same jobs on the same emulator (real time, the same
seed, so the same job IDs and lifecycles), one after another:

- spidra-tui's Poller with its default schedule (news first);
- the same Poller with plain round robin, at the same request budget;
- the official Python SDK (PyPI ``spidra``): one ``spidra.lib.poll.poll`` loop per
  job with its default options (a request every 3 s), all jobs at once.

Measured at the server: requests sent, the peak count in any one-second window
and the peak in flight. Measured by the client: when the last completion was
seen, and each job's detection delay (when the client saw the job's final
status, minus when the job really ended at the server).

Run: ``python tests/benchmarks/bench_polite.py`` (about five minutes; ``--jobs``,
``--time-scale``, ``--seed``, ``--rate``, ``--in-flight``, ``--interval`` and
``--only`` change the set-up). The figures are also written as JSON to
``tests/benchmarks/results/bench_polite.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import spidra
from spidra.lib.poll import PollOptions, poll

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig
from spidra_tui.secret import Secret
from spidra_tui.watch.poller import Poller
from spidra_tui.watch.schedule import NewsFirst, RoundRobin, SchedulePolicy
from spidra_tui.watch.state import JobUpdate

KEY = "spd_bench_key_0001"
RESULTS = Path(__file__).parent / "results" / "bench_polite.json"


@dataclass(frozen=True)
class Outcome:
    """One contender's figures."""

    name: str
    requests: int
    peak_per_second: int
    peak_in_flight: int
    all_seen: float  # seconds from the start until the last completion was seen
    median_delay: float
    p95_delay: float
    max_delay: float
    delays: dict[str, float]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


Watch = Callable[[str, list[str], dict[str, float]], Awaitable[None]]


async def run(name: str, args: argparse.Namespace, watch: Watch) -> Outcome:
    """Start a fresh emulator, submit the jobs, let ``watch`` follow them to the end."""
    config = EmulatorConfig(time_scale=args.time_scale, seed=args.seed)
    emulator = Emulator(config, clock=SystemClock())
    base_url = emulator.start()
    try:
        start = time.monotonic()
        ids = [
            emulator.submit(KEY, {"urls": [{"url": f"https://example.com/page/{n}"}]})
            for n in range(args.jobs)
        ]
        seen: dict[str, float] = {}
        await watch(base_url, ids, seen)
        stats = emulator.stats
        delays = {job_id: seen[job_id] - emulator.finish_time(job_id) for job_id in ids}
        values = list(delays.values())
        return Outcome(
            name=name,
            requests=sum(1 for r in stats.requests() if r.method == "GET"),
            peak_per_second=stats.max_requests_in_window(1.0, real_time=True, method="GET"),
            peak_in_flight=stats.peak_in_flight,
            all_seen=max(seen.values()) - start,
            median_delay=statistics.median(values),
            p95_delay=percentile(values, 0.95),
            max_delay=max(values),
            delays=delays,
        )
    finally:
        emulator.stop()


def ours(args: argparse.Namespace, policy: SchedulePolicy) -> Watch:
    async def watch(base_url: str, ids: list[str], seen: dict[str, float]) -> None:
        def on_update(update: JobUpdate) -> None:
            if update.terminal:
                seen[update.job_id] = time.monotonic()

        async with SpidraClient(base_url, Secret(KEY)) as client:
            poller = Poller(
                client,
                on_update=on_update,
                interval=args.interval,
                max_in_flight=args.in_flight,
                max_rate=args.rate,
                policy=policy,
            )
            for job_id in ids:
                poller.add(job_id)
            await poller.start()
            try:
                await poller.wait_until_done()
            finally:
                await poller.stop()

    return watch


async def sdk(base_url: str, ids: list[str], seen: dict[str, float]) -> None:
    client = spidra.AsyncSpidra(api_key=KEY, api_url=base_url)

    async def follow(job_id: str) -> None:
        await poll(lambda: client.get_scrape(job_id), PollOptions(), job_id)
        seen[job_id] = time.monotonic()

    try:
        await asyncio.gather(*(follow(job_id) for job_id in ids))
    finally:
        await client.aclose()


def table(outcomes: list[Outcome], args: argparse.Namespace) -> str:
    head = (
        f"{'':<26}{'requests':>9}{'peak/s':>8}{'in flight':>10}{'all seen':>10}"
        f"{'median':>8}{'p95':>7}{'max':>7}"
    )
    lines = [
        f"B3: {args.jobs} jobs, time scale {args.time_scale}, seed {args.seed}; spidra-tui at "
        f"R={args.rate:g}/s, K={args.in_flight}, interval {args.interval:g} s "
        f"(one stretched round: {args.jobs / args.rate:.0f} s)",
        "detection delay and time until all seen in seconds",
        head,
    ]
    for o in outcomes:
        lines.append(
            f"{o.name:<26}{o.requests:>9}{o.peak_per_second:>8}{o.peak_in_flight:>10}"
            f"{o.all_seen:>10.1f}{o.median_delay:>8.2f}{o.p95_delay:>7.2f}{o.max_delay:>7.2f}"
        )
    return "\n".join(lines)


def verdict(outcomes: list[Outcome], args: argparse.Namespace) -> list[str]:
    """The targets: within R, no job seen much later than the SDK saw it. The request
    count is printed beside the SDK's for scale only: the SDK polls each job in its own
    loop with no cap on the rate, so sending fewer is no like-for-like win."""
    by_name = {o.name: o for o in outcomes}
    sdk_outcome = by_name.get("official SDK")
    lines = []
    for o in outcomes:
        if o.name == "official SDK":
            continue
        lines.append(
            f"{o.name}: peak {o.peak_per_second}/s within R={args.rate:g}: "
            f"{'yes' if o.peak_per_second <= args.rate else 'NO'}"
        )
        if sdk_outcome is None:
            continue
        lines.append(
            f"{o.name}: {o.requests} requests vs the SDK's {sdk_outcome.requests} "
            f"({o.requests / sdk_outcome.requests:.0%}; the SDK polls each job on its own, "
            "uncapped: not like for like)"
        )
        allowance = args.jobs / args.rate
        later = {job_id: delay - sdk_outcome.delays[job_id] for job_id, delay in o.delays.items()}
        late = [job_id for job_id, extra in later.items() if extra > allowance]
        lines.append(
            f"{o.name}: each completion seen at most {max(later.values()):.1f} s after the "
            f"SDK saw it (allowed {allowance:.0f} s): "
            + ("yes" if not late else f"NO for {len(late)} jobs")
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=4, help="4: the slowest job takes ~85 s")
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--only", choices=("news-first", "round-robin", "sdk"), action="append")
    args = parser.parse_args()
    contenders: list[tuple[str, str, Watch]] = [
        ("news-first", "spidra-tui (news first)", ours(args, NewsFirst())),
        ("round-robin", "spidra-tui (round robin)", ours(args, RoundRobin())),
        ("sdk", "official SDK", sdk),
    ]
    outcomes = []
    for key, name, watch in contenders:
        if args.only and key not in args.only:
            continue
        print(f"running {name} ...", flush=True)
        outcomes.append(await run(name, args, watch))
    print()
    print(table(outcomes, args))
    print()
    print("\n".join(verdict(outcomes, args)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    summary = [{k: v for k, v in asdict(o).items() if k != "delays"} for o in outcomes]
    RESULTS.write_text(json.dumps({"setup": vars(args), "outcomes": summary}, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
