"""How one job looks as a row of the job list: glyph, colour, bar, label, age.

Every cell is a Rich ``Text`` built from ``sanitize.line`` output, never a
plain string: a DataTable parses plain strings as markup, and the API's text
must show literally.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from rich.text import Text

from spidra_tui import format as fmt
from spidra_tui.api.kinds import Kind, ref_of_key
from spidra_tui.api.models import Status
from spidra_tui.sanitize import line
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND, UNKNOWN, JobSummary, RetryState

RETRYING = "retrying"
BAR_WIDTH = 10
SHORT_ID = 8


@dataclass(frozen=True, slots=True)
class StatusLook:
    """The glyph, Rich style and word that stand for a status."""

    glyph: str
    style: str
    word: str


LOOKS: dict[str, StatusLook] = {
    Status.WAITING: StatusLook("◷", "yellow", "waiting"),
    Status.QUEUED: StatusLook("◷", "yellow", "queued"),
    Status.ACTIVE: StatusLook("●", "bold cyan", "active"),
    # A batch's and a crawl's own words for waiting and working.
    "pending": StatusLook("◷", "yellow", "pending"),
    "running": StatusLook("●", "bold cyan", "running"),
    Status.DELAYED: StatusLook("◔", "dark_orange", "delayed"),
    Status.COMPLETED: StatusLook("✓", "bold green", "completed"),
    Status.FAILED: StatusLook("✗", "bold red", "failed"),
    Status.CANCELLED: StatusLook("⊘", "magenta", "cancelled"),
    NOT_FOUND: StatusLook("?", "bold magenta", "not found"),
    FORBIDDEN: StatusLook("⊘", "bold red", "forbidden"),
    RETRYING: StatusLook("↻", "dark_orange", "retrying"),
    UNKNOWN: StatusLook("○", "dim", "unknown"),
}

CONTENT_WORDS = {"markdown": "markdown", "json": "JSON", "empty": "empty result"}

# The order statuses are counted in the list's title.
COUNT_ORDER = (
    Status.ACTIVE,
    "running",
    "pending",
    Status.WAITING,
    Status.QUEUED,
    Status.DELAYED,
    RETRYING,
    Status.COMPLETED,
    Status.FAILED,
    Status.CANCELLED,
    NOT_FOUND,
    FORBIDDEN,
    UNKNOWN,
)


def look_for(status: str, retrying: bool = False) -> StatusLook:
    """The look of ``status``; a status the app does not know shows as itself."""
    if retrying and status not in (Status.COMPLETED, Status.FAILED):
        return LOOKS[RETRYING]
    known = LOOKS.get(status)
    if known is not None:
        return known
    return StatusLook("•", "italic", line(status, 20) or UNKNOWN)


# How each kind is marked in its row's label; a scrape, the usual kind, is not marked.
KIND_MARKS: dict[str, tuple[str, str]] = {
    Kind.BATCH: ("batch", "bold magenta"),
    Kind.CRAWL: ("crawl", "bold blue"),
}


def short_id(job_id: str) -> str:
    """The first characters of a job's ID (without its kind), enough to tell jobs apart."""
    return line(ref_of_key(job_id).job_id)[:SHORT_ID]


def label_text(summary: JobSummary) -> Text:
    """The row's label, after the kind's mark for a batch or a crawl."""
    text = Text(no_wrap=True, overflow="ellipsis")
    mark = KIND_MARKS.get(summary.kind)
    if mark is not None:
        text.append(mark[0], style=mark[1])
        text.append(" ")
    text.append(job_label(summary))
    return text


def url_label(url: str, max_len: int = 80) -> str:
    """``host/path`` of a URL, without the scheme, query or fragment."""
    text = line(url)
    parts = urlsplit(text if "://" in text else "//" + text)
    path = parts.path.rstrip("/")
    return line(f"{parts.hostname or ''}{path}", max_len) or line(text, max_len)


def job_label(summary: JobSummary) -> str:
    """The page title once known, else the label given when added, else nothing."""
    return line(summary.title or summary.label or "", 200)


def progress_text(summary: JobSummary, width: int = BAR_WIDTH) -> Text:
    """A text progress bar with its percent, e.g. ``██████░░░░  60%``."""
    fraction = 1.0 if summary.status == Status.COMPLETED else summary.fraction
    style = look_for(summary.status).style.replace("bold ", "")
    return fmt.progress_bar(fraction, width, style=style or "default", empty_style="dim")


def age_text(summary: JobSummary, now: float) -> Text:
    """How long a finished job took, or how long ago a running one was added."""
    if summary.terminal and summary.finished_at is not None:
        return Text(fmt.short_duration(summary.finished_at - summary.added_at), style="dim")
    return Text(fmt.short_duration(now - summary.added_at))


def message_text(summary: JobSummary, retry: RetryState | None) -> Text:
    """The progress message, the error of a failed job, or why a poll is retried.

    A completed job says what it produced instead of "Scrape completed".
    """
    if retry is not None:
        reason = line(retry.reason, 120)
        return Text(f"retry {retry.attempt}: {reason}", style="dark_orange")
    if summary.error and summary.status != Status.COMPLETED:
        return Text(line(summary.error, 200), style="red")
    if summary.status == Status.COMPLETED and summary.content_kind:
        kind = CONTENT_WORDS.get(summary.content_kind, line(summary.content_kind, 20))
        return Text(f"{kind} · {fmt.size(summary.answer_size)}", style="green")
    return Text(line(summary.message or "", 200), style="dim" if summary.terminal else "")


def status_cell(summary: JobSummary, retry: RetryState | None) -> Text:
    """The glyph and word of the job's status, in its colour."""
    look = look_for(summary.status, retrying=retry is not None)
    return Text(f"{look.glyph} {look.word}", style=look.style)


def row_cells(
    summary: JobSummary, retry: RetryState | None, now: float, *, bar: int = BAR_WIDTH
) -> tuple[Text, ...]:
    """The cells of one row, in column order (see ``job_list.COLUMNS``)."""
    return (
        status_cell(summary, retry),
        Text(short_id(summary.job_id), style="bold"),
        label_text(summary),
        progress_text(summary, bar),
        message_text(summary, retry),
        age_text(summary, now),
    )


def search_text(summary: JobSummary) -> str:
    """Everything the filter matches against, lower case."""
    fields = (
        summary.job_id,
        summary.kind if summary.kind != Kind.SCRAPE else None,
        summary.label,
        summary.title,
        summary.message,
        summary.error,
        summary.urls,
    )
    return " ".join(line(value) for value in fields if value).casefold()
