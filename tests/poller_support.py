"""Helpers for the poller, watcher and watch-command tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from spidra_tui.api.client import SpidraClient
from spidra_tui.api.models import Job, parse_job
from spidra_tui.emulator import Emulator, RequestRecord
from spidra_tui.secret import Secret
from spidra_tui.watch.state import JobUpdate, PollerStatus


def submit(emulator: Emulator, key: str, count: int) -> list[str]:
    """``count`` jobs with the emulator's own drawn lifecycles."""
    return [
        emulator.submit(key, {"urls": [{"url": f"https://example.com/page/{n}"}]})
        for n in range(count)
    ]


def client_for(emulator: Emulator, key: str, clock: object = None) -> SpidraClient:
    assert emulator.base_url is not None
    return SpidraClient(emulator.base_url, Secret(key), clock=clock)  # type: ignore[arg-type]


@dataclass
class Recorder:
    """Collects what a poller reports."""

    updates: list[JobUpdate] = field(default_factory=list)
    statuses: list[PollerStatus] = field(default_factory=list)
    paused: asyncio.Event = field(default_factory=asyncio.Event)

    def update(self, update: JobUpdate) -> None:
        self.updates.append(update)

    def status(self, status: PollerStatus) -> None:
        self.statuses.append(status)
        if status.paused:
            self.paused.set()

    def final(self) -> dict[str, JobUpdate]:
        return {u.job_id: u for u in self.updates if u.terminal}


class InProcessSource:
    """Answers from the emulator's job book without HTTP, for tests of the schedule
    alone; ``calls`` logs (clock time, job ID) of every request."""

    def __init__(self, emulator: Emulator, clock: Callable[[], float]) -> None:
        self._emulator = emulator
        self._now = clock
        self.calls: list[tuple[float, str]] = []

    async def get_job(self, job_id: str, *, retries: int | None = None) -> Job:
        self.calls.append((self._now(), job_id))
        await asyncio.sleep(0)
        return parse_job(self._emulator.answer(job_id))


def gets(emulator: Emulator) -> list[RequestRecord]:
    """The GET requests the emulator saw, oldest first."""
    return [r for r in emulator.stats.requests() if r.method == "GET"]


def gaps_by_job(times: list[tuple[float, str]]) -> dict[str, list[float]]:
    """Seconds between successive polls of each job."""
    last: dict[str, float] = {}
    gaps: dict[str, list[float]] = {}
    for when, job_id in sorted(times):
        if job_id in last:
            gaps.setdefault(job_id, []).append(when - last[job_id])
        last[job_id] = when
    return gaps
