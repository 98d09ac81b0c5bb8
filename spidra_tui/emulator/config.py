"""Configuration of the emulator: the server as a whole and its fault options."""

from __future__ import annotations

from dataclasses import dataclass, field

from .window import SPIDRA_WINDOW, WindowLimit

DEMO_KEY = "spd_demo_key_local"
"""The key that owns the built-in demo catalogue unless another one is configured."""

ERROR_CODES = (500, 502, 503, 504)
NON_JSON_KINDS = ("html-200", "html-502", "truncated")
RETRY_AFTER_FORMS = ("seconds", "http-date", "body")


@dataclass(frozen=True)
class Faults:
    """What goes wrong, and how often. Every rate is a probability per request (0..1).

    The rates of ``drop``, ``server_error``, ``rate_limited`` and ``non_json`` are
    exclusive (one draw picks at most one of them; keep their sum at or below 1);
    ``slow`` is drawn separately and delays whatever answer is given.

    POST semantics, as in production: a 500, 502, 503 or 429 (and an HTML 502 page)
    means the job was NOT created, so a retrying client creates no duplicate; a 504,
    a dropped connection, a slow answer, an HTML 200 page or truncated JSON come after
    the job WAS created.
    """

    drop: float = 0.0
    """Close the connection after reading the request, without an answer."""
    server_error: float = 0.0
    """Answer with one of ``error_codes``, as JSON or as an HTML proxy page."""
    rate_limited: float = 0.0
    """Answer 429 with a ``Retry-After`` in one of ``retry_after_forms``."""
    busy: float = 0.0
    """Answer 503 ``SERVICE_BUSY`` with ``retry_after: busy_retry_after`` in the body, as
    Spidra does when all its capacity is taken (the request was not taken)."""
    busy_retry_after: float = 60.0
    non_json: float = 0.0
    """Answer with a body that is not the JSON a client expects (``non_json_kinds``)."""
    slow: float = 0.0
    """Hold the answer back for ``slow_seconds`` of real time."""
    slow_seconds: float = 1.0
    error_codes: tuple[int, ...] = ERROR_CODES
    html_errors: float = 0.5
    """Share of the 5xx answers that are an HTML page rather than a JSON error."""
    non_json_kinds: tuple[str, ...] = NON_JSON_KINDS
    """Any of ``html-200`` (a proxy page with status 200), ``html-502``, ``truncated``."""
    retry_after: float = 2.0
    """Seconds announced by fault 429s."""
    retry_after_forms: tuple[str, ...] = RETRY_AFTER_FORMS
    """Any of ``seconds`` (header), ``http-date`` (header), ``body`` (``retry_after`` only)."""
    methods: frozenset[str] = frozenset({"GET", "POST"})
    """Which request methods the random faults above apply to."""
    rate_limit: tuple[int, float] | None = None
    """A hard limit per key: at most R requests in any window of W seconds (emulator clock);
    beyond it, 429 with a correct ``Retry-After``. Not random, and independent of the rates."""
    seed: int = 0
    """Seed of the fault draws; setting new ``Faults`` restarts the sequence."""

    def __post_init__(self) -> None:
        for name in (
            "drop",
            "server_error",
            "rate_limited",
            "busy",
            "non_json",
            "slow",
            "html_errors",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Faults.{name} must be between 0 and 1, not {value}")
        exclusive = self.drop + self.server_error + self.rate_limited + self.busy + self.non_json
        if exclusive > 1.0 + 1e-9:
            raise ValueError(
                "Faults: drop + server_error + rate_limited + busy + non_json exceeds 1"
            )
        if not set(self.non_json_kinds) <= set(NON_JSON_KINDS) or not self.non_json_kinds:
            raise ValueError(
                f"Faults.non_json_kinds must be a non-empty subset of {NON_JSON_KINDS}"
            )
        if not set(self.retry_after_forms) <= set(RETRY_AFTER_FORMS) or not self.retry_after_forms:
            raise ValueError(
                f"Faults.retry_after_forms must be a non-empty subset of {RETRY_AFTER_FORMS}"
            )
        if not self.error_codes or any(not 500 <= code <= 599 for code in self.error_codes):
            raise ValueError("Faults.error_codes must be a non-empty list of 5xx codes")
        if self.rate_limit is not None:
            count, window = self.rate_limit
            if count < 1 or window <= 0:
                raise ValueError("Faults.rate_limit must be (requests >= 1, window seconds > 0)")


@dataclass(frozen=True)
class EmulatorConfig:
    """How the emulator behaves as a whole."""

    faults: Faults = field(default_factory=Faults)
    time_scale: float = 1.0
    """Job seconds per clock second: 10 makes every lifecycle run ten times faster."""
    catalogue: bool = False
    """Create the demo catalogue (owned by ``demo_key``) when the emulator is built."""
    history: bool = False
    """Plant a month of finished scrapes, batches and crawls for ``demo_key`` (the demo)."""
    seed: int = 0
    """Seed of job IDs, lifecycles and generated content: same seed, same answers."""
    keys: frozenset[str] | None = None
    """Accepted API keys; ``None`` accepts any ``spd_`` key with at least 8 more characters."""
    demo_key: str = DEMO_KEY
    max_body_bytes: int = 1_000_000
    """Larger request bodies are refused with 413."""
    request_log_limit: int = 2_000_000
    """The request log keeps at most this many records (counters stay exact)."""
    window: WindowLimit | None = SPIDRA_WINDOW
    """Spidra's request window per client address (300 per 15 minutes unless set);
    ``None`` turns it off (no ``RateLimit-*`` headers either)."""
    max_pending: int | None = 10
    """A key's jobs not yet ended; one more ``POST /scrape`` is refused with 429
    ``TOO_MANY_PENDING_JOBS``. ``None``: no such limit."""

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError("EmulatorConfig.time_scale must be positive")
