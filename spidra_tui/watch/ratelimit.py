"""How fast the poller may send: our own spacing, and the pauses the server asks for."""

from __future__ import annotations

import math
from collections import deque

# A tenth over 1/rate between sends: a one-second window at the server must not
# see rate + 1 requests because one request took longer on the way than the
# next (a new connection costs tens of milliseconds). At 5 a second this
# tolerates 100 ms of difference in latency, for 10% of the budget.
SPACING_MARGIN = 0.1

DEFAULT_PAUSE = 10.0
PAUSE_CAP = 60.0


class Spacer:
    """At most ``rate`` requests a second, strictly spaced.

    Each send is allowed ``1/rate`` seconds after the previous one, so after a
    pause sending resumes at the steady rate instead of in a burst.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("the request rate must be positive")
        self.rate = rate
        self.gap = (1.0 / rate) * (1.0 + SPACING_MARGIN)
        self._last = -math.inf
        self._recent: deque[float] = deque()

    def next_at(self) -> float:
        """The earliest time the next request may go."""
        return self._last + self.gap

    def sent(self, now: float) -> None:
        """Note a request sent at ``now``."""
        self._last = now
        self._recent.append(now)

    def recent(self, now: float) -> int:
        """Requests sent in the second up to ``now``."""
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        return len(self._recent)

    def recent_expires(self) -> float | None:
        """When :meth:`recent` will next drop (None when it is already 0)."""
        return self._recent[0] + 1.0 if self._recent else None


class ServerPause:
    """A pause of all polling the server asked for with 429 (limits belong to the key).

    The server's ``Retry-After`` is honoured as given. Without one the pause
    is 10 s, doubling (up to 60 s) with each new 429 until a request succeeds.
    A 429 for a request sent before the current pause began belongs to the same
    episode and does not make the next pause longer.
    """

    def __init__(self) -> None:
        self.until = -math.inf
        self.message: str | None = None
        self._strikes = 0
        self._began = -math.inf

    def hit(self, now: float, sent_at: float, retry_after: float | None, message: str) -> None:
        """A 429 arrived at ``now`` for a request sent at ``sent_at``."""
        if sent_at >= self._began or self._strikes == 0:
            self._strikes += 1
            self._began = now
        if retry_after is not None:
            wait = max(0.0, retry_after)
        else:
            wait = min(PAUSE_CAP, DEFAULT_PAUSE * 2 ** (self._strikes - 1))
        self.until = max(self.until, now + wait)
        self.message = message

    def active(self, now: float) -> bool:
        """Whether polling must still wait at ``now``."""
        return now < self.until

    def succeeded(self) -> None:
        """A request went through: the next 429 starts from the default again."""
        self._strikes = 0
