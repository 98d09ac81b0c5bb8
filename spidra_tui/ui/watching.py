"""What the app needs from the watcher, and how it takes its updates in bursts.

A thousand jobs polling report a few updates every second, sometimes hundreds
at once (a rate-limit pause ending). Redrawing the list for each would keep
the app from answering keys, so updates are collected per job, newest wins,
and handed to the list a few times a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from spidra_tui.api.client import ScrapeRequest, Submitted
from spidra_tui.watch.budget import Priority
from spidra_tui.watch.state import JobSummary, JobUpdate, PollerStatus

UpdateCallback = Callable[[JobUpdate], None]
StatusCallback = Callable[[PollerStatus], None]


class WatcherLike(Protocol):
    """The part of ``spidra_tui.watch.watcher.Watcher`` the app uses."""

    async def start(self) -> list[JobSummary]: ...

    async def stop(self) -> None: ...

    def add(self, ids: Iterable[str], labels: Mapping[str, str] | None = None) -> list[str]: ...

    def remove(self, ids: Iterable[str]) -> int: ...

    def refresh(self, job_id: str | None = None) -> None: ...

    def focus(self, job_id: str | None) -> None:
        """The job the user is looking at: polled first and more often."""
        ...

    def next_check(self, job_id: str) -> float | None:
        """When the job is next polled (monotonic), or None when it is not polled."""
        ...

    async def submit(self, request: ScrapeRequest) -> Submitted: ...

    async def take_slot(self, priority: Priority = Priority.USER) -> None:
        """Wait for a send slot of the request budget (the account's requests take one)."""

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    @property
    def status(self) -> PollerStatus: ...


WatcherFactory = Callable[[UpdateCallback, StatusCallback], WatcherLike]


class UpdateBuffer:
    """Collects job updates between two redraws; per job only the newest is kept.

    A job that finishes is remembered as finishing even if a later update in
    the same burst (say a retry of an unrelated poll) replaces the update
    itself, so the "job finished" announcement is never lost.
    """

    def __init__(self) -> None:
        self._pending: dict[str, JobUpdate] = {}
        self._finished: dict[str, JobUpdate] = {}

    def add(self, update: JobUpdate) -> None:
        """Keep ``update``, replacing any older one for the same job."""
        self._pending[update.job_id] = update
        if update.terminal:
            self._finished[update.job_id] = update

    def __len__(self) -> int:
        return len(self._pending)

    def take(self) -> tuple[list[JobUpdate], list[JobUpdate]]:
        """Everything collected (updates, and the terminal ones among them), emptied."""
        pending, finished = list(self._pending.values()), list(self._finished.values())
        self._pending = {}
        self._finished = {}
        return pending, finished

    def discard(self, job_ids: Iterable[str]) -> None:
        """Forget updates of jobs that were just removed."""
        for job_id in job_ids:
            self._pending.pop(job_id, None)
            self._finished.pop(job_id, None)
