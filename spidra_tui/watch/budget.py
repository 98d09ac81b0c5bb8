"""The request budget: every request the app sends passes this gate.

Spidra allows 300 requests per IP address every 15 minutes, on every endpoint,
polling included, and that window is shared with everything else the user runs
from the same address (their pipeline, the SDK, a second terminal). A 429 locks
all of them out until the window resets. So the budget that matters is the
window's, and most of it belongs to the user, not to this app.

How the budget works:

- **It learns the window from the server.** Every answer's ``RateLimit-Limit``,
  ``-Remaining`` and ``-Reset`` reach :meth:`Budget.observe` (the API client's
  observer, see :mod:`spidra_tui.api.client`). Until a server says anything, it
  assumes Spidra's documented 300 per 15 minutes. The window's length is learned
  as the longest time-to-reset read; until a window change has been seen it is
  taken as at least 15 minutes, which can only make the app slower, never ruder.
- **The server's Remaining is the truth**: others spend from the same window, so
  the app never sends when the last reading, less what was sent since, is spent.
- **The app spends at most ``share`` of each window** (``--budget-share``, 0.5 by
  default; the rest stays with the user's own programs): at most
  ``floor(share x limit)`` requests of its own in one window.
- **Spread, not spent first**: what is left of that allowance is spaced evenly
  over what is left of the window (the gap is time to reset / requests left), so
  polling goes on at the same pace all window long and a request the user asks for
  always finds room.
- **The user goes first**: a request of priority :attr:`Priority.USER` (a submit,
  ``r``, the first look at a job just added) is not paced, only kept within the
  allowance and the server's Remaining. Every other priority is paced.
- **Out of budget**: nothing is sent until the window resets (plus a second of
  grace, since the server's Reset is rounded); :meth:`Budget.view` says when.
- **One budget per machine**: the books (sends and the server's last word) live in
  a :class:`spidra_tui.watch.ledger.Ledger`; with a ``FileLedger`` every process on
  the same state folder spends from them, and a check and a spend are one atomic
  step across processes.

The window is assumed fixed (it opens with a request and resets at the time the
server gives), as Spidra's is. R requests a second and K in flight remain the
poller's burst caps on top of this.

The gate's API, for every piece of code that sends requests:

- ``budget.attach(client)``: the client then tells the budget of every answer
  (:meth:`Budget.observe`) and asks it before every request it sends
  (:meth:`Budget.before_send`), retries included. A request whose slot was
  taken beforehand in the same task passes at once; any other waits its turn
  with the last priority taken in that task (``USER`` if none).
- ``await budget.take(priority)``: wait until a request of this priority may go
  and count it; then send it from the same task. (``Watcher.take_slot(priority)``
  does this together with the poller's per-second cap: use that from the watch
  layer and above.)
- ``budget.next_at(priority)``: when such a request may go (monotonic), for
  schedulers that do their own waiting; ``budget.try_spend(priority)`` counts it
  and ``budget.paid(priority)``, in the task that sends, marks its slot taken.
- ``budget.rate()``: requests a second the app may spend on average now, which
  the poller uses to stretch its polling interval; ``budget.view()``: what a
  header shows.
"""

from __future__ import annotations

import math
import time
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from spidra_tui.api.ratelimit import Answer
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.watch.ledger import Ledger, MemoryLedger, WindowState

if TYPE_CHECKING:
    from pathlib import Path

    from spidra_tui.api.client import SpidraClient

ASSUMED_LIMIT = 300
ASSUMED_WINDOW = 900.0
DEFAULT_SHARE = 0.5
RESET_GRACE = 1.0  # the server rounds Reset to a second; wait that much past it
NEW_WINDOW_JUMP = 2.0  # a Reset later than the last one by more than this: a new window
RECHECK = 5.0  # seconds a waiting ``take`` sleeps at most before looking again
MIN_RATE = 1e-4


class Priority(IntEnum):
    """Who a request is for; lower goes first. See the module docstring."""

    USER = 0  # asked for by the user: a submit, ``r``, a first look at a job just added
    FOCUS = 1  # the job the user is looking at
    FIRST = 2  # a job never seen (remembered from an earlier run)
    SOON = 3  # a job predicted to end soon
    ROUTINE = 4  # everything else


@dataclass(frozen=True, slots=True)
class _Slot:
    priority: Priority
    paid: bool


# The slot the current task took for its next request (see ``Budget.before_send``).
_SLOT: ContextVar[_Slot | None] = ContextVar("spidra_tui_budget_slot", default=None)


