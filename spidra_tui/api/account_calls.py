"""The account endpoints of :class:`~spidra_tui.api.client.SpidraClient`.

A mixin, so the client stays one class with one send method (``_request``) while the
account's calls live beside their models. Every call is a GET and is retried on passing
failures like ``get_job``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from spidra_tui.api.account import (
    Account,
    LogFilters,
    ScrapeLog,
    ScrapeLogPage,
    Usage,
    parse_account,
    parse_log_detail,
    parse_log_page,
    parse_usage,
    usage_query,
)
from spidra_tui.api.account_lists import (
    BATCH_PAGE_LIMIT,
    CRAWL_PAGE_LIMIT,
    SummaryPage,
    list_query,
    parse_batch_page,
    parse_crawl_page,
)
from spidra_tui.api.errors import SpidraError

if TYPE_CHECKING:
    from spidra_tui.clock import Clock


def segment(value: str) -> str:
    """``value`` escaped as exactly one path segment (``.`` and ``..`` too)."""
    escaped = quote(value, safe="")
    return escaped.replace(".", "%2E") if escaped in (".", "..") else escaped


class AccountCalls:
    """``scrape_logs``, ``scrape_log``, ``account``, ``usage``, ``batch_list``, ``crawl_list``."""

    if TYPE_CHECKING:
        get_retries: int
        _clock: Clock

        async def _request(self, method: str, path: str, *, json_body: Any = None) -> Any: ...

        def _backoff(self, attempt: int, exc: SpidraError) -> float: ...

    async def _get_json(self, path: str, retries: int | None = None) -> Any:
        attempts = (self.get_retries if retries is None else retries) + 1
        for attempt in range(attempts):
            try:
                return await self._request("GET", path)
            except SpidraError as exc:
                if not exc.transient or attempt + 1 >= attempts:
                    raise
                await self._clock.sleep(self._backoff(attempt, exc))
        raise AssertionError("unreachable")

    async def scrape_logs(
        self, filters: LogFilters | None = None, *, retries: int | None = None
    ) -> ScrapeLogPage:
        """``GET /scrape-logs``: one page of the scrape history."""
        filters = filters or LogFilters()
        body = await self._get_json(f"/scrape-logs?{filters.query()}", retries)
        return parse_log_page(body, filters)

    async def scrape_log(self, uuid: str, *, retries: int | None = None) -> ScrapeLog:
        """``GET /scrape-logs/{uuid}``: one log with its ``result_data``."""
        body = await self._get_json(f"/scrape-logs/{segment(uuid)}", retries)
        return parse_log_detail(body)

    async def account(self, *, retries: int | None = None) -> Account:
        """``GET /account``: plan, credits, proxy bandwidth."""
        return parse_account(await self._get_json("/account", retries))

    async def usage(self, time_range: str = "7d", *, retries: int | None = None) -> Usage:
        """``GET /usage-stats?range=...`` (``7d``, ``30d`` or ``weekly``)."""
        body = await self._get_json(f"/usage-stats?{usage_query(time_range)}", retries)
        return parse_usage(body, time_range)

    async def batch_list(
        self, page: int = 1, limit: int = 20, *, retries: int | None = None
    ) -> SummaryPage:
        """``GET /batch/scrape``: one page of batches, newest first."""
        query = list_query(page, limit, BATCH_PAGE_LIMIT)
        return parse_batch_page(await self._get_json(f"/batch/scrape?{query}", retries), page)

    async def crawl_list(
        self, page: int = 1, limit: int = 20, *, retries: int | None = None
    ) -> SummaryPage:
        """``GET /crawl/history``: one page of crawls, newest first."""
        query = list_query(page, limit, CRAWL_PAGE_LIMIT)
        return parse_crawl_page(await self._get_json(f"/crawl/history?{query}", retries), page)
