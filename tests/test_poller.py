"""The poller against the emulator over loopback, on virtual time shared with the server."""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import time
from collections.abc import Callable

import pytest
from poller_support import Recorder, client_for, gets, submit
from waiting import wait_for

from spidra_tui.api.client import ScrapeRequest, SpidraClient
from spidra_tui.clock import SystemClock
from spidra_tui.emulator import Emulator, EmulatorConfig, Faults, Script
from spidra_tui.watch.poller import Poller
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND
from spidra_tui.watch.virtual_time import VirtualClock

pytestmark = pytest.mark.filterwarnings("error")

GOOD_KEY = "spd_test_key_0001"


@pytest.fixture
def emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """The default emulator, without the pending-jobs limit: these tests plant many
    running jobs and submit beside them."""
    return make_emulator(EmulatorConfig(catalogue=False, max_pending=None))


@pytest.fixture
def make_poller(
    client: SpidraClient, vclock: VirtualClock
) -> Callable[..., tuple[Poller, Recorder]]:
    made: list[Poller] = []

    def make(**options: object) -> tuple[Poller, Recorder]:
        recorder = Recorder()
        options.setdefault("rng", random.Random(7))
        poller = Poller(
            options.pop("source", client),  # type: ignore[arg-type]
            on_update=recorder.update,
            on_status=recorder.status,
            clock=vclock,
            **options,  # type: ignore[arg-type]
        )
        made.append(poller)
        return poller, recorder

    return make


async def run_to_end(poller: Poller, timeout: float = 60.0) -> None:
    await poller.start()
    try:
        await asyncio.wait_for(poller.wait_until_done(), timeout)
    finally:
        await poller.stop()


def long_job(emulator: Emulator, *, waiting: float = 0.0, active: float = 10_000.0) -> str:
    return emulator.create_job(GOOD_KEY, script=Script(waiting=waiting, active=active))


async def test_200_jobs_end_in_their_true_state_within_rate_and_concurrency(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]], vclock: VirtualClock
) -> None:
    ids = submit(emulator, GOOD_KEY, 200)
    poller, recorder = make_poller(interval=3.0, max_in_flight=4, max_rate=5.0)
    for job_id in ids:
        assert poller.add(job_id)
    began = vclock.monotonic()
    await run_to_end(poller)
    lasted = vclock.monotonic() - began

    final = recorder.final()
    assert {job_id: final[job_id].status for job_id in ids} == {
        job_id: emulator.final_status(job_id) for job_id in ids
    }
    assert all(final[job_id].job is not None for job_id in ids)  # the store gets the body
    stats = emulator.stats
    assert stats.max_requests_in_window(1.0) <= 5
    assert stats.peak_in_flight <= 4
    assert stats.gets_after_terminal() == 0
    assert all(r.status == 200 for r in gets(emulator))
    # 200 jobs at 5 requests a second: the interval stretched, and the status said so.
    assert max(s.effective_interval for s in recorder.statuses) > 3.0 * 10
    # The status line: only changes, at most four a second, the rate never above R.
    statuses = recorder.statuses
    assert all(a != b for a, b in zip(statuses, statuses[1:], strict=False))
    assert len(statuses) <= 4 * lasted + 2
    assert max(s.rate for s in statuses) <= 5 and statuses[-1].active <= 1


async def test_concurrency_reaches_but_never_exceeds_the_limit(
    make_emulator: Callable[..., Emulator],
) -> None:
    # Real time: requests take 0.1 s at the server, so several overlap.
    emulator = make_emulator(
        EmulatorConfig(time_scale=20.0, faults=Faults(slow=1.0, slow_seconds=0.1), window=None),
        clock=SystemClock(),
    )
    ids = submit(emulator, GOOD_KEY, 30)
    recorder = Recorder()
    async with client_for(emulator, GOOD_KEY) as client:
        poller = Poller(
            client, on_update=recorder.update, interval=1.0, max_in_flight=3, max_rate=40.0
        )
        for job_id in ids:
            poller.add(job_id)
        await run_to_end(poller, timeout=30)
    assert emulator.stats.peak_in_flight == 3
    assert emulator.stats.max_requests_in_window(1.0, real_time=True) <= 40
    assert {u.job_id for u in recorder.updates if u.terminal} == set(ids)


