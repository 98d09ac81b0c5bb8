"""Errors the Spidra API client raises: one class per thing a caller acts on.

Messages use the server's own ``message`` when it sent one. No error ever
carries the API key: the client builds them from the response only.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any


class SpidraError(Exception):
    """Base of every error the client raises."""

    status_code: int | None = None
    transient = False  # whether trying the same request again may help

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.code = code

    def __str__(self) -> str:
        return self.message


class AuthError(SpidraError):
    """401: the key is missing or invalid."""

    status_code = 401


class PaymentRequired(SpidraError):
    """402: the account has a payment overdue."""

    status_code = 402


class Forbidden(SpidraError):
    """403: not this key's job, or the credit limit is reached."""

    status_code = 403


class NotFound(SpidraError):
    """404: no such job."""

    status_code = 404


class ValidationFailed(SpidraError):
    """422: the request body was refused; ``errors`` lists each problem."""

    status_code = 422

    def __init__(self, message: str, *, errors: list[str] | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.errors = list(errors or [])

    def __str__(self) -> str:
        if self.errors:
            return f"{self.message}: " + "; ".join(self.errors)
        return self.message


PENDING_JOBS = "TOO_MANY_PENDING_JOBS"


class RateLimited(SpidraError):
    """429: too many requests (or pending jobs) for this key; wait ``retry_after`` seconds.

    ``pending_jobs``: the refusal is about jobs still queued (``TOO_MANY_PENDING_JOBS``),
    not about the request window; polling may go on.
    """

    status_code = 429
    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    @property
    def pending_jobs(self) -> bool:
        return self.code == PENDING_JOBS


class ServerError(SpidraError):
    """5xx: the service or a gateway in front of it is in trouble."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TransportError(SpidraError):
    """The request did not get an answer: connect failure, reset, timeout."""

    transient = True


class MalformedResponse(SpidraError):
    """The answer could not be read: not JSON (a proxy's HTML page), or a wrong shape."""

    transient = True

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.field = field


class ApiError(SpidraError):
    """Any other status the client does not know what to do with."""


def may_have_created_job(error: SpidraError) -> bool:
    """Whether a submit that failed this way may still have queued a job.

    Only a refusal (4xx, or 502/503/``QUEUE_UNAVAILABLE``, which say the request
    was not taken) rules it out; a timeout, a drop, a 500, a 504 or an unreadable
    answer can come after the job was created.
    """
    if error.code == "QUEUE_UNAVAILABLE":
        return False
    if isinstance(error, ServerError):
        return error.status_code not in (502, 503)
    return isinstance(error, TransportError | MalformedResponse | ApiError)


def describe(error: SpidraError, *, after_submit: bool = False) -> str:
    """The error in plain words, with what to do about it; safe to show in a terminal.

    ``after_submit``: the error answered ``POST /scrape``; when the job may exist
    anyway, say so, so that nobody submits it twice.
    """
    text = _describe(error)
    if after_submit and may_have_created_job(error):
        text += " The job may have been queued anyway: check before submitting again."
    return text


def _describe(error: SpidraError) -> str:
    from spidra_tui.sanitize import line  # the message comes from the server

    message = line(error.message, 300)
    if isinstance(error, ValidationFailed):
        problems = [line(problem, 200) for problem in error.errors] or [message]
        return "The server refused the request:\n" + "\n".join(f"• {p}" for p in problems)
    if isinstance(error, AuthError):
        return f"The API key was refused ({message}). Check SPIDRA_API_KEY or the key file."
    if isinstance(error, PaymentRequired):
        return f"The account has a payment overdue ({message})."
    if isinstance(error, NotFound):
        return f"No such job ({message}). Check the job ID."
    if isinstance(error, Forbidden):
        return (
            f"Not allowed ({message}): the job belongs to another key, "
            "or the credit limit is reached."
        )
    if isinstance(error, RateLimited):
        wait = f" Try again in {error.retry_after:.0f} s." if error.retry_after else ""
        if error.pending_jobs:
            return f"Too many jobs are still pending ({message}). Wait for some to end.{wait}"
        return f"Too many requests ({message}).{wait}"
    if isinstance(error, TransportError):
        return f"No answer from the server ({message})."
    if isinstance(error, ServerError):
        return f"The server had a problem ({message}). Try again in a moment."
    if isinstance(error, MalformedResponse):
        return f"The server's answer could not be read ({message})."
    return message


# -- reading a retry delay ----------------------------------------------------

_MAX_RETRY_AFTER = 3600.0
_RATELIMIT_RESET = re.compile(r"(?:^|[;,\s])reset\s*=\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


def _seconds(value: str, now: float) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    return min(_MAX_RETRY_AFTER, max(0.0, seconds))


def retry_after_seconds(
    headers: Mapping[str, str],
    body: Any = None,
    *,
    now: float | None = None,
    window_reset: bool = True,
) -> float | None:
    """How long the server asked us to wait, from whichever hint it gave.

    Order: ``Retry-After`` (seconds or an HTTP date), the body's ``retry_after``,
    then, only with ``window_reset`` (a 429 that says the request window is spent),
    ``RateLimit-Reset`` / ``RateLimit: ... reset=N`` / ``X-RateLimit-Reset``
    (seconds, or an epoch time when it is large). ``None`` when there is no hint.

    The window's reset is not a retry hint for anything else: Spidra sends it on
    every answer, so a 503 or a 429 about pending jobs would otherwise wait for up
    to a whole window.
    """
    now = time.time() if now is None else now
    lower = {k.lower(): v for k, v in headers.items()}
    if "retry-after" in lower:
        seconds = _seconds(lower["retry-after"], now)
        if seconds is not None:
            return seconds
    if isinstance(body, Mapping):
        value = body.get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return min(_MAX_RETRY_AFTER, max(0.0, float(value)))
        if isinstance(value, str):
            seconds = _seconds(value, now)
            if seconds is not None:
                return seconds
    if not window_reset:
        return None
    candidates = [lower.get("ratelimit-reset"), lower.get("x-ratelimit-reset")]
    combined = lower.get("ratelimit")
    if combined:
        match = _RATELIMIT_RESET.search(combined)
        if match:
            candidates.insert(0, match.group(1))
    for raw in candidates:
        if raw is None:
            continue
        try:
            reset = float(raw.strip())
        except ValueError:
            continue
        if reset > 1_000_000_000:  # an epoch time, not a delta
            reset -= now
        return min(_MAX_RETRY_AFTER, max(0.0, reset))
    return None
