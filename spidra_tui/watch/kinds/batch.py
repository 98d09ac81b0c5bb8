"""A batch scrape: one ``GET /batch/scrape/{id}`` a poll reports every item, whatever
the batch's size."""

from __future__ import annotations

from typing import Any, Protocol

from spidra_tui.api.batch import Batch, BatchCancelled, parse_batch
from spidra_tui.api.kinds import Kind
from spidra_tui.watch.kinds.base import AnswerView, Parts, Polled, Slot


class BatchSource(Protocol):
    async def get_batch(self, batch_id: str, *, retries: int | None = None) -> Batch: ...

    async def cancel_batch(self, batch_id: str) -> BatchCancelled: ...

    async def retry_batch(self, batch_id: str) -> int: ...


def batch_line(ended: int, total: int, done: int, failed: int) -> str:
    """ "34/50 · 32 done · 2 failed"."""
    return f"{ended}/{total} · {done} done · {failed} failed"


def _title(batch: Batch) -> str | None:
    """ "shop.test/a and 49 more": the first URL stands for the batch."""
    urls = [item.url for item in batch.items if item.url]
    if not urls:
        return None
    return urls[0] if len(urls) == 1 else f"{urls[0]} and {len(urls) - 1} more"


class BatchWatch:
    """Polls a batch with one request; its view counts the items."""

    kind = Kind.BATCH
    whole_in_updates = True

    def memo(self, stored_pages: int) -> None:
        return None

    async def poll(self, source: BatchSource, item_id: str, memo: Any, slot: Slot) -> Polled:
        batch = await source.get_batch(item_id, retries=0)
        return Polled(batch, self.view(batch))

    def view(self, answer: Batch) -> AnswerView:
        done, failed, total = answer.completed_count, answer.failed_count, answer.total_urls
        return AnswerView(
            status=answer.status,
            fraction=answer.fraction,
            message=batch_line(done + failed, total, done, failed),
            error=answer.error,
            title=_title(answer),
            urls=tuple(item.url for item in answer.items[:50] if item.url),
            parts=Parts(done, failed, total),
            terminal=answer.is_terminal,
        )

    async def probe(self, source: Any, item_id: str) -> None:
        await source.get_batch(item_id, retries=0)

    def loaded(self, body: Any, pages: list[dict[str, Any]]) -> Batch:
        return parse_batch(body)

    async def cancel(self, source: BatchSource, item_id: str) -> str:
        answer = await source.cancel_batch(item_id)
        return (
            f"{answer.cancelled_items} items stopped, {answer.credits_refunded:g} credits refunded"
        )

    async def retry(self, source: BatchSource, item_id: str) -> int:
        return await source.retry_batch(item_id)
