"""A single scrape: one ``GET /scrape/{id}`` a poll."""

from __future__ import annotations

from typing import Any, Protocol

from spidra_tui.api.kinds import Kind
from spidra_tui.api.models import Job, parse_job
from spidra_tui.watch.kinds.base import AnswerView, Polled, Slot, Unsupported

URLS_KEPT = 50  # page URLs kept for the filter: a forEach answer cannot bloat the list


class ScrapeSource(Protocol):
    async def get_job(self, job_id: str, *, retries: int | None = None) -> Job: ...


class ScrapeWatch:
    """Polls a scrape with one request; its view is its status and progress."""

    kind = Kind.SCRAPE
    whole_in_updates = True

    def memo(self, stored_pages: int) -> None:
        return None

    async def poll(self, source: ScrapeSource, item_id: str, memo: Any, slot: Slot) -> Polled:
        job = await source.get_job(item_id, retries=0)
        return Polled(job, self.view(job))

    def view(self, answer: Job) -> AnswerView:
        progress = answer.progress
        result = answer.result
        urls = tuple(p.url for p in result.pages[:URLS_KEPT] if p.url) if result else ()
        return AnswerView(
            status=answer.status,
            fraction=progress.fraction if progress else None,
            message=progress.message if progress else None,
            error=answer.error,
            title=answer.title,
            content_kind=result.content_kind if result is not None else None,
            urls=urls,
            terminal=answer.is_terminal,
        )

    async def probe(self, source: Any, item_id: str) -> None:
        await source.get_job(item_id, retries=0)

    def loaded(self, body: Any, pages: list[dict[str, Any]]) -> Job:
        return parse_job(body)

    async def cancel(self, source: Any, item_id: str) -> str:
        raise Unsupported("a single scrape cannot be cancelled")

    async def retry(self, source: Any, item_id: str) -> int:
        raise Unsupported("a single scrape cannot be retried; start it again with n")
