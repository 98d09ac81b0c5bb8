"""``SpidraClient``: the async HTTP client for the scrape endpoints (and, through
:class:`~spidra_tui.api.account_calls.AccountCalls`, the account's).

One shared ``httpx.AsyncClient`` (keep-alive). GETs are retried on passing
failures with capped, jittered exponential backoff; a POST is retried only when
the server said it did not take the request (502, 503, ``QUEUE_UNAVAILABLE``),
never after a network error or a 504, where the job may already be queued.

Every request goes through :meth:`SpidraClient._request`, which hands each
answer's status and ``RateLimit-*`` reading to :attr:`SpidraClient.observer`
(an :class:`spidra_tui.api.ratelimit.Answer`), and awaits
:attr:`SpidraClient.gate` before sending: that is how the watch layer's request
budget sees every request the app sends, whichever method sent it, retries too.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from spidra_tui import __version__, sanitize
from spidra_tui.api.account_calls import AccountCalls
from spidra_tui.api.errors import (
    PENDING_JOBS,
    ApiError,
    AuthError,
    Forbidden,
    MalformedResponse,
    NotFound,
    PaymentRequired,
    RateLimited,
    ServerError,
    SpidraError,
    TransportError,
    ValidationFailed,
    retry_after_seconds,
)
from spidra_tui.api.models import Job, parse_job
from spidra_tui.api.ratelimit import Answer, read_window
from spidra_tui.clock import Clock, SystemClock

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from spidra_tui.secret import Secret

log = logging.getLogger(__name__)
body_log = logging.getLogger("spidra_tui.bodies")

TIMEOUT = 30.0  # seconds for an answer
CONNECT_TIMEOUT = 5.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
MAX_BODY_BYTES = 64 * 1024 * 1024  # a status answer larger than this is not a status answer


@dataclass(frozen=True, slots=True)
class ScrapeRequest:
    """The body of ``POST /scrape``; ``None`` fields are left out."""

    urls: tuple[str, ...]
    prompt: str | None = None
    output: str | None = None
    schema: dict[str, Any] | None = None
    use_proxy: bool | None = None
    proxy_country: str | None = None
    extract_content_only: bool | None = None
    screenshot: bool | None = None
    full_page_screenshot: bool | None = None
    cookies: str | None = None
    scrape_mode: str | None = None

    def to_body(self) -> dict[str, Any]:
        """The JSON body, camelCase on the wire."""
        body: dict[str, Any] = {"urls": [{"url": url} for url in self.urls]}
        optional = {
            "prompt": self.prompt,
            "output": self.output,
            "schema": self.schema,
            "useProxy": self.use_proxy,
            "proxyCountry": self.proxy_country,
            "extractContentOnly": self.extract_content_only,
            "screenshot": self.screenshot,
            "fullPageScreenshot": self.full_page_screenshot,
            "cookies": self.cookies,
            "scrapeMode": self.scrape_mode,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body


@dataclass(frozen=True, slots=True)
class Submitted:
    """The answer to a submit: the new job's ID and any schema warnings."""

    job_id: str
    warnings: tuple[str, ...] = field(default=())


class SendGate(Protocol):
    """What may hold a request back before it is sent (the watch layer's budget)."""

    async def before_send(self) -> None: ...


class _KeyHeader:
    """Puts the key into a request's ``x-api-key`` header as httpx sends it.

    Until then the key stays inside its :class:`Secret`: a header dict passed down the
    call stack would sit as plain text in the locals of every httpx frame, which a
    traceback with locals (Textual's crash screen) prints. httpx takes a callable as
    ``auth`` and calls it on each request just before sending.
    """

    __slots__ = ("_key",)

    def __init__(self, key: Secret) -> None:
        self._key = key

    def __call__(self, request: httpx.Request) -> httpx.Request:
        request.headers["x-api-key"] = self._key.reveal()
        return request

    def __repr__(self) -> str:
        return f"_KeyHeader({self._key!r})"


