"""Plain-words descriptions of where a job stands, for the detail pane.

Pure functions from the watch layer's records to styled :class:`rich.text.Text`: every
string from the API passes through ``sanitize`` here, and nothing is parsed as markup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text

from spidra_tui import format as fmt
from spidra_tui.api.models import Job, Status
from spidra_tui.sanitize import clean, line
from spidra_tui.ui.jobs.job_row import look_for
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND, UNKNOWN, JobSummary, RetryState

__all__ = [
    "Phase",
    "Timing",
    "error_of",
    "failed_heading",
    "gone_text",
    "phase_of",
    "status_line",
    "status_name",
    "waiting_text",
]

_NOT_FOUND_MEANING = (
    "The server does not know this job ID. It may be mistyped, expired, or belong to another "
    "server (check the base URL). It is no longer polled."
)
_FORBIDDEN_MEANING = (
    "The server refused this job to the current API key: it belongs to another account, or "
    "the account has reached its credit limit. It is no longer polled."
)


class Phase:
    """What the content tab has to show for a job."""

    NONE = "none"  # nothing selected
    RESULT = "result"  # a result arrived: show the content
    FAILED = "failed"  # failed or cancelled: show the error, whole
    GONE = "gone"  # 404 / 403: show the server's message and what it means
    PENDING = "pending"  # no result yet: progress, message, timing


def status_name(status: str) -> str:
    """Return a status as words: "not_found" -> "not found"; API text is made one safe line."""
    return look_for(status).word


def _status_of(summary: JobSummary | None, job: Job | None) -> str:
    # The summary is what the watch layer last decided (it knows 404/403 and "unknown");
    # the job is only the last answer that parsed.
    if summary is not None:
        return summary.status
    return job.status if job is not None else UNKNOWN


def phase_of(summary: JobSummary | None, job: Job | None) -> str:
    """Decide which :class:`Phase` the content tab is in."""
    if summary is None and job is None:
        return Phase.NONE
    status = _status_of(summary, job)
    if status in (NOT_FOUND, FORBIDDEN):
        return Phase.GONE
    if job is not None and job.result is not None:
        return Phase.RESULT
    if status in (Status.FAILED, Status.CANCELLED):
        return Phase.FAILED
    return Phase.PENDING


def status_line(summary: JobSummary | None, job: Job | None, *, retrying: bool = False) -> Text:
    """One line: coloured status, the job ID and its title or label."""
    if summary is None and job is None:
        return Text("No job selected", style="dim")
    look = look_for(_status_of(summary, job), retrying)
    text = Text()
    text.append(f" {look.glyph} {look.word} ", style=f"reverse {look.style}")
    if summary is not None:
        text.append("  ")
        text.append(line(summary.job_id, 64), style="bold")
        label = summary.title or (job.title if job else None) or summary.label
        if label:
            text.append("  ")
            text.append(line(label, 200), style="dim")
    return text


@dataclass(frozen=True)
class Timing:
    """The moments a pending job's panel counts from, read from one clock."""

    now_wall: float
    next_poll_in: float | None = None  # seconds from now, already counted down
    retry: RetryState | None = None
    retry_in: float | None = None  # seconds from now until the retry
    note: str | None = None  # why the next poll is far off (the request budget)


def _seconds(value: float) -> str:
    return f"{max(0, math.ceil(value))} s"


def waiting_text(summary: JobSummary | None, job: Job | None, timing: Timing) -> Text:
    """The panel for a job with no result yet: status, bar, message, elapsed, next poll."""
    status = _status_of(summary, job)
    text = Text()
    if status == UNKNOWN:
        text.append("Waiting for the first answer", style="bold")
        text.append("\nThe server has not been asked about this job yet.", style="dim")
    else:
        text.append("Status  ", style="dim")
        look = look_for(status)
        text.append(f"{look.glyph} {look.word}", style=look.style)
        fraction = summary.fraction if summary is not None else None
        message = summary.message if summary is not None else None
        if job is not None and job.progress is not None:
            fraction = job.progress.fraction if fraction is None else fraction
            message = message or job.progress.message
        text.append("\n")
        text.append_text(fmt.progress_bar(fraction, 30))
        if message:
            text.append("\n")
            text.append(line(message, 500))
        if status == Status.COMPLETED:
            text.append("\nThe job completed, but the answer carried no result.", style="yellow")
    text.append("\n")
    if summary is not None:
        text.append("\nElapsed ", style="dim")
        text.append(fmt.duration(timing.now_wall - summary.added_at))
        text.append(" since added", style="dim")
    if timing.retry is not None:
        text.append("\nRetrying", style="bold yellow")
        if timing.retry_in is not None:
            text.append(f" in {_seconds(timing.retry_in)}", style="yellow")
        text.append(": ")
        text.append(line(timing.retry.reason, 500))
        if timing.retry.attempt > 1:
            text.append(f" (attempt {timing.retry.attempt})", style="dim")
    elif timing.next_poll_in is not None:
        if timing.next_poll_in > 0.5:
            text.append(f"\nNext poll in {_seconds(timing.next_poll_in)}", style="dim")
        else:
            text.append("\nPolling now…", style="dim")
        if timing.note:
            text.append("\n")
            text.append(timing.note, style="dim")
    return text


def failed_heading(summary: JobSummary | None, job: Job | None) -> Text:
    """The heading above a failed job's error."""
    status = _status_of(summary, job)
    text = Text()
    if status == Status.CANCELLED:
        text.append("Cancelled", style="bold")
    else:
        text.append("Failed", style="bold red")
    finished = summary.finished_at if summary is not None else None
    if finished is not None and summary is not None:
        text.append(f" after {fmt.duration(finished - summary.added_at)}", style="dim")
    if error_of(summary, job):
        text.append(". The server's error, in full:", style="dim")
    else:
        text.append(". The server gave no reason.", style="dim")
    return text


def error_of(summary: JobSummary | None, job: Job | None) -> str:
    """The fullest error text known for a job, sanitized (newlines kept)."""
    candidates = [job.error if job else None, summary.error if summary else None]
    texts = [clean(c) for c in candidates if c]
    return max(texts, key=len) if texts else ""


def gone_text(summary: JobSummary | None, job: Job | None) -> Text:
    """The panel for a job the server will not show: its message and what that means."""
    status = _status_of(summary, job)
    not_found = status == NOT_FOUND
    text = Text()
    text.append("Not found" if not_found else "Forbidden", style="bold red")
    message = ""
    if summary is not None:
        message = summary.error or summary.message or ""
    text.append("\nThe server said: ", style="dim")
    text.append(line(message, 2000) or ("Scrape not found" if not_found else "(no message)"))
    text.append("\n\n")
    text.append(_NOT_FOUND_MEANING if not_found else _FORBIDDEN_MEANING)
    return text
