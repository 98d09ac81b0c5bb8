"""The ``Emulator``: jobs, faults and accounting behind a loopback HTTP server."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..clock import Clock, SystemClock
from .account_routes import SHAPES, AccountRoutes
from .accounting import ServerStats
from .batches import BatchBook, BatchRun
from .catalogue import CatalogueJob, create_catalogue
from .config import EmulatorConfig, Faults
from .crawls import PAGE_SECONDS, CrawlBook, CrawlRun
from .faults import FaultPicker
from .jobs import Job, JobBook
from .kind_routes import KindRoutes
from .ledger import Ledger, log_uuid
from .lifecycle import Flavour, Script
from .ratelimit import SlidingWindowLimiter
from .routes import PREFIX, ApiRoutes, KeyPolicy
from .storage import Storage
from .validation import Submission
from .window import AddressWindows
from .wire import HttpServer

_PLANTED_URL = "https://example.com/"


class Emulator:
    """A Spidra-compatible service for demos and tests.

    Jobs live on the injected ``clock``: what a job reports is a pure function of the
    clock time since it was created, times ``config.time_scale``.
    """

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Clock | None = None):
        self.config = config or EmulatorConfig()
        self.clock: Clock = clock or SystemClock()
        self.stats = ServerStats(self.config.request_log_limit)
        self._book = JobBook(self.clock, self.config.time_scale, self.config.seed, self.stats)
        self.batches = BatchBook(self.clock, self.config.time_scale, self.config.seed)
        self.crawls = CrawlBook(self.clock, self.config.time_scale, self.config.seed)
        self._keys = KeyPolicy(self.config.keys, self.config.demo_key)
        self._faults_lock = threading.Lock()
        self._picker = FaultPicker(self.config.faults)
        self._limiter = _limiter_for(self.config.faults)
        self.ledger = Ledger(self._book, self.clock)
        self._account = AccountRoutes(self.ledger)
        self._routes = ApiRoutes(
            self._book,
            self.stats,
            self.clock,
            self._keys,
            picker=lambda: self._picker,
            limiter=lambda: self._limiter,
            windows=AddressWindows(self.config.window) if self.config.window else None,
            max_pending=self.config.max_pending,
            account=self._account,
            kinds=KindRoutes(self.batches, self.crawls, self.ledger.rows, self.ledger.row),
        )
        self._server: HttpServer | None = None
        self.base_url: str | None = None
        self.storage = Storage(self.clock, _storage_secret(self.config.seed))
        """The storage origin serving the screenshots (its own port, started with the API)."""
        self.storage_url: str | None = None
        self._catalogue: list[CatalogueJob] = []
        if self.config.catalogue:
            self._catalogue = create_catalogue(
                self._book, self.config.demo_key, self.clock.monotonic()
            )
        if self.config.history:
            from .history import create_history

            create_history(
                self._book,
                self.ledger,
                self.config.demo_key,
                self.clock.monotonic(),
                self.config.seed,
            )
            # Work another program started and that is still running: a batch and a
            # crawl the account view lists and following brings into the job list.
            shop = "https://books.toscrape.com/catalogue/page-{}.html"
            self.batches.create(
                self.config.demo_key, {"urls": [shop.format(n) for n in range(1, 13)]}
            )
            self.crawls.create(
                self.config.demo_key, {"baseUrl": "https://docs.python.org/3/", "maxPages": 50}
            )

    # --- server ---------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (port 0: a free one) from a background thread;
        returns the base URL, ``http://HOST:PORT/api``."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        server = HttpServer(self._routes.handle, self.stats, self.config.max_body_bytes)
        bound_host, bound_port = server.start(host, port)
        self._server = server
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.base_url = f"http://{shown}:{bound_port}{PREFIX}"
        self.storage_url = self.storage.start(host, _StorageObserver())
        self._book.links = self.storage.signed_result
        self.batches.link = self.storage.signed_link
        return self.base_url

    def stop(self) -> None:
        """Close every connection and end the server thread (safe to call twice)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.storage.stop()

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- keys and faults --------------------------------------------------------------

    @property
    def demo_key(self) -> str:
        """The key that owns the demo catalogue."""
        return self.config.demo_key

    def revoke_key(self, key: str) -> None:
        """From now on, answer every request made with ``key`` with 401 (revoked)."""
        self._keys.revoked.add(key)

    @property
    def faults(self) -> Faults:
        """The fault setting; assign a new ``Faults`` to change it at runtime (that
        restarts its random sequence; the rate limiter keeps its counts unless
        ``rate_limit`` changes)."""
        return self._picker.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._faults_lock:
            if faults.rate_limit != self._picker.faults.rate_limit:
                self._limiter = _limiter_for(faults)
            self._picker = FaultPicker(faults)

    def reset_stats(self) -> None:
        """Forget all counters and the request log (jobs stay)."""
        self.stats.reset()

    # --- the account ------------------------------------------------------------------

    @property
    def account_shape(self) -> str:
        """``wrapped`` (``{status, data}``, the default) or ``bare`` answers of the account."""
        return self._account.shape

    @account_shape.setter
    def account_shape(self, shape: str) -> None:
        if shape not in SHAPES:
            raise ValueError(f"account_shape must be one of {SHAPES}")
        self._account.shape = shape

    def set_credits(self, key: str | None = None, *, limit: float, plan: str | None = None) -> None:
        """Give ``key``'s account (default: the demo key) this credit limit and plan."""
        owner = key or self.config.demo_key
        self.ledger.credit_limits[owner] = limit
        if plan is not None:
            self.ledger.plans[owner] = plan

    def log_uuid(self, job_id: str) -> str:
        """The ID of the history log a finished job gets (never the job ID itself)."""
        return log_uuid(job_id)

    def plant_batch(self, key: str | None = None, **row: Any) -> str:
        """Add a batch to ``GET /batch/scrape`` of ``key``'s account; ``row`` overrides
        fields (any JSON, to test odd shapes). Returns its ID."""
        return self.ledger.plant("batch", key or self.config.demo_key, row, None)

    def plant_crawl(self, key: str | None = None, **row: Any) -> str:
        """Add a crawl to ``GET /crawl/history`` of ``key``'s account; returns its ID."""
        return self.ledger.plant("crawl", key or self.config.demo_key, row, None)

    def update_batch(self, batch_id: str, **fields: Any) -> None:
        """Change a planted batch's row (its status, counts)."""
        self.ledger.update("batch", batch_id, fields)

    def update_crawl(self, crawl_id: str, **fields: Any) -> None:
        """Change a planted crawl's row."""
        self.ledger.update("crawl", crawl_id, fields)

    # --- jobs -----------------------------------------------------------------------

    def catalogue_ids(self) -> list[CatalogueJob]:
        """The demo catalogue's jobs, ``(job_id, description)``, in a fixed order."""
        return list(self._catalogue)

    def submit(self, key: str, body: dict[str, Any]) -> str:
        """Create a job exactly as ``POST /scrape`` would, without HTTP; returns its ID.
        Raises ``SubmissionRejected`` (with ``errors``) for an invalid body."""
        job, _warnings = self._book.submit(key, body)
        return job.job_id

    def create_job(
        self,
        key: str | None = None,
        *,
        script: Script | None = None,
        urls: Sequence[str] = (_PLANTED_URL,),
        result: dict[str, Any] | None = None,
        error: str | None = None,
        final_body: Any = None,
        job_id: str | None = None,
        final_status: int = 200,
        content_type: str | None = None,
        answer_delay: float = 0.0,
    ) -> str:
        """Plant a job with a chosen life and answer; returns its ID.

        ``key`` owns it (default: the demo key). ``script`` defaults to a job that is
        already finished: failed when ``error`` is given, else completed. ``result``
        replaces the generated ``result`` object; ``final_body`` replaces the whole
        terminal answer and may be any JSON value or raw ``bytes`` (served as is, with
        status ``final_status`` and ``content_type``, JSON unless given).
        ``answer_delay`` holds back every answer about the job for that many real
        seconds: an hour is an answer that never comes.
        """
        if script is None:
            outcome = "failed" if error is not None else "completed"
            script = Script(waiting=0.0, active=0.0, outcome=outcome)
        job = Job(
            job_id=job_id or self._book.new_id(),
            owner=key or self.config.demo_key,
            created=self.clock.monotonic(),
            script=script,
            submission=Submission(urls=tuple(urls)),
            flavour=Flavour(),
            seed=len(self._book.ids()),
            result=result,
            error=error,
            final_body=final_body,
            final_status=final_status,
            final_content_type=content_type,
            answer_delay=answer_delay,
        )
        self._book.add(job)
        return job.job_id

    def create_batch(self, key: str | None, urls: Sequence[str], **options: Any) -> str:
        """Start a batch exactly as ``POST /batch/scrape`` would; returns its ID."""
        body = {"urls": list(urls), **options}
        return self.batches.create(key or self.config.demo_key, body).batch_id

    def batch(self, batch_id: str) -> BatchRun:
        """A batch's state (for tests: its items, when it was cancelled)."""
        batch = self.batches.get(batch_id)
        if batch is None:
            raise KeyError(batch_id)
        return batch

    def batch_answer(self, batch_id: str) -> dict[str, Any]:
        """The body a ``GET /batch/scrape/{id}`` would return now."""
        return self.batches.body(self.batch(batch_id))

    def batch_finish_time(self, batch_id: str) -> float:
        """Clock time at which every item of the batch (as planned now) has ended."""
        batch = self.batch(batch_id)
        last = max(item.lives[-1].end for item in batch.items)
        return batch.created + last / self.config.time_scale + 1e-9

    def create_crawl(
        self,
        key: str | None,
        base_url: str,
        *,
        page_seconds: float = PAGE_SECONDS,
        **options: Any,
    ) -> str:
        """Start a crawl as ``POST /crawl`` would (``options`` in camelCase); returns its ID.
        ``page_seconds`` is how long each page takes."""
        body = {"baseUrl": base_url, **options}
        crawl = self.crawls.create(key or self.config.demo_key, body, page_seconds=page_seconds)
        return crawl.crawl_id

    def crawl(self, crawl_id: str) -> CrawlRun:
        """A crawl's state."""
        crawl = self.crawls.get(crawl_id)
        if crawl is None:
            raise KeyError(crawl_id)
        return crawl

    def crawl_answer(self, crawl_id: str) -> dict[str, Any]:
        """The body a ``GET /crawl/{id}`` would return now."""
        return self.crawls.body(self.crawl(crawl_id))

    def crawl_pages(self, crawl_id: str) -> list[dict[str, Any]]:
        """Every page crawled so far, as ``/pages`` gives them."""
        crawl = self.crawl(crawl_id)
        return [self.crawls.page(crawl, k, inline=False) for k in range(self.crawls.crawled(crawl))]

    def crawl_finish_time(self, crawl_id: str) -> float:
        """Clock time at which the crawl ends on its own."""
        return self.crawls.finish_time(self.crawl(crawl_id))

    def job_ids(self) -> list[str]:
        """Every job's ID, in creation order."""
        return self._book.ids()

    def final_status(self, job_id: str) -> str:
        """The status the job ends with: ``completed`` or ``failed``."""
        return self._book.require(job_id).script.outcome

    def finish_time(self, job_id: str) -> float:
        """Emulator clock time (``clock.monotonic()``) at which the job turns terminal."""
        return self._book.finish_time(self._book.require(job_id))

    def status_at(self, job_id: str, at: float | None = None) -> str:
        """The status a GET would report at clock time ``at`` (default: now)."""
        return self._book.moment(self._book.require(job_id), at).status

    def answer(self, job_id: str, at: float | None = None) -> Any:
        """The body a GET would return at clock time ``at`` (default: now), decoded
        (raw bytes for a planted raw ``final_body``)."""
        job = self._book.require(job_id)
        return self._book.body(job, self._book.moment(job, at))

    def answer_bytes(self, job_id: str, at: float | None = None) -> bytes:
        """The exact bytes a GET would return at clock time ``at`` (default: now)."""
        body, _moment = self._book.answer(self._book.require(job_id), at)
        return body


