"""Download a screenshot from its storage host, safely.

Screenshot links point at a storage host, not the API, so a download goes through
a client of its own that never holds the API key (see :func:`storage_client`): no
auth, no API headers, no cookies kept. What comes back is untrusted: it is streamed
to a temporary file and stopped past a size cap, and kept only when its first bytes
say PNG, JPEG or WebP. Only http and https are fetched, and redirects are followed
by hand, a few at most, each new target checked as the first was.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from spidra_tui import __version__
from spidra_tui.sanitize import line, web_url

if TYPE_CHECKING:
    import httpx

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_REDIRECTS",
    "DownloadError",
    "Downloaded",
    "download_image",
    "image_kind",
    "storage_client",
]

MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_REDIRECTS = 3
TOTAL_SECONDS = 120.0
"""A download that has not finished in this time is given up (a slow drip)."""
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "image/png,image/jpeg,image/webp;q=0.9,*/*;q=0.1"
EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}


class DownloadError(Exception):
    """A download that did not give an image; ``str()`` says why, in plain words,
    and ``reason`` names the case (``scheme``, ``redirects``, ``status``, ``expired``,
    ``too_large``, ``not_image``, ``network``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Downloaded:
    """An image on disk: a temporary file the caller now owns (move or delete it)."""

    path: Path
    kind: str
    """``png``, ``jpeg`` or ``webp``, from the file's first bytes."""
    size: int


def image_kind(head: bytes) -> str | None:
    """``png``, ``jpeg`` or ``webp`` from a file's first 12 bytes, else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def storage_client(timeout: float = 20.0) -> httpx.AsyncClient:
    """A client for storage hosts: no key, no auth, redirects not followed on its own.

    It is separate from the API's client on purpose: nothing that client adds to a
    request (the key header, its auth hook) can reach a storage host through it.
    """
    import httpx

    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=10.0),
        follow_redirects=False,
        headers={"User-Agent": f"spidra-tui/{__version__}", "Accept": _ACCEPT},
        auth=None,
        limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
    )


def _check_target(url: str) -> str:
    safe = web_url(url)
    if safe is None:
        raise DownloadError(
            "scheme", f"Not downloaded: only http and https links are fetched ({line(url, 80)})"
        )
    parts = urlsplit(safe)
    if parts.username is not None or parts.password is not None:
        raise DownloadError("scheme", "Not downloaded: the link carries a user name or password")
    return safe


def _status_error(status: int) -> DownloadError:
    if status in (401, 403):
        return DownloadError(
            "expired",
            f"The storage host refused the link ({status}): screenshot links are signed and "
            "expire after about an hour. Reload the job for fresh links.",
        )
    if status == 404:
        return DownloadError("status", "The storage host has no such image (404)")
    return DownloadError("status", f"The storage host answered {status} instead of the image")


async def download_image(
    url: str,
    client: httpx.AsyncClient,
    folder: Path,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Downloaded:
    """Fetch ``url`` into a new temporary file in ``folder``; raise ``DownloadError``
    when it is not an http(s) image within ``max_bytes`` after at most
    ``max_redirects`` redirects. No temporary file is left behind on failure."""
    try:
        async with asyncio.timeout(TOTAL_SECONDS):
            return await _follow(url, client, folder, max_bytes, max_redirects)
    except TimeoutError:
        raise DownloadError("network", "The download took too long and was stopped") from None


async def _follow(
    url: str, client: httpx.AsyncClient, folder: Path, max_bytes: int, max_redirects: int
) -> Downloaded:
    import httpx

    current = _check_target(url)
    for _hop in range(max_redirects + 1):
        try:
            async with client.stream("GET", current) as response:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location", "")
                    if not location:
                        raise _status_error(response.status_code)
                    current = _check_target(urljoin(current, location))
                    continue
                if response.status_code != 200:
                    raise _status_error(response.status_code)
                return await _receive(response, folder, max_bytes)
        except httpx.HTTPError as exc:
            raise DownloadError(
                "network", f"The image could not be fetched: {line(type(exc).__name__, 40)}"
            ) from None
        finally:
            client.cookies.clear()  # nothing one host sets goes to the next
    raise DownloadError("redirects", f"Not downloaded: more than {max_redirects} redirects")


def _too_large(max_bytes: int) -> DownloadError:
    return DownloadError(
        "too_large", f"Not downloaded: the image is larger than {max_bytes // (1024 * 1024)} MB"
    )


async def _receive(response: httpx.Response, folder: Path, max_bytes: int) -> Downloaded:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    fd, name = tempfile.mkstemp(prefix=".spidra-download-", suffix=".part", dir=folder)
    path = Path(name)
    size = 0
    head = b""
    try:
        with os.fdopen(fd, "wb") as handle:
            # Decoded bytes: a gzip-encoded answer is capped by what it unpacks to.
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(max_bytes)
                if len(head) < 12:
                    head = (head + chunk)[:12]
                    if len(head) >= 12 and image_kind(head) is None:
                        raise _not_image(response)
                handle.write(chunk)
        kind = image_kind(head)
        if kind is None:
            raise _not_image(response)
        return Downloaded(path, kind, size)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _not_image(response: httpx.Response) -> DownloadError:
    served = line(response.headers.get("content-type", "nothing said"), 60)
    return DownloadError(
        "not_image", f"Not an image: the storage host sent something else ({served})"
    )