def job_path(job_id: str) -> str:
    """``/scrape/<id>`` with the ID escaped as exactly one path segment."""
    # safe="" escapes "/" too; "." and ".." are escaped by hand since they are
    # unreserved yet would be collapsed as path steps.
    segment = quote(job_id, safe="")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return "/scrape/" + segment


class SpidraClient(AccountCalls):
    """Talks to the Spidra API. Use as ``async with SpidraClient(...) as client``."""

    def __init__(
        self,
        base_url: str,
        api_key: Secret | None,
        *,
        get_retries: int = 3,
        post_retries: int = 2,
        timeout: httpx.Timeout | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 16,
        observer: Callable[[Answer], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.get_retries = get_retries
        self.post_retries = post_retries
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._timeout = timeout
        self._transport = transport
        self._max_connections = max_connections
        self._client: httpx.AsyncClient | None = None
        self._closed = False
        self.observer = observer
        """Told of every answer (status, rate-limit headers); see the module."""
        self.gate: SendGate | None = None
        """Awaited before every request is sent; see the module."""

    def prepare(self) -> None:
        """Build the HTTP client now, before the first request (``async with`` does).

        Importing httpx and setting up TLS take about a tenth of a second, so the
        client is built when first needed, not when the TUI starts. A poller should
        prepare it before polling: else the first request leaves that much after the
        time the poller noted, closer to the next one than it spaced them.
        """
        self._http  # noqa: B018 - built on access

    @property
    def _http(self) -> httpx.AsyncClient:
        """The shared ``httpx.AsyncClient``, built on first use (see :meth:`prepare`)."""
        if self._client is None:
            import httpx

            if self._closed:
                raise RuntimeError("the client is closed")
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self._timeout or httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT),
                transport=self._transport,
                limits=httpx.Limits(
                    max_connections=self._max_connections,
                    max_keepalive_connections=self._max_connections,
                ),
                headers={"User-Agent": f"spidra-tui/{__version__}", "Accept": "application/json"},
                auth=_KeyHeader(self._key) if self._key is not None else None,
                follow_redirects=False,
            )
        return self._client

    def __repr__(self) -> str:
        return f"SpidraClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> SpidraClient:
        self.prepare()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._client is not None:
            await self._client.aclose()

    # -- endpoints ------------------------------------------------------

    async def get_job(self, job_id: str, *, retries: int | None = None) -> Job:
        """``GET /scrape/{job_id}``, parsed. Retries passing failures ``retries`` times."""
        attempts = (self.get_retries if retries is None else retries) + 1
        for attempt in range(attempts):
            try:
                body = await self._request("GET", job_path(job_id))
                return parse_job(body)
            except SpidraError as exc:
                if not exc.transient or attempt + 1 >= attempts:
                    raise
                await self._clock.sleep(self._backoff(attempt, exc))
        raise AssertionError("unreachable")

    async def submit_scrape(self, request: ScrapeRequest) -> Submitted:
        """``POST /scrape``; returns the new job's ID."""
        body = request.to_body()
        for attempt in range(self.post_retries + 1):
            try:
                answer = await self._request("POST", "/scrape", json_body=body)
                break
            except SpidraError as exc:
                if not _post_may_retry(exc) or attempt >= self.post_retries:
                    raise
                await self._clock.sleep(self._backoff(attempt, exc))
        job_id = answer.get("jobId") if isinstance(answer, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise MalformedResponse("the submit answer has no jobId", field="jobId")
        warnings = answer.get("schema_warnings") or []
        return Submitted(
            job_id, tuple(str(w) for w in warnings if w) if isinstance(warnings, list) else ()
        )

    # -- plumbing -------------------------------------------------------

    def _backoff(self, attempt: int, exc: SpidraError) -> float:
        hinted = getattr(exc, "retry_after", None)
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
        delay = self._rng.uniform(ceiling / 2, ceiling)
        return max(delay, hinted) if hinted is not None else delay

    async def _request(self, method: str, path: str, *, json_body: Any = None) -> Any:
        import httpx  # a dictionary look-up once loaded; the except clauses need it

        if self.gate is not None:
            await self.gate.before_send()
        sent_at = self._clock.wall()
        try:
            async with self._http.stream(method, path, json=json_body) as response:
                self._tell(method, response, sent_at)
                raw = await _read_limited(response)
        except httpx.TimeoutException as exc:
            raise TransportError(f"no answer from {self.base_url} in time ({_kind(exc)})") from None
        except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise TransportError(f"could not reach {self.base_url} ({_kind(exc)})") from None
        log.debug("%s %s -> %s (%d bytes)", method, path, response.status_code, len(raw))
        if body_log.isEnabledFor(logging.DEBUG):
            text = sanitize.clean(raw[:65536].decode("utf-8", "replace"))
            body_log.debug("%s %s body: %s", method, path, text)
        return _decode(response, raw, now=self._clock.wall())

    def _tell(self, method: str, response: httpx.Response, sent_at: float) -> None:
        """Hand the answer's status and window to the observer (before the body is read:
        an answer cut short still counted at the server)."""
        if self.observer is None:
            return
        now = self._clock.wall()
        answer = Answer(
            method=method,
            status=response.status_code,
            window=read_window(response.headers, now=now),
            sent_at=sent_at,
            received_at=now,
        )
        try:
            self.observer(answer)
        except Exception:  # the budget must never break a request
            log.exception("the answer observer failed")


async def _read_limited(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise MalformedResponse(f"the answer is larger than {MAX_BODY_BYTES // 2**20} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _kind(exc: Exception) -> str:
    # The class name says what went wrong without echoing request details.
    return type(exc).__name__.replace("Error", " error").replace("Timeout", "timeout").strip()


def _post_may_retry(exc: SpidraError) -> bool:
    if exc.code == "QUEUE_UNAVAILABLE":
        return True
    return isinstance(exc, ServerError) and exc.status_code in (502, 503)


def _decode(response: httpx.Response, raw: bytes, *, now: float) -> Any:
    status = response.status_code
    try:
        body: Any = json.loads(raw) if raw.strip() else None
    except ValueError:
        body = _NOT_JSON
    if 200 <= status < 300:
        if body is _NOT_JSON:
            kind = response.headers.get("content-type", "unknown type").split(";")[0]
            if "json" in kind.lower():
                # Said to be JSON, yet unreadable: cut short, or not UTF-8.
                raise MalformedResponse(
                    f"the answer is not valid JSON (cut short or damaged, HTTP {status})"
                )
            raise MalformedResponse(f"the server answered with {kind}, not JSON (HTTP {status})")
        return body
    raise _error_for(response, body, now=now)


_NOT_JSON = object()


def _error_for(response: httpx.Response, body: Any, *, now: float) -> SpidraError:
    status = response.status_code
    data = body if isinstance(body, dict) else {}
    message = data.get("message") if isinstance(data.get("message"), str) else None
    code = data.get("code") if isinstance(data.get("code"), str) else None
    kwargs: dict[str, Any] = {"status_code": status, "code": code}
    if status == 401:
        return AuthError(message or "the API key is missing or invalid", **kwargs)
    if status == 402:
        return PaymentRequired(message or "payment required", **kwargs)
    if status == 403:
        return Forbidden(message or "you do not have permission to access this job", **kwargs)
    if status == 404:
        return NotFound(message or "not found", **kwargs)
    if status == 422:
        errors = data.get("errors")
        listed = [str(e) for e in errors] if isinstance(errors, list) else []
        return ValidationFailed(message or "the request was refused", errors=listed, **kwargs)
    if status == 429:
        # A refusal about pending jobs is not about the window: its reset is no hint.
        window = code != PENDING_JOBS
        wait = retry_after_seconds(response.headers, data, now=now, window_reset=window)
        return RateLimited(message or "rate limited", retry_after=wait, **kwargs)
    if status >= 500:
        if message is None and body is _NOT_JSON:
            message = (
                f"server error {status} (the answer was not JSON, perhaps a proxy's error page)"
            )
        wait = (
            retry_after_seconds(response.headers, data, now=now, window_reset=False)
            if status == 503
            else None
        )
        return ServerError(message or f"server error {status}", retry_after=wait, **kwargs)
    return ApiError(message or f"unexpected answer: HTTP {status}", **kwargs)
