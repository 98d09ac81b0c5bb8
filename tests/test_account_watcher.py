"""The AccountWatcher against the emulator, on virtual time: within the budget, following."""

from __future__ import annotations

import asyncio

import pytest
from account_support import ManualClock
from poller_support import client_for
from waiting import wait_for

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, Faults, Script
from spidra_tui.watch.account import AccountWatcher
from spidra_tui.watch.poller import Poller
from spidra_tui.watch.virtual_time import VirtualClock

KEY = "spd_test_key_0001"


def hits(emulator: Emulator, path: str) -> list[float]:
    return [r.clock_time for r in emulator.stats.requests() if r.path == "/api" + path]


async def test_follow_finds_new_batches_and_crawls_at_most_once_a_minute(
    emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    old = emulator.plant_batch(KEY, status="running")
    found: list[tuple[str, str]] = []
    poller = Poller(client, on_update=lambda update: None, clock=vclock, max_rate=1.0)
    watcher = AccountWatcher(
        client,
        poller.take_slot,
        clock=vclock,
        follow=True,
        lists_every=10.0,  # asked for less than a minute: a minute it is
        on_found=lambda kind, row: found.append((kind, row.uuid if kind == "batch" else row.id)),
    )
    await watcher.start()
    try:
        await wait_for(lambda: watcher.state.crawls.at is not None)
        assert found == []  # what ran before following began is not "new"
        new_batch = emulator.plant_batch(KEY, status="running")
        emulator.plant_batch(KEY, status="completed")  # ended: nothing to watch
        new_crawl = emulator.plant_crawl(KEY, status="running")
        await wait_for(lambda: len(found) == 2)
        assert sorted(found) == sorted([("batch", new_batch), ("crawl", new_crawl)])
        assert old not in [row_id for _kind, row_id in found]
        await wait_for(lambda: len(hits(emulator, "/batch/scrape")) >= 4)
    finally:
        await watcher.stop()
    batch_times = hits(emulator, "/batch/scrape")
    assert all(b - a >= 60.0 - 1e-6 for a, b in zip(batch_times, batch_times[1:], strict=False))
    assert emulator.stats.max_requests_in_window(1.0 / 1.1) == 1  # the poller's spacing held


async def test_credits_every_ten_minutes_and_soon_after_a_job_ends(
    emulator: Emulator, fake_clock: FakeClock
) -> None:
    clock = ManualClock(fake_clock)
    emulator.set_credits(KEY, limit=100, plan="Pro")
    job = emulator.create_job(KEY, script=Script(waiting=0.0, active=5.0))
    async with client_for(emulator, KEY, clock) as client:
        poller = Poller(client, on_update=lambda update: None, clock=clock)
        watcher = AccountWatcher(client, poller.take_slot, clock=clock)
        await watcher.start()
        try:
            await wait_for(lambda: watcher.state.account.at is not None)
            assert watcher.state.account.value.remaining == 99  # held by the running job
            assert watcher.state.account.value.plan == "Pro"
            await wait_for(clock.sleeping)
            clock.advance(599.0)
            clock.advance(1.0)
            await wait_for(lambda: len(hits(emulator, "/account")) == 2)
            assert emulator.status_at(job) in ("completed", "failed")
            watcher.job_ended()
            watcher.job_ended()  # two jobs ending together cost one request
            await wait_for(clock.sleeping)
            clock.advance(29.0)
            clock.advance(1.0)
            await wait_for(lambda: len(hits(emulator, "/account")) == 3)
            times = hits(emulator, "/account")
            assert [t - times[0] for t in times] == [0.0, 600.0, 630.0]
            remaining = watcher.state.account.value.remaining
            assert remaining == (99 if emulator.final_status(job) == "completed" else 100)
        finally:
            await watcher.stop()
    assert not watcher.follow and hits(emulator, "/batch/scrape") == []


async def test_errors_become_states_and_a_429_holds_every_account_request(
    emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    poller = Poller(client, on_update=lambda update: None, clock=vclock)
    watcher = AccountWatcher(client, poller.take_slot, clock=vclock)
    emulator.faults = Faults(rate_limited=1.0, retry_after=40, retry_after_forms=("seconds",))
    first = await watcher.load_usage("7d")
    assert first.value is None and "Too many requests" in (first.error or "")
    emulator.faults = Faults()
    before = vclock.monotonic()
    second = await watcher.load_usage("7d")
    assert second.error is None and len(second.value.days) == 7
    assert vclock.monotonic() - before >= 39.0
    assert len(hits(emulator, "/usage-stats")) == 2  # sent once each: no hidden retries
    emulator.account_shape = "bare"
    emulator.faults = Faults(non_json=1.0, non_json_kinds=("html-200",))
    third = await watcher.load_usage("7d")
    assert third.value == second.value and third.error and third.error_at >= third.at
    assert watcher.state.requests == 3


async def test_a_server_pause_of_the_job_watcher_holds_account_requests(
    emulator: Emulator, fake_clock: FakeClock
) -> None:
    clock = ManualClock(fake_clock)
    pause_ends = [clock.monotonic() + 100.0]
    async with client_for(emulator, KEY, clock) as client:
        poller = Poller(client, on_update=lambda update: None, clock=clock)
        watcher = AccountWatcher(
            client, poller.take_slot, clock=clock, held_until=lambda: pause_ends[0]
        )
        task = asyncio.create_task(watcher.load_usage("7d"))
        await wait_for(clock.sleeping)
        clock.advance(99.0)
        await wait_for(clock.sleeping)
        assert hits(emulator, "/usage-stats") == []  # still paused: nothing sent
        clock.advance(1.0)
        fetched = await asyncio.wait_for(task, 10)
    assert fetched.error is None and len(hits(emulator, "/usage-stats")) == 1
    assert hits(emulator, "/usage-stats")[0] - (pause_ends[0] - 100.0) == pytest.approx(100.0)
