"""The request budget: learned from the server, shared, spread, and never the cause of a 429."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from poller_support import Recorder

from spidra_tui.api.client import SpidraClient
from spidra_tui.api.ratelimit import Answer, WindowReading
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Script
from spidra_tui.emulator.window import WindowLimit
from spidra_tui.secret import Secret
from spidra_tui.watch.budget import Budget, BudgetView, Priority
from spidra_tui.watch.ledger import FileLedger
from spidra_tui.watch.poller import Poller
from spidra_tui.watch.virtual_time import VirtualClock

KEY = "spd_test_key_0001"


def answer(clock: FakeClock, limit: int, remaining: int, resets_in: float) -> Answer:
    now = clock.wall()
    return Answer("GET", 200, WindowReading(limit, remaining, resets_in), now, now)


# -- the arithmetic, on a fake clock ----------------------------------------------------


def test_assumes_300_per_15_minutes_and_spreads_half_of_it(fake_clock: FakeClock) -> None:
    budget = Budget(clock=fake_clock)
    view = budget.view()
    assert view is not None
    assert (view.limit, view.window, view.allowance, view.left) == (300, 900.0, 150, 150)
    assert "(assumed)" in view.describe()
    assert budget.try_spend(Priority.ROUTINE)
    # Paced: 150 over 900 s is one every 6 s.
    assert budget.next_at(Priority.ROUTINE) == pytest.approx(fake_clock.monotonic() + 6.0)
    assert not budget.try_spend(Priority.ROUTINE)
    assert budget.try_spend(Priority.USER)  # what the user asks for is not paced


def test_learns_the_window_and_paces_what_is_left_over_what_is_left(
    fake_clock: FakeClock,
) -> None:
    budget = Budget(clock=fake_clock, share=0.5)
    budget.try_spend(Priority.USER)
    budget.observe(answer(fake_clock, 60, 59, 180.0))
    view = budget.view()
    assert view is not None
    assert (view.limit, view.allowance, view.left) == (60, 30, 29)
    assert view.describe().startswith("29 of 30 left · 60 per 3 min · resets ")
    # 29 requests left for 180 s: about one every 6.2 s.
    assert budget.rate() == pytest.approx(29 / 180, rel=0.01)


def test_the_servers_remaining_is_the_truth(fake_clock: FakeClock) -> None:
    budget = Budget(clock=fake_clock)
    budget.try_spend(Priority.USER)
    fake_clock.advance(0.5)
    budget.observe(answer(fake_clock, 300, 2, 600.0))  # others spent nearly everything
    assert budget.try_spend(Priority.USER)
    assert budget.try_spend(Priority.USER)
    assert not budget.try_spend(Priority.USER)  # a third would be a 429
    wait = budget.wait_for(Priority.USER)
    assert wait == pytest.approx(601.0, abs=0.01)  # the reset, plus a second's grace
    view = budget.view()
    assert view is not None and view.left == 0 and view.free_at is not None


def test_never_more_than_the_share_of_a_window(fake_clock: FakeClock) -> None:
    budget = Budget(clock=fake_clock, share=0.5)
    budget.observe(answer(fake_clock, 20, 20, 100.0))
    sent = 0
    while budget.try_spend(Priority.USER):
        sent += 1
    assert sent == 10


def test_a_new_window_is_recognised_and_measured(fake_clock: FakeClock) -> None:
    budget = Budget(clock=fake_clock, share=0.5)
    budget.try_spend(Priority.USER)
    budget.observe(answer(fake_clock, 20, 19, 40.0))  # joined a window 20 s old
    fake_clock.advance(41.0)
    budget.try_spend(Priority.USER)
    budget.observe(answer(fake_clock, 20, 19, 60.0))
    view = budget.view()
    assert view is not None
    assert view.window == 60.0
    assert view.left == 9


def test_unlimited_never_waits(fake_clock: FakeClock) -> None:
    budget = Budget.unlimited(fake_clock)
    assert all(budget.try_spend() for _ in range(1000))
    assert budget.view() is None


def test_two_processes_on_one_state_folder_share_one_allowance(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    first = Budget(clock=fake_clock, ledger=FileLedger.open(tmp_path))
    second = Budget(clock=fake_clock, ledger=FileLedger.open(tmp_path))
    first.observe(answer(fake_clock, 40, 40, 300.0))
    spent = 0
    for _ in range(40):
        spent += first.try_spend(Priority.USER)
        spent += second.try_spend(Priority.USER)
    assert spent == 20
    second_view = second.view()
    assert isinstance(second_view, BudgetView)
    assert second_view.limit == 40  # learned from the first process's answer


# -- against the emulator, in virtual time ----------------------------------------------


@pytest.fixture
async def vclock(fake_clock: FakeClock) -> AsyncIterator[VirtualClock]:
    clock = VirtualClock(fake_clock)
    yield clock
    await clock.aclose()


async def neighbour(emulator: Emulator, clock: VirtualClock, every: float, stop: asyncio.Event):
    """Another program at the same address, spending steadily from the same window."""
    assert emulator.base_url is not None
    job_id = emulator.create_job("spd_neighbour_key_1")
    async with SpidraClient(emulator.base_url, Secret("spd_neighbour_key_1"), clock=clock) as c:
        while not stop.is_set():
            with clock.hold():
                try:
                    await c.get_job(job_id, retries=0)
                except Exception:
                    pass  # counted at the server either way
            await clock.sleep(every)


@pytest.mark.parametrize("form", ["timestamp", "seconds"])
async def test_watching_for_many_windows_beside_a_neighbour(
    make_emulator, vclock: VirtualClock, form: str
) -> None:
    # A server whose window is not Spidra's, told only in its headers.
    window = WindowLimit(60, 180.0, form)
    emulator = make_emulator(EmulatorConfig(window=window, max_pending=None), clock=vclock.base)
    ids = [
        emulator.create_job(KEY, script=Script(waiting=5.0, active=60.0 + 45.0 * n))
        for n in range(12)
    ]
    budget = Budget(clock=vclock, share=0.5)
    assert emulator.base_url is not None
    stop = asyncio.Event()
    recorder = Recorder()
    async with SpidraClient(
        emulator.base_url, Secret(KEY), clock=vclock, observer=budget.observe
    ) as client:
        poller = Poller(
            client,
            on_update=recorder.update,
            clock=vclock,
            rng=random.Random(3),
            budget=budget,
        )
        for job_id in ids:
            poller.add(job_id)
        other = asyncio.ensure_future(neighbour(emulator, vclock, 9.0, stop))  # 20 a window
        await poller.start()
        try:
            await asyncio.wait_for(poller.wait_until_done(), 60)
        finally:
            await poller.stop()
            stop.set()
            await other
    records = emulator.stats.requests()
    assert not [r for r in records if r.status == 429]  # neither ours nor the neighbour's
    ours = [r for r in records if r.job_id in set(ids)]
    windows = Counter(int((r.clock_time - records[0].clock_time) // 180) for r in ours)
    assert len(windows) >= 4  # several windows
    assert max(windows.values()) <= 30  # at most half of each window
    assert {u.job_id for u in recorder.updates if u.terminal} == set(ids)
    late = [
        u.polled_at - (emulator.finish_time(u.job_id) + vclock.wall() - vclock.monotonic())
        for u in recorder.updates
        if u.terminal and u.polled_at is not None
    ]
    assert max(late) < 180  # every end seen within a window
