"""The schedule policy and the rate pieces on their own, and the budget they share out."""

from __future__ import annotations

import random
import statistics

import pytest
from poller_support import InProcessSource, gaps_by_job

from spidra_tui.emulator import Emulator, Script
from spidra_tui.watch.poller import Poller
from spidra_tui.watch.ratelimit import ServerPause, Spacer
from spidra_tui.watch.schedule import (
    BACKOFF_CAP,
    NewsFirst,
    RoundRobin,
    Track,
    backoff_delay,
)
from spidra_tui.watch.virtual_time import VirtualClock

KEY = "spd_test_key_0001"


def polled(status: str, fraction: float | None, *, at: float = 100.0, moved: bool = True) -> Track:
    track = Track("job", "unknown", added_at=0.0, first_due=0.0)
    track.observe(status, fraction, moved, at, random.Random(1))
    track.jitter = 1.0
    track.turn = NewsFirst().turn(track)
    return track


def test_a_job_near_its_end_is_due_before_a_waiting_one() -> None:
    policy = NewsFirst()
    waiting = polled("waiting", 0.0)
    nearly_done = polled("active", 0.9)  # 90% in 100 s: about 11 s to go
    assert policy.due(nearly_done, 30.0, 3.0).at < policy.due(waiting, 30.0, 3.0).at
    assert policy.due(nearly_done, 30.0, 3.0).lead > 0  # and goes first among the due


def test_a_job_that_moved_is_due_before_a_stale_one() -> None:
    policy = NewsFirst()
    moving = polled("active", 0.3, moved=True)
    stale = polled("active", 0.3, moved=False)
    moving.finish_at = None  # compare the regular turns alone
    assert policy.due(moving, 3.0, 3.0).at < policy.due(stale, 3.0, 3.0).at


def test_two_readings_give_the_finish_time() -> None:
    track = Track("job", "unknown", added_at=0.0, first_due=0.0)
    rng = random.Random(1)
    track.observe("waiting", 0.0, True, 10.0, rng)
    track.observe("active", 0.2, True, 20.0, rng)  # guessed: started at 10 s
    # 0.02 a second: at 95%, where a job's bar tends to stop, at 57.5 s.
    assert not track.measured and track.finish_at == pytest.approx(57.5)
    due = NewsFirst().due(track, 100.0, 3.0)
    assert due.at == pytest.approx(46.25)  # 70% of the way to the guess, to check it
    track.observe("active", 0.5, True, 30.0, rng)  # 0.3 in 10 s: at 95% at 45 s
    assert track.measured and track.finish_at == pytest.approx(30 + 0.45 / 0.03)
    track.observe("active", 0.96, True, 46.0, rng)  # past 95%: now aimed at the top
    speed = (0.96 - 0.2) / (46 - 20)  # from the first reading while active
    assert track.finish_at == pytest.approx(46 + 0.04 / speed)
    assert NewsFirst().due(track, 100.0, 3.0).at == pytest.approx(track.finish_at + 0.25)


def test_the_interval_stretches_to_the_budget() -> None:
    policy = NewsFirst()
    assert policy.effective_interval(3.0, {1.0: 10}, 5.0) == 3.0  # 10 jobs fit
    assert policy.effective_interval(3.0, {1.0: 100}, 5.0) == pytest.approx(20.0)
    # Jobs waiting in the queue ask for less while their own turn is the longer one.
    mixed = policy.effective_interval(3.0, {1.0: 20, 2.0: 20}, 8.0)
    assert mixed == pytest.approx(20 / (8 - 20 / 6))
    assert mixed < policy.effective_interval(3.0, {1.0: 40}, 8.0) == pytest.approx(5.0)
    assert RoundRobin().effective_interval(3.0, {1.0: 100}, 5.0) == pytest.approx(20.0)


def test_backoff_is_decorrelated_capped_and_starts_small() -> None:
    rng = random.Random(3)
    delays: list[float] = []
    previous = None
    for _ in range(200):
        previous = backoff_delay(previous, rng)
        delays.append(previous)
    assert all(1.0 <= d <= BACKOFF_CAP for d in delays)
    assert all(b <= max(3 * a, 1.0) for a, b in zip(delays, delays[1:], strict=False))
    assert max(backoff_delay(None, random.Random(seed)) for seed in range(50)) <= 3.0


