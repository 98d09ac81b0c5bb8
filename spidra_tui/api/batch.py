"""Typed, immutable models of batch-scrape answers (``/batch/scrape``).

As forgiving as :func:`spidra_tui.api.models.parse_job`: unknown statuses stay
strings, missing fields are None, counts may come as decimal strings; a field
of a shape that cannot be read raises :class:`MalformedResponse` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.fields import (
    error_text,
    json_value,
    opt_int,
    opt_list,
    opt_number,
    opt_object,
    opt_str,
    require_object,
    require_status,
)
from spidra_tui.api.models import TERMINAL_STATUSES


class BatchStatus:
    """Known batch and item statuses; others stay plain strings."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One URL of a batch and what became of it."""

    uuid: str | None
    url: str | None
    status: str
    job_id: str | None = None
    result: Any = None
    error: str | None = None
    credits_used: float | None = None
    started_at: str | None = None
    finished_at: str | None = None
    screenshot_url: str | None = None

    @property
    def content(self) -> Any:
        """What the item produced: ``result.content`` when the result is an object that
        has one, else the result itself (markdown text or a JSON value)."""
        result = self.result
        if isinstance(result, dict) and "content" in result:
            return result["content"]
        return result

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL_STATUSES


@dataclass(frozen=True, slots=True)
class Batch:
    """The answer to ``GET /batch/scrape/{id}``; ``raw`` is the body as decoded."""

    status: str
    total_urls: int
    completed_count: int
    failed_count: int
    items: tuple[BatchItem, ...] = ()
    created_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def ended_count(self) -> int:
        """Items that will not change again (completed or failed)."""
        return self.completed_count + self.failed_count

    @property
    def fraction(self) -> float | None:
        """Share of the items that ended, 0..1 (None for an empty batch)."""
        if self.total_urls <= 0:
            return None
        return min(1.0, max(0.0, self.ended_count / self.total_urls))


@dataclass(frozen=True, slots=True)
class BatchQueued:
    """The answer to ``POST /batch/scrape``."""

    batch_id: str
    total: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BatchCancelled:
    """The answer to ``DELETE /batch/scrape/{id}``."""

    cancelled_items: int
    credits_refunded: float


@dataclass(frozen=True, slots=True)
class BatchListEntry:
    """One row of ``GET /batch/scrape`` (no items)."""

    uuid: str
    status: str
    total_urls: int
    completed_count: int
    failed_count: int
    output_format: str | None = None
    created_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True, slots=True)
class BatchList:
    """A page of batches, newest first."""

    jobs: tuple[BatchListEntry, ...]
    page: int
    limit: int | None
    total: int | None
    total_pages: int | None


# -- parsing ---------------------------------------------------------------------------


def _parse_item(value: Any, index: int) -> BatchItem:
    where = f"items[{index}]."
    item = require_object(value, where[:-1])
    status = opt_str(item, "status", where) or BatchStatus.PENDING
    result = item.get("result")
    return BatchItem(
        uuid=opt_str(item, "uuid", where),
        url=opt_str(item, "url", where),
        status=status.strip() or BatchStatus.PENDING,
        job_id=opt_str(item, "jobId", where),
        result=json_value(result) if not isinstance(result, dict | list) else result,
        error=error_text(item.get("error")),
        credits_used=opt_number(item, "creditsUsed"),
        started_at=opt_str(item, "startedAt", where),
        finished_at=opt_str(item, "finishedAt", where),
        screenshot_url=opt_str(item, "screenshotUrl", where),
    )


def parse_batch(body: Any) -> Batch:
    """Turn a decoded ``GET /batch/scrape/{id}`` answer into a :class:`Batch`.

    Counts missing from the answer are counted from its items.
    """
    body = require_object(body, "")
    status = require_status(body)
    items = tuple(_parse_item(v, i) for i, v in enumerate(opt_list(body, "items", "")))
    completed = opt_int(body, "completedCount")
    failed = opt_int(body, "failedCount")
    total = opt_int(body, "totalUrls")
    return Batch(
        status=status,
        total_urls=total if total is not None else len(items),
        completed_count=completed
        if completed is not None
        else sum(i.status == BatchStatus.COMPLETED for i in items),
        failed_count=failed
        if failed is not None
        else sum(i.status == BatchStatus.FAILED for i in items),
        items=items,
        created_at=opt_str(body, "createdAt", ""),
        finished_at=opt_str(body, "finishedAt", ""),
        error=error_text(body.get("error")),
        raw=body,
    )


def parse_batch_queued(body: Any) -> BatchQueued:
    """The new batch's ID from a ``POST /batch/scrape`` answer."""
    body = require_object(body, "")
    batch_id = body.get("batchId")
    if not isinstance(batch_id, str) or not batch_id:
        raise MalformedResponse("the submit answer has no batchId", field="batchId")
    warnings = [str(w) for w in opt_list(body, "schema_warnings", "") if w]
    return BatchQueued(batch_id, opt_int(body, "total"), tuple(warnings))


def parse_batch_cancelled(body: Any) -> BatchCancelled:
    """``{cancelledItems, creditsRefunded}``; missing figures are 0."""
    body = require_object(body, "")
    return BatchCancelled(
        cancelled_items=opt_int(body, "cancelledItems") or 0,
        credits_refunded=opt_number(body, "creditsRefunded") or 0.0,
    )


def parse_retried(body: Any) -> int:
    """``retriedCount`` of a retry answer (0 when absent)."""
    return opt_int(require_object(body, ""), "retriedCount") or 0


def parse_batch_list(body: Any) -> BatchList:
    """A ``GET /batch/scrape`` page."""
    body = require_object(body, "")
    jobs = []
    for index, value in enumerate(opt_list(body, "jobs", "")):
        where = f"jobs[{index}]."
        row = require_object(value, where[:-1])
        jobs.append(
            BatchListEntry(
                uuid=opt_str(row, "uuid", where) or "",
                status=opt_str(row, "status", where) or BatchStatus.PENDING,
                total_urls=opt_int(row, "totalUrls") or 0,
                completed_count=opt_int(row, "completedCount") or 0,
                failed_count=opt_int(row, "failedCount") or 0,
                output_format=opt_str(row, "outputFormat", where),
                created_at=opt_str(row, "createdAt", where),
                finished_at=opt_str(row, "finishedAt", where),
            )
        )
    pages = opt_object(body, "pagination", "") or {}
    return BatchList(
        jobs=tuple(jobs),
        page=opt_int(pages, "page") or 1,
        limit=opt_int(pages, "limit"),
        total=opt_int(pages, "total"),
        total_pages=opt_int(pages, "totalPages"),
    )
