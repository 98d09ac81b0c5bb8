"""The account, watched within the request budget: credits, batch and crawl lists, history.

Every request waits for a send slot first (``take_slot``: the Watcher's, so the account
shares the polls' budget) and is sent once, without the client's own retries; the
schedule here is the retry. What was fetched is kept with the time it was fetched, so a
view can say how fresh it is and a second look costs no request.

Credits are refreshed every ``credits_every`` seconds (10 minutes) and soon after a job
ends, at most once per ``credits_gap``. With ``follow`` on, the batch and crawl lists are
checked every ``lists_every`` seconds (never less than a minute); a running batch or
crawl not seen before is handed to ``on_found``. The first look only learns what exists:
jobs already running when following begins are not announced as new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from spidra_tui.api.account import Account, LogFilters, ScrapeLog, ScrapeLogPage, Usage
from spidra_tui.api.account_lists import SummaryPage
from spidra_tui.api.errors import RateLimited, SpidraError, describe
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.watch.budget import Priority
from spidra_tui.watch.state import PollerStatus

log = logging.getLogger(__name__)

CREDITS_EVERY = 600.0
CREDITS_GAP = 30.0  # after a job ends, refresh the credits no sooner than this after the last
LISTS_EVERY = 60.0
MIN_LISTS_EVERY = 60.0
ERROR_PAUSE = 60.0


def server_pause_end(status: PollerStatus) -> float | None:
    """When the job watcher's 429 pause ends (monotonic), or None when it is not paused so."""
    return status.resume_at if status.paused == "rate_limited" else None


class AccountSource(Protocol):
    """Where the account comes from: :class:`spidra_tui.api.client.SpidraClient` is one."""

    async def account(self, *, retries: int | None = None) -> Account: ...

    async def usage(self, time_range: str = "7d", *, retries: int | None = None) -> Usage: ...

    async def scrape_logs(
        self, filters: LogFilters | None = None, *, retries: int | None = None
    ) -> ScrapeLogPage: ...

    async def scrape_log(self, uuid: str, *, retries: int | None = None) -> ScrapeLog: ...

    async def batch_list(
        self, page: int = 1, limit: int = 20, *, retries: int | None = None
    ) -> SummaryPage: ...

    async def crawl_list(
        self, page: int = 1, limit: int = 20, *, retries: int | None = None
    ) -> SummaryPage: ...


@dataclass(frozen=True, slots=True)
class Fetched:
    """One part of the account as last fetched: the value, when (wall time), or the error."""

    value: Any = None
    at: float | None = None
    error: str | None = None
    error_at: float | None = None


@dataclass(frozen=True, slots=True)
class AccountState:
    """Everything known about the account; parts never fetched are empty ``Fetched``."""

    account: Fetched = field(default_factory=Fetched)
    batches: Fetched = field(default_factory=Fetched)
    crawls: Fetched = field(default_factory=Fetched)
    logs: Fetched = field(default_factory=Fetched)
    usage: dict[str, Fetched] = field(default_factory=dict)
    follow: bool = False
    requests: int = 0


Found = Callable[[str, Any], None]  # ("batch" | "crawl", BatchSummary | CrawlSummary)


