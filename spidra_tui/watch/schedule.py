"""When each watched job is polled next: the policy, apart from the loop that runs it.

The poller keeps one :class:`Track` per job and asks a policy two things: how
long one round of polls may take (the *effective interval*, stretched when the
request budget cannot cover every job at the configured interval) and when a
given job is next due. Two policies exist.

Which job gets the next request, when each one is precious (the request budget,
:mod:`spidra_tui.watch.budget`, allows Spidra users 150 of the 300 requests of a
15-minute window by default), strictly in this order among the jobs that are due:

1. what the user asked for: ``r``, and the first look at a job they just added
   (these are not paced by the budget, only kept within it);
2. the job the user is looking at: it also comes round four times as often;
3. a job never seen (remembered from an earlier run);
4. a job predicted to end soon: its poll for the predicted end;
5. the rest, by due time. Jobs that wait in the queue or whose progress stands
   still come round less often (see below); ended jobs are never polled again.

:class:`NewsFirst` (the default) spends requests where news is likely:

- Regular turns: a job waiting in the queue (``waiting``, ``delayed``,
  ``queued``) is polled every 2 configured intervals, an active job whose
  progress did not move since the last poll every 1.5, any other job every 1;
  but never more often than the effective interval allows. The effective
  interval is stretched so that the regular turns of all jobs fit in the rate
  (the lower of R and three quarters of the budget's, leaving room for the polls
  below and for the user's requests).
- An active job whose progress moved gets a predicted end from its speed, and is
  polled just after that time when it comes before its regular turn (never sooner
  than half an interval after the previous poll). A job tends to end before its
  bar reaches the top (Spidra's, like the emulator's, stops near 95%), so the
  prediction aims at 95%, and at 100% once the job is past it. With two readings
  of its progress the speed is measured; with one it is guessed, from the moment
  the job was last seen not running (or was added). Such a guess runs late when
  the job waited before it started, so the next poll comes 70% of the way to it,
  and measures the speed.

:class:`RoundRobin` polls every job every stretched interval, in turn. It exists
to measure the first against (benchmark B3, ``tests/benchmarks/bench_budget.py``).

Gaps carry a random factor of +-10% so that jobs added together drift apart.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from spidra_tui.api.models import Status
from spidra_tui.watch.budget import Priority

QUEUED_STATUSES = frozenset({Status.WAITING, Status.DELAYED, Status.QUEUED})

JITTER = 0.10
QUEUED_TURN = 2.0  # regular turns, in configured intervals
STALE_TURN = 1.5
FINISH_MARGIN = 0.25  # seconds after a predicted finish, so the answer is likely final
LIKELY_END = 0.95  # the progress at which a job is likely to end
CHECK_AT = 0.7  # how far along the way to a guessed finish the guess is checked
# How far (a share of the effective interval) first and predicted-finish polls
# jump the queue of due jobs. Tried against the emulator: a strict priority
# halves the median delay but lets regular turns slip a whole round; a quarter
# keeps most of the gain and the worst case no worse than round robin.
LEAD = 0.25

FOCUS_SHARE = 0.25  # the job on screen comes round four times as often as the rest
# A job is "about to end" (priority SOON) when its next poll is one for its predicted end.

BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0


@dataclass(slots=True)
class Track:
    """What the scheduler remembers about one job between two polls."""

    job_id: str
    status: str
    added_at: float  # monotonic
    first_due: float  # when the job is due if it was never polled
    fraction: float | None = None
    last_poll: float | None = None
    jitter: float = 1.0  # this gap's random factor
    moved: bool = False  # whether the last answer showed progress
    turn: float = 1.0  # regular gap in configured intervals, as the policy said
    idle_since: float | None = None  # last time the job was seen not running
    first_active: tuple[float, float] | None = None  # (time, fraction) of the first reading
    finish_at: float | None = None  # predicted end, when progress allows a guess
    measured: bool = False  # whether finish_at comes from two readings, not a guess
    retry_at: float | None = None  # set while backing off after a passing failure
    backoff: float | None = None  # the last backoff delay, for decorrelated jitter
    failures: int = 0
    urgent: bool = False  # asked to be polled now
    in_flight: bool = False
    version: int = 0  # bumped on every reschedule; older heap entries are stale
    memo: Any = None  # the kind's own poll state (a crawl's page offset)
    user_added: bool = False  # added by the user in this session: its first look is theirs
    focus: bool = False  # the job the user is looking at
    due_at: float | None = None  # when it is next due, as last scheduled
    for_finish: bool = False  # whether that due time is a predicted-finish poll

    @property
    def priority(self) -> Priority:
        """What the request budget should know about this job's next poll."""
        if self.urgent or (self.last_poll is None and self.user_added and self.failures == 0):
            return Priority.USER
        if self.focus:
            return Priority.FOCUS
        if self.last_poll is None:
            return Priority.FIRST
        return Priority.SOON if self.for_finish else Priority.ROUTINE

    @property
    def rank(self) -> int:
        """Among due jobs, lower goes first: what the user asked for, then the job on
        screen, then the rest by due time, where first looks and predicted ends lead by
        a quarter of the effective interval (so no regular turn slips by more)."""
        return min(int(self.priority), int(Priority.FIRST))

    def observe(
        self, status: str, fraction: float | None, moved: bool, now: float, rng: random.Random
    ) -> None:
        """Take in a (non-terminal) answer received at ``now``."""
        self.finish_at = None
        if status == Status.ACTIVE:
            if self.first_active is None and fraction is not None:
                self.first_active = (now, fraction)
            if moved:
                self._predict(fraction, now)
        else:
            self.idle_since = now
            self.first_active = None
        self.status = status
        self.fraction = fraction
        self.moved = moved
        self.last_poll = now
        self.jitter = rng.uniform(1 - JITTER, 1 + JITTER)
        self.retry_at = None
        self.backoff = None
        self.failures = 0
        self.urgent = False

    def _predict(self, fraction: float | None, now: float) -> None:
        if fraction is None or fraction >= 1.0:
            return
        self.measured = self.first_active is not None and self.first_active[1] < fraction
        if self.measured:
            assert self.first_active is not None
            since, base = self.first_active
        else:
            # One reading so far: assume progress grew from nothing since the job
            # was last seen not running (see CHECK_AT for how it is checked).
            since = self.idle_since if self.idle_since is not None else self.added_at
            base = 0.0
        if now > since and fraction > base:
            speed = (fraction - base) / (now - since)
            # A job tends to end before its bar reaches the top: aim where it is likely
            # to end, and at the top once it is past that.
            end = LIKELY_END if fraction < LIKELY_END else 1.0
            self.finish_at = now + (end - fraction) / speed


