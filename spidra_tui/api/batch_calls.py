"""The batch-scrape endpoints of :class:`spidra_tui.api.client.SpidraClient`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spidra_tui.api.batch import (
    Batch,
    BatchCancelled,
    BatchList,
    BatchQueued,
    parse_batch,
    parse_batch_cancelled,
    parse_batch_list,
    parse_batch_queued,
    parse_retried,
)
from spidra_tui.api.calls import Calls, path_segment

MAX_BATCH_URLS = 50


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """The body of ``POST /batch/scrape``; ``None`` fields are left out."""

    urls: tuple[str, ...]
    prompt: str | None = None
    output: str | None = None
    schema: dict[str, Any] | None = None
    use_proxy: bool | None = None
    proxy_country: str | None = None
    extract_content_only: bool | None = None
    screenshot: bool | None = None
    full_page_screenshot: bool | None = None
    cookies: str | None = None
    scrape_mode: str | None = None

    def to_body(self) -> dict[str, Any]:
        """The JSON body, camelCase on the wire; URLs as plain strings."""
        body: dict[str, Any] = {"urls": list(self.urls)}
        optional = {
            "prompt": self.prompt,
            "output": self.output,
            "schema": self.schema,
            "useProxy": self.use_proxy,
            "proxyCountry": self.proxy_country,
            "extractContentOnly": self.extract_content_only,
            "screenshot": self.screenshot,
            "fullPageScreenshot": self.full_page_screenshot,
            "cookies": self.cookies,
            "scrapeMode": self.scrape_mode,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body


def batch_path(batch_id: str) -> str:
    """``/batch/scrape/<id>`` with the ID escaped as one path segment."""
    return "/batch/scrape/" + path_segment(batch_id)


class BatchCalls(Calls):
    """``/batch/scrape`` calls."""

    async def submit_batch(self, request: BatchRequest) -> BatchQueued:
        """``POST /batch/scrape``: start a batch of up to 50 URLs."""
        return parse_batch_queued(await self._post("/batch/scrape", request.to_body()))

    async def get_batch(self, batch_id: str, *, retries: int | None = None) -> Batch:
        """``GET /batch/scrape/{id}``: the batch with every item, in one request."""
        return await self._get(batch_path(batch_id), parse_batch, retries=retries)

    async def list_batches(self, page: int = 1, limit: int = 20) -> BatchList:
        """``GET /batch/scrape?page&limit``: a page of batches (limit at most 50)."""
        params = {"page": page, "limit": min(max(1, limit), 50)}
        return await self._get("/batch/scrape", parse_batch_list, params=params)

    async def cancel_batch(self, batch_id: str) -> BatchCancelled:
        """``DELETE /batch/scrape/{id}``: cancel the items not yet done."""
        return await self._get(batch_path(batch_id), parse_batch_cancelled, method="DELETE")

    async def retry_batch(self, batch_id: str) -> int:
        """``POST /batch/scrape/{id}/retry``: re-queue the failed items; how many were."""
        return parse_retried(await self._post(batch_path(batch_id) + "/retry", {}))
