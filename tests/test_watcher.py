"""The Watcher: polling written to the store, and a restart that picks up where it stopped."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from poller_support import Recorder, gets

from spidra_tui.api.client import SpidraClient
from spidra_tui.emulator import Emulator, Script
from spidra_tui.watch.state import JobUpdate
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.virtual_time import VirtualClock
from spidra_tui.watch.watcher import Watcher

pytestmark = pytest.mark.filterwarnings("error")

KEY = "spd_test_key_0001"


def watcher_for(
    store: JobStore, client: SpidraClient, clock: VirtualClock, **kw: object
) -> Watcher:
    return Watcher(store, client, clock=clock, rng=random.Random(3), **kw)  # type: ignore[arg-type]


async def test_a_restart_resumes_only_the_jobs_still_running(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    quick = [emulator.create_job(KEY, script=Script(waiting=0, active=5)) for _ in range(6)]
    slow = [emulator.create_job(KEY, script=Script(waiting=0, active=120)) for _ in range(4)]
    with JobStore.open(tmp_path, clock=vclock) as store:
        first = watcher_for(store, client, vclock)
        assert first.add(quick + slow, {quick[0]: "the first"}) == quick + slow
        await first.start()
        await vclock.sleep(40.0)
        await first.stop()
        assert store.active_ids() == set(slow)
        assert store.get(quick[0]).label == "the first"  # type: ignore[union-attr]
        assert all(store.load_answer(job_id) == emulator.answer(job_id) for job_id in quick)

    emulator.reset_stats()
    recorder = Recorder()
    with JobStore.open(tmp_path, clock=vclock) as store:
        second = watcher_for(store, client, vclock, on_update=recorder.update)
        summaries = await second.start()
        assert {s.job_id for s in summaries} == set(quick + slow)
        await asyncio.wait_for(second.wait_until_done(), 30)
        await second.stop()
        assert store.active_ids() == set()
        assert {s.status for s in store.list()} == {"completed"}
    assert {r.job_id for r in gets(emulator)} == set(slow)  # ended jobs cost nothing
    assert emulator.stats.gets_after_terminal() == 0
    assert set(recorder.final()) == set(slow)


async def test_each_update_is_stored_before_the_callbacks_hear_of_it(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    ids = [emulator.create_job(KEY, script=Script(waiting=2, active=6)) for _ in range(12)]
    with JobStore.open(tmp_path, clock=vclock) as store:
        batches: list[int] = []
        record_many = store.record_many

        def counting(updates: list[JobUpdate]) -> None:
            batches.append(len(updates))
            record_many(updates)

        store.record_many = counting  # type: ignore[method-assign]
        checked: list[str] = []

        def on_update(update: JobUpdate) -> None:
            stored = store.get(update.job_id)
            assert stored is not None and stored.status == update.status
            checked.append(update.job_id)

        watcher = watcher_for(store, client, vclock, on_update=on_update, max_rate=5.0)
        watcher.add(ids)
        await watcher.start()
        await asyncio.wait_for(watcher.wait_until_done(), 30)
        await watcher.stop()
    assert set(checked) == set(ids)
    assert sum(batches) == len(checked)


async def test_removed_jobs_stop_polling_and_are_forgotten(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, vclock: VirtualClock
) -> None:
    keep, drop = (emulator.create_job(KEY, script=Script(waiting=0, active=60)) for _ in range(2))
    with JobStore.open(tmp_path, clock=vclock) as store:
        watcher = watcher_for(store, client, vclock)
        watcher.add([keep, drop])
        await watcher.start()
        await vclock.sleep(10.0)
        polled = emulator.stats.gets_for(drop)
        assert watcher.remove([drop]) == 1
        await vclock.sleep(30.0)
        watcher.pause()
        assert watcher.status.paused == "user"
        watcher.resume()
        await asyncio.wait_for(watcher.wait_until_done(), 30)
        await watcher.stop()
        assert store.ids() == {keep}
    assert emulator.stats.gets_for(drop) == polled