@dataclass(frozen=True, slots=True)
class BudgetView:
    """The budget as a header shows it: "96 of 150 left · 300 per 15 min · resets 06:14"."""

    limit: int
    window: float  # seconds
    share: float
    allowance: int  # requests of ours allowed in one window
    left: int  # of those, still to spend in this window
    reset_at: float | None  # wall clock; None while no server has said
    learned: bool  # the limit comes from a server's headers
    free_at: float | None = None  # wall clock: when a request may go again, when none may now

    def describe(self) -> str:
        """The header's words."""
        limit = f"{self.limit} per {window_text(self.window)}"
        if not self.learned:
            limit += " (assumed)"
        parts = [f"{self.left} of {self.allowance} left", limit]
        if self.reset_at is not None:
            parts.append(f"resets {clock_text(self.reset_at)}")
        return " · ".join(parts)


def window_text(seconds: float) -> str:
    """``15 min``, ``3 min``, ``90 s``, ``1 h``."""
    if seconds >= 3600 and round(seconds) % 3600 < 30:
        return f"{round(seconds / 3600)} h"
    if seconds >= 120:
        return f"{round(seconds / 60)} min"
    return f"{math.ceil(seconds)} s"


def clock_text(wall: float, *, seconds: bool = False) -> str:
    """``06:14`` (or ``06:14:05``) in local time."""
    return time.strftime("%H:%M:%S" if seconds else "%H:%M", time.localtime(wall))


@dataclass(frozen=True, slots=True)
class _Plan:
    limit: int
    length: float
    allowance: int
    ours: int  # our requests in this window
    room: int  # requests we may still send in it
    reset_at: float | None  # wall, while the server's window is current
    gap: float  # seconds between paced requests
    last_send: float | None
    learned: bool