def _storage_secret(seed: int) -> bytes:
    # Random per emulator, so a link cannot be forged from the code; the seed is
    # mixed in only to keep it distinct between emulators built together.
    return hashlib.sha256(secrets.token_bytes(32) + str(seed).encode()).digest()


class _StorageObserver:
    """The storage origin counts nothing in the API's stats: its requests are not API
    requests (its own log is ``Storage.requests``)."""

    def connection_opened(self) -> None: ...

    def connection_closed(self) -> None: ...

    def request_started(self) -> None: ...

    def request_finished(self) -> None: ...

    def handler_error(self, description: str) -> None: ...


def _limiter_for(faults: Faults) -> SlidingWindowLimiter | None:
    if faults.rate_limit is None:
        return None
    count, window = faults.rate_limit
    return SlidingWindowLimiter(count, window)


def run_forever(
    host: str = "127.0.0.1",
    port: int = 8765,
    config: EmulatorConfig | None = None,
    *,
    on_ready: Callable[[Emulator], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl+C), then stop cleanly. Prints nothing: ``on_ready``
    gets the started emulator (for ``base_url``, ``demo_key``, ``catalogue_ids()``).
    Without ``config``, the demo catalogue is on."""
    emulator = Emulator(config or EmulatorConfig(catalogue=True))
    emulator.start(host, port)
    try:
        if on_ready is not None:
            on_ready(emulator)
        stopped = threading.Event()
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
