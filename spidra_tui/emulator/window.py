"""Spidra's request window: N requests per client address every W seconds.

Spidra's rate-limit page: 300 requests per IP address every 15 minutes, on every
endpoint, polling included, with ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset`` (a Unix timestamp) on the answers, and over the limit a 429
with ``{"status":"error","message":"Too many requests, please try again later."}``.

The window is fixed, as in the usual Express middleware: it opens with an
address's first request and closes ``window`` seconds later, when the count
starts again from zero. Every request counts, refused ones included.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

RESET_FORMATS = ("timestamp", "seconds")
TOO_MANY = "Too many requests, please try again later."
_PERIOD = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*(s|m|h)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, slots=True)
class WindowLimit:
    """``limit`` requests per client address every ``window`` seconds.

    ``reset_format``: ``timestamp`` sends ``RateLimit-Reset`` as a Unix time (the
    documented form), ``seconds`` as seconds from now (how the Python SDK reads it).
    """

    limit: int = 300
    window: float = 900.0
    reset_format: str = "timestamp"

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0:
            raise ValueError("a window limit needs at least 1 request and a positive window")
        if self.reset_format not in RESET_FORMATS:
            raise ValueError(f"reset_format must be one of {RESET_FORMATS}")

    def describe(self) -> str:
        """``300 per 15 min``."""
        return f"{self.limit} per {period_text(self.window)}"


SPIDRA_WINDOW = WindowLimit()
"""The limit Spidra documents: 300 requests per address every 15 minutes."""


def period_text(seconds: float) -> str:
    """``15 min``, ``90 s``, ``1 h``."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def parse_window(text: str) -> WindowLimit | None:
    """``300/15m``, ``60/3m``, ``100/90s``, ``1000/1h`` (``/m`` is one minute); ``off``: None."""
    if text.strip().lower() in ("off", "none", "0"):
        return None
    match = _PERIOD.match(text)
    if match is None or (match.group(2) is None and match.group(3) is None):
        raise ValueError(f"{text!r} is not N/PERIOD, e.g. 300/15m, 60/3m, 100/90s or off")
    count, amount, unit = match.groups()
    seconds = float(amount or 1) * _UNIT[(unit or "s").lower()]
    return WindowLimit(int(count), seconds)


@dataclass(frozen=True, slots=True)
class Count:
    """Where one request leaves its address's window."""

    allowed: bool
    limit: int
    remaining: int
    resets_in: float  # seconds until the window closes
    reset_wall: float  # wall-clock time when it closes

    def headers(self, reset_format: str) -> tuple[tuple[str, str], ...]:
        """The three ``RateLimit-*`` headers, Reset in the chosen form."""
        if reset_format == "seconds":
            reset = str(max(0, math.ceil(self.resets_in - 1e-9)))
        else:
            reset = str(math.ceil(self.reset_wall - 1e-9))
        return (
            ("RateLimit-Limit", str(self.limit)),
            ("RateLimit-Remaining", str(self.remaining)),
            ("RateLimit-Reset", reset),
        )


class AddressWindows:
    """Counts requests per client address in fixed windows; thread-safe."""

    def __init__(self, setting: WindowLimit) -> None:
        self.setting = setting
        self._windows: dict[str, tuple[float, int]] = {}  # address -> (opened at, count)
        self._lock = threading.Lock()

    def count(self, address: str, now: float, wall: float) -> Count:
        """Count one request from ``address`` at emulator time ``now``."""
        limit, window = self.setting.limit, self.setting.window
        with self._lock:
            opened, used = self._windows.get(address, (-math.inf, 0))
            if now >= opened + window:
                opened, used = now, 0
            used += 1
            self._windows[address] = (opened, used)
        resets_in = opened + window - now
        return Count(
            allowed=used <= limit,
            limit=limit,
            remaining=max(0, limit - used),
            resets_in=resets_in,
            reset_wall=wall + resets_in,
        )
