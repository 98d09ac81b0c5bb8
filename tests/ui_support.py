"""Shared pieces of the TUI tests: a scripted watcher, an in-memory app, fixed jobs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from answers import answer_update

from spidra_tui.api.client import ScrapeRequest, Submitted
from spidra_tui.clock import FakeClock
from spidra_tui.ui.app import SpidraApp
from spidra_tui.ui.watching import StatusCallback, UpdateCallback
from spidra_tui.watch.budget import Priority
from spidra_tui.watch.state import JobSummary, JobUpdate, PollerStatus
from spidra_tui.watch.store import JobStore
from spidra_tui.watch.watcher import NoSubmits

NOW = 1_780_000_000.0  # a fixed wall clock, so ages and snapshots never move


class ScriptedWatcher:
    """Stands in for the Watcher: records what the app asks, reports what a test says."""

    def __init__(self, store: JobStore, on_update: UpdateCallback, on_status: StatusCallback):
        self.store = store
        self.on_update = on_update
        self.on_status = on_status
        self.calls: list[tuple[Any, ...]] = []
        self._status = PollerStatus(active=0, in_flight=0, rate=0.0, effective_interval=3.0)

    @property
    def status(self) -> PollerStatus:
        return self._status

    async def start(self) -> list[JobSummary]:
        self.calls.append(("start",))
        self.set_status(self._status)
        return self.store.list()

    async def stop(self) -> None:
        self.calls.append(("stop",))

    def add(self, ids: Iterable[str], labels: Mapping[str, str] | None = None) -> list[str]:
        ids = list(ids)
        self.calls.append(("add", ids))
        return self.store.add_many(ids, dict(labels or {}))

    def remove(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        self.calls.append(("remove", ids))
        return self.store.remove(ids)

    async def submit(self, request: ScrapeRequest) -> Submitted:
        self.calls.append(("submit", request))
        raise NoSubmits("the scripted watcher submits nothing")

    async def take_slot(self, priority: Priority = Priority.USER) -> None:
        self.calls.append(("take_slot",) if priority is Priority.USER else ("take_slot", priority))

    def refresh(self, id: str | None = None) -> None:
        self.calls.append(("refresh", id))

    def focus(self, job_id: str | None) -> None:
        self.calls.append(("focus", job_id))

    def next_check(self, job_id: str) -> float | None:
        return None

    def pause(self) -> None:
        self.calls.append(("pause",))
        self.set_status(PollerStatus(0, 0, 0.0, 3.0, paused="user"))

    def resume(self) -> None:
        self.calls.append(("resume",))
        self.set_status(PollerStatus(0, 0, 0.0, 3.0))

    def set_status(self, status: PollerStatus) -> None:
        self._status = status
        self.on_status(status)

    def report(self, update: JobUpdate) -> None:
        """As the real watcher: store first, then tell the app."""
        self.store.record(update)
        self.on_update(update)

    def answer(self, job_id: str, body: dict[str, Any]) -> None:
        """Report a full answer for ``job_id``."""
        self.report(answer_update(job_id, body, polled_at=NOW))


def completed_body(
    content: Any,
    *,
    url: str = "https://example.com/page",
    title: str = "Example page",
    screenshots: Iterable[str] = (),
) -> dict[str, Any]:
    """A completed answer with one page."""
    return {
        "status": "completed",
        "progress": {"message": "Scrape completed successfully", "progress": 1},
        "result": {
            "content": content,
            "data": [
                {
                    "url": url,
                    "title": title,
                    "markdownContent": "# Page\n\nText.",
                    "success": True,
                    "screenshotUrl": None,
                }
            ],
            "screenshots": list(screenshots),
            "stats": {"durationMs": 4200, "totalTokens": 10},
        },
    }


def active_body(fraction: float, message: str = "Loading page") -> dict[str, Any]:
    return {"status": "active", "progress": {"message": message, "progress": fraction}}


class UiRig:
    """An app on an in-memory store with a scripted watcher, plus recorders."""

    def __init__(self, tmp_path: Path, job_ids: Iterable[str] = (), **options: Any) -> None:
        self.store = JobStore(":memory:")
        ids = list(job_ids)
        for index, job_id in enumerate(ids):
            # Oldest last: the first ID is the newest, so it is the top row.
            self.store.add(job_id, label=f"example.com/{index}", added_at=NOW - 60 - index)
        self.watcher: ScriptedWatcher | None = None
        self.copied: list[str] = []
        self.opened: list[str] = []
        self.folder = tmp_path

        def factory(on_update: UpdateCallback, on_status: StatusCallback) -> ScriptedWatcher:
            self.watcher = ScriptedWatcher(self.store, on_update, on_status)
            return self.watcher

        options.setdefault("env", {"DISPLAY": ":0"})
        self.app = SpidraApp(
            store=self.store,
            watcher_factory=factory,
            server="api.example.test",
            folder=tmp_path,
            pyperclip_copy=self.copied.append,
            open_url_hook=self._open,
            clock=options.pop("clock", None) or FakeClock(wall_start=NOW),
            **options,
        )

        self.notes: list[str] = []
        original = self.app.notify

        def notify(message: Any, **kwargs: Any) -> None:
            self.notes.append(f"{kwargs.get('title', '')}: {getattr(message, 'plain', message)}")
            original(message, **kwargs)

        self.app.notify = notify  # type: ignore[method-assign]

    def _open(self, url: str) -> bool:
        self.opened.append(url)
        return True

    @property
    def w(self) -> ScriptedWatcher:
        assert self.watcher is not None
        return self.watcher

    def toasts(self) -> str:
        """Every toast raised so far, title and message, one a line."""
        return "\n".join(self.notes)
