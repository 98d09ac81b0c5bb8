"""Faults: hundreds of jobs watched through about 30% faults of every kind, for many
emulated minutes, while more jobs are submitted through the same faults.

The long run (:mod:`fault_support`) happens once per module; each test checks
one promise against it. Time is virtual and shared with the emulator, which
runs in a process of its own, so the memory measured is the watching side's.
Two short tests follow: the in-flight limit under faults in real time, where
requests can overlap; and a failed first poll after a restart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fault_support import KEY, FaultPlan, FaultRun, LogTrap, faults_at, run_under_faults
from memory_samples import thirds
from waiting import wait_for

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Faults, Script
from spidra_tui.secret import Secret
from spidra_tui.watch.poller import Poller
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.virtual_time import VirtualClock
from spidra_tui.watch.watcher import Watcher

pytestmark = pytest.mark.filterwarnings("error")

PLAN = FaultPlan(jobs=300, submits=100, fault_rate=0.30, minutes=15.0, seed=1)

EVERY_FAULT = {
    "drop",
    *(f"{code}-{form}" for code in (500, 502, 503, 504) for form in ("json", "html")),
    "429-seconds",
    "429-http-date",
    "429-body",
    "html-200",
    "html-502",
    "truncated",
    "slow",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> FaultRun:
    return asyncio.run(run_under_faults(PLAN, tmp_path_factory.mktemp("faults")))


def test_the_run_met_every_fault_kind_for_many_minutes(run: FaultRun) -> None:
    assert 0.25 <= run.faulty_share() <= 0.35
    assert set(run.faults_by_label("GET")) == EVERY_FAULT
    assert len(run.faults_by_label("POST")) >= 6  # submits met faults of many kinds too
    assert run.client.emulated_seconds >= 0.9 * PLAN.minutes * 60
    assert len(run.of("GET")) >= 2000


def test_no_crash_and_nothing_logged(run: FaultRun) -> None:
    assert not run.client.unfinished, "the watch did not end in time"
    messages = [f"{r.name}: {r.getMessage()}" for r in run.client.log_records]
    assert messages == []
    assert run.client.store_error is None
    assert run.handler_errors == []


def test_every_job_ends_in_its_true_state_in_the_updates_and_the_store(run: FaultRun) -> None:
    assert len(run.watched) >= PLAN.jobs + 50  # the planted jobs and the submitted ones
    assert run.wrong_in_updates() == {}
    assert run.wrong_in_store() == {}
    assert run.reported_twice() == []  # each end told once
    # The answer kept is the server's final one, never a cut or substituted body.
    assert run.final_body_wrong() == []
    assert run.stored_answer_wrong() == []
    assert set(run.true_status.values()) == {"completed", "failed"}


def test_no_request_after_a_job_ended_and_the_limits_held(run: FaultRun) -> None:
    assert run.gets_after_terminal == 0
    assert run.peak_rate("GET") <= PLAN.max_rate
    assert run.peak_in_flight <= PLAN.max_in_flight
    limited = [r for r in run.of("GET") if r.status == 429]
    assert len(limited) >= 50
    assert run.sent_during_pauses() == 0  # each 429's Retry-After was honoured, in every form


def test_submits_during_faults_create_no_duplicate(
    run: FaultRun, record_property: Callable[[str, object], None]
) -> None:
    counts = run.submit_counts()
    assert sum(counts.values()) == PLAN.submits
    assert counts["created"] >= 50 and counts["unknown"] >= 1
    assert len(run.of("POST")) > PLAN.submits  # some were retried after a 502 or 503
    assert run.duplicates() == []
    for outcome in run.submits:
        if outcome.kind == "created":
            assert (outcome.created_by_url, outcome.created_by_body) == (1, 1), outcome
        elif outcome.kind == "refused":
            # The server said it took nothing: had an earlier attempt (after a drop
            # or a 504) been retried, a job would exist.
            assert outcome.created == 0, outcome
        else:
            assert outcome.created <= 1, outcome
    unknown = [s for s in run.submits if s.kind == "unknown"]
    record_property("unknown_outcome", len(unknown))
    record_property("unknown_outcome_created", sum(s.created for s in unknown))


def test_memory_stays_flat(run: FaultRun) -> None:
    samples = run.client.samples
    assert len(samples) >= 30
    blocks = thirds(samples, "blocks")
    assert blocks is not None
    first, last = blocks
    assert last <= first * 1.01, f"Python blocks in use grew from {first} to {last}"
    besides_sqlite = thirds(samples, "rss_besides_sqlite")
    assert besides_sqlite is not None
    first, last = besides_sqlite
    assert last - first <= 2 * 2**20, f"RSS less SQLite grew from {first} to {last} bytes"


def test_the_in_flight_limit_holds_under_faults_in_real_time(
    make_emulator: Callable[..., Emulator],
) -> None:
    # Real time, so requests overlap: slow answers take 0.25 s, sent 0.05 s apart.
    # No 429s here: each would pause everything for a whole real second.
    faults = dataclasses.replace(
        faults_at(0.30, slow_seconds=0.25, seed=2), rate_limited=0.0, slow=0.6
    )
    emulator = make_emulator(EmulatorConfig(faults=faults, window=None), clock=SystemClock())
    ids = [emulator.create_job(KEY, script=Script(waiting=0, active=3600)) for _ in range(60)]

    async def watch() -> None:
        assert emulator.base_url is not None
        async with SpidraClient(emulator.base_url, Secret(KEY)) as client:
            poller = Poller(client, on_update=lambda u: None, max_in_flight=3, max_rate=20.0)
            for job_id in ids:
                poller.add(job_id)
            await poller.start()
            # Two seconds' worth at the rate cap, with the in-flight limit reached.
            await wait_for(
                lambda: emulator.stats.total_requests >= 40 and emulator.stats.peak_in_flight >= 3,
                timeout=8,
                what=lambda: (
                    f"40 requests, 3 at once: {emulator.stats.total_requests}, "
                    f"{emulator.stats.peak_in_flight}"
                ),
            )
            await poller.stop()

    started = time.monotonic()
    with LogTrap() as trap:
        asyncio.run(watch())
    assert [r.getMessage() for r in trap.records] == []
    stats = emulator.stats
    assert stats.total_requests >= 40
    assert stats.peak_in_flight == 3  # reached, never exceeded
    assert stats.max_requests_in_window(1.0, real_time=True) <= 20
    assert time.monotonic() - started < 10


async def test_a_failed_first_poll_after_a_restart_keeps_the_remembered_status(
    tmp_path: Path, emulator: Emulator, vclock: VirtualClock
) -> None:
    # What `watch` prints after a crash while the server fails: the job's last known
    # status and progress with the retry, not "unknown".
    job_id = emulator.create_job(KEY, script=Script(waiting=0, active=600))
    clock = vclock
    assert emulator.base_url is not None
    async with SpidraClient(emulator.base_url, Secret(KEY), clock=clock) as client:
        with JobStore.open(tmp_path, clock=clock) as store:
            first = Watcher(store, client, clock=clock)
            first.add([job_id])
            await first.start()
            await clock.sleep(30.0)
            await first.stop()
            remembered = store.get(job_id)
        assert remembered is not None and remembered.status == "active"
        emulator.faults = Faults(server_error=1.0)
        seen: list[JobUpdate] = []
        with JobStore.open(tmp_path, clock=clock) as store:
            second = Watcher(store, client, clock=clock, on_update=seen.append)
            await second.start()
            await clock.sleep(20.0)
            await second.stop()
            stored = store.get(job_id)
            assert stored is not None
            assert (stored.status, stored.fraction, stored.message) == (
                remembered.status,
                remembered.fraction,
                remembered.message,
            )
    assert seen and all(update.retry is not None for update in seen)
    assert {(u.status, u.fraction) for u in seen} == {(remembered.status, remembered.fraction)}
