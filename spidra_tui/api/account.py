"""Typed models of the account endpoints: scrape logs, the account summary, usage.

``GET /scrape-logs`` (wrapped ``{status, data:{logs, total}}`` or bare ``{logs, total}``),
``GET /scrape-logs/{uuid}``, ``GET /account`` and ``GET /usage-stats``.

Parsing is lenient per field (see :mod:`spidra_tui.api.fields`) and strict only about the
container: a body that is not an object, or a list that is not a list, raises
:class:`MalformedResponse`. A row that is not an object is counted in ``skipped``, so a
view can say how many rows it could not read. Strings are kept as sent; they are made
safe where they are shown, copied or saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.fields import as_bool, as_count, as_int, as_number, as_object, as_text, kind_of

LOG_PAGE_LIMIT = 100  # the server's cap on ``limit``
USAGE_RANGES = ("7d", "30d", "weekly")
LOW_CREDIT_SHARE = 0.10


def unwrap(body: Any, what: str) -> Any:
    """The payload of ``{status, data: ...}`` or the bare body, as the SDK reads both."""
    if isinstance(body, dict) and "data" in body:
        return body["data"]
    if body is None:
        raise MalformedResponse(f"the {what} answer is empty")
    return body


def _require_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedResponse(f"the {what} answer should be a JSON object, got {kind_of(value)}")
    return value


def _require_list(obj: dict[str, Any], key: str, what: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedResponse(f"{what}.{key} should be a list, got {kind_of(value)}", field=key)
    return value


# -- scrape logs ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogFilters:
    """The query of ``GET /scrape-logs``; ``None`` leaves a filter out."""

    page: int = 1
    limit: int = 20
    status: str | None = None
    search: str | None = None
    date_start: str | None = None  # YYYY-MM-DD
    date_end: str | None = None
    channel: str | None = None  # api | playground

    def query(self) -> str:
        """The URL query string, camelCase as the server reads it."""
        params = {
            "page": max(1, self.page),
            "limit": min(LOG_PAGE_LIMIT, max(1, self.limit)),
            "searchTerm": self.search or None,
            "status": self.status or None,
            "dateStart": self.date_start or None,
            "dateEnd": self.date_end or None,
            "channel": self.channel or None,
        }
        return urlencode({k: v for k, v in params.items() if v is not None})


@dataclass(frozen=True, slots=True)
class ScrapeLog:
    """One row of the scrape history; ``result_data`` only from ``GET /scrape-logs/{uuid}``."""

    uuid: str
    status: str
    urls: tuple[str, ...] = ()
    prompt: str | None = None
    credits_used: float | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error_message: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_used: int | None = None
    latency_ms: float | None = None
    output_format: str | None = None
    use_proxy: bool | None = None
    proxy_country: str | None = None
    scrape_mode: str | None = None
    screenshot: bool | None = None
    full_page_screenshot: bool | None = None
    extract_content_only: bool | None = None
    schema_json: Any = None
    captcha_solved_count: int | None = None
    scraped_sites_count: int | None = None
    channel: str | None = None
    result_data: Any = None
    has_detail: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The record as read, under the server's own field names."""
        record: dict[str, Any] = {
            "uuid": self.uuid,
            "urls": [{"url": url} for url in self.urls],
            "status": self.status,
            "extraction_prompt": self.prompt,
            "credits_used": self.credits_used,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error_message": self.error_message,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "tokens_used": self.tokens_used,
            "latency_ms": self.latency_ms,
            "ai_output_format": self.output_format,
            "use_proxy": self.use_proxy,
            "proxy_country": self.proxy_country,
            "scrape_mode": self.scrape_mode,
            "screenshot": self.screenshot,
            "full_page_screenshot": self.full_page_screenshot,
            "extract_content_only": self.extract_content_only,
            "schema_json": self.schema_json,
            "captcha_solved_count": self.captcha_solved_count,
            "scraped_sites_count": self.scraped_sites_count,
        }
        if self.channel is not None:
            record["channel"] = self.channel
        if self.has_detail:
            record["result_data"] = self.result_data
        return record


