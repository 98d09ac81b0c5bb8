"""The API as the service answers it: routing, keys, validation, rate limits, faults."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import replace
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from ..clock import Clock
from . import faults as fault_replies
from .account_routes import AccountRoutes, account_path
from .accounting import RequestRecord, ServerStats, key_hash
from .faults import NO_FAULT, FaultPicker
from .jobs import JobBook
from .ratelimit import SlidingWindowLimiter, Verdict
from .validation import SubmissionRejected
from .window import TOO_MANY, AddressWindows
from .wire import Reply, Request

PREFIX = "/api"
JSON = "application/json; charset=utf-8"
_KEY_PATTERN = re.compile(r"spd_[A-Za-z0-9_\-]{8,}")


def error_reply(status: int, message: str, **extra: object) -> Reply:
    """A JSON error answer in the service's shape."""
    body = {"status": "error", "message": message, **extra}
    return Reply(status, json.dumps(body).encode())


NOT_FOUND = error_reply(404, "Not found")
JOB_NOT_FOUND = error_reply(404, "Scrape not found")
FORBIDDEN = error_reply(403, "You do not have permission to access this job.")
UNAUTHORIZED = error_reply(401, "Invalid or missing API key")
REVOKED = error_reply(401, "API key has been revoked")
BAD_JSON = error_reply(400, "Request body is not valid JSON")
WINDOW_SPENT = error_reply(429, TOO_MANY)
TOO_MANY_PENDING = error_reply(
    429,
    "Too many pending jobs. Wait for some to finish before submitting more.",
    code="TOO_MANY_PENDING_JOBS",
)


class KeyPolicy:
    """Which API keys the emulator accepts."""

    def __init__(self, keys: frozenset[str] | None, demo_key: str) -> None:
        self._keys = None if keys is None else keys | {demo_key}
        self.revoked: set[str] = set()

    def accepts(self, key: str) -> bool:
        if self._keys is not None:
            return key in self._keys
        return _KEY_PATTERN.fullmatch(key) is not None


def request_key(headers: dict[str, str]) -> str | None:
    """The API key of a request: ``x-api-key``, else ``Authorization: Bearer``."""
    key = headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def route(target: str) -> tuple[str, str | None, str]:
    """(route, job ID, path) for a request target; route is ``scrape``, ``job``,
    ``account`` (see :mod:`.account_routes`), ``unknown`` (under /api) or ``outside``."""
    if target.startswith(("http://", "https://")):
        target = urlsplit(target).path or "/"
    path = target.partition("?")[0].partition("#")[0]
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return "outside", None, path
    rest = path[len(PREFIX) :]
    if rest in ("/scrape", "/scrape/"):
        return "scrape", None, path
    if rest.startswith("/scrape/"):
        raw_id = rest[len("/scrape/") :]
        if raw_id and "/" not in raw_id:
            return "job", unquote(raw_id, errors="replace"), path
    if account_path(rest):
        return "account", None, path
    return "unknown", None, path


