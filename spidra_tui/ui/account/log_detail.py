"""A history log shown in the job detail pane, its ``result_data`` rendered like a result.

The pane shows a watched job from its summary and its parsed answer; a log is neither,
so it is turned into both: ``completed`` or ``failed`` with the log's URLs as pages,
its figures as stats, and the log's own fields as the raw answer.
"""

from __future__ import annotations

from spidra_tui.api.account import ScrapeLog
from spidra_tui.api.models import Job, Page, Result, Stats
from spidra_tui.watch.state import JobSummary

_ENDED = {"success": "completed", "completed": "completed", "error": "failed", "failed": "failed"}


def log_status(log: ScrapeLog) -> str:
    """The log's status in the job list's words (unknown ones stay as they are)."""
    return _ENDED.get(log.status.lower(), log.status)


def log_as_job(log: ScrapeLog, *, now: float) -> tuple[JobSummary, Job]:
    """The summary and answer the detail pane needs to show ``log``."""
    status = log_status(log)
    ended = status in ("completed", "failed")
    result = None
    if status == "completed" or log.result_data is not None:
        result = Result(
            content=log.result_data,
            pages=tuple(Page(url=url) for url in log.urls),
            stats=Stats(
                duration_ms=log.latency_ms,
                captcha_solved_count=log.captcha_solved_count,
                input_tokens=log.input_tokens,
                output_tokens=log.output_tokens,
                total_tokens=log.tokens_used,
            ),
        )
    job = Job(status=status, result=result, error=log.error_message, raw=log.raw)
    content = result.content_kind if result is not None else None
    summary = JobSummary(
        job_id=log.uuid,
        added_at=now,
        label=log.urls[0] if log.urls else None,
        status=status,
        fraction=1.0 if ended else None,
        error=log.error_message,
        terminal=ended,
        content_kind=content,
        urls="\n".join(log.urls[:20]) or None,
    )
    return summary, job