def test_spacer_spaces_sends_and_counts_the_last_second() -> None:
    spacer = Spacer(5.0)
    spacer.sent(10.0)
    assert 10.2 < spacer.next_at() <= 10.22 + 1e-9
    for t in (10.22, 10.44, 10.66):
        spacer.sent(t)
    assert spacer.recent(10.9) == 4
    assert spacer.recent(11.3) == 2


def test_server_pause_default_grows_and_retry_after_is_honoured() -> None:
    pause = ServerPause()
    pause.hit(0.0, sent_at=-0.1, retry_after=None, message="slow down")
    assert pause.until == 10.0
    pause.hit(0.1, sent_at=-0.05, retry_after=None, message="slow down")  # same burst
    assert pause.until == 10.1
    pause.hit(10.5, sent_at=10.2, retry_after=None, message="slow down")
    assert pause.until == 30.5
    pause.succeeded()
    pause.hit(40.0, sent_at=39.9, retry_after=7.0, message="slow down")
    assert pause.until == 47.0 and pause.active(46.9) and not pause.active(47.0)


async def run_mix(
    emulator: Emulator, clock: VirtualClock, policy: NewsFirst | RoundRobin
) -> tuple[list[str], InProcessSource, list[tuple[float, float]]]:
    """120 jobs at 4 requests a second for 400 s: a third waiting all along, a third
    working all along, a third ending one after another from 30 s on."""
    ids = []
    for n in range(120):
        script = [
            Script(waiting=10_000, active=1),
            Script(waiting=0, active=10_000),
            Script(waiting=0, active=30 + n),
        ][n % 3]
        ids.append(emulator.create_job(KEY, script=script))
    source = InProcessSource(emulator, clock.monotonic)
    stretch: list[tuple[float, float]] = []
    poller = Poller(
        source,
        on_update=lambda u: None,
        on_status=lambda s: stretch.append((clock.monotonic(), s.effective_interval)),
        interval=3.0,
        max_rate=4.0,
        clock=clock,
        rng=random.Random(5),
        policy=policy,
    )
    for job_id in ids:
        poller.add(job_id)
    await poller.start()
    await clock.sleep(400.0)
    await poller.stop()
    return ids, source, stretch


def seen_ending(emulator: Emulator, ids: list[str], source: InProcessSource) -> list[float]:
    """Seconds from each ending job's end to the poll that saw it."""
    last = {job_id: when for when, job_id in sorted(source.calls)}
    return [last[job_id] - emulator.finish_time(job_id) for job_id in ids[2::3]]


@pytest.mark.parametrize("policy", [NewsFirst(), RoundRobin()], ids=lambda p: p.name)
async def test_no_job_starves_when_the_budget_is_short(
    emulator: Emulator, vclock: VirtualClock, policy: NewsFirst | RoundRobin
) -> None:
    ids, source, stretch = await run_mix(emulator, vclock, policy)
    assert min(e for _, e in stretch) > 3.0  # stretched all along

    def stretched_at(moment: float) -> float:
        return [e for t, e in stretch if t <= moment][-1]

    gaps = gaps_by_job(source.calls)
    starts: dict[str, list[float]] = {}
    for when, job_id in sorted(source.calls):
        starts.setdefault(job_id, []).append(when)
    assert set(gaps) == set(ids)
    for job_id, job_gaps in gaps.items():
        for start, gap in zip(starts[job_id], job_gaps, strict=False):
            # At most one stretched interval (plus jitter, plus some send slots of queue:
            # polls aimed at predicted ends come often, and go a little ahead).
            assert gap <= stretched_at(start) * 1.1 + 4.0, (job_id, start, gap)
    times = sorted(t for t, _ in source.calls)
    assert all(b - a >= 1 / 4.0 for a, b in zip(times, times[1:], strict=False))
    assert all(delay >= 0 for delay in seen_ending(emulator, ids, source))


async def test_news_first_sees_endings_sooner_than_round_robin(
    emulator: Emulator, vclock: VirtualClock
) -> None:
    ids, source, _ = await run_mix(emulator, vclock, RoundRobin())
    plain = statistics.median(seen_ending(emulator, ids, source))
    plain_requests = len(source.calls)
    ids, source, _ = await run_mix(emulator, vclock, NewsFirst())
    news = statistics.median(seen_ending(emulator, ids, source))
    assert news < plain / 2
    assert len(source.calls) <= plain_requests * 1.05  # from the same budget
