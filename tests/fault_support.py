"""A long watch under faults: hundreds of jobs, many emulated minutes, every fault kind.

:func:`run_under_faults` plants jobs living up to ``minutes`` emulated minutes,
turns on faults of every kind the emulator injects (on GET and POST alike),
watches the jobs through a :class:`Watcher` writing to a real SQLite store, and
meanwhile submits more jobs through :meth:`SpidraClient.submit_scrape`,
watching those that came back with an ID. Time is virtual and shared with the
emulator, so many emulated minutes take seconds; only slow answers cost real
time. The emulator runs in a process of its own (:mod:`remote_emulator`), so
the memory sampled here is the watching side's alone. What happened is
gathered in a :class:`FaultRun`, for a test to check or a benchmark to print.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import json
import logging
import math
import random
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory_samples import MemorySample, sample_memory
from remote_emulator import RemoteEmulator, SharedClock

from spidra_tui.api.client import ScrapeRequest, SpidraClient
from spidra_tui.api.errors import RateLimited, ServerError, SpidraError
from spidra_tui.emulator import EmulatorConfig, Faults, RequestRecord, Script
from spidra_tui.secret import Secret
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.virtual_time import VirtualClock
from spidra_tui.watch.watcher import Watcher

KEY = "spd_fault_test_key_0001"

# How the faulty share of requests splits between the kinds that replace an
# answer (one draw picks at most one); slow answers are drawn on their own.
KIND_SHARES = {"drop": 0.20, "server_error": 0.35, "rate_limited": 0.15, "non_json": 0.30}
SLOW_SHARE = 0.15
SUBMIT_SPAN = 0.2  # submits are spread over the first fifth of the planned minutes


@dataclass(frozen=True)
class FaultPlan:
    """What to run: how many jobs, how faulty, for how long, at which limits."""

    jobs: int = 300
    submits: int = 100
    fault_rate: float = 0.30
    minutes: float = 15.0
    """The longest planted job lives about this many emulated minutes."""
    interval: float = 3.0
    max_rate: float = 5.0
    max_in_flight: int = 4
    slow_seconds: float = 0.01
    """Real seconds a slow answer is held back: the only real time a fault costs."""
    retry_after: float = 2.0
    sample_every: float = 20.0
    """Emulated seconds between two memory samples."""
    trace_memory: bool = False
    """Also count Python's allocated bytes with tracemalloc (exact, but 3-4x slower)."""
    seed: int = 1
    timeout: float = 600.0
    """Real seconds the whole watch may take before it counts as hung."""


def faults_at(
    rate: float, *, slow_seconds: float, retry_after: float = 2.0, seed: int = 0
) -> Faults:
    """Faults of every kind, together on ``rate`` of all requests, GET and POST alike.

    5xx answers come with every code, as JSON or as a proxy's HTML page; 429s
    announce their wait in all three forms; non-JSON answers are an HTML 200,
    an HTML 502 and truncated JSON; and some answers are slow.
    """
    slow = rate * SLOW_SHARE
    replaced = 1.0 - (1.0 - rate) / (1.0 - slow)  # so that P(slow or replaced) = rate
    return Faults(
        **{kind: replaced * share for kind, share in KIND_SHARES.items()},
        slow=slow,
        slow_seconds=slow_seconds,
        html_errors=0.5,
        retry_after=retry_after,
        seed=seed,
    )


def job_plans(count: int, minutes: float, rng: random.Random) -> list[tuple[Script, str]]:
    """``count`` lives from seconds up to ``minutes`` minutes, about one in six failing."""
    plans = []
    for n in range(count):
        life = rng.uniform(0.02, 1.0) * minutes * 60.0
        waiting = life * rng.uniform(0.0, 0.4)
        delayed = life * 0.1 if rng.random() < 0.1 else 0.0
        script = Script(
            waiting=waiting,
            delayed=delayed,
            active=life - waiting - delayed,
            outcome="failed" if rng.random() < 0.15 else "completed",
            fail_at=rng.uniform(0.1, 0.8),
        )
        plans.append((script, f"https://example.com/watched/{n}"))
    return plans


