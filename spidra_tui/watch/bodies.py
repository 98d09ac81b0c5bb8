"""How the store keeps bodies (answers, crawl pages) and the text it binds.

Bodies are compact JSON, zlib-compressed when that pays; the columns are BLOBs,
never decoded by SQLite, so surrogates escaped in a JSON body survive.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

COMPRESS_ABOVE = 4096  # bytes; smaller answers are not worth a zlib round trip
# Level 1: a third of the time of the default level for about 20% more bytes on
# page text; the write happens on the poller's thread, disk is cheaper than latency.
COMPRESS_LEVEL = 1

# SQLite stores UTF-8 and refuses lone surrogates, which a JSON body may carry
# (``"\ud800"``); such characters become U+FFFD in the summary columns.
_SURROGATE = re.compile("[\ud800-\udfff]")

Answer = tuple[bytes, int, int]  # stored body, compressed flag, size of the JSON text


def clean(value: str | None) -> str | None:
    """``value`` with lone surrogates made U+FFFD, so SQLite can store it."""
    if value is None:
        return None
    return _SURROGATE.sub("\ufffd", value)


def key(job_id: str) -> str:
    """The stored key of ``job_id`` (never empty)."""
    if not job_id:
        raise ValueError("a job ID cannot be empty")
    return _SURROGATE.sub("\ufffd", job_id)


def encode(raw: Any) -> Answer:
    """A JSON value as stored: (bytes, compressed flag, size of the JSON text)."""
    # Surrogates escaped by the JSON body survive the round trip through
    # "surrogatepass": the column is a BLOB, never decoded by SQLite.
    text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=str)
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > COMPRESS_ABOVE:
        packed = zlib.compress(data, COMPRESS_LEVEL)
        if len(packed) < len(data):
            return packed, 1, len(data)
    return data, 0, len(data)


def decode(body: Any, compressed: Any) -> str | None:
    """The JSON text of a stored body; None when it cannot be read."""
    try:
        if isinstance(body, str):
            return body
        data = zlib.decompress(body) if compressed else bytes(body)
        return data.decode("utf-8", "surrogatepass")
    except (zlib.error, UnicodeDecodeError, TypeError, ValueError, MemoryError):
        return None
