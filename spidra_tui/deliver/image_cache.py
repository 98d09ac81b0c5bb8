"""Downloaded screenshots, kept in the state folder so they outlive their links.

Screenshot links are signed and expire within about an hour; a job opened later
still shows its screenshots from here. The cache is bounded (200 MB by default):
when a new image would pass the bound, the least recently used ones go. An image's
name is a hash of its link without the signing parameters, so a link signed anew
finds the same image.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["MAX_CACHE_BYTES", "ImageCache", "cache_key"]

MAX_CACHE_BYTES = 200 * 1024 * 1024

# Query parameters that sign a link rather than name the object: S3 (X-Amz-*), Google
# Cloud Storage (X-Goog-*), CloudFront, Azure SAS, and this project's emulator.
_SIGNING_PREFIXES = ("x-amz-", "x-goog-")
_SIGNING_NAMES = frozenset(
    {
        "expires",
        "signature",
        "key-pair-id",
        "policy",
        "awsaccesskeyid",
        "googleaccessid",
        "se",
        "sig",
        "sp",
        "spr",
        "sr",
        "srt",
        "ss",
        "st",
        "sv",
        "skoid",
        "sktid",
        "skt",
        "ske",
        "sks",
        "skv",
        "token",
    }
)


def cache_key(url: str) -> str:
    """The name an image of ``url`` has in the cache: the same for every signing of
    one object, different for different objects (paths, or naming parameters)."""
    parts = urlsplit(url)
    kept = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.lower() not in _SIGNING_NAMES and not name.lower().startswith(_SIGNING_PREFIXES)
    ]
    stable = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, urlencode(sorted(kept)), "")
    )
    return hashlib.sha256(stable.encode("utf-8", "replace")).hexdigest()[:40]


class ImageCache:
    """A folder of images, at most ``max_bytes`` in all, least recently used out.

    Recency is the file's modification time, touched on every hit (access times are
    often not kept). Safe to use from several threads of one process.
    """

    def __init__(self, folder: Path, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._last_use = 0

    def _touch(self, path: Path) -> None:
        # Strictly increasing times: two uses in one tick of a coarse clock keep their order.
        with self._lock:
            self._last_use = max(time.time_ns(), self._last_use + 1)
            used = self._last_use
        os.utime(path, ns=(used, used))

    def path_for(self, url: str) -> Path:
        """Where the image of ``url`` is (or would be) kept."""
        return self.folder / f"{cache_key(url)}.img"

    def get(self, url: str) -> Path | None:
        """The cached image of ``url``, marked as just used; None when not cached."""
        path = self.path_for(url)
        try:
            self._touch(path)
        except OSError:
            return None
        return path

    def put(self, url: str, source: Path) -> Path:
        """Move the file ``source`` (same file system, say a download's temporary file)
        into the cache as the image of ``url``; older images go to stay in bounds."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(url)
        os.replace(source, target)
        self._touch(target)
        with self._lock:
            self._evict(keep=target)
        return target

    def scratch(self) -> Path:
        """A folder for downloads in progress, on the cache's file system."""
        folder = self.folder / "partial"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def size(self) -> int:
        """Bytes held now."""
        return sum(size for _path, size, _used in self._entries())

    def _entries(self) -> list[tuple[Path, int, float]]:
        entries = []
        try:
            scan = list(os.scandir(self.folder))
        except OSError:
            return []
        for entry in scan:
            if not entry.name.endswith(".img"):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat()
                entries.append((Path(entry.path), info.st_size, info.st_mtime))
        return entries

    def _evict(self, keep: Path) -> None:
        entries = sorted(self._entries(), key=lambda entry: entry[2])
        total = sum(size for _path, size, _used in entries)
        for path, size, _used in entries:
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size

    def clear_stale_partials(self, older_than: float = 3600.0) -> None:
        """Remove downloads a crash left half-done."""
        folder = self.folder / "partial"
        cutoff = time.time() - older_than
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