class AccountWatcher:
    """Fetches the account's parts within the budget; see the module docstring."""

    def __init__(
        self,
        source: AccountSource,
        take_slot: Callable[[Priority], Awaitable[None]],
        *,
        clock: Clock | None = None,
        on_change: Callable[[AccountState], None] | None = None,
        on_found: Found | None = None,
        follow: bool = False,
        credits_every: float = CREDITS_EVERY,
        credits_gap: float = CREDITS_GAP,
        lists_every: float = LISTS_EVERY,
        held_until: Callable[[], float | None] | None = None,
    ) -> None:
        self.source = source
        self._take_slot = take_slot
        # When the job watcher is paused by the server (429), until when (monotonic).
        self._held_until = held_until or (lambda: None)
        self._clock: Clock = clock or SystemClock()
        self._on_change = on_change
        self._on_found = on_found
        self.credits_every = credits_every
        self.credits_gap = credits_gap
        self.lists_every = max(MIN_LISTS_EVERY, lists_every)
        self.state = AccountState(follow=follow)
        self._seen: dict[str, set[str]] = {}
        self._credits_due = -math.inf  # monotonic time of the next credits refresh
        self._credits_last = -math.inf
        self._lists_due = -math.inf
        self._hold_until = -math.inf  # after a 429: nothing before this
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # -- state ------------------------------------------------------------------------

    def _set(self, **parts: Any) -> None:
        self.state = replace(self.state, **parts)
        if self._on_change is not None:
            try:
                self._on_change(self.state)
            except Exception:
                log.exception("an account callback failed")

    @property
    def follow(self) -> bool:
        """Whether new batches and crawls started elsewhere are looked for."""
        return self.state.follow

    @follow.setter
    def follow(self, on: bool) -> None:
        if on != self.state.follow:
            self._set(follow=on)
            self._lists_due = self._clock.monotonic()
            self._wake.set()

    def age(self, fetched: Fetched) -> float | None:
        """Seconds since ``fetched`` was fetched, or None when it never was."""
        return None if fetched.at is None else max(0.0, self._clock.wall() - fetched.at)

    # -- one request ------------------------------------------------------------------

    async def _send(
        self, part: str, call: Callable[[], Awaitable[Any]], priority: Priority = Priority.USER
    ) -> Fetched:
        """Take a slot, send one request, remember its answer or error under ``part``.

        What the user opened goes as ``USER``; the checks this watcher makes on its own
        (credits every 10 minutes, the lists when following) as ``ROUTINE``, spread over
        the window by the budget.
        """
        async with self._lock:
            await self._wait_out_pauses()
            await self._take_slot(priority)
            self._set(requests=self.state.requests + 1)
            previous = self._get(part)
            try:
                with self._holding():
                    value = await call()
            except SpidraError as exc:
                if isinstance(exc, RateLimited):
                    pause = exc.retry_after if exc.retry_after is not None else ERROR_PAUSE
                    self._hold_until = self._clock.monotonic() + pause
                fetched = replace(previous, error=describe(exc), error_at=self._clock.wall())
            else:
                fetched = Fetched(value=value, at=self._clock.wall())
            self._put(part, fetched)
            return fetched

    async def _wait_out_pauses(self) -> None:
        """A 429 pauses every request of the key: ours, and the job watcher's too."""
        while True:
            until = max(self._hold_until, self._held_until() or -math.inf)
            wait = until - self._clock.monotonic()
            if wait <= 0:
                return
            await self._clock.sleep(wait)

    def _holding(self) -> Any:
        # A virtual clock must not move while a request is on the wire (see virtual_time).
        hold = getattr(self._clock, "hold", None)
        return hold() if hold is not None else contextlib.nullcontext()

    def _get(self, part: str) -> Fetched:
        if part.startswith("usage:"):
            return self.state.usage.get(part[6:], Fetched())
        return getattr(self.state, part)

    def _put(self, part: str, fetched: Fetched) -> None:
        if part.startswith("usage:"):
            self._set(usage={**self.state.usage, part[6:]: fetched})
        else:
            self._set(**{part: fetched})

    # -- what a view asks for -----------------------------------------------------------

    async def refresh_credits(self, priority: Priority = Priority.USER) -> Fetched:
        """Fetch ``/account`` now (within the budget)."""
        self._credits_last = self._clock.monotonic()
        self._credits_due = self._credits_last + self.credits_every
        return await self._send("account", lambda: self.source.account(retries=0), priority)

    async def load_batches(
        self, page: int = 1, limit: int = 20, priority: Priority = Priority.USER
    ) -> Fetched:
        """Fetch one page of the batch list."""
        fetched = await self._send(
            "batches", lambda: self.source.batch_list(page, limit, retries=0), priority
        )
        self._look_for_new("batch", fetched)
        return fetched

    async def load_crawls(
        self, page: int = 1, limit: int = 20, priority: Priority = Priority.USER
    ) -> Fetched:
        """Fetch one page of the crawl list."""
        fetched = await self._send(
            "crawls", lambda: self.source.crawl_list(page, limit, retries=0), priority
        )
        self._look_for_new("crawl", fetched)
        return fetched

    async def load_logs(self, filters: LogFilters | None = None) -> Fetched:
        """Fetch one page of the scrape history."""
        return await self._send("logs", lambda: self.source.scrape_logs(filters, retries=0))

    async def load_log(self, uuid: str) -> ScrapeLog:
        """One log with its result (not kept: the caller shows it). Raises ``SpidraError``."""
        async with self._lock:
            await self._wait_out_pauses()
            await self._take_slot(Priority.USER)
            self._set(requests=self.state.requests + 1)
            with self._holding():
                return await self.source.scrape_log(uuid, retries=0)

    async def load_usage(self, time_range: str = "7d") -> Fetched:
        """Fetch the usage for ``7d``, ``30d`` or ``weekly``."""
        return await self._send(
            f"usage:{time_range}", lambda: self.source.usage(time_range, retries=0)
        )

    def job_ended(self) -> None:
        """A watched job ended: its credits settle, so look at them again soon."""
        self._credits_due = min(self._credits_due, self._credits_last + self.credits_gap)
        self._wake.set()

    # -- following ----------------------------------------------------------------------

    def _look_for_new(self, kind: str, fetched: Fetched) -> None:
        page = fetched.value
        if fetched.at is None or page is None or fetched.error_at and fetched.error_at > fetched.at:
            return
        ids = {row.uuid if kind == "batch" else row.id for row in page.rows}
        known = self._seen.get(kind)
        if known is None:
            # The first look learns what exists; only later ones find something new.
            self._seen[kind] = ids
            return
        for row in page.rows:
            row_id = row.uuid if kind == "batch" else row.id
            if row_id in known:
                continue
            known.add(row_id)
            if self.state.follow and row.running and self._on_found is not None:
                try:
                    self._on_found(kind, row)
                except Exception:
                    log.exception("an account found callback failed")

    # -- the loop -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start refreshing in the background (credits at once)."""
        if self._task is None:
            self._credits_due = self._clock.monotonic()
            self._task = asyncio.create_task(self._run(), name="spidra-account")

    async def stop(self) -> None:
        """Stop the background refreshes and wait for them to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = self._clock.monotonic()
            if now >= self._credits_due:
                await self.refresh_credits(Priority.ROUTINE)
            if self.state.follow and now >= self._lists_due:
                await self.load_batches(priority=Priority.ROUTINE)
                # Counted from the send, which may have waited for its slot.
                self._lists_due = self._clock.monotonic() + self.lists_every
                await self.load_crawls(priority=Priority.ROUTINE)
            now = self._clock.monotonic()
            due = self._credits_due
            if self.state.follow:
                due = min(due, self._lists_due)
            await self._sleep_or_wake(max(due - now, 1e-3))

    async def _sleep_or_wake(self, wait: float) -> None:
        sleeper = asyncio.ensure_future(self._clock.sleep(wait))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
