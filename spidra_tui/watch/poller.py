"""The poll scheduler: one loop polls any number of jobs, politely.

There is no task per job. A heap holds each job's next due time; one loop pops
due jobs and starts a short-lived request task for each, while at most
``max_in_flight`` are running and no faster than ``max_rate`` a second
(strictly spaced, so there are no bursts, not even after a pause). When the
queue holds more jobs than ``max_rate x interval`` allows, every job's gap
stretches evenly; ``status.effective_interval`` says by how much. Which job is
due when is decided by a policy (:mod:`spidra_tui.watch.schedule`).

Answers and failures become :class:`JobUpdate` reports, sent only when
something a user can see changed:

- a terminal status (completed, failed, cancelled; 404 -> ``not_found``,
  403 -> ``forbidden``) ends the job: it leaves the schedule for good;
- a passing failure (5xx, network, unreadable answer, unknown 4xx) backs that
  job off alone (decorrelated jitter up to 60 s, reset on success) and
  reports a :class:`RetryState`; the job is never dropped;
- 429 pauses all polling until its ``Retry-After`` (limits belong to the key);
- 401 or 402 stops all polling at the first such answer until :meth:`resume`.
  After a start or resume a single request goes first, so a bad key costs one
  401, not ``max_in_flight`` of them;
- anything else (a bug, not the network) is logged with its traceback and shows
  the job as ``internal_error``; it is not retried, since retrying a bug helps nobody.

Every request also passes the request budget (:mod:`spidra_tui.watch.budget`),
which spends Spidra's per-address window; its sustainable rate, when lower than
``max_rate``, is the rate the polling interval is stretched to. Which due job
goes first: what the user asked for (``r``, a job they just added), the job on
screen (:meth:`Poller.focus`), then the rest by due time, where first looks and
predicted ends lead (see :mod:`spidra_tui.watch.schedule`).

All timing goes through an injectable clock. With
:class:`spidra_tui.watch.virtual_time.VirtualClock` each request holds time
still while it is in flight, so a test server reading the same clock sees the
real rate and concurrency.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import random
from collections.abc import Callable
from typing import Any, Protocol

from spidra_tui.api.errors import (
    AuthError,
    Forbidden,
    NotFound,
    PaymentRequired,
    RateLimited,
    SpidraError,
)
from spidra_tui.api.models import Job
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.watch.agenda import Agenda
from spidra_tui.watch.budget import Budget, Priority
from spidra_tui.watch.kinds import Polled, poll_item
from spidra_tui.watch.ratelimit import ServerPause, Spacer
from spidra_tui.watch.reports import Reports, reason
from spidra_tui.watch.schedule import BACKOFF_CAP, NewsFirst, SchedulePolicy, Track, backoff_delay
from spidra_tui.watch.state import (
    FORBIDDEN,
    INTERNAL_ERROR,
    NOT_FOUND,
    UNKNOWN,
    JobUpdate,
    PollerStatus,
    RetryState,
    is_watch_terminal,
)
from spidra_tui.watch.virtual_time import PollHold

log = logging.getLogger(__name__)

STATUS_GAP = 0.25  # at most four status reports a second, unless a pause begins or ends


class JobSource(Protocol):
    """Where answers come from: :class:`spidra_tui.api.client.SpidraClient` is one."""

    async def get_job(self, job_id: str, *, retries: int | None = None) -> Job: ...


class Poller:
    """Polls many jobs from one scheduler; see the module docstring.

    ``on_update`` and ``on_status`` are plain callables, called on the event
    loop. ``policy`` defaults to :class:`NewsFirst`. ``budget`` is the request
    budget every request passes; without one only ``max_rate`` and
    ``max_in_flight`` limit the polling.
    """

    def __init__(
        self,
        source: JobSource,
        *,
        on_update: Callable[[JobUpdate], None],
        on_status: Callable[[PollerStatus], None] | None = None,
        interval: float = 3.0,
        max_in_flight: int = 4,
        max_rate: float = 5.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        policy: SchedulePolicy | None = None,
        budget: Budget | None = None,
    ) -> None:
        if interval <= 0 or max_in_flight < 1:
            raise ValueError("interval must be positive and max_in_flight at least 1")
        self.source = source  # replaceable, e.g. by a client with a new key before resume()
        self.on_status = on_status
        self.interval = interval
        self.max_in_flight = max_in_flight
        self._clock: Clock = clock or SystemClock()
        self._hold: Callable[[], Any] | None = getattr(self._clock, "hold", None)
        self._rng = rng or random.Random()
        self._spacer = Spacer(max_rate)
        self.budget = budget if budget is not None else Budget.unlimited(self._clock)
        self._pause = ServerPause()
        self._agenda = Agenda(policy or NewsFirst(), interval, 1.0 / self._spacer.gap)
        self._reports = Reports(on_update, self._clock)
        self._next_new = -math.inf
        self._in_flight = 0
        self._workers: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._wake = asyncio.Event()
        self._done = asyncio.Event()
        self._done.set()
        self._user_paused = False
        self._auth_message: str | None = None
        self._probing = True
        self._last_status: PollerStatus | None = None
        self._status_at = -math.inf
        self._focus: str | None = None

    # -- jobs -------------------------------------------------------------------

    def add(
        self,
        job_id: str,
        *,
        status: str | None = None,
        fraction: float | None = None,
        user: bool = False,
        memo: Any = None,
    ) -> bool:
        """Start polling ``job_id`` (a key: ``ID``, ``batch:ID``, ``crawl:ID``); False if it
        is already polled or ``status`` is terminal.

        ``status`` and ``fraction`` are what a store remembers; they only weigh
        the first turn. Jobs added together are queued one send slot apart.
        ``user``: the user added it just now, so its first look is their request.
        ``memo`` is the item's kind's poll state (see :mod:`spidra_tui.watch.kinds`).
        """
        if job_id in self._agenda or (status is not None and is_watch_terminal(status)):
            return False
        now = self._clock.monotonic()
        first_due = max(now, self._next_new)
        self._next_new = first_due + self._spacer.gap
        track = Track(job_id, status or UNKNOWN, now, first_due, fraction=fraction, memo=memo)
        track.user_added = user
        track.focus = job_id == self._focus
        self._agenda.add(track)
        self._done.clear()
        self._wake.set()
        return True

    def remove(self, job_id: str) -> bool:
        """Stop polling ``job_id`` (an answer already on its way is ignored)."""
        track = self._agenda.get(job_id)
        if track is None:
            return False
        self._drop(track)
        self._reports.forget(job_id)
        return True

    def refresh(self, job_id: str | None = None) -> None:
        """Poll one job (or every job) as soon as the rate and in-flight limits allow."""
        tracks = list(self._agenda) if job_id is None else [self._agenda.get(job_id)]
        for track in tracks:
            if track is not None and not track.in_flight:
                track.urgent = True
                self._agenda.schedule(track)
        self._wake.set()

    def focus(self, job_id: str | None) -> None:
        """The job the user is looking at: it comes round more often, and first."""
        if job_id == self._focus:
            return
        for old in (self._focus, job_id):
            track = self._agenda.get(old) if old is not None else None
            if track is not None:
                track.focus = old == job_id
                self._agenda.schedule(track)
        self._focus = job_id
        self._wake.set()

    def next_check(self, job_id: str) -> float | None:
        """When ``job_id`` will next be polled (monotonic), as far as known now."""
        track = self._agenda.get(job_id)
        if track is None:
            return None
        if track.in_flight:
            return self._clock.monotonic()
        due = track.due_at if track.due_at is not None else self._clock.monotonic()
        return max(due, self.budget.next_at(track.priority), self._pause.until)

    async def take_slot(self, priority: Priority = Priority.USER) -> None:
        """Wait for a send slot and take it, for a request made beside the polls.

        Every request of the app passes here or the poll loop: the request budget
        (see :mod:`spidra_tui.watch.budget`) and the per-second cap R both count
        it. ``priority`` says whose request it is: the default, ``USER``, is for
        what the user asked for (a submit, a list they opened) and is not paced,
        only kept within the budget; background requests (a batch's or a crawl's
        regular poll) should pass ``ROUTINE`` so they are spread over the window.
        """
        while True:
            now = self._clock.monotonic()
            ready = max(
                self._spacer.next_at(), self._pause.until, self.budget.next_at(priority, now)
            )
            if ready <= now and self.budget.try_spend(priority):
                break
            await self._clock.sleep(max(ready - now, 0.01))
        self.budget.paid(priority)
        self._spacer.sent(self._clock.monotonic())
        self._wake.set()

    @property
    def job_ids(self) -> frozenset[str]:
        """The jobs still being polled."""
        return self._agenda.ids()

    @property
    def policy(self) -> SchedulePolicy:
        """The schedule policy in use."""
        return self._agenda.policy

    # -- control ----------------------------------------------------------------

    def pause(self) -> None:
        """Stop sending until :meth:`resume` (requests on their way still land)."""
        self._user_paused = True
        self._wake.set()

    def resume(self) -> None:
        """Undo :meth:`pause`, or start again after a 401/402 stopped polling."""
        if self._auth_message is not None:
            self._auth_message = None
            self._probing = True
        self._user_paused = False
        self._wake.set()

    @property
    def status(self) -> PollerStatus:
        """The scheduler as a whole, for a status line."""
        now = self._clock.monotonic()
        paused = resume_at = message = None
        if self._auth_message is not None:
            paused, message = "auth", self._auth_message
        elif self._user_paused:
            paused = "user"
        elif self._pause.active(now):
            paused, resume_at, message = "rate_limited", self._pause.until, self._pause.message
        return PollerStatus(
            active=len(self._agenda),
            in_flight=self._in_flight,
            rate=float(self._spacer.recent(now)),
            effective_interval=self._agenda.effective,
            paused=paused,
            resume_at=resume_at,
            message=message,
            budget=self.budget.view(),
            budget_bound=self._agenda.max_rate < 1.0 / self._spacer.gap
            and self._agenda.effective > self.interval,
        )

    async def start(self) -> None:
        """Start the scheduler loop (in the running event loop)."""
        if self._task is None:
            self._failure = None
            if len(self._agenda):
                self._done.clear()
            self._task = asyncio.create_task(self._run(), name="spidra-poller")
            self._task.add_done_callback(self._loop_ended)

    async def stop(self) -> None:
        """Cancel the loop and every request on its way, and wait until all have ended."""
        tasks = [task for task in (self._task, *self._workers) if task is not None]
        self._task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._done.set()

    async def wait_until_done(self) -> None:
        """Return once no job is left to poll (or the poller was stopped)."""
        await self._done.wait()
        if self._failure is not None:
            raise self._failure

    # -- the loop ---------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = self._clock.monotonic()
            wait = _earliest(self._dispatch(now), self._report_status(now))
            await self._sleep_or_wake(wait)

    def _loop_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._failure = task.exception()
            log.error("the poll scheduler stopped", exc_info=self._failure)
            self._done.set()

    async def _sleep_or_wake(self, wait: float | None) -> None:
        if wait is None:
            await self._wake.wait()
            return
        # Never a zero sleep: with virtual time the clock must see a sleeper to move.
        sleeper = asyncio.ensure_future(self._clock.sleep(max(wait, 1e-6)))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    def _dispatch(self, now: float) -> float | None:
        """Send what may go now; seconds until something else may go (None: until woken)."""
        if self._user_paused or self._auth_message is not None:
            return None
        if self._pause.active(now):
            return self._pause.until - now
        # Regular turns may get only part of the budget's rate (the policy says how much):
        # the rest is room for predicted ends and the user's requests.
        regular = self.budget.rate() * self._agenda.policy.regular_share
        self._agenda.set_rate(min(1.0 / self._spacer.gap, regular))
        limit = 1 if self._probing else self.max_in_flight
        while self._in_flight < limit:
            track = self._agenda.first_ready(now)
            if track is None:
                due = self._agenda.next_due()
                return None if due is None else due - now
            priority = track.priority
            ready = max(self._spacer.next_at(), self.budget.next_at(priority, now))
            if ready > now:
                return ready - now
            if not self.budget.try_spend(priority):
                return 0.01  # another process spent it first: look again
            self._agenda.take()
            self._launch(track, now)
        return None  # woken when a request ends

    def _launch(self, track: Track, now: float) -> None:
        track.in_flight = True
        track.urgent = False
        self._in_flight += 1
        self._spacer.sent(now)
        held = PollHold(self._hold)
        task = asyncio.create_task(self._poll(track, now, held), name=f"poll {track.job_id}")
        self._workers.add(task)
        task.add_done_callback(functools.partial(self._poll_ended, track, held))

    def _poll_ended(self, track: Track, hold: PollHold, task: asyncio.Task[None]) -> None:
        self._workers.discard(task)
        self._in_flight -= 1
        if task.cancelled():
            track.in_flight = False
            if self._agenda.holds(track):
                self._agenda.schedule(track)
        elif task.exception() is not None:
            log.error("polling %s failed", track.job_id, exc_info=task.exception())
        hold.release()
        self._wake.set()

    # -- answers ------------------------------------------------------------------

    async def _poll(self, track: Track, sent_at: float, held: PollHold) -> None:
        job: Polled | None = None
        error: Exception | None = None
        self.budget.paid(track.priority)  # taken in _dispatch, for this task's request

        async def one_more() -> None:
            # A further request of this poll (a crawl's pages) is spent from the budget
            # at the poll's own priority; time may move while it waits.
            held.release()
            await self.take_slot(track.priority)
            held.renew()

        try:
            job = await poll_item(self.source, track.job_id, track.memo, one_more)
        except Exception as exc:  # every failure is reported; none may end the loop
            error = exc
        track.in_flight = False
        now = self._clock.monotonic()
        window_spent = isinstance(error, RateLimited) and not error.pending_jobs
        if isinstance(error, AuthError | PaymentRequired):
            if self._auth_message is None:
                self._auth_message = error.message or "the API key was refused"
        elif window_spent:
            assert isinstance(error, RateLimited)
            self._pause.hit(now, sent_at, error.retry_after, error.message)
        if not self._agenda.holds(track):
            return  # removed while the request was on its way
        if job is not None:
            self._take_answer(track, job, now)
        elif error is not None and not isinstance(error, SpidraError):
            # A bug, not the network: say so once, with the traceback, and stop asking.
            log.error("polling %s failed unexpectedly", track.job_id, exc_info=error)
            self._drop(track)
            self._reports.failed(track.job_id, INTERNAL_ERROR, _internal(error))
        elif isinstance(error, AuthError | PaymentRequired) or window_spent:
            self._agenda.schedule(track)  # still due: first in line when polling resumes
        elif isinstance(error, NotFound | Forbidden):
            self._probing = False  # the key was accepted
            self._drop(track)
            status = NOT_FOUND if isinstance(error, NotFound) else FORBIDDEN
            self._reports.ended(track.job_id, status, error.message)
        else:
            assert error is not None
            self._back_off(track, error, now)

    def _take_answer(self, track: Track, polled: Polled, now: float) -> None:
        self._probing = False
        self._pause.succeeded()
        status = polled.view.status
        terminal = is_watch_terminal(status)
        if terminal:
            self._drop(track)
        moved = self._reports.answer(track.job_id, polled, terminal=terminal)
        if not terminal:
            track.observe(status, polled.view.fraction, moved, now, self._rng)
            self._agenda.retime(track)

    def _back_off(self, track: Track, error: Exception, now: float) -> None:
        delay = backoff_delay(track.backoff, self._rng)
        hinted = getattr(error, "retry_after", None)
        if isinstance(hinted, int | float):
            delay = min(BACKOFF_CAP, max(delay, hinted))
        track.backoff = delay
        track.failures += 1
        track.retry_at = now + delay
        track.urgent = False
        self._agenda.schedule(track)
        retry = RetryState(reason(error), track.failures, track.retry_at, delay)
        self._reports.retrying(track.job_id, retry, status=track.status, fraction=track.fraction)

    def _drop(self, track: Track) -> None:
        if self._agenda.drop(track):
            if not len(self._agenda):
                self._done.set()
            self._wake.set()

    # -- status -------------------------------------------------------------------

    def _report_status(self, now: float) -> float | None:
        """Report the status if it changed (throttled); seconds until it is worth a new look."""
        if self.on_status is None:
            return None
        status = self.status
        last = self._last_status
        if status != last:
            if last is None or status.paused != last.paused or now - self._status_at >= STATUS_GAP:
                self._last_status, self._status_at = status, now
                try:
                    self.on_status(status)
                except Exception:
                    log.exception("the status callback failed")
            else:
                return self._status_at + STATUS_GAP - now
        expires = self._spacer.recent_expires()  # the request rate will drop then
        return None if expires is None else max(0.0, expires - now)


def _internal(error: BaseException) -> str:
    return (
        f"internal error ({type(error).__name__}); not retried. "
        "Run with --log FILE for the details, and please report it."
    )


def _earliest(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else min(a, b)
