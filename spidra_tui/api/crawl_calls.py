"""The crawl endpoints of :class:`spidra_tui.api.client.SpidraClient`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spidra_tui.api.calls import Calls, path_segment
from spidra_tui.api.crawl import (
    Crawl,
    CrawlCancelled,
    CrawlHistory,
    CrawlPage,
    CrawlPages,
    parse_crawl,
    parse_crawl_cancelled,
    parse_crawl_history,
    parse_crawl_pages,
    parse_crawl_queued,
)

PAGES_LIMIT = 1000  # the most pages one /pages request returns


@dataclass(frozen=True, slots=True)
class CrawlRequest:
    """The body of ``POST /crawl``; ``None`` fields are left out."""

    base_url: str
    crawl_instruction: str | None = None
    transform_instruction: str | None = None
    max_pages: int | None = None
    max_depth: int | None = None
    include_paths: tuple[str, ...] | None = None
    exclude_paths: tuple[str, ...] | None = None
    schema: dict[str, Any] | None = None

    def to_body(self) -> dict[str, Any]:
        """The JSON body, camelCase on the wire."""
        body: dict[str, Any] = {"baseUrl": self.base_url}
        optional = {
            "crawlInstruction": self.crawl_instruction,
            "transformInstruction": self.transform_instruction,
            "maxPages": self.max_pages,
            "maxDepth": self.max_depth,
            "includePaths": list(self.include_paths) if self.include_paths else None,
            "excludePaths": list(self.exclude_paths) if self.exclude_paths else None,
            "schema": self.schema,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body


def crawl_path(crawl_id: str) -> str:
    """``/crawl/<id>`` with the ID escaped as one path segment."""
    return "/crawl/" + path_segment(crawl_id)


class CrawlCalls(Calls):
    """``/crawl`` calls."""

    async def submit_crawl(self, request: CrawlRequest) -> str:
        """``POST /crawl``: start a crawl; returns its ID."""
        return parse_crawl_queued(await self._post("/crawl", request.to_body()))

    async def get_crawl(self, crawl_id: str, *, retries: int | None = None) -> Crawl:
        """``GET /crawl/{id}``: status, progress and the first pages inline."""
        return await self._get(crawl_path(crawl_id), parse_crawl, retries=retries)

    async def get_crawl_pages(
        self,
        crawl_id: str,
        offset: int = 0,
        limit: int = PAGES_LIMIT,
        *,
        retries: int | None = None,
    ) -> CrawlPages:
        """``GET /crawl/{id}/pages?offset&limit``: a slice of the pages (limit at most 1,000)."""
        params = {"offset": max(0, offset), "limit": min(max(1, limit), PAGES_LIMIT)}
        return await self._get(
            crawl_path(crawl_id) + "/pages",
            lambda body: parse_crawl_pages(body, offset),
            params=params,
            retries=retries,
        )

    async def get_all_crawl_pages(self, crawl_id: str) -> list[CrawlPage]:
        """Every page of a crawl, read 1,000 at a time."""
        pages: list[CrawlPage] = []
        while True:
            chunk = await self.get_crawl_pages(crawl_id, offset=len(pages))
            pages.extend(chunk.pages)
            if not chunk.pages or not chunk.has_more:
                return pages

    async def cancel_crawl(self, crawl_id: str) -> CrawlCancelled:
        """``DELETE /crawl/{id}``: stop the crawl; pages already crawled are kept."""
        return await self._get(crawl_path(crawl_id), parse_crawl_cancelled, method="DELETE")

    async def retry_crawl_page(self, crawl_id: str, page_id: str) -> Any:
        """``POST /crawl/{id}/retry/{pageId}``: retry one page; the answer as decoded."""
        return await self._post(f"{crawl_path(crawl_id)}/retry/{path_segment(page_id)}", {})

    async def crawl_history(self, page: int = 1, limit: int = 20) -> CrawlHistory:
        """``GET /crawl/history?page&limit``: a page of past crawls (limit at most 100)."""
        params = {"page": page, "limit": min(max(1, limit), 100)}
        return await self._get("/crawl/history", parse_crawl_history, params=params)