class ApiRoutes:
    """Turns requests into replies, and records each one in the stats."""

    def __init__(
        self,
        book: JobBook,
        stats: ServerStats,
        clock: Clock,
        keys: KeyPolicy,
        picker: Callable[[], FaultPicker],
        limiter: Callable[[], SlidingWindowLimiter | None],
        windows: AddressWindows | None = None,
        max_pending: int | None = None,
        account: AccountRoutes | None = None,
    ) -> None:
        self._book = book
        self._stats = stats
        self._clock = clock
        self._keys = keys
        self._picker = picker
        self._limiter = limiter
        self._windows = windows
        self._max_pending = max_pending
        self._account = account

    def handle(self, request: Request) -> Reply:
        """Answer one request (the server calls this on its own thread)."""
        now, wall, real = self._clock.monotonic(), self._clock.wall(), time.monotonic()
        kind, job_id, path = route(request.target)
        key = request_key(request.headers)
        picker = self._picker()
        fault = NO_FAULT if kind == "outside" else picker.draw(request.method)
        retry_after = picker.faults.retry_after
        busy_after = picker.faults.busy_retry_after
        created: list[str] = []
        count = None
        if self._windows is not None and kind != "outside":
            count = self._windows.count(request.client, now, wall)
        if count is not None and not count.allowed:
            reply = WINDOW_SPENT  # the window is checked before anything else
        elif fault.kind is not None and not fault.after_app:
            reply = fault_replies.apply(fault, None, retry_after, wall, busy_after)
        else:
            genuine = self._serve(request, kind, job_id, key, now, created)
            reply = fault_replies.apply(fault, genuine, retry_after, wall, busy_after)
        if count is not None and self._windows is not None:
            # On every answer, as Spidra sends them; Date lets a client with a wrong
            # clock read a Unix-time Reset against the server's clock.
            headers = count.headers(self._windows.setting.reset_format)
            reply = _with_headers(reply, (("Date", formatdate(wall, usegmt=True)), *headers))
        self._stats.record(
            RequestRecord(
                clock_time=now,
                wall_time=wall,
                real_time=real,
                method=request.method,
                path=path,
                job_id=job_id if kind == "job" else (created[0] if created else None),
                status=0 if reply.drop else reply.status,
                key_hash=key_hash(key),
                fault=fault.name,
            )
        )
        return reply

    def _serve(
        self,
        request: Request,
        kind: str,
        job_id: str | None,
        key: str | None,
        now: float,
        created: list[str],
    ) -> Reply:
        if kind in ("outside", "unknown"):
            return NOT_FOUND
        allowed = "POST" if kind == "scrape" else "GET"
        if request.method != allowed:
            return _with_headers(error_reply(405, "Method not allowed"), (("Allow", allowed),))
        if key is None or not self._keys.accepts(key):
            return UNAUTHORIZED
        if key in self._keys.revoked:
            return REVOKED
        limiter = self._limiter()
        verdict: Verdict | None = limiter.check(key, now) if limiter is not None else None
        if verdict is not None and not verdict.allowed:
            reply = error_reply(
                429, "Too many requests, slow down", retry_after=verdict.retry_after
            )
            return _with_headers(reply, tuple(verdict.headers()))
        if kind == "scrape":
            reply = self._submit(request, key, created)
        elif kind == "account":
            if self._account is None:
                return NOT_FOUND
            reply = self._account.serve(
                request.target, route(request.target)[2][len(PREFIX) :], key
            )
        else:
            assert job_id is not None
            reply = self._status(job_id, key)
        if verdict is not None:
            reply = _with_headers(reply, tuple(verdict.headers()))
        return reply

    def _submit(self, request: Request, key: str, created: list[str]) -> Reply:
        try:
            body = json.loads(request.body) if request.body.strip() else {}
        except (ValueError, RecursionError):
            return BAD_JSON
        if self._max_pending is not None and self._book.pending(key) >= self._max_pending:
            return TOO_MANY_PENDING
        try:
            job, warnings = self._book.submit(key, body)
        except SubmissionRejected as rejected:
            return error_reply(422, "Validation failed", errors=rejected.errors)
        created.append(job.job_id)
        answer: dict[str, object] = {"status": "queued", "jobId": job.job_id}
        if warnings:
            answer["schema_warnings"] = warnings
        return Reply(200, json.dumps(answer).encode())

    def _status(self, job_id: str, key: str) -> Reply:
        job = self._book.get(job_id)
        if job is None:
            return JOB_NOT_FOUND
        if job.owner != key:
            return FORBIDDEN
        body, moment = self._book.answer(job)
        on_answer = None
        if moment.terminal:

            def on_answer() -> None:
                self._stats.terminal_answered(job_id, self._clock.monotonic())

        status, content_type = 200, JSON
        if moment.terminal:
            status, content_type = job.final_status, job.final_content_type or JSON
        return Reply(status, body, content_type, delay=job.answer_delay, on_answer=on_answer)


def _with_headers(reply: Reply, headers: tuple[tuple[str, str], ...]) -> Reply:
    return replace(reply, headers=reply.headers + headers)
