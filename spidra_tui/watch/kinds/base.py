"""What every kind of watched job provides, and what one poll of it yields.

The poller and the store are kind-neutral: they ask the kind of a watched
item (:func:`spidra_tui.watch.kinds.watch_for`) how to poll it and what a user
sees of its answer (an :class:`AnswerView`). Everything that differs per kind
lives in that kind's module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from spidra_tui.api.errors import SpidraError
from spidra_tui.api.kinds import Kind

Slot = Callable[[], Awaitable[None]]
"""Waits for the watcher's leave to send one more request within a poll."""


@dataclass(frozen=True, slots=True)
class Parts:
    """The parts of a batch (items) or crawl (pages): how many ended well, failed, in all."""

    done: int
    failed: int | None
    total: int | None


@dataclass(frozen=True, slots=True)
class AnswerView:
    """What a user sees of one answer, whatever its kind."""

    status: str
    fraction: float | None = None
    message: str | None = None
    error: str | None = None
    title: str | None = None
    content_kind: str | None = None  # "markdown", "json", "empty" for a completed scrape
    urls: tuple[str, ...] = ()
    parts: Parts | None = None
    terminal: bool = False


@dataclass(frozen=True, slots=True)
class Polled:
    """What one poll of a watched item brought: the answer and any new pages.

    ``pages`` are new crawl pages (parsed), ``pages_at`` the index of the first.
    """

    answer: Any  # a Job, Batch or Crawl: its ``raw`` is what the store keeps
    view: AnswerView
    pages: tuple[Any, ...] = ()
    pages_at: int = 0


class Unsupported(SpidraError):
    """The action does not exist for this kind of job (a scrape cannot be cancelled)."""


class KindWatch(Protocol):
    """How to poll one kind and what its answers show."""

    kind: Kind
    whole_in_updates: bool
    """Whether an update's answer is all a detail shows (a crawl's pages live apart)."""

    def memo(self, stored_pages: int) -> Any:
        """Fresh poll state for an item whose store already holds ``stored_pages`` pages."""
        ...

    async def poll(self, source: Any, item_id: str, memo: Any, slot: Slot) -> Polled:
        """One poll: the first request is already paid for; each further one awaits ``slot``."""
        ...

    def view(self, answer: Any) -> AnswerView:
        """What a user sees of ``answer``."""
        ...

    async def probe(self, source: Any, item_id: str) -> None:
        """One request that succeeds when a job of this kind has this ID (raises else)."""
        ...

    def loaded(self, body: Any, pages: list[dict[str, Any]]) -> Any:
        """The parsed answer from a stored ``body`` (and, for a crawl, its kept ``pages``).

        Raises :class:`spidra_tui.api.errors.MalformedResponse` for a body it cannot read.
        """
        ...

    async def cancel(self, source: Any, item_id: str) -> str:
        """Cancel the job; a few words on what the server did. Raises :class:`Unsupported`."""
        ...

    async def retry(self, source: Any, item_id: str) -> int:
        """Queue the failed parts again; how many. Raises :class:`Unsupported`."""
        ...
