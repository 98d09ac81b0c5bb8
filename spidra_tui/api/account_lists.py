"""Rows of the account's batch and crawl lists: ``GET /batch/scrape`` and ``GET /crawl/history``.

These are list rows only (no items, no pages): enough to show what runs on the account
and to pick one to watch. Both lists leak database quirks (booleans as 0/1, credits as
decimal strings such as ``"2.00"``), which :mod:`spidra_tui.api.fields` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from spidra_tui.api.account import unwrap
from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.fields import as_count, as_int, as_number, as_object, as_text, kind_of

BATCH_PAGE_LIMIT = 50
CRAWL_PAGE_LIMIT = 100
RUNNING = frozenset({"pending", "running", "queued", "waiting", "active", "delayed"})


def list_query(page: int, limit: int, cap: int) -> str:
    """``page`` and ``limit`` (capped at what the server allows) as a query string."""
    return urlencode({"page": max(1, page), "limit": min(cap, max(1, limit))})


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """One batch of ``GET /batch/scrape``."""

    uuid: str
    status: str
    total_urls: int = 0
    completed_count: int = 0
    failed_count: int = 0
    output_format: str | None = None
    scraping_channel: str | None = None
    created_at: str | None = None
    finished_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def running(self) -> bool:
        """Whether the batch has not ended yet."""
        return self.status.lower() in RUNNING

    def to_json(self) -> dict[str, Any]:
        """The row as read, under the server's names."""
        return {
            "uuid": self.uuid,
            "status": self.status,
            "totalUrls": self.total_urls,
            "completedCount": self.completed_count,
            "failedCount": self.failed_count,
            "outputFormat": self.output_format,
            "scrapingChannel": self.scraping_channel,
            "createdAt": self.created_at,
            "finishedAt": self.finished_at,
        }


@dataclass(frozen=True, slots=True)
class CrawlSummary:
    """One crawl of ``GET /crawl/history``."""

    id: str
    status: str
    base_url: str | None = None
    pages_crawled: int = 0
    max_pages: int | None = None
    credits_used: float | None = None
    created_at: str | None = None
    updated_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def running(self) -> bool:
        """Whether the crawl has not ended yet."""
        return self.status.lower() in RUNNING

    def to_json(self) -> dict[str, Any]:
        """The row as read, under the server's names."""
        return {
            "id": self.id,
            "status": self.status,
            "base_url": self.base_url,
            "pages_crawled": self.pages_crawled,
            "max_pages": self.max_pages,
            "credits_used": self.credits_used,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class SummaryPage:
    """One page of batches or crawls, with the server's paging and unreadable rows."""

    rows: tuple[Any, ...]
    page: int
    total: int | None
    total_pages: int | None
    skipped: int = 0

    @property
    def has_more(self) -> bool:
        """Whether a later page exists."""
        if self.total_pages is not None:
            return self.page < self.total_pages
        return False


def _rows(body: Any, what: str) -> tuple[dict[str, Any], list[Any]]:
    data = unwrap(body, what)
    if not isinstance(data, dict):
        raise MalformedResponse(f"the {what} answer should be a JSON object, got {kind_of(data)}")
    jobs = data.get("jobs")
    if jobs is None:
        return data, []
    if not isinstance(jobs, list):
        raise MalformedResponse(f"{what}.jobs should be a list, got {kind_of(jobs)}", field="jobs")
    return data, jobs


def parse_batch(row: Any) -> BatchSummary | None:
    """One batch row, or ``None`` when it is not an object or has no ID."""
    if not isinstance(row, dict):
        return None
    uuid = as_text(row.get("uuid")) or as_text(row.get("batchId")) or as_text(row.get("id"))
    if not uuid:
        return None
    return BatchSummary(
        uuid=uuid,
        status=as_text(row.get("status")) or "unknown",
        total_urls=as_count(row.get("totalUrls")),
        completed_count=as_count(row.get("completedCount")),
        failed_count=as_count(row.get("failedCount")),
        output_format=as_text(row.get("outputFormat")),
        scraping_channel=as_text(row.get("scrapingChannel")),
        created_at=as_text(row.get("createdAt")),
        finished_at=as_text(row.get("finishedAt")),
        raw=row,
    )


def parse_batch_page(body: Any, page: int) -> SummaryPage:
    """The answer to ``GET /batch/scrape``."""
    data, jobs = _rows(body, "batch list")
    paging = as_object(data.get("pagination"))
    parsed = [parse_batch(row) for row in jobs]
    return SummaryPage(
        rows=tuple(row for row in parsed if row is not None),
        page=as_int(paging.get("page")) or page,
        total=as_int(paging.get("total")),
        total_pages=as_int(paging.get("totalPages")),
        skipped=sum(1 for row in parsed if row is None),
    )


def parse_crawl(row: Any) -> CrawlSummary | None:
    """One crawl row, or ``None`` when it is not an object or has no ID."""
    if not isinstance(row, dict):
        return None
    crawl_id = as_text(row.get("id")) or as_text(row.get("jobId"))
    if not crawl_id:
        return None
    return CrawlSummary(
        id=crawl_id,
        status=as_text(row.get("status")) or "unknown",
        base_url=as_text(row.get("base_url")),
        pages_crawled=as_count(row.get("pages_crawled")),
        max_pages=as_int(row.get("max_pages")),
        credits_used=as_number(row.get("credits_used")),
        created_at=as_text(row.get("created_at")),
        updated_at=as_text(row.get("updated_at")),
        raw=row,
    )


def parse_crawl_page(body: Any, page: int) -> SummaryPage:
    """The answer to ``GET /crawl/history``."""
    data, jobs = _rows(body, "crawl history")
    parsed = [parse_crawl(row) for row in jobs]
    return SummaryPage(
        rows=tuple(row for row in parsed if row is not None),
        page=as_int(data.get("page")) or page,
        total=as_int(data.get("total")),
        total_pages=as_int(data.get("totalPages")),
        skipped=sum(1 for row in parsed if row is None),
    )