async def test_429_pauses_every_job_until_retry_after(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]]
) -> None:
    # Not the HTTP-date form: the client reads it against the real wall clock.
    forms = ("seconds", "body")
    emulator.faults = Faults(rate_limited=0.08, retry_after=4.0, retry_after_forms=forms)
    ids = submit(emulator, GOOD_KEY, 40)
    poller, recorder = make_poller(max_rate=5.0)
    for job_id in ids:
        poller.add(job_id)
    await run_to_end(poller)

    log = gets(emulator)
    limited = [r for r in log if r.status == 429]
    assert len(limited) >= 3
    for refusal in limited:
        inside = [r for r in log if refusal.clock_time < r.clock_time < refusal.clock_time + 4.0]
        assert inside == [], f"requests during the pause after t={refusal.clock_time}"
    # Resuming after a pause is at the steady rate, never a burst.
    assert emulator.stats.max_requests_in_window(1.0) <= 5
    pauses = [s for s in recorder.statuses if s.paused == "rate_limited"]
    assert pauses and all(s.resume_at is not None for s in pauses)
    assert {u.job_id: u.status for u in recorder.final().values()} == {
        job_id: emulator.final_status(job_id) for job_id in ids
    }


async def test_401_stops_everything_after_one_request_and_resume_restarts(
    make_emulator: Callable[..., Emulator], vclock: VirtualClock
) -> None:
    emulator = make_emulator(EmulatorConfig(keys=frozenset({GOOD_KEY})))
    ids = submit(emulator, GOOD_KEY, 20)
    recorder = Recorder()
    async with (
        client_for(emulator, "spd_wrong_key_000") as bad,
        client_for(emulator, GOOD_KEY, vclock) as good,
    ):
        poller = Poller(bad, on_update=recorder.update, on_status=recorder.status, clock=vclock)
        for job_id in ids:
            poller.add(job_id)
        await poller.start()
        await asyncio.wait_for(recorder.paused.wait(), 10)
        await vclock.sleep(120.0)  # two minutes later, still nothing sent

        assert [r.status for r in gets(emulator)] == [401]
        pairs = zip([None, *recorder.statuses], recorder.statuses, strict=False)
        auth = [s for before, s in pairs if s.paused == "auth" and before.paused != "auth"]
        assert len(auth) == 1  # told once, when polling stopped
        assert auth[0].message == "Invalid or missing API key"
        assert recorder.updates == []

        poller.source = good
        poller.resume()
        await asyncio.wait_for(poller.wait_until_done(), 60)
        await poller.stop()
    assert [r.status for r in gets(emulator)].count(401) == 1
    assert set(recorder.final()) == set(ids)


async def test_a_bad_key_costs_one_401_even_with_requests_overlapping(
    make_emulator: Callable[..., Emulator],
) -> None:
    # Real time and slow answers: without a single first request, four would overlap.
    emulator = make_emulator(
        EmulatorConfig(keys=frozenset({GOOD_KEY}), faults=Faults(slow=1.0, slow_seconds=0.2)),
        clock=SystemClock(),
    )
    ids = submit(emulator, GOOD_KEY, 10)
    recorder = Recorder()
    async with client_for(emulator, "spd_wrong_key_000") as bad:
        poller = Poller(bad, on_update=recorder.update, on_status=recorder.status, max_rate=20.0)
        for job_id in ids:
            poller.add(job_id)
        await poller.start()
        await asyncio.wait_for(recorder.paused.wait(), 10)
        # Any request sent beside the first reached the server long before the first
        # answer (each takes 0.2 s): once none is open there, all are on record.
        await wait_for(lambda: emulator.stats.in_flight == 0, what="the server to answer all")
        await poller.stop()
    assert [r.status for r in gets(emulator)] == [401]


