"""The Watcher: a poller whose every report is remembered before anyone hears of it."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from spidra_tui.api.batch_calls import BatchRequest
from spidra_tui.api.client import ScrapeRequest, SpidraClient, Submitted
from spidra_tui.api.crawl_calls import CrawlRequest
from spidra_tui.api.errors import Forbidden, NotFound, SpidraError
from spidra_tui.api.kinds import JobRef, Kind, ref_of_key
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.watch.budget import Budget, Priority
from spidra_tui.watch.kinds import watch_for
from spidra_tui.watch.poller import JobSource, Poller
from spidra_tui.watch.schedule import SchedulePolicy
from spidra_tui.watch.state import JobSummary, JobUpdate, PollerStatus
from spidra_tui.watch.store import JobStore, StoreError
from spidra_tui.watch.virtual_time import PollHold

log = logging.getLogger(__name__)
T = TypeVar("T")


class NoSubmits(SpidraError):
    """The watcher was built without a client that can submit jobs."""


UpdateCallback = Callable[[JobUpdate], None]
StatusCallback = Callable[[PollerStatus], None]


class Submitter(Protocol):
    """What starts a job: :class:`spidra_tui.api.client.SpidraClient` is one (it also
    starts, cancels and retries batches and crawls, see :mod:`spidra_tui.watch.kinds`)."""

    async def submit_scrape(self, request: ScrapeRequest) -> Submitted: ...


class Watcher:
    """Glues a :class:`Poller` to a :class:`JobStore`, under one request budget.

    On :meth:`start` the remembered jobs that have not ended are polled again;
    ended ones cost no request. Each :class:`JobUpdate` is written to the store
    first (updates arriving in one burst share one transaction), then handed to
    the callbacks, which are plain callables run on the event loop. A failed
    write is logged and kept in :attr:`store_error`; the updates still reach
    the callbacks, so the screen stays true even when the disk is full.

    ``budget`` is the request budget every request passes (see
    :mod:`spidra_tui.watch.budget`); a :class:`SpidraClient` source is attached to
    it, so its answers teach the budget and its requests wait for it.
    """

    def __init__(
        self,
        store: JobStore,
        source: JobSource,
        *,
        on_update: UpdateCallback | None = None,
        on_status: StatusCallback | None = None,
        interval: float = 3.0,
        max_in_flight: int = 4,
        max_rate: float = 5.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        policy: SchedulePolicy | None = None,
        submitter: Submitter | None = None,
        prepare: Callable[[], None] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.store = store
        self._clock = clock or SystemClock()
        self._submitter = submitter
        self._prepare = prepare
        if budget is not None and isinstance(source, SpidraClient):
            budget.attach(source)
        self.store_error: StoreError | None = None
        self._update_callbacks: list[UpdateCallback] = []
        self._status_callbacks: list[StatusCallback] = []
        self.subscribe(on_update, on_status)
        self.poller = Poller(
            source,
            on_update=self._queue,
            on_status=self._status,
            interval=interval,
            max_in_flight=max_in_flight,
            max_rate=max_rate,
            clock=clock,
            rng=rng,
            policy=policy,
            budget=budget,
        )
        self._pending: list[JobUpdate] = []
        self._flush_handle: asyncio.Handle | None = None

    def subscribe(
        self, on_update: UpdateCallback | None = None, on_status: StatusCallback | None = None
    ) -> None:
        """Add callbacks for job updates and for the poller's status."""
        if on_update is not None:
            self._update_callbacks.append(on_update)
        if on_status is not None:
            self._status_callbacks.append(on_status)

    # -- jobs -----------------------------------------------------------------------

    async def start(self) -> list[JobSummary]:
        """Resume polling every remembered job that has not ended; returns them all."""
        if self._prepare is not None:
            self._prepare()  # before the poller notes its first send
        summaries = self.store.list()
        kept = self.store.page_counts()
        for summary in summaries:
            if not summary.terminal:
                self._poll(summary, kept.get(summary.job_id, 0))
        await self.poller.start()
        return summaries

    def _poll(self, summary: JobSummary, kept_pages: int, *, user: bool = False) -> None:
        memo = watch_for(summary.kind).memo(kept_pages)
        self.poller.add(
            summary.job_id, status=summary.status, fraction=summary.fraction, user=user, memo=memo
        )

    def add(
        self,
        job_ids: Iterable[str],
        labels: Mapping[str, str] | None = None,
        *,
        user: bool = True,
    ) -> list[str]:
        """Remember these items (keys: ``ID``, ``batch:ID``, ``crawl:ID``) and poll those
        not known to have ended; returns the new ones.

        ``user``: the user added them now, so their first looks go first (see
        :class:`Priority`); False for jobs brought in by a background listing.
        """
        wanted = list(dict.fromkeys(job_id.strip() for job_id in job_ids if job_id.strip()))
        added = self.store.add_many(wanted, labels)
        for job_id in wanted:
            summary = self.store.get(job_id)
            if summary is not None and not summary.terminal and job_id not in self.poller.job_ids:
                self._poll(summary, self.store.page_count(job_id), user=user)
        return added

    def remove(self, job_ids: Iterable[str]) -> int:
        """Stop polling and forget these jobs; returns how many were remembered."""
        gone = set(job_ids)
        for job_id in gone:
            self.poller.remove(job_id)
        # An update still waiting to be written would bring a forgotten row back.
        self._pending = [update for update in self._pending if update.job_id not in gone]
        return self.store.remove(gone)

    # -- poller controls ------------------------------------------------------------------

    def refresh(self, job_id: str | None = None) -> None:
        """Poll one job, or all, as soon as the limits allow."""
        self.poller.refresh(job_id)

    async def submit(self, request: ScrapeRequest) -> Submitted:
        """Submit a scrape when the budget and the per-second cap allow: a request of the
        user's, so it goes before the polls.

        Nothing is remembered here: the caller adds the new job once it has its ID.
        """
        return await self._send(lambda client: client.submit_scrape(request))

    async def start_batch(self, request: BatchRequest, label: str | None = None) -> str:
        """Start a batch (when a send slot is free), remember it and poll it; its key."""
        queued = await self._send(lambda client: client.submit_batch(request))
        return self._started(JobRef(Kind.BATCH, queued.batch_id), label)

    async def start_crawl(self, request: CrawlRequest, label: str | None = None) -> str:
        """Start a crawl (when a send slot is free), remember it and poll it; its key."""
        crawl_id = await self._send(lambda client: client.submit_crawl(request))
        return self._started(JobRef(Kind.CRAWL, crawl_id), label)

    async def cancel(self, key: str) -> str:
        """Cancel a batch or crawl; a few words on what the server did.

        Raises :class:`spidra_tui.watch.kinds.Unsupported` for a scrape.
        """
        ref = ref_of_key(key)
        words = await self._send(lambda client: watch_for(ref.kind).cancel(client, ref.job_id))
        self.poller.refresh(key)  # the next answer says "cancelled"
        return words

    async def retry(self, key: str) -> int:
        """Queue a batch's failed items again and poll it until it ends anew; how many."""
        ref = ref_of_key(key)
        count = await self._send(lambda client: watch_for(ref.kind).retry(client, ref.job_id))
        if count:
            self._queue(JobUpdate(key, "running", polled_at=self._clock.wall()))
            self._flush()
            summary = self.store.get(key)
            if summary is not None and key not in self.poller.job_ids:
                self._poll(summary, self.store.page_count(key))
        return count

    async def identify(self, job_id: str) -> str:
        """The key of an ID given without its kind, found by asking the server once.

        A scrape is tried first, then a batch, then a crawl: one request each, each
        waiting for its slot, until one is known (a 403 says it exists, for someone
        else). An ID none of them knows stays a scrape, whose polls will say so.
        """
        for kind in (Kind.SCRAPE, Kind.BATCH, Kind.CRAWL):
            try:
                await self._send(lambda client, k=kind: watch_for(k).probe(client, job_id))
            except NotFound:
                continue
            except Forbidden:
                pass
            return JobRef(kind, job_id).key
        return job_id

    async def _send(self, call: Callable[[Any], Awaitable[T]]) -> T:
        """One request of the watcher's own, in the next send slot; on a virtual clock
        time stands still while it is on the wire, as it does for a poll."""
        if self._submitter is None:
            raise NoSubmits("this watcher cannot send requests of its own (no client)")
        await self.poller.take_slot(Priority.USER)
        held = PollHold(getattr(self._clock, "hold", None))
        try:
            return await call(self._submitter)
        finally:
            held.release()

    def _started(self, ref: JobRef, label: str | None) -> str:
        self.add([ref.key], {ref.key: label} if label else None)
        return ref.key

    async def take_slot(self, priority: Priority = Priority.USER) -> None:
        """Wait for a send slot (the budget and the per-second cap), for a request made
        beside the polls; see :meth:`Poller.take_slot` for ``priority``."""
        await self.poller.take_slot(priority)

    def focus(self, job_id: str | None) -> None:
        """The job the user is looking at (None: none): it is polled first and more often."""
        self.poller.focus(job_id)

    def next_check(self, job_id: str) -> float | None:
        """When the job will next be polled (monotonic clock), or None if it is not polled."""
        return self.poller.next_check(job_id)

    @property
    def budget(self) -> Budget:
        """The request budget every request passes."""
        return self.poller.budget

    def pause(self) -> None:
        """Stop polling until :meth:`resume`."""
        self.poller.pause()

    def resume(self) -> None:
        """Poll again after :meth:`pause` or after the server refused the key."""
        self.poller.resume()

    @property
    def status(self) -> PollerStatus:
        """The poller's status right now."""
        return self.poller.status

    async def wait_until_done(self) -> None:
        """Return once no job is left to poll; every update is written by then."""
        await self.poller.wait_until_done()
        self._flush()

    async def stop(self) -> None:
        """Stop polling (nothing is left running) and write what is still pending."""
        await self.poller.stop()
        self._flush()

    # -- reports --------------------------------------------------------------------------

    def _queue(self, update: JobUpdate) -> None:
        self._pending.append(update)
        if self._flush_handle is None:
            # Everything reported in this turn of the event loop goes in one transaction.
            self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self.store.record_many(batch)
        except StoreError as exc:
            if self.store_error is None:
                log.error("job updates could not be saved: %s", exc)
            self.store_error = exc
        for update in batch:
            for callback in list(self._update_callbacks):
                try:
                    callback(update)
                except Exception:
                    log.exception("an update callback failed for %s", update.job_id)

    def _status(self, status: PollerStatus) -> None:
        for callback in list(self._status_callbacks):
            try:
                callback(status)
            except Exception:
                log.exception("a status callback failed")
