"""Typed, immutable models of crawl answers (``/crawl``).

As forgiving as :func:`spidra_tui.api.models.parse_job`. Pages come in two
shapes (inline in ``GET /crawl/{id}``, camelCase; from ``/pages``, snake_case),
both read into one :class:`CrawlPage`. A page's ``data`` may be a JSON value or
JSON held in a string; its links may be ``html``/``markdown`` or
``html_url``/``markdown_url``. History rows carry database quirks: booleans as
0/1 and decimals as strings such as ``"2.00"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.fields import (
    error_text,
    json_value,
    kind_of,
    opt_bool,
    opt_int,
    opt_list,
    opt_number,
    opt_str,
    require_object,
    require_status,
)
from spidra_tui.api.models import TERMINAL_STATUSES

INLINE_PAGES = 100  # pages a crawl answer carries before it says resultTruncated


@dataclass(frozen=True, slots=True)
class CrawlProgress:
    """``progress``: a message and how many pages are crawled out of the cap."""

    message: str | None = None
    pages_crawled: int | None = None
    max_pages: int | None = None


@dataclass(frozen=True, slots=True)
class CrawlPage:
    """One crawled page."""

    url: str | None
    status: str | None = None
    title: str | None = None
    data: Any = None
    error: str | None = None
    html_url: str | None = None
    markdown_url: str | None = None
    depth: int | None = None
    parent_url: str | None = None
    page_id: str | None = None
    created_at: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "error")


@dataclass(frozen=True, slots=True)
class Crawl:
    """The answer to ``GET /crawl/{id}``; ``raw`` is the body as decoded."""

    status: str
    progress: CrawlProgress | None = None
    pages: tuple[CrawlPage, ...] = ()
    total_pages: int | None = None
    result_truncated: bool = False
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def pages_crawled(self) -> int:
        """Pages crawled so far, as the progress (or, lacking it, the result) says."""
        if self.progress is not None and self.progress.pages_crawled is not None:
            return self.progress.pages_crawled
        if self.total_pages is not None:
            return self.total_pages
        return len(self.pages)

    @property
    def max_pages(self) -> int | None:
        return self.progress.max_pages if self.progress is not None else None

    @property
    def fraction(self) -> float | None:
        """Pages crawled over the cap, 0..1, when the cap is known."""
        cap = self.max_pages
        if self.status == "completed":
            return 1.0
        if not cap or cap <= 0:
            return None
        return min(1.0, max(0.0, self.pages_crawled / cap))


@dataclass(frozen=True, slots=True)
class CrawlPages:
    """A slice of ``GET /crawl/{id}/pages``."""

    pages: tuple[CrawlPage, ...]
    total: int | None
    offset: int
    limit: int | None
    has_more: bool


@dataclass(frozen=True, slots=True)
class CrawlHistoryEntry:
    """One row of ``GET /crawl/history`` (snake_case, database quirks read)."""

    crawl_id: str
    base_url: str | None
    status: str
    pages_crawled: int
    max_pages: int | None
    credits_used: float | None
    created_at: str | None
    updated_at: str | None
    use_proxy: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CrawlHistory:
    """A page of past crawls, newest first."""

    jobs: tuple[CrawlHistoryEntry, ...]
    total: int | None
    page: int
    total_pages: int | None


@dataclass(frozen=True, slots=True)
class CrawlCancelled:
    """The answer to ``DELETE /crawl/{id}``."""

    status: str


# -- parsing ---------------------------------------------------------------------------


def parse_page(value: Any, where: str) -> CrawlPage:
    """One page, in either the inline or the ``/pages`` shape."""
    page = require_object(value, where)
    where = where + "."
    error = error_text(page.get("error_message", page.get("error")))
    return CrawlPage(
        url=opt_str(page, "url", where),
        status=opt_str(page, "status", where),
        title=opt_str(page, "title", where),
        data=json_value(page.get("data")),
        error=error,
        html_url=_link(page, "html", where),
        markdown_url=_link(page, "markdown", where),
        depth=opt_int(page, "depth"),
        parent_url=opt_str(page, "parentUrl", where) or opt_str(page, "parent_url", where),
        page_id=opt_str(page, "id", where),
        created_at=opt_str(page, "created_at", where) or opt_str(page, "createdAt", where),
    )


def _link(page: dict[str, Any], name: str, where: str) -> str | None:
    for key in (name, f"{name}_url", f"{name}Url"):
        value = opt_str(page, key, where)
        if value:
            return value
    return None


def _parse_progress(body: dict[str, Any]) -> CrawlProgress | None:
    value = body.get("progress")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise MalformedResponse(
            f"progress should be an object, got {kind_of(value)}", field="progress"
        )
    return CrawlProgress(
        message=opt_str(value, "message", "progress."),
        pages_crawled=opt_int(value, "pagesCrawled"),
        max_pages=opt_int(value, "maxPages"),
    )


def parse_crawl(body: Any) -> Crawl:
    """Turn a decoded ``GET /crawl/{id}`` answer into a :class:`Crawl`."""
    body = require_object(body, "")
    status = require_status(body)
    result = body.get("result")
    if isinstance(result, dict):  # some answers wrap the list: {"pages": [...]}
        result = result.get("pages", result.get("data"))
    if result is not None and not isinstance(result, list):
        raise MalformedResponse(f"result should be a list, got {kind_of(result)}", field="result")
    pages = tuple(parse_page(v, f"result[{i}]") for i, v in enumerate(result or ()))
    return Crawl(
        status=status,
        progress=_parse_progress(body),
        pages=pages,
        total_pages=opt_int(body, "totalPages"),
        result_truncated=bool(opt_bool(body, "resultTruncated")),
        error=error_text(body.get("error")),
        raw=body,
    )


def parse_crawl_pages(body: Any, offset: int = 0) -> CrawlPages:
    """A ``GET /crawl/{id}/pages`` answer; ``offset`` stands in when the answer lacks one."""
    body = require_object(body, "")
    pages = tuple(parse_page(v, f"pages[{i}]") for i, v in enumerate(opt_list(body, "pages", "")))
    total = opt_int(body, "total")
    got_offset = opt_int(body, "offset")
    start = offset if got_offset is None else got_offset
    more = opt_bool(body, "hasMore")
    if more is None:
        more = total is not None and start + len(pages) < total
    return CrawlPages(pages, total, start, opt_int(body, "limit"), bool(more))


def parse_crawl_queued(body: Any) -> str:
    """The new crawl's ID from a ``POST /crawl`` answer."""
    body = require_object(body, "")
    job_id = body.get("jobId")
    if not isinstance(job_id, str) or not job_id:
        raise MalformedResponse("the crawl answer has no jobId", field="jobId")
    return job_id


