"""What the watch layer reports and remembers about each job.

Besides the API's own statuses, a watched job can end as ``not_found`` or
``forbidden`` (the server answered 404 or 403), and starts as ``unknown``
until its first answer arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spidra_tui.api.kinds import JobRef, Kind, ref_of_key
from spidra_tui.api.models import TERMINAL_STATUSES
from spidra_tui.watch.budget import BudgetView

if TYPE_CHECKING:
    from spidra_tui.watch.kinds.base import AnswerView, Parts

UNKNOWN = "unknown"
NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"
INTERNAL_ERROR = "internal_error"
"""Polling this job hit a bug in the app: it is not polled again in this run (a
restart tries again), and the log has the traceback."""

WATCH_TERMINAL = TERMINAL_STATUSES | {NOT_FOUND, FORBIDDEN}


def is_watch_terminal(status: str) -> bool:
    """Whether a watched job in ``status`` needs no more requests."""
    return status in WATCH_TERMINAL


@dataclass(frozen=True, slots=True)
class RetryState:
    """A job whose last poll failed for a passing reason and will be tried again."""

    reason: str
    attempt: int
    retry_at: float  # on the poller's monotonic clock
    delay: float  # seconds from the failure to the next try


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """Something a user can see changed about one watched item.

    ``job_id`` is the item's key (``ID``, ``batch:ID`` or ``crawl:ID``). ``job``
    is the parsed answer (a ``Job``, ``Batch`` or ``Crawl``) when the update
    came from one; its ``raw`` is the full body, which the store keeps as the
    item's last answer, and ``view`` what a user sees of it. ``pages`` are new
    crawl pages, the first of them page number ``pages_at``.
    """

    job_id: str
    status: str
    fraction: float | None = None
    message: str | None = None
    error: str | None = None
    title: str | None = None
    job: Any = None
    retry: RetryState | None = None
    polled_at: float | None = None  # wall clock
    terminal: bool = False
    view: AnswerView | None = None
    parts: Parts | None = None
    pages: tuple[Any, ...] = ()
    pages_at: int = 0


@dataclass(frozen=True, slots=True)
class JobSummary:
    """A watched item as the store lists it: everything but the full answer.

    ``job_id`` is its key (``ID``, ``batch:ID``, ``crawl:ID``). ``parts_*`` count a
    batch's items or a crawl's pages: done (or crawled), failed, in all (or the cap).
    """

    job_id: str
    added_at: float
    label: str | None = None
    title: str | None = None
    status: str = UNKNOWN
    fraction: float | None = None
    message: str | None = None
    error: str | None = None
    last_polled: float | None = None
    finished_at: float | None = None
    terminal: bool = False
    content_kind: str | None = None  # "markdown", "json", "empty" once completed
    answer_size: int = 0  # bytes of the stored last answer
    urls: str | None = None  # the last answer's page URLs, one a line (a bounded few)
    kind: str = Kind.SCRAPE
    parts_done: int | None = None
    parts_failed: int | None = None
    parts_total: int | None = None

    @property
    def ref(self) -> JobRef:
        """Which job of which kind this is."""
        return ref_of_key(self.job_id)


@dataclass(frozen=True, slots=True)
class PollerStatus:
    """The scheduler as a whole, for a header line such as "12 active · 5 req/s"."""

    active: int  # jobs still being polled
    in_flight: int
    rate: float  # requests in the last second
    effective_interval: float  # seconds between two polls of one job, after stretching
    paused: str | None = None  # None, "user", "rate_limited", "auth"
    resume_at: float | None = None  # monotonic time when a rate-limit pause ends
    message: str | None = None  # plain words about a pause, e.g. the server's 401 message
    budget: BudgetView | None = None  # the request window, when a budget limits the app
    budget_bound: bool = False  # the interval is stretched by the budget, not by R
