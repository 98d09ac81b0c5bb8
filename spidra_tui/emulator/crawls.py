"""The emulator's crawls: pages found one after another over time, cancel, history.

Page ``k`` of a crawl is done ``WAITING + (k + 1) * page_seconds`` job seconds
after the crawl was created; what a page holds is generated from the crawl's
seed and ``k``, so any page can be rebuilt on demand and a 10,000-page crawl
costs no memory until it is read. Pages come in two shapes: inline in
``GET /crawl/{id}`` (camelCase, the first 100, with ``resultTruncated``) and
from ``/pages`` (snake_case, ``data`` as JSON held in a string when a transform
instruction made it a value). History rows carry the database's quirks.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..clock import Clock
from . import content
from .batches import _iso

PENDING_CRAWLS = 5  # per key, as the service limits them
INLINE_PAGES = 100
PAGES_LIMIT = 1000
HISTORY_LIMIT = 100
DEFAULT_MAX_PAGES = 5
WAITING = 1.0  # job seconds queued before the first page
PAGE_SECONDS = 0.5
FANOUT = 4  # links followed from each page: page k's parent is (k - 1) // FANOUT
FAILED_EVERY = 23  # every 23rd page fails to load
STORAGE = "https://storage.spidra.io/crawls"


class CrawlRejected(ValueError):
    """A body the service answers with 422; ``errors`` lists each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class CrawlRun:
    """One crawl and what was done to it."""

    crawl_id: str
    owner: str
    created: float  # clock time
    created_wall: float
    base_url: str
    max_pages: int
    max_depth: int | None
    instruction: str | None
    transform: str | None
    seed: int
    page_seconds: float = PAGE_SECONDS
    found: int | None = None  # pages the site has (None: at least max_pages)
    fails: bool = False  # the crawl fails halfway
    cancelled_at: float | None = None  # job seconds

    @property
    def planned(self) -> int:
        """Pages the crawl will have crawled when it ends on its own."""
        count = self.max_pages if self.found is None else min(self.found, self.max_pages)
        return max(1, count // 2) if self.fails else count


def validate_crawl(body: Any) -> list[str]:
    """Every problem with a ``POST /crawl`` body (empty when valid)."""
    if not isinstance(body, dict):
        return ["Request body must be a JSON object"]
    errors = []
    base = body.get("baseUrl")
    if not isinstance(base, str) or urlsplit(base).scheme not in ("http", "https"):
        errors.append("baseUrl must be an http(s) URL")
    for name in ("maxPages", "maxDepth"):
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            errors.append(f"{name} must be a whole number")
        elif value is not None and not 0 <= value <= 10_000:
            errors.append(f"{name} must be between 0 and 10000")
    return errors


def _page_url(base: str, k: int) -> str:
    return base if k == 0 else f"{base.rstrip('/')}/page-{k}"


def _depth(k: int) -> int:
    depth = 0
    while k > 0:
        k = (k - 1) // FANOUT
        depth += 1
    return depth


class CrawlBook:
    """Every crawl of one emulator; thread-safe."""

    def __init__(self, clock: Clock, time_scale: float, seed: int) -> None:
        self._clock = clock
        self._scale = time_scale
        self._rng = random.Random(f"crawls/{seed}")
        self._ids = random.Random(f"crawl-ids/{seed}")
        self._crawls: dict[str, CrawlRun] = {}
        self._lock = threading.Lock()

    def create(self, owner: str, body: Any, *, page_seconds: float = PAGE_SECONDS) -> CrawlRun:
        """A crawl as ``POST /crawl`` makes it; raises :class:`CrawlRejected`."""
        errors = validate_crawl(body)
        if errors:
            raise CrawlRejected(errors)
        base = body["baseUrl"]
        with self._lock:
            crawl_id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
            crawl = CrawlRun(
                crawl_id=crawl_id,
                owner=owner,
                created=self._clock.monotonic(),
                created_wall=self._clock.wall(),
                base_url=base,
                max_pages=body.get("maxPages") or DEFAULT_MAX_PAGES,
                max_depth=body.get("maxDepth"),
                instruction=_text(body.get("crawlInstruction")),
                transform=_text(body.get("transformInstruction")),
                seed=self._rng.getrandbits(32),
                page_seconds=page_seconds,
                fails="fail" in base,
            )
            if crawl.max_depth is not None:
                crawl.found = _pages_within(crawl.max_depth)
            self._crawls[crawl_id] = crawl
        return crawl

    def get(self, crawl_id: str) -> CrawlRun | None:
        with self._lock:
            return self._crawls.get(crawl_id)

    def owned(self, owner: str) -> list[CrawlRun]:
        with self._lock:
            return [c for c in reversed(self._crawls.values()) if c.owner == owner]

    def pending(self, owner: str) -> int:
        return sum(not self.terminal(c) for c in self.owned(owner))

    # -- state ----------------------------------------------------------------------

    def elapsed(self, crawl: CrawlRun) -> float:
        return (self._clock.monotonic() - crawl.created) * self._scale

    def crawled(self, crawl: CrawlRun, elapsed: float | None = None) -> int:
        """Pages done at ``elapsed`` (default: now)."""
        at = self.elapsed(crawl) if elapsed is None else elapsed
        if crawl.cancelled_at is not None:
            at = min(at, crawl.cancelled_at)
        done = int((at - WAITING) / crawl.page_seconds) if at > WAITING else 0
        return max(0, min(crawl.planned, done))

    def finish_time(self, crawl: CrawlRun) -> float:
        """Clock time at which the crawl ends on its own."""
        return crawl.created + (WAITING + crawl.planned * crawl.page_seconds) / self._scale + 1e-9

    def status(self, crawl: CrawlRun) -> str:
        elapsed = self.elapsed(crawl)
        if crawl.cancelled_at is not None:
            return "cancelled"
        if elapsed < WAITING:
            return "waiting"
        if self.crawled(crawl, elapsed) >= crawl.planned and (
            elapsed >= WAITING + crawl.planned * crawl.page_seconds
        ):
            return "failed" if crawl.fails else "completed"
        return "running"

    def terminal(self, crawl: CrawlRun) -> bool:
        return self.status(crawl) in ("completed", "failed", "cancelled")

    def cancel(self, crawl: CrawlRun) -> bool:
        """Stop the crawl; False when it had already ended."""
        with self._lock:
            if self.terminal(crawl):
                return False
            crawl.cancelled_at = self.elapsed(crawl)
        return True

    # -- pages ----------------------------------------------------------------------

    def page(self, crawl: CrawlRun, k: int, *, inline: bool) -> dict[str, Any]:
        """Page ``k`` in the inline (camelCase) or ``/pages`` (snake_case) shape."""
        url = _page_url(crawl.base_url, k)
        rng = random.Random(f"{crawl.seed}/{k}")
        failed = k > 0 and k % FAILED_EVERY == 0
        title = None if failed else content.page_title(url, rng)
        data: Any = None
        if not failed:
            if crawl.transform:
                data = {"url": url, "title": title, "summary": content.summary_text(rng)}
            else:
                data = f"# {title}\n\n{content.summary_markdown(rng)}\n"
        links = {
            "html": f"{STORAGE}/{crawl.crawl_id}/{k}.html?sig={crawl.seed:x}",
            "markdown": f"{STORAGE}/{crawl.crawl_id}/{k}.md?sig={crawl.seed:x}",
        }
        if inline:
            return {
                "url": url,
                "title": title,
                "status": "failed" if failed else "success",
                "data": data,
                **(links if not failed else {"html": None, "markdown": None}),
                "depth": _depth(k),
                "parentUrl": None if k == 0 else _page_url(crawl.base_url, (k - 1) // FANOUT),
            }
        done_at = WAITING + (k + 1) * crawl.page_seconds
        return {
            "id": f"{crawl.crawl_id[:8]}-p{k}",
            "url": url,
            "title": title,
            "status": "failed" if failed else "success",
            # The pages table keeps extracted values as JSON text.
            "data": json.dumps(data) if isinstance(data, dict) else data,
            "error_message": "Navigation timeout of 30000 ms exceeded" if failed else None,
            "html": None if failed else links["html"],
            "markdown": None if failed else links["markdown"],
            "created_at": _iso(crawl.created_wall + done_at / self._scale),
        }

    def body(self, crawl: CrawlRun) -> dict[str, Any]:
        """``GET /crawl/{id}``: status, progress and, once ended, the first 100 pages."""
        status = self.status(crawl)
        crawled = self.crawled(crawl)
        body: dict[str, Any] = {
            "status": status,
            "progress": {
                "message": f"Crawled {crawled} of {crawl.max_pages} pages",
                "pagesCrawled": crawled,
                "maxPages": crawl.max_pages,
            },
        }
        if status in ("completed", "failed", "cancelled"):
            shown = min(crawled, INLINE_PAGES)
            body["result"] = [self.page(crawl, k, inline=True) for k in range(shown)]
            body["totalPages"] = crawled
            body["resultTruncated"] = crawled > INLINE_PAGES
        if status == "failed":
            body["error"] = f"Crawl of {crawl.base_url} stopped: the site stopped answering"
        return body

    def pages(self, crawl: CrawlRun, offset: int, limit: int) -> dict[str, Any]:
        """``GET /crawl/{id}/pages?offset&limit``."""
        crawled = self.crawled(crawl)
        offset = max(0, offset)
        limit = max(1, min(PAGES_LIMIT, limit))
        end = min(crawled, offset + limit)
        return {
            "pages": [self.page(crawl, k, inline=False) for k in range(offset, end)],
            "total": crawled,
            "offset": offset,
            "limit": limit,
            "hasMore": end < crawled,
        }

    def history_row(self, crawl: CrawlRun) -> dict[str, Any]:
        """A ``/crawl/history`` row, with the database's 0/1 and decimal strings."""
        crawled = self.crawled(crawl)
        wall = _iso(crawl.created_wall)
        return {
            "id": crawl.crawl_id,
            "user_uuid": "u-" + crawl.owner[-6:],
            "source_job_id": None,
            "base_url": crawl.base_url,
            "crawl_instruction": crawl.instruction or "",
            "transform_instruction": crawl.transform or "",
            "output_schema": None,
            "max_pages": crawl.max_pages,
            "include_paths": None,
            "exclude_paths": None,
            "max_depth": crawl.max_depth,
            "allow_subdomains": 0,
            "crawl_entire_domain": 0,
            "ignore_query_params": 1,
            "webhook_url": None,
            "status": self.status(crawl),
            "input_tokens": 0,
            "output_tokens": 0,
            "credits_used": f"{crawled:.2f}",
            "use_proxy": 0,
            "proxy_bandwidth_mb": "0.00",
            "proxy_billing": "none",
            "created_at": wall,
            "updated_at": wall,
            "pages_crawled": crawled,
        }


def _pages_within(depth: int) -> int:
    """Pages of a site with FANOUT links a page, down to ``depth``."""
    total, level = 0, 1
    for _ in range(depth + 1):
        total += level
        level *= FANOUT
        if total > 10_000:
            break
    return total


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
