"""Faults, the long version: many jobs through faults of every kind for an emulated hour.

The same run as ``tests/test_faults.py`` (see ``tests/fault_support.py``), bigger
and tunable: jobs living up to ``--minutes`` emulated minutes are watched
through a Watcher and a real SQLite store while about ``--fault-rate`` of all
requests meet a fault (drops, 5xx as JSON and as HTML pages, 429 with
Retry-After in all three forms, non-JSON answers, slow answers), and
``--submits`` jobs are submitted through the same faults. Time is virtual, so an
emulated hour takes a minute or two; the emulator runs in its own process, so
the memory figures are the watching side's.

Run from the repository root::

    python -m tests.benchmarks.bench_faults [--jobs 500] [--fault-rate 0.3] [--minutes 60]

It prints one table, writes the figures as JSON to
``tests/benchmarks/results/bench_faults.json``, and exits 1 if any promise was
broken (a job not in its true final state, a duplicate job, a request after a
job ended, a limit exceeded, something logged, memory growing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# The run's support modules live beside the tests (pytest puts that folder on the path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fault_support import FaultPlan, FaultRun, run_under_faults
from memory_samples import WARM_UP, thirds

RESULTS = Path(__file__).parent / "results" / "bench_faults.json"
KIND_ORDER = (
    "drop",
    "5xx-json",
    "5xx-html",
    "429-seconds",
    "429-http-date",
    "429-body",
    "html-200",
    "html-502",
    "truncated",
    "slow",
)
BLOCKS_GROWTH = 0.01  # the bounds the test uses
RSS_GROWTH = 2 * 2**20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=500, help="jobs planted (500)")
    parser.add_argument("--submits", type=int, default=100, help="jobs submitted (100)")
    parser.add_argument(
        "--fault-rate", type=float, default=0.30, help="share of faulty requests (0.3)"
    )
    parser.add_argument(
        "--minutes", type=float, default=60.0, help="emulated minutes the longest job lives (60)"
    )
    parser.add_argument("--rate", type=float, default=5.0, help="requests a second, R (5)")
    parser.add_argument("--in-flight", type=int, default=4, help="requests at once, K (4)")
    parser.add_argument(
        "--slow-seconds", type=float, default=0.01, help="real seconds a slow answer takes"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--trace-memory", action="store_true", help="also count bytes with tracemalloc (slow)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser.parse_args(argv)


def mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f} MiB"


@dataclass(frozen=True)
class Figures:
    """One run in plain figures, for the table and the JSON file."""

    jobs_planted: int
    jobs_watched: int
    emulated_minutes: float
    requests: int
    gets: int
    posts: int
    faulty_share: float
    faults_by_kind: dict[str, int]
    updates: int
    wrong_in_updates: int
    wrong_in_store: int
    wrong_final_answer: int
    unfinished: int
    ends_reported_twice: int
    submits: dict[str, int]
    unknown_outcome_created: int
    duplicates: int
    refused_yet_created: int
    requests_after_end: int
    sent_during_429_pause: int
    peak_gets_per_second: int
    peak_requests_per_second: int
    peak_in_flight: int
    logged: list[str]
    server_errors: list[str]
    memory_samples: int
    rss: tuple[int, int]
    sqlite: tuple[int | None, int | None]
    rss_besides_sqlite: tuple[int, int]
    blocks: tuple[int, int]
    traced: tuple[int | None, int | None]
    blocks_thirds: tuple[int, int] | None
    rss_besides_sqlite_thirds: tuple[int, int] | None
    wall_seconds: float

    @classmethod
    def of(cls, run: FaultRun) -> Figures:
        client, samples = run.client, run.client.samples
        start, end = samples[min(len(samples) - 1, int(len(samples) * WARM_UP))], samples[-1]
        kinds = run.faults_by_kind()
        submits = run.submit_counts()
        return cls(
            jobs_planted=run.plan.jobs,
            jobs_watched=len(run.watched),
            emulated_minutes=round(client.emulated_seconds / 60, 1),
            requests=len(run.requests),
            gets=len(run.of("GET")),
            posts=len(run.of("POST")),
            faulty_share=round(run.faulty_share(), 3),
            faults_by_kind={kind: kinds.get(kind, 0) for kind in KIND_ORDER},
            updates=client.updates,
            wrong_in_updates=len(run.wrong_in_updates()),
            wrong_in_store=len(run.wrong_in_store()),
            wrong_final_answer=len(set(run.final_body_wrong()) | set(run.stored_answer_wrong())),
            unfinished=len(client.unfinished),
            ends_reported_twice=len(run.reported_twice()),
            submits={kind: submits.get(kind, 0) for kind in ("created", "refused", "unknown")},
            unknown_outcome_created=sum(s.created for s in run.submits if s.kind == "unknown"),
            duplicates=len(run.duplicates()),
            refused_yet_created=sum(s.created for s in run.submits if s.kind == "refused"),
            requests_after_end=run.gets_after_terminal,
            sent_during_429_pause=run.sent_during_pauses(),
            peak_gets_per_second=run.peak_rate("GET"),
            peak_requests_per_second=run.peak_rate(None),
            peak_in_flight=run.peak_in_flight,
            logged=[f"{r.name}: {r.getMessage()}" for r in client.log_records],
            server_errors=run.handler_errors,
            memory_samples=len(samples),
            rss=(start.rss, end.rss),
            sqlite=(start.sqlite, end.sqlite),
            rss_besides_sqlite=(start.rss_besides_sqlite, end.rss_besides_sqlite),
            blocks=(start.blocks, end.blocks),
            traced=(start.traced, end.traced),
            blocks_thirds=thirds(samples, "blocks"),
            rss_besides_sqlite_thirds=thirds(samples, "rss_besides_sqlite"),
            wall_seconds=round(run.wall_seconds, 1),
        )

    def broken(self, plan: FaultPlan) -> list[str]:
        """The promises the run broke, in words (the same bounds as the test)."""
        checks = {
            "a job is not in its true final state": self.wrong_in_updates
            or self.wrong_in_store
            or self.wrong_final_answer
            or self.unfinished,
            "a job's end was reported twice": self.ends_reported_twice,
            "a submit created a duplicate job": self.duplicates or self.refused_yet_created,
            "a job was requested after it ended": self.requests_after_end,
            "a request went out during a 429 pause": self.sent_during_429_pause,
            "the request rate exceeded R": self.peak_gets_per_second > plan.max_rate,
            "requests in flight exceeded K": self.peak_in_flight > plan.max_in_flight,
            "a warning or error was logged": self.logged or self.server_errors,
        }
        if self.blocks_thirds is not None:
            first, last = self.blocks_thirds
            checks["Python memory grew"] = last > first * (1 + BLOCKS_GROWTH)
        if self.rss_besides_sqlite_thirds is not None:
            first, last = self.rss_besides_sqlite_thirds
            checks["RSS (less SQLite) grew"] = last - first > RSS_GROWTH
        return [words for words, failed in checks.items() if failed]

    def table(self, plan: FaultPlan) -> str:
        """The figures as an aligned two-column table."""
        created, refused, unknown = (self.submits[k] for k in ("created", "refused", "unknown"))
        wrong = max(self.wrong_in_updates, self.wrong_in_store)
        rows: list[tuple[str, str]] = [
            ("jobs", f"{plan.jobs} planted + {created} submitted = {self.jobs_watched}"),
            ("emulated time", f"{self.emulated_minutes} min"),
            (
                "requests",
                f"{self.requests} ({self.gets} GET, {self.posts} POST), "
                f"{self.faulty_share:.1%} met a fault",
            ),
        ]
        rows += [(f"  fault {kind}", str(count)) for kind, count in self.faults_by_kind.items()]
        rows += [
            ("updates reported", str(self.updates)),
            (
                "final states correct",
                f"{self.jobs_watched - wrong}/{self.jobs_watched} in updates and store "
                f"({self.wrong_final_answer} final answers differ)",
            ),
            (
                "submits",
                f"{created} returned an ID, {refused} refused, {unknown} unknown outcome "
                f"({self.unknown_outcome_created} of these created a job)",
            ),
            ("duplicate jobs", str(self.duplicates)),
            ("requests after a job ended", str(self.requests_after_end)),
            ("requests inside a 429 pause", str(self.sent_during_429_pause)),
            (
                "peak rate",
                f"{self.peak_gets_per_second} GET/s "
                f"({self.peak_requests_per_second} with POSTs); R = {plan.max_rate:g}",
            ),
            ("peak in flight", f"{self.peak_in_flight}; K = {plan.max_in_flight}"),
            ("warnings logged", str(len(self.logged))),
            ("memory samples", str(self.memory_samples)),
            ("RSS start / end", " / ".join(mib(v) for v in self.rss)),
            ("  SQLite heap", " / ".join(mib(v) for v in self.sqlite)),
            ("  RSS less SQLite", " / ".join(mib(v) for v in self.rss_besides_sqlite)),
            ("Python blocks start / end", " / ".join(str(v) for v in self.blocks)),
        ]
        if self.traced[0] is not None:
            rows.append(("tracemalloc start / end", " / ".join(mib(v) for v in self.traced)))
        if self.blocks_thirds is not None:
            shown = " / ".join(str(v) for v in self.blocks_thirds)
            rows.append(("  blocks, peak 1st / 3rd third", shown))
        if self.rss_besides_sqlite_thirds is not None:
            shown = " / ".join(mib(v) for v in self.rss_besides_sqlite_thirds)
            rows.append(("  RSS less SQLite, peak 1st / 3rd third", shown))
        rows.append(("wall time", f"{self.wall_seconds} s"))
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = FaultPlan(
        jobs=args.jobs,
        submits=args.submits,
        fault_rate=args.fault_rate,
        minutes=args.minutes,
        max_rate=args.rate,
        max_in_flight=args.in_flight,
        slow_seconds=args.slow_seconds,
        trace_memory=args.trace_memory,
        seed=args.seed,
        sample_every=max(10.0, args.minutes * 60 / 90),  # about 90 samples
        timeout=3600.0,
    )
    samples = 0

    def progress(line: str) -> None:
        nonlocal samples
        samples += 1
        if not args.quiet and samples % 10 == 1:
            print(line, file=sys.stderr, flush=True)

    run = asyncio.run(run_under_faults(plan, progress=progress))
    figures = Figures.of(run)
    print(figures.table(plan))
    failures = figures.broken(plan)
    print("\n" + ("every promise held" if not failures else "BROKEN: " + "; ".join(failures)))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"plan": vars(args), **asdict(figures)}, indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