def submit_request(n: int) -> ScrapeRequest:
    """The ``n``-th submit: its URL names it, so the server can count its jobs."""
    prompt = "List every product with its price" if n % 3 == 0 else None
    return ScrapeRequest(
        urls=(f"https://example.com/submitted/{n}",),
        prompt=prompt,
        output="json" if prompt else "markdown",
    )


def refused(error: SpidraError) -> bool:
    """Whether the server said it did not take the request (429, 502, 503, queue down),
    so no job can exist. After any other failure (network, 500, 504, an unreadable
    answer) the job may or may not have been created."""
    if isinstance(error, RateLimited) or error.code == "QUEUE_UNAVAILABLE":
        return True
    return isinstance(error, ServerError) and error.status_code in (502, 503)


def digest(value: Any) -> str:
    """A short fingerprint of a JSON value (key order ignored)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def fault_kind(label: str) -> str:
    """A fault label of the request log, grouped by kind: ``502-html`` -> ``5xx-html``."""
    head, _, tail = label.partition("-")
    return f"5xx-{tail}" if head.isdigit() and head.startswith("5") else label


@dataclass
class SubmitOutcome:
    """One submit: the job ID it returned or the error it raised, and the server's count.

    Only a description of the error is kept: an exception holds its traceback's
    frames, and with them the answers, which would blur the memory samples.
    """

    request: ScrapeRequest
    job_id: str | None = None
    error: str | None = None
    refused: bool = False
    created_by_url: int = 0
    created_by_body: int = 0

    @property
    def kind(self) -> str:
        """``created``, ``refused`` (no job can exist) or ``unknown`` (0 or 1 may exist)."""
        if self.job_id is not None:
            return "created"
        return "refused" if self.refused else "unknown"

    @property
    def created(self) -> int:
        """Jobs the server holds for this submit (by URL or by exact body: the larger)."""
        return max(self.created_by_url, self.created_by_body)


class LogTrap(logging.Handler):
    """Keeps every warning and error logged by the app or by asyncio while it is on."""

    NAMES = ("spidra_tui", "asyncio")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> LogTrap:
        for name in self.NAMES:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name in self.NAMES:
            logging.getLogger(name).removeHandler(self)


@dataclass
class ClientView:
    """What the watching side saw and kept. Per job only a status and a fingerprint
    are kept, not the update: bodies held here would look like growth of the app."""

    watched: list[str] = field(default_factory=list)
    """Every watched job: the planted ones, then those whose submit returned an ID."""
    final_seen: dict[str, str] = field(default_factory=dict)
    """Each job's status in its terminal update."""
    final_digest: dict[str, str] = field(default_factory=dict)
    terminal_reports: Counter[str] = field(default_factory=Counter)
    """How many terminal updates each job got (one is right)."""
    updates: int = 0
    submits: list[SubmitOutcome] = field(default_factory=list)
    samples: list[MemorySample] = field(default_factory=list)
    stored: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """Each watched job's (status, ended) in the store after the run."""
    stored_digest: dict[str, str] = field(default_factory=dict)
    log_records: list[logging.LogRecord] = field(default_factory=list)
    store_error: str | None = None
    unfinished: set[str] = field(default_factory=set)
    """Jobs still polled when the watch stopped (none, unless it timed out)."""
    emulated_seconds: float = 0.0

    def on_update(self, update: JobUpdate) -> None:
        self.updates += 1
        if update.terminal:
            self.final_seen[update.job_id] = update.status
            self.terminal_reports[update.job_id] += 1
            if update.job is not None:
                self.final_digest[update.job_id] = digest(update.job.raw)


