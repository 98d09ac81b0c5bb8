"""Reading the request window a server announces in its ``RateLimit-*`` headers.

Spidra sends ``RateLimit-Limit`` (requests allowed in the window),
``RateLimit-Remaining`` (left in the window, for everybody at the caller's
address) and ``RateLimit-Reset`` on its answers. Its documentation says Reset is
a Unix timestamp; its Python SDK reads it as seconds from now. Both are
accepted: a value above 10^9 is a timestamp. A timestamp is read against the
answer's ``Date`` header when there is one, so a machine whose clock is off
still knows how long the window has left. The combined ``RateLimit: limit=..,
remaining=.., reset=..`` form and the legacy ``X-RateLimit-*`` headers are read
too.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass

EPOCH_THRESHOLD = 1_000_000_000
MAX_RESET = 24 * 3600.0  # a window that resets later than a day from now is not believed
_FIELD = re.compile(r"(limit|remaining|reset)\s*=\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WindowReading:
    """What one answer said about the request window."""

    limit: int
    remaining: int
    resets_in: float
    """Seconds from the answer until the window starts again."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer, as the request budget sees it (no body, no key)."""

    method: str
    status: int
    window: WindowReading | None
    sent_at: float  # wall clock, when the request left
    received_at: float  # wall clock, when the answer came


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number and number >= 0 else None  # no NaN, no negatives


def read_window(headers: Mapping[str, str], *, now: float) -> WindowReading | None:
    """The window an answer's headers describe, or None when they say nothing usable.

    ``now`` is the client's wall clock when the answer arrived.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    fields: dict[str, float | None] = {}
    combined = lower.get("ratelimit")
    if combined:
        for name, value in _FIELD.findall(combined):
            fields.setdefault(name.lower(), _number(value))
    for prefix in ("ratelimit-", "x-ratelimit-"):
        for name in ("limit", "remaining", "reset"):
            if fields.get(name) is None:
                fields[name] = _number(lower.get(prefix + name))
    limit, remaining, reset = fields.get("limit"), fields.get("remaining"), fields.get("reset")
    if limit is None or remaining is None or reset is None or limit < 1:
        return None
    if reset > EPOCH_THRESHOLD:
        server_now = _date(lower.get("date"))
        reset -= server_now if server_now is not None else now
    if not 0 <= reset <= MAX_RESET:
        reset = min(MAX_RESET, max(0.0, reset))
    return WindowReading(int(limit), int(min(remaining, limit)), reset)


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return None if when is None or when.tzinfo is None else when.timestamp()
