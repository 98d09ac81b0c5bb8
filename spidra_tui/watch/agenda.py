"""The poller's agenda: the jobs being polled and when each one is due."""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Iterator

from spidra_tui.watch.schedule import SchedulePolicy, Track

REPLAN_DRIFT = 0.1  # re-plan every due time when the effective interval moves by 10%


class Agenda:
    """Tracks by job ID, in two queues: a timeline of jobs not yet due (by due
    time) and the jobs already due, waiting for a send slot (by rank: what the
    user asked for, then the job on screen, then the rest; within a rank by due
    time minus their lead, see :class:`spidra_tui.watch.schedule.Due`).

    A track is rescheduled by pushing a new entry with a new version; older
    entries are skipped when they surface, which keeps every change O(log n).
    """

    def __init__(self, policy: SchedulePolicy, interval: float, max_rate: float) -> None:
        self.policy = policy
        self.interval = interval
        self.max_rate = max_rate
        self.effective = interval  # seconds between two regular turns of one job
        self._tracks: dict[str, Track] = {}
        self._timeline: list[tuple[float, int, int, str, float]] = []
        self._ready: list[tuple[int, float, int, int, str]] = []
        self._seq = itertools.count()
        self._turns: Counter[float] = Counter()  # jobs by regular turn, for the stretch
        self._planned_with = interval

    def __len__(self) -> int:
        return len(self._tracks)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._tracks

    def __iter__(self) -> Iterator[Track]:
        return iter(list(self._tracks.values()))

    def get(self, job_id: str) -> Track | None:
        return self._tracks.get(job_id)

    def ids(self) -> frozenset[str]:
        return frozenset(self._tracks)

    # -- membership -------------------------------------------------------------

    def add(self, track: Track) -> None:
        """Put a new track on the agenda."""
        track.turn = self.policy.turn(track)
        self._turns[track.turn] += 1
        self._tracks[track.job_id] = track
        self._replan()
        self.schedule(track)

    def drop(self, track: Track) -> bool:
        """Take ``track`` off the agenda; False if it was not on it."""
        if self._tracks.get(track.job_id) is not track:
            return False
        del self._tracks[track.job_id]
        track.version += 1  # its queue entries are stale now
        self._turns[track.turn] -= 1
        self._replan()
        return True

    def holds(self, track: Track) -> bool:
        """Whether ``track`` is (still) the one on the agenda for its job."""
        return self._tracks.get(track.job_id) is track

    # -- timing -----------------------------------------------------------------

    def set_rate(self, max_rate: float) -> None:
        """Requests a second all regular turns must fit in (the budget's, when lower)."""
        if max_rate != self.max_rate:
            self.max_rate = max_rate
            self._replan()

    def schedule(self, track: Track) -> None:
        """(Re)compute when ``track`` is due; a track in flight is queued when it lands."""
        track.version += 1
        if not track.in_flight:
            due, lead = self.policy.due(track, self.effective, self.interval)
            track.due_at = due
            track.for_finish = lead > 0 and track.last_poll is not None
            entry = (due, next(self._seq), track.version, track.job_id, lead)
            heapq.heappush(self._timeline, entry)

    def retime(self, track: Track) -> None:
        """Take in a change of the track's regular turn, then reschedule it."""
        turn = self.policy.turn(track)
        if turn != track.turn:
            self._turns[track.turn] -= 1
            self._turns[turn] += 1
            track.turn = turn
            self._replan()
        self.schedule(track)

    def _replan(self) -> None:
        """Recompute the effective interval; re-plan all due times if it moved much."""
        self._turns = +self._turns  # drop zero counts
        self.effective = self.policy.effective_interval(self.interval, self._turns, self.max_rate)
        if abs(self.effective - self._planned_with) > REPLAN_DRIFT * self._planned_with:
            self._planned_with = self.effective
            self._timeline.clear()
            self._ready.clear()
            for track in self._tracks.values():
                self.schedule(track)

    # -- taking due jobs --------------------------------------------------------------

    def first_ready(self, now: float) -> Track | None:
        """The due job that should go next, left in place (see :meth:`take`)."""
        timeline, ready = self._timeline, self._ready
        while timeline and timeline[0][0] <= now:
            due, seq, version, job_id, lead = heapq.heappop(timeline)
            track = self._current(job_id, version)
            if track is not None:
                heapq.heappush(ready, (track.rank, due - lead, seq, version, job_id))
        while ready:
            track = self._current(ready[0][4], ready[0][3])
            if track is not None:
                return track
            heapq.heappop(ready)
        return None

    def take(self) -> None:
        """Remove the job :meth:`first_ready` returned."""
        heapq.heappop(self._ready)

    def next_due(self) -> float | None:
        """When the earliest job not yet due becomes due."""
        timeline = self._timeline
        while timeline:
            due, _, version, job_id, _ = timeline[0]
            if self._current(job_id, version) is not None:
                return due
            heapq.heappop(timeline)
        return None

    def _current(self, job_id: str, version: int) -> Track | None:
        track = self._tracks.get(job_id)
        if track is None or track.version != version or track.in_flight:
            return None
        return track