async def test_a_key_revoked_midway_costs_one_401(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]], vclock: VirtualClock
) -> None:
    ids = [long_job(emulator) for _ in range(10)]
    poller, recorder = make_poller(max_in_flight=4)
    for job_id in ids:
        poller.add(job_id)
    await poller.start()
    await vclock.sleep(30.0)
    emulator.revoke_key(GOOD_KEY)
    await asyncio.wait_for(recorder.paused.wait(), 10)
    await vclock.sleep(60.0)
    await poller.stop()
    statuses = [r.status for r in gets(emulator)]
    assert statuses.count(401) == 1 and statuses[-1] == 401
    assert poller.status.paused == "auth"
    assert poller.status.message == "API key has been revoked"


async def test_transient_failures_back_off_exponentially_with_jitter_and_reset(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]], vclock: VirtualClock
) -> None:
    job_id = long_job(emulator)
    emulator.faults = Faults(server_error=1.0, error_codes=(503,), html_errors=0.0, retry_after=0)
    poller, recorder = make_poller(interval=3.0)
    poller.add(job_id)
    await poller.start()
    await vclock.sleep(600.0)

    retries = [u.retry for u in recorder.updates if u.retry is not None]
    delays = [r.delay for r in retries]
    assert [r.attempt for r in retries] == list(range(1, len(retries) + 1))
    assert all(1.0 <= d <= 60.0 for d in delays)
    assert all(b <= 3 * a for a, b in zip(delays, delays[1:], strict=False))
    # Grows (decorrelated jitter: in the mean, not at every step) up to the cap.
    assert max(delays[:3]) <= 27 and statistics.mean(delays[5:]) > 2 * statistics.mean(delays[:3])
    assert delays.count(60.0) >= 2
    below_cap = [d for d in delays if d < 60.0]
    assert len(set(below_cap)) == len(below_cap)  # jittered: no two waits alike
    assert retries[0].reason == "server error 503"
    # The server saw the retries at exactly the announced times.
    times = [r.clock_time for r in gets(emulator)]
    for retry, sent in zip(retries, times[1:], strict=False):
        assert sent == pytest.approx(retry.retry_at)

    emulator.faults = Faults()
    await vclock.sleep(61.0)
    assert recorder.updates[-1].retry is None  # the retry notice is cleared
    emulator.faults = Faults(server_error=1.0, error_codes=(502,), html_errors=1.0)
    count = len(recorder.updates)
    await vclock.sleep(30.0)
    await poller.stop()
    after = [u.retry for u in recorder.updates[count:] if u.retry is not None]
    assert after[0].attempt == 1 and after[0].delay <= 3.0  # reset by the success
    assert after[0].reason == "server error 502"


async def test_404_and_403_end_the_job_with_the_servers_message(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]], other_key: str
) -> None:
    foreign = emulator.create_job(other_key, script=Script(waiting=0, active=100))
    missing = "00000000-0000-4000-8000-000000000000"
    poller, recorder = make_poller()
    poller.add(foreign)
    poller.add(missing)
    await run_to_end(poller)
    final = recorder.final()
    assert (final[missing].status, final[missing].error) == (NOT_FOUND, "Scrape not found")
    assert final[foreign].status == FORBIDDEN
    assert final[foreign].error == "You do not have permission to access this job."
    assert emulator.stats.gets_for(missing) == emulator.stats.gets_for(foreign) == 1


async def test_updates_only_on_visible_change(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]], vclock: VirtualClock
) -> None:
    job_id = long_job(emulator, waiting=300.0, active=5.0)
    poller, recorder = make_poller(interval=3.0)
    poller.add(job_id)
    await poller.start()
    await vclock.sleep(100.0)
    assert emulator.stats.gets_for(job_id) > 10
    assert [u.status for u in recorder.updates] == ["waiting"]  # the same answer, told once

    emulator.faults = Faults(drop=1.0)
    await vclock.sleep(10.0)
    emulator.faults = Faults()
    await asyncio.wait_for(poller.wait_until_done(), 30)
    await poller.stop()
    retries = [u for u in recorder.updates if u.retry is not None]
    assert retries and all(u.retry.reason.startswith("network error") for u in retries)
    assert all(u.status == "waiting" and u.job is None for u in retries)
    cleared = recorder.updates[len(retries) + 1]
    assert cleared.retry is None and cleared.job is not None
    last = recorder.updates[-1]
    assert last.terminal and last.status == "completed"
    assert last.job is not None and last.job.raw == emulator.answer(job_id)
    # Each reported change differs from the one before it.
    seen = [(u.status, u.fraction, u.message, u.retry) for u in recorder.updates]
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False))


