"""Fault injection: drawing a fault for a request and building the faulty answer."""

from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import dataclass, replace
from email.utils import formatdate

from .config import Faults
from .wire import Reply

HTML = "text/html; charset=utf-8"

_JSON_ERRORS = {
    500: {"status": "error", "message": "Internal server error"},
    502: {"status": "error", "message": "Bad gateway"},
    503: {
        "status": "error",
        "message": "Service is busy, please retry shortly",
        "code": "SERVICE_BUSY",
    },
    504: {"status": "error", "message": "Gateway timeout"},
}

_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_PHRASES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}

_CHALLENGE_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="refresh" content="5"></head><body><div class="main-wrapper">'
    "<h1>api.spidra.io</h1><p>Checking if the site connection is secure</p></div>"
    "</body></html>\n"
)


@dataclass(frozen=True, slots=True)
class Fault:
    """One drawn fault. ``kind`` is ``drop``, ``server_error``, ``rate_limited``, ``busy`` or
    ``non_json`` (or ``None``: the normal answer, perhaps slowed by ``delay``)."""

    kind: str | None
    code: int = 0
    html: bool = False
    variant: str = ""
    """``non_json``: html-200 / html-502 / truncated; ``rate_limited``: the Retry-After form."""
    delay: float = 0.0

    @property
    def after_app(self) -> bool:
        """Whether the service handles the request before the fault hits (so a POST
        creates its job) rather than the fault answering in its place."""
        if self.kind == "drop":
            return True
        if self.kind == "server_error":
            return self.code == 504
        if self.kind == "non_json":
            return self.variant != "html-502"
        return False

    @property
    def name(self) -> str | None:
        """A short label for the request log."""
        if self.kind is None:
            return "slow" if self.delay else None
        label = {
            "drop": "drop",
            "server_error": f"{self.code}-{'html' if self.html else 'json'}",
            "rate_limited": f"429-{self.variant}",
            "non_json": self.variant,
            "busy": "503-busy",
        }[self.kind]
        return f"{label}+slow" if self.delay else label


NO_FAULT = Fault(None)


class FaultPicker:
    """Draws faults for requests from a seeded RNG, following a ``Faults`` setting."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._lock = threading.Lock()

    def draw(self, method: str) -> Fault:
        """The fault for the next request with this method (``NO_FAULT`` mostly)."""
        f = self.faults
        if method not in f.methods:
            return NO_FAULT
        if not (f.drop or f.server_error or f.rate_limited or f.busy or f.non_json or f.slow):
            return NO_FAULT
        with self._lock:
            rng = self._rng
            delay = f.slow_seconds if rng.random() < f.slow else 0.0
            roll = rng.random()
            if roll < f.drop:
                return Fault("drop", delay=delay)
            roll -= f.drop
            if roll < f.server_error:
                code = rng.choice(f.error_codes)
                return Fault("server_error", code, html=rng.random() < f.html_errors, delay=delay)
            roll -= f.server_error
            if roll < f.rate_limited:
                return Fault(
                    "rate_limited", 429, variant=rng.choice(f.retry_after_forms), delay=delay
                )
            roll -= f.rate_limited
            if roll < f.non_json:
                return Fault("non_json", variant=rng.choice(f.non_json_kinds), delay=delay)
            roll -= f.non_json
            if roll < f.busy:
                return Fault("busy", 503, delay=delay)
            return Fault(None, delay=delay)


def _json(status: int, body: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(body).encode(), headers=headers)


def server_error(code: int, html: bool, retry_after: float) -> Reply:
    """A 5xx as the API (JSON) or a proxy in front of it (HTML) would send it."""
    if html:
        phrase = _PHRASES.get(code, "Server Error")
        page = _GATEWAY_PAGE.format(code=code, phrase=phrase)
        return Reply(code, page.encode(), content_type=HTML)
    body = _JSON_ERRORS.get(code, {"status": "error", "message": "Server error"})
    headers = (("Retry-After", str(math.ceil(retry_after))),) if code == 503 else ()
    return _json(code, body, headers)


def rate_limited(form: str, retry_after: float, wall_now: float) -> Reply:
    """A 429 announcing ``retry_after`` seconds as a header (seconds or HTTP date,
    on the emulator's wall clock) or only as ``retry_after`` in the body."""
    seconds = math.ceil(retry_after)
    body: dict[str, object] = {"status": "error", "message": "Too many requests, slow down"}
    headers: tuple[tuple[str, str], ...] = ()
    if form == "seconds":
        headers = (("Retry-After", str(seconds)),)
    elif form == "http-date":
        # Round up to the next whole second so the date never undersells the wait.
        headers = (("Retry-After", formatdate(math.ceil(wall_now + retry_after), usegmt=True)),)
    else:
        body["retry_after"] = seconds
    return _json(429, body, headers)


def busy(retry_after: float) -> Reply:
    """Spidra's 503 when its capacity is taken: ``SERVICE_BUSY``, ``retry_after`` in the body."""
    body = {
        "status": "error",
        "message": "Service is busy, please retry shortly",
        "code": "SERVICE_BUSY",
        "retry_after": math.ceil(retry_after),
    }
    return _json(503, body)


def non_json(variant: str, genuine: Reply) -> Reply:
    """A body a JSON client chokes on: a proxy page, or the genuine answer cut short."""
    if variant == "html-200":
        return Reply(200, _CHALLENGE_PAGE.encode(), content_type=HTML)
    if variant == "html-502":
        return server_error(502, html=True, retry_after=0)
    cut = max(1, len(genuine.body) // 2)
    return Reply(genuine.status, genuine.body[:cut], headers=genuine.headers)


def apply(
    fault: Fault,
    genuine: Reply | None,
    retry_after: float,
    wall_now: float,
    busy_after: float = 60.0,
) -> Reply:
    """The answer sent for a faulty request. ``genuine`` is the service's own answer,
    present when the fault hits after the service handled the request."""
    if fault.kind == "drop":
        reply = Reply(0, drop=True)
    elif fault.kind == "server_error":
        reply = server_error(fault.code, fault.html, retry_after)
    elif fault.kind == "rate_limited":
        reply = rate_limited(fault.variant, retry_after, wall_now)
    elif fault.kind == "busy":
        reply = busy(busy_after)
    elif fault.kind == "non_json":
        reply = non_json(fault.variant, genuine or Reply(200, b'{"status":"error"}'))
    else:
        assert genuine is not None
        reply = genuine
    if fault.delay:
        # Only the genuine answer keeps its on_answer: a faulty one delivers nothing real.
        on_answer = reply.on_answer if reply is genuine else None
        reply = replace(reply, delay=fault.delay, on_answer=on_answer)
    return reply