class Budget:
    """The gate every request passes; see the module docstring."""

    def __init__(
        self,
        *,
        share: float = DEFAULT_SHARE,
        ledger: Ledger | None = None,
        clock: Clock | None = None,
        limited: bool = True,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("the budget share must be above 0 and at most 1")
        self.share = share
        self.limited = limited
        self.ledger: Ledger = ledger if ledger is not None else MemoryLedger()
        self._clock: Clock = clock or SystemClock()

    @classmethod
    def unlimited(cls, clock: Clock | None = None) -> Budget:
        """A gate that never waits (the poller's per-second cap still holds)."""
        return cls(share=1.0, clock=clock, limited=False)

    # -- the gate ---------------------------------------------------------------------

    def next_at(self, priority: Priority = Priority.ROUTINE, now: float | None = None) -> float:
        """The monotonic time from which a request of ``priority`` may go; ``now`` when
        it may go at once (``now`` defaults to the clock's monotonic time)."""
        now = self._clock.monotonic() if now is None else now
        if not self.limited:
            return now
        wall = self._clock.wall()
        with self.ledger.locked():
            plan = self._plan(wall)
        return now + (self._wait(plan, priority, wall) or 0.0)

    def try_spend(self, priority: Priority = Priority.ROUTINE) -> bool:
        """Count one request of ``priority`` if it may go now; False if it must wait."""
        if not self.limited:
            return True
        wall = self._clock.wall()
        with self.ledger.locked():
            if self._wait(self._plan(wall), priority, wall):
                return False
            self.ledger.add_send(wall)
        return True

    async def take(self, priority: Priority = Priority.USER) -> None:
        """Wait until a request of ``priority`` may go, and count it for this task's next."""
        while not self.try_spend(priority):
            wait = self.next_at(priority) - self._clock.monotonic()
            await self._clock.sleep(min(RECHECK, max(wait, 0.01)))
        self.paid(priority)

    def paid(self, priority: Priority) -> None:
        """The current task's next request has its slot (taken with :meth:`try_spend`)."""
        _SLOT.set(_Slot(priority, paid=True))

    async def before_send(self) -> None:
        """The client's gate, awaited before every request it sends."""
        slot = _SLOT.get()
        if slot is not None and slot.paid:
            _SLOT.set(_Slot(slot.priority, paid=False))
            return
        if not self.limited:
            return
        # Not taken beforehand: a retry inside a client method, or a caller that did
        # not ask. It waits like any other request of the same priority.
        priority = slot.priority if slot is not None else Priority.USER
        await self.take(priority)
        _SLOT.set(_Slot(priority, paid=False))

    def attach(self, client: SpidraClient) -> None:
        """Make ``client`` report every answer here and ask here before every request."""
        client.observer = self.observe
        client.gate = self

    def wait_for(self, priority: Priority = Priority.USER) -> float:
        """Seconds until a request of ``priority`` may go (0: now)."""
        return max(0.0, self.next_at(priority) - self._clock.monotonic())

    # -- learning -----------------------------------------------------------------------

    def observe(self, answer: Answer) -> None:
        """Take in what an answer's headers said about the window."""
        reading = answer.window
        if reading is None or not self.limited:
            return
        reset_at = answer.received_at + reading.resets_in
        with self.ledger.locked():
            current = self.ledger.window()
            length = math.ceil(reading.resets_in - 1e-9)
            if current is not None and current.limit == reading.limit:
                length = max(length, current.length)
            fresh = WindowState(
                reading.limit, reading.remaining, reset_at, answer.sent_at, float(length)
            )
            if current is None:
                self.ledger.set_window(fresh)
            elif reset_at > current.reset_at + NEW_WINDOW_JUMP:
                self.ledger.set_window(
                    WindowState(
                        fresh.limit,
                        fresh.remaining,
                        fresh.reset_at,
                        fresh.seen_at,
                        fresh.length,
                        previous_reset=current.reset_at,
                        transitions=current.transitions + 1,
                    )
                )
            elif reset_at >= current.reset_at - NEW_WINDOW_JUMP:
                # The same window: keep whichever reading leaves less.
                if self._estimate(fresh) < self._estimate(current) or length > current.length:
                    keep = fresh if self._estimate(fresh) < self._estimate(current) else current
                    self.ledger.set_window(
                        WindowState(
                            keep.limit,
                            keep.remaining,
                            current.reset_at,
                            keep.seen_at,
                            float(length),
                            current.previous_reset,
                            current.transitions,
                        )
                    )
            # else: a late answer from a window already over; nothing to learn

    # -- what it looks like ----------------------------------------------------------------

    def rate(self) -> float:
        """Requests a second the app may spend on average from now (inf when unlimited)."""
        if not self.limited:
            return math.inf
        with self.ledger.locked():
            plan = self._plan(self._clock.wall())
        if plan.room >= 1:
            return max(MIN_RATE, 1.0 / plan.gap) if plan.gap > 0 else math.inf
        return max(MIN_RATE, plan.allowance / plan.length)

    def view(self) -> BudgetView | None:
        """The budget for a header; None when unlimited."""
        if not self.limited:
            return None
        wall = self._clock.wall()
        with self.ledger.locked():
            plan = self._plan(wall)
        return BudgetView(
            limit=plan.limit,
            window=plan.length,
            share=self.share,
            allowance=plan.allowance,
            left=max(0, min(plan.allowance - plan.ours, plan.room)),
            reset_at=plan.reset_at,
            learned=plan.learned,
            free_at=plan.reset_at + RESET_GRACE if plan.room < 1 and plan.reset_at else None,
        )

    # -- the arithmetic ------------------------------------------------------------------

    def _estimate(self, state: WindowState) -> int:
        """What is left in the server's window: its last word less what we sent since.

        Since the moment that request was sent, itself included: one too few rather
        than one too many, when several leave at the same instant.
        """
        return state.remaining - self.ledger.count_since(state.seen_at)

    def _plan(self, wall: float) -> _Plan:
        state = self.ledger.window()
        limit = state.limit if state is not None else ASSUMED_LIMIT
        allowance = max(1, math.floor(self.share * limit + 1e-9))
        measured = state is not None and state.transitions > 0
        length = state.length if state is not None and measured else ASSUMED_WINDOW
        if state is not None and not measured:
            length = max(state.length, ASSUMED_WINDOW)
        if state is not None and wall < state.reset_at + RESET_GRACE:
            start = state.reset_at - length
            if state.previous_reset is not None:
                start = max(start, state.previous_reset)
            ours = self.ledger.count_since(start)
            room = min(allowance - ours, self._estimate(state))
            left_time = max(0.0, state.reset_at - wall)
            gap = left_time / room if room >= 1 else length / allowance
            reset_at: float | None = state.reset_at
        else:
            start = wall - length
            if state is not None:
                start = max(start, state.reset_at)  # that window is over
            ours = self.ledger.count_since(start)
            room = allowance - ours
            gap = length / allowance
            reset_at = None
        return _Plan(
            limit=limit,
            length=length if measured or state is None else max(state.length, 1.0),
            allowance=allowance,
            ours=ours,
            room=room,
            reset_at=reset_at,
            gap=gap,
            last_send=self.ledger.last_send(),
            learned=state is not None,
        )

    def _wait(self, plan: _Plan, priority: Priority, wall: float) -> float:
        """Seconds a request of ``priority`` must wait (0: it may go now)."""
        if plan.room < 1:
            if plan.reset_at is not None:
                return max(0.0, plan.reset_at + RESET_GRACE - wall) or plan.gap
            return plan.gap  # an assumed window: look again after one gap
        if priority == Priority.USER or plan.last_send is None:
            return 0.0
        return max(0.0, plan.last_send + plan.gap - wall)


def open_budget(
    state_dir: Path | str, *, share: float = DEFAULT_SHARE, clock: Clock | None = None
) -> tuple[Budget, str | None]:
    """The budget whose books live in ``state_dir``, shared by every process on it.

    When its file cannot be used the budget is this process's alone; the second
    value then says so in plain words (else None).
    """
    from spidra_tui.watch.ledger import FileLedger
    from spidra_tui.watch.schema import StoreError

    try:
        return Budget(share=share, ledger=FileLedger.open(state_dir), clock=clock), None
    except (StoreError, OSError) as exc:
        budget = Budget(share=share, clock=clock)
        return budget, f"{exc} Other spidra-tui processes will not see this one's requests."