def parse_crawl_cancelled(body: Any) -> CrawlCancelled:
    """The answer to a cancel; its status, or ``cancelled`` when absent."""
    body = require_object(body, "")
    return CrawlCancelled(opt_str(body, "status", "") or "cancelled")


def parse_crawl_history(body: Any) -> CrawlHistory:
    """A ``GET /crawl/history`` page."""
    body = require_object(body, "")
    jobs = []
    for index, value in enumerate(opt_list(body, "jobs", "")):
        where = f"jobs[{index}]"
        row = require_object(value, where)
        jobs.append(
            CrawlHistoryEntry(
                crawl_id=opt_str(row, "id", where + ".") or "",
                base_url=opt_str(row, "base_url", where + "."),
                status=require_status(row, where + "."),
                pages_crawled=opt_int(row, "pages_crawled") or 0,
                max_pages=opt_int(row, "max_pages"),
                credits_used=opt_number(row, "credits_used"),
                created_at=opt_str(row, "created_at", where + "."),
                updated_at=opt_str(row, "updated_at", where + "."),
                use_proxy=opt_bool(row, "use_proxy"),
                raw=row,
            )
        )
    return CrawlHistory(
        jobs=tuple(jobs),
        total=opt_int(body, "total"),
        page=opt_int(body, "page") or 1,
        total_pages=opt_int(body, "totalPages"),
    )