@dataclass
class FaultRun:
    """Everything a run under faults did, seen from the client and from the server."""

    plan: FaultPlan
    client: ClientView
    true_status: dict[str, str]
    true_digest: dict[str, str]
    """A fingerprint of each watched job's final answer at the server."""
    requests: list[RequestRecord]
    """The server's request log."""
    gets_after_terminal: int
    peak_in_flight: int
    handler_errors: list[str]
    wall_seconds: float

    @property
    def watched(self) -> list[str]:
        return self.client.watched

    @property
    def submits(self) -> list[SubmitOutcome]:
        return self.client.submits

    def of(self, method: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.method == method]

    def faults_by_label(self, method: str | None = None) -> Counter[str]:
        """Injected faults by the server's label (``502-html``, ``429-body``, ``slow``...);
        a slow faulty answer counts under both."""
        counts: Counter[str] = Counter()
        for record in self.requests:
            if record.fault is not None and method in (None, record.method):
                counts.update(record.fault.split("+"))
        return counts

    def faults_by_kind(self, method: str | None = None) -> Counter[str]:
        """Injected faults by kind: ``drop``, ``5xx-json``, ``429-http-date``, ``slow``..."""
        counts: Counter[str] = Counter()
        for label, count in self.faults_by_label(method).items():
            counts[fault_kind(label)] += count
        return counts

    def faulty_share(self) -> float:
        """The share of requests that met at least one fault."""
        return sum(r.fault is not None for r in self.requests) / max(1, len(self.requests))

    def wrong_in_updates(self) -> dict[str, str | None]:
        """Jobs whose terminal update is missing or not their true final status."""
        seen = self.client.final_seen
        return {j: seen.get(j) for j in self.watched if seen.get(j) != self.true_status[j]}

    def wrong_in_store(self) -> dict[str, tuple[str, bool] | None]:
        """Jobs whose stored status is not their true final one, or not marked ended."""
        stored = self.client.stored
        return {
            j: stored.get(j) for j in self.watched if stored.get(j) != (self.true_status[j], True)
        }

    def reported_twice(self) -> list[str]:
        return [j for j, count in self.client.terminal_reports.items() if count > 1]

    def final_body_wrong(self) -> list[str]:
        """Jobs whose terminal update did not carry exactly the server's final answer."""
        return [j for j in self.watched if self.client.final_digest.get(j) != self.true_digest[j]]

    def stored_answer_wrong(self) -> list[str]:
        """Jobs whose stored last answer is not exactly the server's final answer."""
        return [j for j in self.watched if self.client.stored_digest.get(j) != self.true_digest[j]]

    def submit_counts(self) -> Counter[str]:
        """Submits by outcome: ``created``, ``refused``, ``unknown``."""
        return Counter(s.kind for s in self.submits)

    def duplicates(self) -> list[SubmitOutcome]:
        """Submits for which the server created more than one job."""
        return [s for s in self.submits if s.created > 1]

    def peak_rate(self, method: str | None = "GET") -> int:
        """The most requests (of ``method``) in any one emulated second, at the server."""
        times = sorted(r.clock_time for r in self.requests if method in (None, r.method))
        best = start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def sent_during_pauses(self) -> int:
        """GETs that arrived within the wait a 429 had announced (at least ``retry_after``)."""
        gets = self.of("GET")
        times = [r.clock_time for r in gets]
        wait = math.ceil(self.plan.retry_after)
        inside = 0
        for record in gets:
            if record.status == 429:
                first = bisect.bisect_right(times, record.clock_time)
                inside += max(0, bisect.bisect_left(times, record.clock_time + wait) - first)
        return inside