async def test_ended_jobs_are_never_requested_again(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]], vclock: VirtualClock
) -> None:
    done = emulator.create_job(GOOD_KEY)  # already completed
    running = long_job(emulator)
    poller, recorder = make_poller()
    assert not poller.add("remembered-as-done", status="completed")
    poller.add(done)
    poller.add(running)
    await poller.start()
    await vclock.sleep(30.0)
    poller.refresh(done)
    poller.refresh()
    await vclock.sleep(30.0)
    await poller.stop()
    assert emulator.stats.gets_for(done) == 1
    assert emulator.stats.gets_for("remembered-as-done") == 0
    assert emulator.stats.gets_after_terminal() == 0
    assert poller.job_ids == {running}


async def test_refresh_and_pause_respect_the_limits(
    emulator: Emulator, make_poller: Callable[..., tuple[Poller, Recorder]], vclock: VirtualClock
) -> None:
    ids = [long_job(emulator) for _ in range(30)]
    poller, recorder = make_poller(max_rate=2.0, interval=10.0)
    for job_id in ids:
        poller.add(job_id)
    await poller.start()
    await vclock.sleep(40.0)
    poller.refresh()
    await vclock.sleep(5.0)
    poller.pause()
    paused_at = vclock.monotonic()
    await vclock.sleep(50.0)
    poller.resume()
    await vclock.sleep(20.0)
    await poller.stop()
    log = gets(emulator)
    assert emulator.stats.max_requests_in_window(1.0) <= 2
    assert not [r for r in log if paused_at < r.clock_time < paused_at + 50.0]
    assert any(s.paused == "user" for s in recorder.statuses)


async def test_stop_cancels_requests_in_flight_and_leaves_nothing_running(
    make_emulator: Callable[..., Emulator], vclock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = make_emulator(EmulatorConfig(faults=Faults(slow=1.0, slow_seconds=5.0)))
    ids = submit(emulator, GOOD_KEY, 5)
    caplog.set_level(logging.DEBUG, logger="asyncio")
    async with client_for(emulator, GOOD_KEY, vclock) as client:
        poller = Poller(client, on_update=lambda u: None, clock=vclock)
        for job_id in ids:
            poller.add(job_id)
        await poller.start()
        await wait_for(lambda: emulator.stats.in_flight, timeout=5, what="a request in flight")
        assert emulator.stats.in_flight == 1
        started = time.monotonic()
        await poller.stop()
        assert time.monotonic() - started < 1.0  # cancelled, not waited out
        await poller.stop()  # twice is fine
    await vclock.aclose()
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_submit_beside_the_polls_takes_a_slot_within_the_rate(
    emulator: Emulator,
    make_poller: Callable[..., tuple[Poller, Recorder]],
    client: SpidraClient,
    vclock: VirtualClock,
) -> None:
    ids = [long_job(emulator) for _ in range(60)]  # enough to keep every send slot busy
    poller, _ = make_poller(interval=3.0, max_in_flight=4, max_rate=5.0)
    for job_id in ids:
        poller.add(job_id)
    await poller.start()
    try:
        await vclock.sleep(5.0)
        for n in range(4):
            await poller.take_slot()
            with vclock.hold():  # the POST takes no virtual time, as the poller's GETs
                await client.submit_scrape(ScrapeRequest(urls=(f"https://example.com/{n}",)))
            await vclock.sleep(1.3)
        await vclock.sleep(3.0)
    finally:
        await poller.stop()
    stats = emulator.stats
    assert sum(1 for r in stats.requests() if r.method == "POST") == 4
    assert stats.max_requests_in_window(1.0) <= 5  # the POSTs counted with the GETs
