"""Shared pieces of the account tests."""

from __future__ import annotations

import asyncio

from spidra_tui.clock import FakeClock


class ManualClock:
    """Time moves only when the test says so; sleepers wake when it passes their time."""

    def __init__(self, base: FakeClock) -> None:
        self.base = base
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self.base.monotonic()

    def wall(self) -> float:
        return self.base.wall()

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.monotonic() + seconds, future))
        await future

    def advance(self, seconds: float) -> None:
        self.base.advance(seconds)
        for due, future in list(self._sleepers):
            if due <= self.monotonic() + 1e-9 and not future.done():
                future.set_result(None)
        self._sleepers = [(d, f) for d, f in self._sleepers if not f.done()]

    def sleeping(self) -> bool:
        """Whether someone waits on this clock (so that an advance wakes them)."""
        return any(not future.done() for _due, future in self._sleepers)
