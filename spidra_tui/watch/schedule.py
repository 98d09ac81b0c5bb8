"""When each watched job is polled next: the policy, apart from the loop that runs it.

The poller keeps one :class:`Track` per job and asks a policy two things: how
long one round of polls may take (the *effective interval*, stretched when the
request budget cannot cover every job at the configured interval) and when a
given job is next due. Two policies exist:

:class:`NewsFirst` (the default) spends requests where news is likely:

- A job waiting in the queue (``waiting``, ``delayed``, ``queued``) is polled
  every 2 effective intervals: nothing changes until a worker takes it.
- An active job whose progress did not move since the last poll is polled every
  1.5 intervals; one that moved, or whose status is anything else, every 1.
- An active job whose progress moved gets a predicted finish time from its
  speed so far, and is polled just after that time if it comes before its
  regular turn (but never sooner than half the configured interval after the
  previous poll). The speed is measured from the first two active answers; with
  only one, from the moment the job was last seen not running (or was added).
- The interval is stretched so that the regular polls of all jobs use at most
  80% of ``max_rate``; the rest is headroom for predicted-finish polls,
  retries and refreshes. So however the budget is spent, every job is still
  polled at least every 2 stretched intervals (plus jitter): no job starves.

:class:`RoundRobin` polls every job every stretched interval, in turn, with
the whole budget. It exists to measure the first against.

Gaps carry a random factor of +-10% so that jobs added together drift apart.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol

from spidra_tui.api.models import Status

QUEUED_STATUSES = frozenset({Status.WAITING, Status.DELAYED, Status.QUEUED})

JITTER = 0.10
WAITING_WEIGHT = 2.0
STALE_WEIGHT = 1.5
RESERVE = 0.2  # share of max_rate NewsFirst keeps free for predicted-finish polls
FINISH_MARGIN = 0.25  # seconds after a predicted finish, so the answer is likely final

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
    weight: float = 1.0  # regular gap, in effective intervals
    idle_since: float | None = None  # last time the job was seen not running
    first_active: tuple[float, float] | None = None  # (time, fraction) of the first active answer
    finish_at: float | None = None  # predicted end, when progress allows a guess
    retry_at: float | None = None  # set while backing off after a passing failure
    backoff: float | None = None  # the last backoff delay, for decorrelated jitter
    failures: int = 0
    urgent: bool = False  # asked to be polled now
    in_flight: bool = False
    version: int = 0  # bumped on every reschedule; older heap entries are stale

    def observe(
        self, status: str, fraction: float | None, moved: bool, now: float, rng: random.Random
    ) -> None:
        """Take in a (non-terminal) answer received at ``now``."""
        if status == Status.ACTIVE:
            if self.first_active is None and fraction is not None:
                self.first_active = (now, fraction)
            self.finish_at = self._predict(fraction, now) if moved else None
        else:
            self.idle_since = now
            self.first_active = None
            self.finish_at = None
        self.status = status
        self.fraction = fraction
        self.moved = moved
        self.last_poll = now
        self.jitter = rng.uniform(1 - JITTER, 1 + JITTER)
        self.retry_at = None
        self.backoff = None
        self.failures = 0
        self.urgent = False

    def _predict(self, fraction: float | None, now: float) -> float | None:
        if fraction is None or fraction >= 1.0:
            return None
        if self.first_active is not None and self.first_active[1] < fraction:
            since, base = self.first_active
        else:
            # One active answer so far: assume progress started from nothing when
            # the job was last seen not running. Too early a guess only costs one
            # extra poll, after which two answers give the real speed.
            since = self.idle_since if self.idle_since is not None else self.added_at
            base = 0.0
        if now <= since or fraction <= base:
            return None
        speed = (fraction - base) / (now - since)
        return now + (1.0 - fraction) / speed


class SchedulePolicy(Protocol):
    """Decides the effective interval and each job's next due time."""

    name: str

    def weight(self, track: Track) -> float:
        """The job's regular gap, in effective intervals."""
        ...

    def effective_interval(self, interval: float, demand: float, jobs: int, max_rate: float) -> float:
        """Seconds one round of polls takes; ``demand`` is the sum of 1/weight."""
        ...

    def due(self, track: Track, effective: float, interval: float) -> float:
        """When ``track`` should next be polled (monotonic)."""
        ...


def _common_due(track: Track) -> float | None:
    if track.urgent:
        return -math.inf
    if track.retry_at is not None:
        return track.retry_at
    if track.last_poll is None:
        return track.first_due
    return None


class NewsFirst:
    """Polls first where news is likely; see the module docstring."""

    name = "news-first"

    def weight(self, track: Track) -> float:
        if track.status in QUEUED_STATUSES:
            return WAITING_WEIGHT
        if track.status == Status.ACTIVE and not track.moved and track.last_poll is not None:
            return STALE_WEIGHT
        return 1.0

    def effective_interval(self, interval: float, demand: float, jobs: int, max_rate: float) -> float:
        return max(interval, demand / (max_rate * (1.0 - RESERVE)))

    def due(self, track: Track, effective: float, interval: float) -> float:
        fixed = _common_due(track)
        if fixed is not None:
            return fixed
        assert track.last_poll is not None
        due = track.last_poll + track.weight * effective * track.jitter
        if track.finish_at is not None:
            soonest = track.last_poll + interval / 2
            due = min(due, max(track.finish_at + FINISH_MARGIN, soonest))
        return due


class RoundRobin:
    """Every job every stretched interval, in turn: the plain baseline."""

    name = "round-robin"

    def weight(self, track: Track) -> float:
        return 1.0

    def effective_interval(self, interval: float, demand: float, jobs: int, max_rate: float) -> float:
        return max(interval, jobs / max_rate)

    def due(self, track: Track, effective: float, interval: float) -> float:
        fixed = _common_due(track)
        if fixed is not None:
            return fixed
        assert track.last_poll is not None
        return track.last_poll + effective * track.jitter


def backoff_delay(previous: float | None, rng: random.Random) -> float:
    """The next wait after a passing failure: decorrelated jitter, capped.

    ``uniform(base, 3 x previous)``: it grows about threefold while failures
    last, never exceeds 60 s, and two jobs failing together drift apart.
    """
    previous = BACKOFF_BASE if previous is None else previous
    return min(BACKOFF_CAP, rng.uniform(BACKOFF_BASE, max(BACKOFF_BASE, previous * 3)))
