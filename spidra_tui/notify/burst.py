"""One notification per burst of endings.

Jobs submitted together end together; a notification each would bury the user.
Endings are gathered until none came for ``quiet`` seconds (or ``longest`` seconds
after the first, so a steady trickle still notifies), then given out as one batch.
Pure bookkeeping: the caller owns the clock and the timer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

__all__ = ["EndingBurst"]

T = TypeVar("T")


class EndingBurst(Generic[T]):
    """Gathers endings into bursts; ``due()`` says when to call ``take()``."""

    def __init__(self, quiet: float = 1.5, longest: float = 8.0) -> None:
        self.quiet = quiet
        self.longest = longest
        self._items: list[T] = []
        self._first = 0.0
        self._last = 0.0

    def __len__(self) -> int:
        return len(self._items)

    def add(self, items: Iterable[T], now: float) -> float | None:
        """Gather ``items`` (ended at ``now``); returns when the burst is due, or None
        when nothing is pending."""
        items = list(items)
        if items:
            if not self._items:
                self._first = now
            self._items.extend(items)
            self._last = now
        return self.due()

    def due(self) -> float | None:
        """The time the pending burst should be given out; None when none is pending."""
        if not self._items:
            return None
        return min(self._last + self.quiet, self._first + self.longest)

    def take(self, now: float) -> list[T]:
        """The burst, if it is due at ``now`` (else nothing, and it keeps gathering)."""
        due = self.due()
        if due is None or now + 1e-9 < due:
            return []
        items, self._items = self._items, []
        return items

    def flush(self) -> list[T]:
        """Everything pending, due or not (on exit)."""
        items, self._items = self._items, []
        return items
