"""Typed, immutable model of the answer to ``GET /scrape/{jobId}``.

``parse_job`` is forgiving where the API may vary (missing, null and extra
fields; unknown statuses stay strings) and strict where a wrong shape would
mislead (``status`` must be a string, ``result`` an object, ...): such a body
raises :class:`MalformedResponse` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.fields import error_text as _error_text
from spidra_tui.api.fields import kind_of as _kind
from spidra_tui.api.fields import opt_bool as _opt_bool
from spidra_tui.api.fields import opt_int as _opt_int
from spidra_tui.api.fields import opt_list as _opt_list
from spidra_tui.api.fields import opt_number as _opt_number
from spidra_tui.api.fields import opt_object as _opt_object
from spidra_tui.api.fields import opt_str as _opt_str


class Status:
    """Known job statuses. The server may send others: they stay plain strings."""

    WAITING = "waiting"
    ACTIVE = "active"
    DELAYED = "delayed"
    COMPLETED = "completed"
    FAILED = "failed"
    QUEUED = "queued"
    CANCELLED = "cancelled"


TERMINAL_STATUSES = frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELLED})


def is_terminal(status: str) -> bool:
    """Whether a job in ``status`` will never change again."""
    return status in TERMINAL_STATUSES


@dataclass(frozen=True, slots=True)
class Progress:
    """The ``progress`` object: a message and a fraction clamped to 0..1."""

    message: str | None = None
    fraction: float | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """``result.stats``: each figure may be missing."""

    duration_ms: float | None = None
    captcha_solved_count: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One entry of ``result.data[]``: a submitted URL and what was scraped there."""

    url: str | None = None
    title: str | None = None
    markdown: str | None = None
    success: bool | None = None
    screenshot_url: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """``result`` of a completed job."""

    content: Any = None
    pages: tuple[Page, ...] = ()
    screenshots: tuple[str, ...] = ()
    ai_extraction_failed: bool = False
    extraction_empty: bool = False
    stats: Stats | None = None

    @property
    def content_kind(self) -> str:
        """``"markdown"`` for a string, ``"json"`` for any other value, ``"empty"`` for none."""
        if self.content is None or self.content == "":
            return "empty"
        return "markdown" if isinstance(self.content, str) else "json"

    @property
    def all_screenshots(self) -> tuple[str, ...]:
        """Every screenshot URL, from ``screenshots`` and each page, without repeats."""
        seen: dict[str, None] = dict.fromkeys(self.screenshots)
        for page in self.pages:
            if page.screenshot_url:
                seen.setdefault(page.screenshot_url, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Job:
    """A parsed status answer. ``raw`` is the body exactly as decoded."""

    status: str
    progress: Progress | None = None
    result: Result | None = None
    error: str | None = None
    schema_warnings: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.status)

    @property
    def title(self) -> str | None:
        """The first page's title, once the job has one."""
        if self.result:
            for page in self.result.pages:
                if page.title:
                    return page.title
        return None


# -- parsing ---------------------------------------------------------------


def _parse_progress(body: dict[str, Any]) -> Progress | None:
    value = body.get("progress")
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Some answers carry a bare number; treat it as the fraction.
        value = {"progress": value}
    if not isinstance(value, dict):
        raise MalformedResponse(
            f"progress should be an object, got {_kind(value)}", field="progress"
        )
    fraction = _opt_number(value, "progress")
    if fraction is not None:
        if fraction > 1 and fraction <= 100:
            fraction = fraction / 100  # a percentage slipped through
        fraction = min(1.0, max(0.0, float(fraction)))
    return Progress(message=_opt_str(value, "message", "progress."), fraction=fraction)


def _parse_page(item: Any, index: int) -> Page:
    where = f"result.data[{index}]."
    if not isinstance(item, dict):
        raise MalformedResponse(
            f"{where[:-1]} should be an object, got {_kind(item)}", field=where[:-1]
        )
    return Page(
        url=_opt_str(item, "url", where),
        title=_opt_str(item, "title", where),
        markdown=_opt_str(item, "markdownContent", where),
        success=_opt_bool(item, "success"),
        screenshot_url=_opt_str(item, "screenshotUrl", where),
    )


def _parse_stats(result: dict[str, Any]) -> Stats | None:
    stats = _opt_object(result, "stats", "result.")
    if stats is None:
        return None
    return Stats(
        duration_ms=_opt_number(stats, "durationMs"),
        captcha_solved_count=_opt_int(stats, "captchaSolvedCount"),
        input_tokens=_opt_int(stats, "inputTokens"),
        output_tokens=_opt_int(stats, "outputTokens"),
        total_tokens=_opt_int(stats, "totalTokens"),
    )


def _parse_result(body: dict[str, Any]) -> Result | None:
    result = _opt_object(body, "result", "")
    if result is None:
        return None
    pages = tuple(
        _parse_page(item, i) for i, item in enumerate(_opt_list(result, "data", "result."))
    )
    screenshots = tuple(
        s for s in _opt_list(result, "screenshots", "result.") if isinstance(s, str) and s
    )
    return Result(
        content=result.get("content"),
        pages=pages,
        screenshots=screenshots,
        ai_extraction_failed=bool(_opt_bool(result, "ai_extraction_failed")),
        extraction_empty=bool(_opt_bool(result, "extraction_empty")),
        stats=_parse_stats(result),
    )


def parse_job(body: Any) -> Job:
    """Turn a decoded status answer into a :class:`Job`.

    Raises :class:`MalformedResponse` when the body is not an object or a field
    has a shape that cannot be read (the message names the field).
    """
    if not isinstance(body, dict):
        raise MalformedResponse(f"the answer should be a JSON object, got {_kind(body)}")
    status = body.get("status")
    if not isinstance(status, str) or not status.strip():
        if status is None:
            problem = "status is missing"
        elif isinstance(status, str):
            problem = "status is empty"
        else:
            problem = f"status should be a string, got {_kind(status)}"
        raise MalformedResponse(problem, field="status")
    warnings = tuple(str(w) for w in _opt_list(body, "schema_warnings", "") if w is not None)
    return Job(
        status=status.strip(),
        progress=_parse_progress(body),
        result=_parse_result(body),
        error=_error_text(body.get("error")),
        schema_warnings=warnings,
        raw=body,
    )
