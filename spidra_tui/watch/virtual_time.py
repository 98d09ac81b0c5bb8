"""Virtual time for running a poller against a real server on loopback.

:class:`spidra_tui.clock.FakeClock` jumps forward the moment anyone sleeps. That is
fine for code that only sleeps, but a poller sleeps while its requests are on
the wire: time would race ahead under them, and a server reading the same
clock would see requests arrive at impossible moments and rates.

:class:`VirtualClock` moves time only when everything is waiting on it: every
sleeper is asleep, no request is *held* (see :meth:`VirtualClock.hold`), and
the event loop has had a few turns to settle. Then it jumps straight to the
earliest wake-up. A request therefore takes no virtual time at all, and the
times a server sees are exactly the times the poller meant to send at. (So
requests spaced in time never overlap here: limits on requests in flight are
tested in real time, against a server that answers slowly.)
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from typing import Any, Protocol

from spidra_tui.clock import FakeClock

SETTLE_TURNS = 20  # event-loop turns with nothing held before time may jump


class SettableClock(Protocol):
    """A clock that moves only when told to (``FakeClock`` is one)."""

    def monotonic(self) -> float: ...

    def wall(self) -> float: ...

    def advance(self, seconds: float) -> None: ...


class Hold:
    """Keeps virtual time still until released (once; releasing again does nothing)."""

    __slots__ = ("_clock", "_released")

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._clock._release()

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class VirtualClock:
    """A clock whose time moves only when all its users wait on it.

    It reads and moves ``base`` (a :class:`FakeClock` by default), so a server
    given ``base`` shares its time. Call :meth:`aclose` before the event loop
    ends: time is moved by a small background task.
    """

    def __init__(self, base: SettableClock | None = None, *, settle_turns: int = SETTLE_TURNS):
        self.base: SettableClock = base if base is not None else FakeClock()
        self._settle_turns = settle_turns
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._holds = 0
        self._changed: asyncio.Event | None = None
        self._driver: asyncio.Task[None] | None = None

    def monotonic(self) -> float:
        return self.base.monotonic()

    def wall(self) -> float:
        return self.base.wall()

    def advance(self, seconds: float) -> None:
        """Move time forward from outside, waking whoever is due."""
        self.base.advance(seconds)
        self._wake_due()

    async def sleep(self, seconds: float) -> None:
        """Wait until virtual time has moved ``seconds`` forward."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.monotonic() + seconds, next(self._seq), future))
        self._poke()
        await future

    def hold(self) -> Hold:
        """Keep time still (a request is in flight) until the hold is released."""
        self._holds += 1
        return Hold(self)

    @property
    def held(self) -> int:
        """How many holds are not yet released."""
        return self._holds

    async def aclose(self) -> None:
        """Stop the task that moves time."""
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.cancel()
            await asyncio.gather(driver, return_exceptions=True)

    # -- internals -------------------------------------------------------------

    def _release(self) -> None:
        self._holds -= 1
        self._poke()

    def _poke(self) -> None:
        if self._driver is None or self._driver.done():
            self._changed = asyncio.Event()
            self._driver = asyncio.get_running_loop().create_task(
                self._drive(), name="virtual-clock"
            )
        assert self._changed is not None
        self._changed.set()

    def _wake_due(self) -> None:
        now = self.monotonic() + 1e-9  # adding a difference back may land one ulp short
        while self._sleepers and (self._sleepers[0][0] <= now or self._sleepers[0][2].done()):
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    async def _drive(self) -> None:
        assert self._changed is not None
        changed = self._changed
        while True:
            await changed.wait()
            changed.clear()
            while await self._settled():
                while self._sleepers and self._sleepers[0][2].done():
                    heapq.heappop(self._sleepers)  # cancelled sleeps
                if not self._sleepers:
                    break
                ahead = self._sleepers[0][0] - self.monotonic()
                if ahead > 0:
                    self.base.advance(ahead)
                self._wake_due()

    async def _settled(self) -> bool:
        for _ in range(self._settle_turns):
            await asyncio.sleep(0)
            if self._holds:
                return False
        return True


class PollHold:
    """The hold of one poll, taken from ``factory`` (a clock's ``hold``; None on a real
    clock, which needs none): time stands still while its request is on the wire, and
    moves while the poll waits for the slot of a further request (a crawl's pages)."""

    __slots__ = ("_factory", "_hold")

    def __init__(self, factory: Callable[[], Any] | None) -> None:
        self._factory = factory
        self._hold = factory() if factory is not None else None

    def release(self) -> None:
        """Let time move (again); nothing if not held."""
        if self._hold is not None:
            self._hold.release()
            self._hold = None

    def renew(self) -> None:
        """Hold time again after :meth:`release`."""
        if self._factory is not None and self._hold is None:
            self._hold = self._factory()