class Due(NamedTuple):
    """When a job should next be polled (monotonic). Among jobs waiting for a send
    slot, one with a ``lead`` of L seconds goes before those due up to L later."""

    at: float
    lead: float = 0.0


class SchedulePolicy(Protocol):
    """Decides the effective interval and each job's next due time."""

    name: str
    regular_share: float
    """The part of the request budget's rate regular turns are planned to use."""

    def turn(self, track: Track) -> float:
        """The job's regular gap, in configured intervals."""
        ...

    def effective_interval(
        self, interval: float, turns: Mapping[float, int], max_rate: float
    ) -> float:
        """Seconds one round of regular polls takes; ``turns`` counts jobs by turn."""
        ...

    def due(self, track: Track, effective: float, interval: float) -> Due:
        """When ``track`` should next be polled."""
        ...


def _fixed_due(track: Track) -> Due | None:
    if track.urgent:
        return Due(-math.inf)
    if track.retry_at is not None:
        return Due(track.retry_at)
    if track.last_poll is None:
        return Due(track.first_due)
    return None


class NewsFirst:
    """Polls first where news is likely; see the module docstring."""

    name = "news-first"
    # Under a request budget, regular turns are planned on three quarters of its rate:
    # polls for predicted ends then find room instead of queueing behind regular turns
    # that are always due. (Against the emulator, 20 jobs under 300 per 15 minutes:
    # the median delay falls from 0.67 of round robin's to 0.4.)
    regular_share = 0.75

    def turn(self, track: Track) -> float:
        if track.status in QUEUED_STATUSES:
            return QUEUED_TURN
        if track.status == Status.ACTIVE and track.last_poll is not None and not track.moved:
            return STALE_TURN
        return 1.0

    def effective_interval(
        self, interval: float, turns: Mapping[float, int], max_rate: float
    ) -> float:
        budget = max_rate

        def demand(effective: float) -> float:
            return sum(n / max(effective, turn * interval) for turn, n in turns.items())

        if demand(interval) <= budget:
            return interval
        low, high = interval, max(interval, sum(turns.values()) / budget)
        for _ in range(40):  # demand falls as the interval grows: bisect
            middle = (low + high) / 2
            if demand(middle) <= budget:
                high = middle
            else:
                low = middle
        return high

    def due(self, track: Track, effective: float, interval: float) -> Due:
        fixed = _fixed_due(track)
        if fixed is not None:
            if track.last_poll is None and track.retry_at is None and not track.urgent:
                return Due(fixed.at, LEAD * effective)  # a first look: nothing is known yet
            return fixed
        assert track.last_poll is not None
        last = track.last_poll
        span = max(effective, track.turn * interval)
        if track.focus:
            span = max(track.turn * interval, effective * FOCUS_SHARE)
        regular = last + span * track.jitter
        if track.finish_at is None:
            return Due(regular)
        if track.measured:
            target = max(track.finish_at + FINISH_MARGIN, last + interval / 2)
        else:
            target = last + max((track.finish_at - last) * CHECK_AT, interval / 2)
        return Due(target, LEAD * effective) if target < regular else Due(regular)


class RoundRobin:
    """Every job every stretched interval, in turn: the plain baseline."""

    name = "round-robin"
    regular_share = 1.0

    def turn(self, track: Track) -> float:
        return 1.0

    def effective_interval(
        self, interval: float, turns: Mapping[float, int], max_rate: float
    ) -> float:
        return max(interval, sum(turns.values()) / max_rate)

    def due(self, track: Track, effective: float, interval: float) -> Due:
        fixed = _fixed_due(track)
        if fixed is not None:
            return fixed
        assert track.last_poll is not None
        return Due(track.last_poll + effective * track.jitter)


def backoff_delay(previous: float | None, rng: random.Random) -> float:
    """The next wait after a passing failure: decorrelated jitter, capped.

    ``uniform(base, 3 x previous)``: it grows about twofold on average while
    failures last, never exceeds 60 s, and two jobs failing together drift apart.
    """
    previous = BACKOFF_BASE if previous is None else previous
    return min(BACKOFF_CAP, rng.uniform(BACKOFF_BASE, max(BACKOFF_BASE, previous * 3)))
