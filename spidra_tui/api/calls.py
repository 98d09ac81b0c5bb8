"""What a mixin of endpoint calls needs from the client it is mixed into."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

T = TypeVar("T")


class Calls:
    """The two sending methods :class:`spidra_tui.api.client.SpidraClient` provides."""

    async def _get(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        retries: int | None = None,
        params: dict[str, Any] | None = None,
        method: str = "GET",
    ) -> T:
        raise NotImplementedError

    async def _post(self, path: str, body: Any) -> Any:
        raise NotImplementedError


def path_segment(value: str) -> str:
    """``value`` escaped as exactly one path segment."""
    # safe="" escapes "/" too; "." and ".." are escaped by hand since they are
    # unreserved yet would be collapsed as path steps.
    segment = quote(value, safe="")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return segment
