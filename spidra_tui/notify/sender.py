"""Gives out one notification per burst of endings, on the running asyncio loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from spidra_tui.notify.burst import EndingBurst
from spidra_tui.notify.endings import Ending, notification_for
from spidra_tui.notify.route import Notifier

__all__ = ["BurstSender"]


class BurstSender:
    """Gathers endings and sends one notification per burst through ``notifier``.

    ``on_sent`` hears each route taken (for a status line or a test). ``close()``
    sends what is still gathered, so the last burst is not lost on exit.
    """

    def __init__(
        self,
        notifier: Notifier,
        *,
        quiet: float = 1.5,
        longest: float = 8.0,
        now: Callable[[], float] = time.monotonic,
        on_sent: Callable[[str, list[Ending]], None] | None = None,
    ) -> None:
        self.notifier = notifier
        self._burst: EndingBurst[Ending] = EndingBurst(quiet, longest)
        self._now = now
        self._on_sent = on_sent
        self._timer: asyncio.TimerHandle | None = None
        self.sent: list[str] = []

    @property
    def pending(self) -> int:
        """Endings gathered and not yet sent."""
        return len(self._burst)

    def ended(self, endings: Iterable[Ending]) -> None:
        """Jobs that just ended; a notification follows when the burst is over."""
        if self.notifier.mode == "off":
            return
        due = self._burst.add(endings, self._now())
        if due is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(0.0, due - self._now())
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        batch = self._burst.take(self._now())
        if batch:
            self._send(batch)
        elif (due := self._burst.due()) is not None:
            self._timer = asyncio.get_running_loop().call_later(
                max(0.0, due - self._now()), self._fire
            )

    def _send(self, batch: list[Ending]) -> None:
        notification = notification_for(batch)
        if notification is None:
            return
        route = self.notifier.send(notification)
        self.sent.append(route)
        if self._on_sent is not None:
            self._on_sent(route, batch)

    def cancel(self) -> None:
        """Drop what is pending and stop the timer (the terminal is going away)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._burst.flush()

    def close(self) -> None:
        """Send what is pending now and stop the timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch = self._burst.flush()
        if batch:
            self._send(batch)