@dataclass(frozen=True, slots=True)
class ScrapeLogPage:
    """One page of the history: rows, the server's total, and rows it could not read."""

    logs: tuple[ScrapeLog, ...]
    total: int | None
    page: int
    limit: int
    skipped: int = 0

    @property
    def has_more(self) -> bool:
        """Whether a later page may hold more rows."""
        if self.total is None:
            return len(self.logs) + self.skipped >= self.limit
        return self.page * self.limit < self.total


def _urls(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        return ()
    found: list[str] = []
    for item in value[:100]:
        text = as_text(item.get("url")) if isinstance(item, dict) else as_text(item)
        if text:
            found.append(text)
    return tuple(found)


def parse_log(row: Any, *, detail: bool = False) -> ScrapeLog | None:
    """One log row, or ``None`` when the row is not an object."""
    if not isinstance(row, dict):
        return None
    result = row.get("result_data", row.get("resultData")) if detail else None
    return ScrapeLog(
        uuid=as_text(row.get("uuid")) or as_text(row.get("id")) or "",
        status=as_text(row.get("status")) or "unknown",
        urls=_urls(row.get("urls")),
        prompt=as_text(row.get("extraction_prompt")),
        credits_used=as_number(row.get("credits_used")),
        started_at=as_text(row.get("started_at")),
        finished_at=as_text(row.get("finished_at")),
        error_message=as_text(row.get("error_message")),
        input_tokens=as_int(row.get("input_tokens")),
        output_tokens=as_int(row.get("output_tokens")),
        tokens_used=as_int(row.get("tokens_used")),
        latency_ms=as_number(row.get("latency_ms")),
        output_format=as_text(row.get("ai_output_format")),
        use_proxy=as_bool(row.get("use_proxy")),
        proxy_country=as_text(row.get("proxy_country")),
        scrape_mode=as_text(row.get("scrape_mode")),
        screenshot=as_bool(row.get("screenshot")),
        full_page_screenshot=as_bool(row.get("full_page_screenshot")),
        extract_content_only=as_bool(row.get("extract_content_only")),
        schema_json=row.get("schema_json"),
        captcha_solved_count=as_int(row.get("captcha_solved_count")),
        scraped_sites_count=as_int(row.get("scraped_sites_count")),
        channel=as_text(row.get("channel")),
        result_data=result,
        has_detail=detail,
        raw=row,
    )


def parse_log_page(body: Any, filters: LogFilters) -> ScrapeLogPage:
    """The answer to ``GET /scrape-logs``, wrapped or bare."""
    data = _require_object(unwrap(body, "scrape-logs"), "scrape-logs")
    rows = _require_list(data, "logs", "data")
    logs = [parse_log(row) for row in rows]
    total = as_int(data.get("total"))
    return ScrapeLogPage(
        logs=tuple(log for log in logs if log is not None),
        total=total if total is not None and total >= 0 else None,
        page=filters.page,
        limit=filters.limit,
        skipped=sum(1 for log in logs if log is None),
    )


def parse_log_detail(body: Any) -> ScrapeLog:
    """The answer to ``GET /scrape-logs/{uuid}``, wrapped or bare."""
    data = _require_object(unwrap(body, "scrape-log"), "scrape-log")
    log = parse_log(data, detail=True)
    assert log is not None  # data is an object
    return log


# -- the account ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """``GET /account``: plan, credits and proxy bandwidth; a figure may be missing."""

    plan: str | None = None
    credits_limit: float | None = None
    credits_used: float | None = None
    credits_remaining: float | None = None
    billing_cycle_start: str | None = None
    proxy_limit_mb: float | None = None
    proxy_used_mb: float | None = None
    proxy_remaining_mb: float | None = None
    subscription_status: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def remaining(self) -> float | None:
        """Credits left: as sent, else limit minus used (never below 0)."""
        if self.credits_remaining is not None:
            return max(0.0, self.credits_remaining)
        if self.credits_limit is not None and self.credits_used is not None:
            return max(0.0, self.credits_limit - self.credits_used)
        return None

    @property
    def remaining_share(self) -> float | None:
        """Remaining credits as a share of the limit (0..1), if both are known."""
        left = self.remaining
        if left is None or not self.credits_limit or self.credits_limit <= 0:
            return None
        return min(1.0, left / self.credits_limit)

    @property
    def low(self) -> bool:
        """Less than 10% of the credits are left."""
        share = self.remaining_share
        return share is not None and share < LOW_CREDIT_SHARE

    def to_json(self) -> dict[str, Any]:
        """The record as read, in the server's shape."""
        return {
            "plan": {"name": self.plan},
            "credits": {
                "limit": self.credits_limit,
                "used": self.credits_used,
                "remaining": self.credits_remaining,
                "billingCycleStart": self.billing_cycle_start,
            },
            "proxyBandwidth": {
                "limitMb": self.proxy_limit_mb,
                "usedMb": self.proxy_used_mb,
                "remainingMb": self.proxy_remaining_mb,
            },
            "subscription": {"status": self.subscription_status},
        }


def parse_account(body: Any) -> Account:
    """The answer to ``GET /account``."""
    data = _require_object(unwrap(body, "account"), "account")
    plan = data.get("plan")
    credits = as_object(data.get("credits"))
    proxy = as_object(data.get("proxyBandwidth"))
    return Account(
        plan=as_text(plan.get("name")) if isinstance(plan, dict) else as_text(plan),
        credits_limit=as_number(credits.get("limit")),
        credits_used=as_number(credits.get("used")),
        credits_remaining=as_number(credits.get("remaining")),
        billing_cycle_start=as_text(credits.get("billingCycleStart")),
        proxy_limit_mb=as_number(proxy.get("limitMb")),
        proxy_used_mb=as_number(proxy.get("usedMb")),
        proxy_remaining_mb=as_number(proxy.get("remainingMb")),
        subscription_status=as_text(as_object(data.get("subscription")).get("status")),
        raw=data,
    )


# -- usage ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageDay:
    """One bar of the usage chart (a day, or a week for ``weekly``)."""

    label: str
    date: str
    requests: int = 0
    credits: float = 0.0
    crawls: int = 0
    tokens: int = 0
    captchas: int = 0
    latency: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The row as read, under the server's names."""
        return {
            "label": self.label,
            "date": self.date,
            "requests": self.requests,
            "crawls": self.crawls,
            "tokens": self.tokens,
            "captchas": self.captchas,
            "latency": self.latency,
            "credits": self.credits,
        }


@dataclass(frozen=True, slots=True)
class Usage:
    """``GET /usage-stats`` for one range: its rows and their totals."""

    range: str
    days: tuple[UsageDay, ...]
    skipped: int = 0

    @property
    def total_requests(self) -> int:
        return sum(day.requests for day in self.days)

    @property
    def total_credits(self) -> float:
        return sum(day.credits for day in self.days)


def usage_query(time_range: str) -> str:
    """The query of ``GET /usage-stats``; refuses a range the server would refuse."""
    if time_range not in USAGE_RANGES:
        raise ValueError(f"the range must be one of {', '.join(USAGE_RANGES)}")
    return urlencode({"range": time_range})


def _usage_day(row: Any) -> UsageDay | None:
    if not isinstance(row, dict):
        return None
    credits = as_number(row.get("credits"))
    return UsageDay(
        label=as_text(row.get("label")) or as_text(row.get("date")) or "?",
        date=as_text(row.get("date")) or "",
        requests=as_count(row.get("requests")),
        credits=max(0.0, credits) if credits is not None else 0.0,
        crawls=as_count(row.get("crawls")),
        tokens=as_count(row.get("tokens")),
        captchas=as_count(row.get("captchas")),
        latency=as_number(row.get("latency")),
    )


def parse_usage(body: Any, time_range: str) -> Usage:
    """The answer to ``GET /usage-stats``: ``{data:[...]}``, ``{rows:[...]}`` or a bare list."""
    if isinstance(body, dict):
        rows = body.get("data", body.get("rows"))
        if rows is None:
            rows = []
    else:
        rows = body
    if not isinstance(rows, list):
        raise MalformedResponse(f"the usage rows should be a list, got {kind_of(rows)}")
    days = [_usage_day(row) for row in rows[:400]]
    return Usage(
        range=time_range,
        days=tuple(day for day in days if day is not None),
        skipped=sum(1 for day in days if day is None) + max(0, len(rows) - 400),
    )
