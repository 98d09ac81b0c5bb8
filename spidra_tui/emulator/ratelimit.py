"""A hard per-key rate limit: at most R requests in any window of W seconds."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    """The limiter's answer for one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    """Whole seconds until the oldest counted request leaves the window."""
    retry_after: int
    """Whole seconds to wait before a request will be allowed (0 when allowed)."""

    def headers(self) -> list[tuple[str, str]]:
        """IETF draft-6 rate-limit headers, plus ``Retry-After`` on a refusal."""
        headers = [
            ("RateLimit-Limit", str(self.limit)),
            ("RateLimit-Remaining", str(self.remaining)),
            ("RateLimit-Reset", str(self.reset_seconds)),
        ]
        if not self.allowed:
            headers.append(("Retry-After", str(self.retry_after)))
        return headers


class SlidingWindowLimiter:
    """Counts accepted requests per key in a sliding window; refused ones do not count."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: float) -> Verdict:
        """Admit or refuse one request of ``key`` arriving at ``now``."""
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            allowed = len(seen) < self.limit
            if allowed:
                seen.append(now)
            reset = _ceil(seen[0] + self.window - now) if seen else 0
            return Verdict(
                allowed=allowed,
                limit=self.limit,
                remaining=max(0, self.limit - len(seen)),
                reset_seconds=reset,
                retry_after=0 if allowed else max(1, reset),
            )


def _ceil(seconds: float) -> int:
    # Tolerate float noise so that 2.0000000001 does not become 3.
    return max(0, math.ceil(seconds - 1e-9))
