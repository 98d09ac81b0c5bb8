"""The account as the emulator keeps it: scrape logs, credits, usage, batch and crawl rows.

Logs, credits and usage are computed from the jobs the emulator holds, so they follow
the clock: a job that ends gets a log, its credits leave the account (they are held
while it runs), and it counts in the usage of its day. Batch and crawl rows are planted
(``plant_batch``, ``plant_crawl``) as raw rows, so a test can give them any shape.
"""

from __future__ import annotations

import threading
import uuid as uuid_module
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..clock import Clock
from .jobs import Job, JobBook

LOG_NAMESPACE = uuid_module.UUID("6f1c2a57-3a8e-4d5e-9b77-2f0d1e5c9a10")
DEFAULT_CREDIT_LIMIT = 1000.0
DEFAULT_PLAN = "Starter"


def log_uuid(job_id: str) -> str:
    """The log's own ID: stable for a job, and not the job's ID (the API links none)."""
    return str(uuid_module.uuid5(LOG_NAMESPACE, job_id))


def iso(wall: float) -> str:
    """A wall-clock time as the service writes it: ISO 8601, UTC, milliseconds."""
    moment = datetime.fromtimestamp(wall, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def job_credits(job: Job) -> float:
    """What a job costs: one credit a URL, two with an AI prompt, one more for screenshots."""
    per_url = 2.0 if job.submission.prompt else 1.0
    if job.submission.wants_screenshots:
        per_url += 1.0
    return per_url * len(job.submission.urls)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A finished job as the history shows it (times on the wall clock)."""

    job: Job
    uuid: str
    status: str
    started: float
    finished: float
    channel: str


class Ledger:
    """The accounts of one emulator, one per key; thread-safe."""

    def __init__(self, book: JobBook, clock: Clock) -> None:
        self._book = book
        self._clock = clock
        self._lock = threading.Lock()
        self.credit_limits: dict[str, float] = {}
        self.plans: dict[str, str] = {}
        self.channels: dict[str, str] = {}
        self._batches: list[tuple[str, float, dict[str, Any]]] = []
        self._crawls: list[tuple[str, float, dict[str, Any]]] = []

    # --- time -------------------------------------------------------------------

    def wall_of(self, monotonic: float) -> float:
        """The wall time of an emulator clock instant."""
        return self._clock.wall() - (self._clock.monotonic() - monotonic)

    # --- logs -------------------------------------------------------------------

    def entries(self, key: str) -> list[LogEntry]:
        """The key's finished jobs, newest first."""
        now = self._clock.monotonic()
        found = []
        for job_id in self._book.ids():
            job = self._book.get(job_id)
            if job is None or job.owner != key:
                continue
            finish = self._book.finish_time(job)
            if finish > now:
                continue
            status = "success" if job.script.outcome == "completed" else "error"
            found.append(
                LogEntry(
                    job=job,
                    uuid=log_uuid(job_id),
                    status=status,
                    started=self.wall_of(job.created),
                    finished=self.wall_of(finish),
                    channel=self.channels.get(job_id, "api"),
                )
            )
        found.sort(key=lambda entry: (entry.started, entry.uuid), reverse=True)
        return found

    def find(self, key: str, log_id: str) -> LogEntry | None:
        """The key's log with this ID, if any."""
        return next((entry for entry in self.entries(key) if entry.uuid == log_id), None)

    def log_row(self, entry: LogEntry) -> dict[str, Any]:
        """A log row as ``GET /scrape-logs`` lists it."""
        job = entry.job
        submission = job.submission
        stats: dict[str, Any] = {}
        if entry.status == "success":
            stats = self._book.result(job).get("stats") or {}
        input_tokens = int(stats.get("inputTokens", 0))
        output_tokens = int(stats.get("outputTokens", 0))
        return {
            "uuid": entry.uuid,
            "urls": [{"url": url} for url in submission.urls],
            "status": entry.status,
            "extraction_prompt": submission.prompt,
            "credits_used": job_credits(job) if entry.status == "success" else 0,
            "started_at": iso(entry.started),
            "finished_at": iso(entry.finished),
            "error_message": self._book.error_text(job) if entry.status == "error" else None,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "tokens_used": input_tokens + output_tokens,
            "latency_ms": int((entry.finished - entry.started) * 1000),
            "ai_output_format": submission.output,
            "use_proxy": False,
            "proxy_country": None,
            "scrape_mode": "default",
            "schema_json": None,
            "screenshot": submission.screenshot,
            "captcha_solved_count": int(stats.get("captchaSolvedCount", 0)),
            "scraped_sites_count": len(submission.urls),
            "channel": entry.channel,
        }

    def result_data(self, entry: LogEntry) -> Any:
        """What a log's detail carries as ``result_data``: the extracted content."""
        if entry.status != "success":
            return None
        return self._book.result(entry.job).get("content")

    # --- credits ----------------------------------------------------------------

    def credits_used(self, key: str) -> float:
        """Credits of completed jobs plus those held by running ones (failed ones refund)."""
        now = self._clock.monotonic()
        used = 0.0
        for job_id in self._book.ids():
            job = self._book.get(job_id)
            if job is None or job.owner != key:
                continue
            if self._book.finish_time(job) > now or job.script.outcome == "completed":
                used += job_credits(job)
        with self._lock:
            for _id, _created, row in self._crawls:
                if row.get("_owner") == key:
                    used += _float(row.get("credits_used"))
        return used

    def account(self, key: str) -> dict[str, Any]:
        """The body of ``GET /account``."""
        limit = self.credit_limits.get(key, DEFAULT_CREDIT_LIMIT)
        used = round(self.credits_used(key), 2)
        today = datetime.fromtimestamp(self._clock.wall(), UTC)
        return {
            "status": "success",
            "data": {
                "plan": {"name": self.plans.get(key, DEFAULT_PLAN)},
                "credits": {
                    "limit": limit,
                    "used": used,
                    "remaining": max(0.0, round(limit - used, 2)),
                    "billingCycleStart": today.strftime("%Y-%m-01T00:00:00.000Z"),
                },
                "proxyBandwidth": {"limitMb": 1024, "usedMb": 0, "remainingMb": 1024},
                "subscription": {"status": "active"},
            },
        }

    # --- usage ------------------------------------------------------------------

    def usage(self, key: str, time_range: str) -> list[dict[str, Any]]:
        """The rows of ``GET /usage-stats`` for ``7d``, ``30d`` or ``weekly`` (4 weeks)."""
        today = datetime.fromtimestamp(self._clock.wall(), UTC).date()
        if time_range == "weekly":
            spans = [
                (today - timedelta(days=7 * w + 6), today - timedelta(days=7 * w)) for w in range(4)
            ]
        else:
            days = 7 if time_range == "7d" else 30
            spans = [(today - timedelta(days=d), today - timedelta(days=d)) for d in range(days)]
        spans.reverse()
        rows = {span: _empty_row(span, weekly=time_range == "weekly") for span in spans}
        latencies: dict[tuple[Any, Any], list[float]] = {span: [] for span in spans}

        def span_of(wall: float) -> tuple[Any, Any] | None:
            day = datetime.fromtimestamp(wall, UTC).date()
            return next((s for s in spans if s[0] <= day <= s[1]), None)

        for job_id in self._book.ids():
            job = self._book.get(job_id)
            if job is None or job.owner != key:
                continue
            span = span_of(self.wall_of(job.created))
            if span is not None:
                rows[span]["requests"] += 1
        for entry in self.entries(key):
            span = span_of(entry.finished)
            if span is None:
                continue
            row = self.log_row(entry)
            rows[span]["credits"] += row["credits_used"]
            rows[span]["tokens"] += row["tokens_used"]
            rows[span]["captchas"] += row["captcha_solved_count"]
            latencies[span].append(row["latency_ms"])
        with self._lock:
            crawls = [created for _id, created, row in self._crawls if row.get("_owner") == key]
        for created in crawls:
            span = span_of(created)
            if span is not None:
                rows[span]["crawls"] += 1
        for span, values in latencies.items():
            if values:
                rows[span]["latency"] = round(sum(values) / len(values), 1)
        return list(rows.values())

    # --- batches and crawls -----------------------------------------------------

    def plant(self, kind: str, key: str, row: dict[str, Any], created: float | None) -> str:
        """Add a batch or crawl row for ``key``; returns its ID."""
        wall = self._clock.wall() if created is None else created
        row_id = str(uuid_module.uuid4())
        stamp = iso(wall)
        if kind == "batch":
            full = {
                "uuid": row_id,
                "status": "running",
                "totalUrls": 1,
                "completedCount": 0,
                "failedCount": 0,
                "outputFormat": "markdown",
                "scrapingChannel": "api",
                "createdAt": stamp,
                "finishedAt": None,
            }
        else:
            full = {
                "id": row_id,
                "base_url": "https://example.com/",
                "status": "running",
                "pages_crawled": 0,
                "max_pages": 5,
                "credits_used": "0.00",
                "allow_subdomains": 0,
                "use_proxy": 0,
                "created_at": stamp,
                "updated_at": stamp,
            }
        full.update(row)
        row_id = str(full.get("uuid" if kind == "batch" else "id", row_id))
        full["_owner"] = key
        with self._lock:
            (self._batches if kind == "batch" else self._crawls).append((row_id, wall, full))
        return row_id

    def update(self, kind: str, row_id: str, fields: dict[str, Any]) -> None:
        """Change fields of a planted row (a batch that finishes, say)."""
        with self._lock:
            for planted_id, _created, row in self._batches if kind == "batch" else self._crawls:
                if planted_id == row_id:
                    row.update(fields)
                    return
        raise KeyError(row_id)

    def row(self, kind: str, row_id: str, key: str) -> dict[str, Any] | None:
        """One planted batch or crawl row of ``key``, without internal fields, or None."""
        with self._lock:
            planted = list(self._batches if kind == "batch" else self._crawls)
        for planted_id, _created, row in planted:
            if planted_id == row_id and row.get("_owner") == key:
                return {k: v for k, v in row.items() if k != "_owner"}
        return None

    def rows(self, kind: str, key: str) -> list[dict[str, Any]]:
        """The key's batch or crawl rows, newest first, without internal fields."""
        with self._lock:
            planted = list(self._batches if kind == "batch" else self._crawls)
        mine = [(created, row) for _id, created, row in planted if row.get("_owner") == key]
        mine.sort(key=lambda pair: pair[0], reverse=True)
        return [{k: v for k, v in row.items() if k != "_owner"} for _created, row in mine]


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _empty_row(span: tuple[Any, Any], *, weekly: bool) -> dict[str, Any]:
    first, last = span
    if weekly:
        label = (
            f"{first:%b} {first.day}-{last.day}"
            if first.month == last.month
            else (f"{first:%b} {first.day}-{last:%b} {last.day}")
        )
        date = f"{first:%b} {first.day} – {last:%b} {last.day}"
    else:
        label, date = f"{first:%b} {first.day}", first.isoformat()
    return {
        "label": label,
        "date": date,
        "tokens": 0,
        "requests": 0,
        "crawls": 0,
        "captchas": 0,
        "latency": 0,
        "credits": 0,
    }
