"""Server-side accounting: what reached the emulator, when, and what it answered.

Tests and benchmarks read it to check a client's behaviour from the server's side
(how hard it polled, whether it kept polling finished jobs, whether it duplicated a
submission). All methods are thread-safe.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter, deque
from dataclasses import dataclass


def key_hash(key: str | None) -> str | None:
    """A short, stable, non-reversible name for an API key (keys are never logged)."""
    if key is None:
        return None
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def canonical_body(body: object) -> str:
    """A body as one string, equal for equal JSON values whatever their key order."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=repr)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it. ``status`` is 0 when the connection was
    dropped without an answer; ``fault`` names the injected fault, if any."""

    clock_time: float
    """Emulator clock (monotonic) when the request arrived."""
    wall_time: float
    """Emulator clock wall time when the request arrived."""
    real_time: float
    """Real monotonic time when the request arrived."""
    method: str
    path: str
    job_id: str | None
    status: int
    key_hash: str | None
    fault: str | None = None


class ServerStats:
    """Counters and the request log of one emulator."""

    def __init__(self, log_limit: int = 2_000_000) -> None:
        self._lock = threading.Lock()
        self._log_limit = log_limit
        self.reset()

    def reset(self) -> None:
        """Forget every count and record. What stays true stays: the requests in flight,
        the open connections, and which jobs have had their terminal answer sent (so
        GETs of those jobs still count as ``gets_after_terminal``)."""
        with self._lock:
            self._log: deque[RequestRecord] = deque(maxlen=self._log_limit)
            self._total = 0
            self._gets: Counter[str] = Counter()
            self._gets_after_terminal: Counter[str] = Counter()
            self._terminal_sent: dict[str, float] = getattr(self, "_terminal_sent", {})
            self._created_by_url: Counter[str] = Counter()
            self._created_by_body: Counter[str] = Counter()
            self._errors: list[str] = []
            current = getattr(self, "_in_flight", 0)
            self._in_flight = current
            self._peak_in_flight = current
            connections = getattr(self, "_connections", 0)
            self._connections = connections
            self._peak_connections = connections

    # --- called by the server -------------------------------------------------

    def connection_opened(self) -> None:
        with self._lock:
            self._connections += 1
            self._peak_connections = max(self._peak_connections, self._connections)

    def connection_closed(self) -> None:
        with self._lock:
            self._connections -= 1

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)

    def request_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def record(self, record: RequestRecord) -> None:
        """Log a request; a GET of a job counts towards that job."""
        with self._lock:
            self._log.append(record)
            self._total += 1
            if record.method == "GET" and record.job_id is not None:
                self._gets[record.job_id] += 1
                if record.job_id in self._terminal_sent:
                    self._gets_after_terminal[record.job_id] += 1

    def terminal_answered(self, job_id: str, clock_time: float) -> None:
        """The server finished sending a terminal answer for ``job_id``."""
        with self._lock:
            self._terminal_sent.setdefault(job_id, clock_time)

    def job_created(self, urls: tuple[str, ...], body: object | None) -> None:
        """A job was created for these URLs (from ``body`` when it came from a POST)."""
        key = canonical_body(body) if body is not None else None
        with self._lock:
            for url in urls:
                self._created_by_url[url] += 1
            if key is not None:
                self._created_by_body[key] += 1

    def handler_error(self, description: str) -> None:
        with self._lock:
            self._errors.append(description)

    # --- read by tests ----------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Requests being handled right now (read, not yet fully answered)."""
        return self._in_flight

    @property
    def peak_in_flight(self) -> int:
        return self._peak_in_flight

    @property
    def peak_connections(self) -> int:
        return self._peak_connections

    @property
    def total_requests(self) -> int:
        return self._total

    @property
    def handler_errors(self) -> list[str]:
        """Exceptions raised while handling requests (answered 500); empty unless a bug."""
        with self._lock:
            return list(self._errors)

    def requests(self) -> list[RequestRecord]:
        """The request log, oldest first."""
        with self._lock:
            return list(self._log)

    def gets_for(self, job_id: str) -> int:
        """GET requests naming ``job_id``, whatever they were answered."""
        with self._lock:
            return self._gets[job_id]

    def gets_after_terminal(self, job_id: str | None = None) -> int:
        """GETs of a job that arrived after the server had already sent that job's
        terminal answer (for one job, or summed over all jobs)."""
        with self._lock:
            if job_id is None:
                return sum(self._gets_after_terminal.values())
            return self._gets_after_terminal[job_id]

    def terminal_answer_time(self, job_id: str) -> float | None:
        """Emulator clock time at which the first terminal answer for the job was sent."""
        with self._lock:
            return self._terminal_sent.get(job_id)

    def jobs_created_for(self, url: str) -> int:
        """Jobs created (over HTTP or ``submit``) whose URLs include ``url``."""
        with self._lock:
            return self._created_by_url[url]

    def jobs_created_for_body(self, body: object) -> int:
        """Jobs created from a submitted body equal to ``body`` (key order ignored)."""
        key = canonical_body(body)
        with self._lock:
            return self._created_by_body[key]

    def max_requests_in_window(
        self, window_seconds: float, *, real_time: bool = False, method: str | None = None
    ) -> int:
        """The most requests that arrived within any window of ``window_seconds``
        (half-open, on the emulator clock, or on real time with ``real_time=True``)."""
        with self._lock:
            records = [r for r in self._log if method is None or r.method == method]
        times = sorted(r.real_time if real_time else r.clock_time for r in records)
        best = start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window_seconds:
                start += 1
            best = max(best, end - start + 1)
        return best
