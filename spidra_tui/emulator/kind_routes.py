"""The batch-scrape and crawl endpoints of the emulator.

``KindRoutes.serve`` is called by :class:`spidra_tui.emulator.routes.ApiRoutes`
after the key and the rate limit were checked and a fault was (not) drawn, so
these endpoints see every fault kind the scrape endpoints see.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote

from .batches import PENDING_BATCHES, BatchBook, BatchRejected
from .crawls import HISTORY_LIMIT, PENDING_CRAWLS, CrawlBook, CrawlRejected
from .wire import Reply

Handler = Callable[[str, dict[str, list[str]], Any, list[str]], Reply]


def _json(value: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(value, ensure_ascii=False).encode())


def _error(status: int, message: str, **extra: Any) -> Reply:
    return _json({"status": "error", "message": message, **extra}, status)


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [str(default)])[0])
    except ValueError:
        return default


def _segments(rest: str) -> list[str]:
    return [unquote(part, errors="replace") for part in rest.strip("/").split("/")]


BATCH_NOT_FOUND = _error(404, "Batch not found")
CRAWL_NOT_FOUND = _error(404, "Crawl job not found")
NOT_YOURS = _error(403, "You do not have permission to access this job.")


class KindRoutes:
    """Answers ``/batch/scrape...`` and ``/crawl...`` requests."""

    def __init__(
        self,
        batches: BatchBook,
        crawls: CrawlBook,
        planted: Callable[[str, str], list[dict[str, Any]]] | None = None,
        planted_one: Callable[[str, str, str], dict[str, Any] | None] | None = None,
    ) -> None:
        self.batches = batches
        self.crawls = crawls
        # Past batches and crawls planted for the account view (the demo's history):
        # listed after the live ones, as older rows.
        self._planted = planted or (lambda kind, key: [])
        # A planted row read by its ID: its list fields, with no items or pages.
        self._planted_one = planted_one or (lambda kind, row_id, key: None)

    @staticmethod
    def claims(rest: str) -> bool:
        """Whether a path under the API prefix is one of these endpoints."""
        return rest.startswith(("/batch/scrape", "/crawl"))

    def serve(
        self, method: str, rest: str, query_text: str, body: bytes, key: str, touched: list[str]
    ) -> Reply:
        """Answer one request for ``rest`` (the path after ``/api``)."""
        query = parse_qs(query_text)
        parts = _segments(rest)
        if parts[:2] == ["batch", "scrape"]:
            return self._batch(method, parts[2:], query, body, key, touched)
        if parts[0] == "crawl":
            return self._crawl(method, parts[1:], query, body, key, touched)
        return _error(404, "Not found")

    # -- batches ------------------------------------------------------------------------

    def _batch(
        self,
        method: str,
        parts: list[str],
        query: dict[str, list[str]],
        body: bytes,
        key: str,
        touched: list[str],
    ) -> Reply:
        if not parts or parts == [""]:
            if method == "POST":
                return self._batch_submit(body, key, touched)
            if method == "GET":
                return self._batch_list(query, key)
            return _not_allowed("GET, POST")
        batch = self.batches.get(parts[0])
        if batch is None:
            row = self._planted_one("batch", parts[0], key)
            if row is not None and parts[1:] == [] and method == "GET":
                return _json({**row, "items": []})
            return BATCH_NOT_FOUND
        if batch.owner != key:
            return NOT_YOURS
        touched.append(batch.batch_id)
        if len(parts) == 1:
            if method == "GET":
                return _json(self.batches.body(batch))
            if method == "DELETE":
                cancelled, refunded = self.batches.cancel(batch)
                return _json({"cancelledItems": cancelled, "creditsRefunded": refunded})
            return _not_allowed("GET, DELETE")
        if parts[1:] == ["retry"]:
            if method != "POST":
                return _not_allowed("POST")
            return _json({"retriedCount": self.batches.retry(batch)})
        return _error(404, "Not found")

    def _batch_submit(self, body: bytes, key: str, touched: list[str]) -> Reply:
        decoded, refused = _admit(body, self.batches.pending(key), PENDING_BATCHES, "batch")
        if refused is not None:
            return refused
        try:
            batch = self.batches.create(key, decoded)
        except BatchRejected as rejected:
            return _error(422, "Validation failed", errors=rejected.errors)
        touched.append(batch.batch_id)
        answer = {"status": "queued", "batchId": batch.batch_id, "total": len(batch.items)}
        return _json(answer, 202)

    def _batch_list(self, query: dict[str, list[str]], key: str) -> Reply:
        page = max(1, _int(query, "page", 1))
        limit = max(1, min(50, _int(query, "limit", 20)))
        owned = [self.batches.list_row(b) for b in self.batches.owned(key)]
        owned += self._planted("batch", key)
        rows = owned[(page - 1) * limit : page * limit]
        pagination = {
            "page": page,
            "limit": limit,
            "total": len(owned),
            "totalPages": math.ceil(len(owned) / limit),
        }
        return _json({"jobs": rows, "pagination": pagination})

    # -- crawls -------------------------------------------------------------------------

    def _crawl(
        self,
        method: str,
        parts: list[str],
        query: dict[str, list[str]],
        body: bytes,
        key: str,
        touched: list[str],
    ) -> Reply:
        if not parts or parts == [""]:
            if method != "POST":
                return _not_allowed("POST")
            return self._crawl_submit(body, key, touched)
        if parts == ["history"]:
            if method != "GET":
                return _not_allowed("GET")
            return self._crawl_history(query, key)
        crawl = self.crawls.get(parts[0])
        if crawl is None:
            row = self._planted_one("crawl", parts[0], key)
            if row is not None and parts[1:] == [] and method == "GET":
                return _json(_planted_crawl(row))
            return CRAWL_NOT_FOUND
        if crawl.owner != key:
            return NOT_YOURS
        touched.append(crawl.crawl_id)
        if len(parts) == 1:
            if method == "GET":
                return _json(self.crawls.body(crawl))
            if method == "DELETE":
                if not self.crawls.cancel(crawl):
                    return _error(400, "Crawl job has already finished")
                return _json({"status": "cancelled", "jobId": crawl.crawl_id})
            return _not_allowed("GET, DELETE")
        if parts[1:] == ["pages"]:
            if method != "GET":
                return _not_allowed("GET")
            offset, limit = _int(query, "offset", 0), _int(query, "limit", 1000)
            return _json(self.crawls.pages(crawl, offset, limit))
        if len(parts) == 3 and parts[1] == "retry":
            if method != "POST":
                return _not_allowed("POST")
            return _json(
                {
                    "success": True,
                    "data": None,
                    "tokensUsed": 0,
                    "creditsUsed": 0,
                    "message": "Page re-processed",
                }
            )
        return _error(404, "Not found")

    def _crawl_submit(self, body: bytes, key: str, touched: list[str]) -> Reply:
        decoded, refused = _admit(body, self.crawls.pending(key), PENDING_CRAWLS, "crawl")
        if refused is not None:
            return refused
        try:
            crawl = self.crawls.create(key, decoded)
        except CrawlRejected as rejected:
            return _error(422, "Validation failed", errors=rejected.errors)
        touched.append(crawl.crawl_id)
        return _json({"status": "queued", "jobId": crawl.crawl_id}, 202)

    def _crawl_history(self, query: dict[str, list[str]], key: str) -> Reply:
        page = max(1, _int(query, "page", 1))
        limit = max(1, min(HISTORY_LIMIT, _int(query, "limit", 20)))
        owned = [self.crawls.history_row(c) for c in self.crawls.owned(key)]
        owned += self._planted("crawl", key)
        rows = owned[(page - 1) * limit : page * limit]
        return _json(
            {
                "jobs": rows,
                "total": len(owned),
                "page": page,
                "totalPages": math.ceil(len(owned) / limit),
            }
        )


def _admit(body: bytes, pending: int, limit: int, what: str) -> tuple[Any, Reply | None]:
    """The decoded body of a submit, or the refusal: not JSON, or too many pending."""
    decoded = _decode(body)
    if decoded is _BAD:
        return None, _error(400, "Request body is not valid JSON")
    if pending >= limit:
        return None, _error(
            429,
            f"You have {limit} pending {what} jobs; wait for one to finish.",
            code="TOO_MANY_PENDING_JOBS",
        )
    return decoded, None


def _planted_crawl(row: dict[str, Any]) -> dict[str, Any]:
    """A planted history row as ``GET /crawl/{id}`` answers: its status and counts."""
    pages = row.get("pages_crawled")
    return {
        "status": row.get("status"),
        "progress": {"message": "", "pagesCrawled": pages, "maxPages": row.get("max_pages")},
        "result": [],
        "totalPages": pages,
        "resultTruncated": False,
    }


_BAD = object()


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError):
        return _BAD


def _not_allowed(allow: str) -> Reply:
    return Reply(
        405,
        json.dumps({"status": "error", "message": "Method not allowed"}).encode(),
        headers=(("Allow", allow),),
    )
