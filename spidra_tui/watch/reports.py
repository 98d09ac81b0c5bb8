"""Turning poll outcomes into :class:`JobUpdate` reports, only when a user would see a change."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from spidra_tui.api.errors import MalformedResponse, ServerError, SpidraError, TransportError
from spidra_tui.clock import Clock
from spidra_tui.watch.kinds.base import AnswerView, Parts, Polled
from spidra_tui.watch.state import UNKNOWN, JobUpdate, RetryState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Seen:
    """What a user can see of a job; a report goes out only when this changes."""

    status: str
    fraction: float | None = None
    message: str | None = None
    error: str | None = None
    title: str | None = None
    result: Any = None
    retry: RetryState | None = None
    parts: Parts | None = None

    @classmethod
    def of(cls, view: AnswerView, answer: Any) -> Seen:
        # A scrape's result, or a batch's or crawl's whole answer (raw is not compared).
        result = getattr(answer, "result", answer)
        return cls(
            status=view.status,
            fraction=view.fraction,
            message=view.message,
            error=view.error,
            title=view.title,
            result=result,
            parts=view.parts,
        )

    def progress(self) -> tuple[str, float | None, str | None]:
        """Status, fraction and message: what tells whether the job moved."""
        return self.status, self.fraction, self.message


class Reports:
    """Remembers what was last reported for each job and reports the changes.

    A terminal report always goes out and carries the answer (``job``) when
    there is one, so that a store keeps the final body. ``on_update`` errors are
    logged, never raised: a broken callback must not stop the polling.
    """

    def __init__(self, on_update: Callable[[JobUpdate], None], clock: Clock) -> None:
        self.on_update = on_update
        self._clock = clock
        self._seen: dict[str, Seen] = {}

    def answer(self, job_id: str, polled: Polled, *, terminal: bool) -> bool:
        """Report an answer if it shows a change (new pages always are one); returns
        whether the item's progress moved."""
        seen = Seen.of(polled.view, polled.answer)
        before = self._seen.get(job_id)
        self._emit(job_id, seen, polled=polled, terminal=terminal)
        return before is None or before.progress() != seen.progress()

    def retrying(
        self,
        job_id: str,
        retry: RetryState,
        *,
        status: str = UNKNOWN,
        fraction: float | None = None,
    ) -> None:
        """Report that the job's last poll failed and when it is tried again.

        ``status`` and ``fraction`` are what was known before any answer came
        (a store's, after a restart), so a failed first poll keeps showing them.
        """
        before = self._seen.get(job_id) or Seen(status, fraction)
        self._emit(job_id, replace(before, retry=retry))

    def ended(self, job_id: str, status: str, message: str) -> None:
        """Report a job ended without an answer (404, 403): ``message`` is the server's."""
        before = self._seen.get(job_id)
        title = before.title if before else None
        self._emit(job_id, Seen(status, error=message, title=title), terminal=True)

    def failed(self, job_id: str, status: str, message: str) -> None:
        """Report a job no longer polled in this run, though not ended (an internal error)."""
        before = self._seen.get(job_id) or Seen(status)
        self._emit(job_id, replace(before, status=status, error=message, retry=None))
        self._seen.pop(job_id, None)

    def forget(self, job_id: str) -> None:
        self._seen.pop(job_id, None)

    def _emit(
        self, job_id: str, seen: Seen, *, polled: Polled | None = None, terminal: bool = False
    ) -> None:
        if terminal:
            self._seen.pop(job_id, None)
        else:
            before = self._seen.get(job_id)
            self._seen[job_id] = seen
            if seen == before and not (polled is not None and polled.pages):
                return
        update = JobUpdate(
            job_id=job_id,
            status=seen.status,
            fraction=seen.fraction,
            message=seen.message,
            error=seen.error,
            title=seen.title,
            job=polled.answer if polled is not None else None,
            retry=seen.retry,
            polled_at=self._clock.wall(),
            terminal=terminal,
            view=polled.view if polled is not None else None,
            parts=seen.parts,
            pages=polled.pages if polled is not None else (),
            pages_at=polled.pages_at if polled is not None else 0,
        )
        try:
            self.on_update(update)
        except Exception:
            log.exception("the update callback failed for %s", job_id)


def reason(error: Exception) -> str:
    """A few words on a passing failure, e.g. "server error 503"."""
    if isinstance(error, ServerError):
        return f"server error {error.status_code}" if error.status_code else "server error"
    if isinstance(error, TransportError):
        return f"network error: {error.message}"
    if isinstance(error, MalformedResponse):
        return f"unreadable answer: {error.message}"
    if isinstance(error, SpidraError):
        code = f"HTTP {error.status_code}: " if error.status_code else ""
        return f"{code}{error.message}"
    return f"unexpected error: {type(error).__name__}"
