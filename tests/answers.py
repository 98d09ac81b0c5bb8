"""The update a poll's answer makes, as the poller would report it, for tests and benchmarks."""

from __future__ import annotations

from typing import Any

from spidra_tui.api.models import parse_job
from spidra_tui.watch.state import JobUpdate


def answer_update(job_id: str, body: dict[str, Any], *, polled_at: float) -> JobUpdate:
    """A :class:`JobUpdate` carrying ``body`` parsed, as if polled at ``polled_at``."""
    job = parse_job(body)
    progress = job.progress
    return JobUpdate(
        job_id=job_id,
        status=job.status,
        fraction=progress.fraction if progress else None,
        message=progress.message if progress else None,
        error=job.error,
        title=job.title,
        job=job,
        polled_at=polled_at,
        terminal=job.is_terminal,
    )