async def run_under_faults(
    plan: FaultPlan,
    state_dir: Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> FaultRun:
    """Run ``plan`` and report what happened. The store goes in ``state_dir`` (default:
    a temporary folder); ``progress`` hears a line at every memory sample."""
    if state_dir is None:
        with tempfile.TemporaryDirectory() as folder:
            return await run_under_faults(plan, Path(folder), progress=progress)
    started = time.perf_counter()
    rng = random.Random(plan.seed)
    with (
        SharedClock.create() as shared,
        RemoteEmulator(
            EmulatorConfig(seed=plan.seed, window=None, max_pending=None), shared
        ) as emulator,
    ):
        planted = emulator.create_jobs(KEY, job_plans(plan.jobs, plan.minutes, rng))
        emulator.set_faults(
            faults_at(
                plan.fault_rate,
                slow_seconds=plan.slow_seconds,
                retry_after=plan.retry_after,
                seed=plan.seed,
            )
        )
        clock = VirtualClock(shared)
        view = ClientView(watched=list(planted))
        try:
            await _watch(plan, emulator, clock, view, rng, state_dir, progress)
        finally:
            await clock.aclose()
        submits = view.submits
        by_url, by_body = emulator.created(
            [s.request.urls[0] for s in submits], [s.request.to_body() for s in submits]
        )
        for outcome, url_count, body_count in zip(submits, by_url, by_body, strict=True):
            outcome.created_by_url, outcome.created_by_body = url_count, body_count
        answers = emulator.answers(view.watched)
        figures = emulator.figures()
        return FaultRun(
            plan=plan,
            client=view,
            true_status=emulator.final_statuses(view.watched),
            true_digest={job_id: digest(body) for job_id, body in answers.items()},
            requests=emulator.requests(),
            gets_after_terminal=figures["gets_after_terminal"],
            peak_in_flight=figures["peak_in_flight"],
            handler_errors=figures["handler_errors"],
            wall_seconds=time.perf_counter() - started,
        )


async def _watch(
    plan: FaultPlan,
    emulator: RemoteEmulator,
    clock: VirtualClock,
    view: ClientView,
    rng: random.Random,
    state_dir: Path,
    progress: Callable[[str], None] | None,
) -> None:
    """The watch itself, in this process; fills ``view``."""
    started = time.perf_counter()
    tracing = plan.trace_memory and not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start(1)
    try:
        with LogTrap() as trap, JobStore.open(state_dir, clock=clock) as store:
            async with SpidraClient(emulator.base_url, Secret(KEY), clock=clock) as client:
                watcher = Watcher(
                    store,
                    client,
                    on_update=view.on_update,
                    interval=plan.interval,
                    max_in_flight=plan.max_in_flight,
                    max_rate=plan.max_rate,
                    clock=clock,
                    rng=random.Random(plan.seed),
                )
                began = clock.monotonic()
                watcher.add(view.watched)
                await watcher.start()

                async def sample() -> None:
                    while True:
                        view.samples.append(sample_memory(clock.monotonic() - began, tracing))
                        if progress is not None:
                            progress(
                                f"{clock.monotonic() - began:6.0f} s emulated: "
                                f"{len(watcher.poller.job_ids)} jobs left, "
                                f"{emulator.figures()['total_requests']} requests"
                            )
                        await clock.sleep(plan.sample_every)

                async def submit_all() -> None:
                    # A user submitting now and then while the watch goes on.
                    gap = plan.minutes * 60.0 * SUBMIT_SPAN / max(1, plan.submits)
                    for n in range(plan.submits):
                        await clock.sleep(rng.uniform(0.5, 1.5) * gap)
                        outcome = SubmitOutcome(submit_request(n))
                        try:
                            outcome.job_id = (await client.submit_scrape(outcome.request)).job_id
                        except SpidraError as error:
                            outcome.error = f"{type(error).__name__}: {error}"
                            outcome.refused = refused(error)
                        view.submits.append(outcome)
                        if outcome.job_id is not None:
                            view.watched.append(outcome.job_id)
                            watcher.add([outcome.job_id])

                sampler = asyncio.create_task(sample(), name="memory samples")
                try:
                    await asyncio.wait_for(submit_all(), plan.timeout)
                    left = plan.timeout - (time.perf_counter() - started)
                    await asyncio.wait_for(watcher.wait_until_done(), max(1.0, left))
                finally:
                    sampler.cancel()
                    await asyncio.gather(sampler, return_exceptions=True)
                    view.unfinished = set(watcher.poller.job_ids)
                    await watcher.stop()
                view.emulated_seconds = clock.monotonic() - began
                view.samples.append(sample_memory(view.emulated_seconds, tracing))
            wanted = set(view.watched)
            view.stored = {
                s.job_id: (s.status, s.terminal) for s in store.list() if s.job_id in wanted
            }
            for job_id in view.watched:
                body = store.load_answer(job_id)
                if body is not None:
                    view.stored_digest[job_id] = digest(body)
            view.store_error = str(watcher.store_error) if watcher.store_error else None
            view.log_records = list(trap.records)
    finally:
        if tracing:
            tracemalloc.stop()
