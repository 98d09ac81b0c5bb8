"""Screenshots to see and keep: from the cache when there, else from storage.

:class:`ScreenshotFetcher` is what the app and the ``get`` command use: ``fetch``
gives a local file of the image (downloading it once, then reusing the cached
copy), ``save`` writes it under a safe name without replacing a file unasked.
Downloads are not API requests: they go to the storage host with a client that
never holds the API key, and do not spend the API's request budget.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spidra_tui.deliver.download import (
    EXTENSIONS,
    MAX_IMAGE_BYTES,
    DownloadError,
    download_image,
    image_kind,
    storage_client,
)
from spidra_tui.deliver.files import save_bytes
from spidra_tui.deliver.image_cache import ImageCache
from spidra_tui.sanitize import safe_filename

if TYPE_CHECKING:
    import httpx

__all__ = ["SavedScreenshot", "ScreenshotFetcher", "screenshot_name"]


def screenshot_name(job_id: str, number: int, kind: str = "png") -> str:
    """``JOBID-N.png`` (``.jpg``, ``.webp``): a safe file name for a job's Nth screenshot."""
    job = safe_filename(job_id, default="job", max_len=64)
    extension = EXTENSIONS.get(kind, ".png")
    return safe_filename(f"{job}-{number}{extension}", default=f"screenshot{extension}")


@dataclass(frozen=True)
class SavedScreenshot:
    """Where a screenshot was written, and how many bytes."""

    path: Path
    size: int
    kind: str


class ScreenshotFetcher:
    """Fetches screenshots into an :class:`ImageCache`; one download per link at a time."""

    def __init__(
        self,
        cache: ImageCache,
        client: httpx.AsyncClient | None = None,
        *,
        max_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        self.cache = cache
        self._client = client
        self._own_client = client is None
        self._max_bytes = max_bytes
        self._pending: dict[str, asyncio.Future[Path]] = {}

    async def aclose(self) -> None:
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> ScreenshotFetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def cached(self, url: str) -> Path | None:
        """The cached image of ``url``, without any request."""
        return self.cache.get(url)

    async def fetch(self, url: str) -> Path:
        """A local file holding the image of ``url``; raises ``DownloadError``."""
        hit = self.cache.get(url)
        if hit is not None:
            return hit
        key = str(self.cache.path_for(url))
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            path = await self._download(url)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        else:
            future.set_result(path)
            return path
        finally:
            self._pending.pop(key, None)

    async def _download(self, url: str) -> Path:
        if self._client is None:
            self._client = storage_client()
        downloaded = await download_image(
            url, self._client, self.cache.scratch(), max_bytes=self._max_bytes
        )
        try:
            return self.cache.put(url, downloaded.path)
        except BaseException:
            with contextlib.suppress(OSError):
                downloaded.path.unlink()
            raise

    async def save(
        self, url: str, folder: Path, job_id: str, number: int, *, overwrite: bool = False
    ) -> SavedScreenshot:
        """Write screenshot ``number`` of ``job_id`` into ``folder`` as ``JOBID-N.ext``;
        ``FileExistsError`` when that name is taken and ``overwrite`` is off."""
        path = await self.fetch(url)
        data = await asyncio.to_thread(path.read_bytes)
        kind = image_kind(data[:12])
        if kind is None:  # the cache was tampered with: never pass it on
            raise DownloadError("not_image", "The cached file is not an image")
        target = folder / screenshot_name(job_id, number, kind)
        await asyncio.to_thread(save_bytes, target, data, overwrite=overwrite)
        return SavedScreenshot(target, len(data), kind)
