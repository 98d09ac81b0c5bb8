"""A crawl: ``GET /crawl/{id}`` a poll, and its pages only when there are new ones.

Pages are read from ``/pages`` only when ``pagesCrawled`` grew past the pages
already kept, from the offset where the last read stopped, so each page is
downloaded once. A read cut short by a failure keeps what it got; the rest is
read at the next poll. At the crawl's end every page must be in: a failure
then fails the poll, so it is tried again rather than the crawl left short.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from spidra_tui.api.crawl import (
    Crawl,
    CrawlCancelled,
    CrawlPage,
    CrawlPages,
    parse_crawl,
    parse_page,
)
from spidra_tui.api.errors import SpidraError
from spidra_tui.api.kinds import Kind
from spidra_tui.watch.kinds.base import AnswerView, Parts, Polled, Slot, Unsupported

PAGES_PER_READ = 1000


class CrawlSource(Protocol):
    async def get_crawl(self, crawl_id: str, *, retries: int | None = None) -> Crawl: ...

    async def get_crawl_pages(
        self,
        crawl_id: str,
        offset: int = 0,
        limit: int = PAGES_PER_READ,
        *,
        retries: int | None = None,
    ) -> CrawlPages: ...

    async def cancel_crawl(self, crawl_id: str) -> CrawlCancelled: ...


@dataclass(slots=True)
class CrawlMemo:
    """What the poller remembers of a crawl between polls."""

    kept: int = 0  # pages read and handed to the store: the next read's offset
    failed: int = 0  # failed pages among them
    seen_crawled: int = -1  # pagesCrawled at the last read
    behind: bool = False  # the last read was cut short


def pages_line(crawled: int, cap: int | None) -> str:
    """ "120 of 500 pages"."""
    return f"{crawled} of {cap} pages" if cap else f"{crawled} pages"


class CrawlWatch:
    """Polls a crawl and reads its new pages; its view counts the pages."""

    kind = Kind.CRAWL
    whole_in_updates = False

    def memo(self, stored_pages: int) -> CrawlMemo:
        return CrawlMemo(kept=stored_pages)

    async def poll(self, source: CrawlSource, item_id: str, memo: Any, slot: Slot) -> Polled:
        if not isinstance(memo, CrawlMemo):
            memo = CrawlMemo()
        crawl = await source.get_crawl(item_id, retries=0)
        crawled = crawl.pages_crawled
        wanted = crawled > memo.kept and (
            crawled != memo.seen_crawled or memo.behind or crawl.is_terminal
        )
        pages: list[CrawlPage] = []
        start = memo.kept
        if wanted:
            try:
                await self._read(source, item_id, start, slot, pages)
                memo.behind = False
            except SpidraError:
                if crawl.is_terminal:
                    raise  # every page must be in before the crawl leaves the schedule
                memo.behind = True
            memo.seen_crawled = crawled
            memo.kept += len(pages)
            memo.failed += sum(page.failed for page in pages)
        view = self.view(crawl, failed=memo.failed)
        return Polled(crawl, view, tuple(pages), start)

    @staticmethod
    async def _read(
        source: CrawlSource, item_id: str, offset: int, slot: Slot, into: list[CrawlPage]
    ) -> None:
        while True:
            await slot()
            chunk = await source.get_crawl_pages(
                item_id, offset=offset + len(into), limit=PAGES_PER_READ, retries=0
            )
            into.extend(chunk.pages)
            if not chunk.pages or not chunk.has_more:
                return

    def view(self, answer: Crawl, *, failed: int | None = None) -> AnswerView:
        crawled, cap = answer.pages_crawled, answer.max_pages
        message = pages_line(crawled, cap)
        first = answer.pages[0] if answer.pages else None
        return AnswerView(
            status=answer.status,
            fraction=answer.fraction,
            message=message,
            error=answer.error,
            title=(first.title if first else None),
            urls=tuple(p.url for p in answer.pages[:50] if p.url),
            parts=Parts(crawled, failed, cap),
            terminal=answer.is_terminal,
        )

    async def probe(self, source: Any, item_id: str) -> None:
        await source.get_crawl(item_id, retries=0)

    def loaded(self, body: Any, pages: list[dict[str, Any]]) -> Crawl:
        """The crawl with every kept page; depth and parent, which only the inline
        pages carry, are filled in by URL."""
        crawl = parse_crawl(body)
        if not pages:
            return crawl
        inline = {page.url: page for page in crawl.pages}
        merged = []
        for index, value in enumerate(pages):
            page = parse_page(value, f"pages[{index}]")
            known = inline.get(page.url)
            if known is not None and page.depth is None:
                page = replace(page, depth=known.depth, parent_url=known.parent_url)
            merged.append(page)
        return replace(crawl, pages=tuple(merged))

    async def cancel(self, source: CrawlSource, item_id: str) -> str:
        await source.cancel_crawl(item_id)
        return "the pages crawled so far are kept"

    async def retry(self, source: CrawlSource, item_id: str) -> int:
        raise Unsupported("a crawl's failed pages are retried one by one, not all at once")
