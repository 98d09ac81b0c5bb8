"""The words of a notification about jobs that ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spidra_tui.notify.sequences import Notification
from spidra_tui.sanitize import line

__all__ = ["APP_TITLE", "Ending", "notification_for"]

APP_TITLE = "spidra-tui"


@dataclass(frozen=True)
class Ending:
    """A job that just ended. ``title`` and ``error`` come from the API: untrusted."""

    job_id: str
    status: str
    title: str = ""
    error: str = ""


def _short(job_id: str) -> str:
    job_id = line(job_id, 80)
    return job_id[:8] if len(job_id) > 12 else job_id


def notification_for(endings: Sequence[Ending]) -> Notification | None:
    """One notification for a burst of endings: the job itself when one ended, else
    counts. The text is made safe for the terminal when it is encoded."""
    if not endings:
        return None
    if len(endings) == 1:
        ending = endings[0]
        body = f"Job {_short(ending.job_id)} {line(ending.status, 20)}"
        if ending.title:
            body += f": {line(ending.title, 80)}"
        if ending.status != "completed" and ending.error:
            body += f" ({line(ending.error, 100)})"
        return Notification(APP_TITLE, body)
    completed = sum(1 for ending in endings if ending.status == "completed")
    others = len(endings) - completed
    body = f"{len(endings)} jobs ended: {completed} completed"
    if others:
        body += f", {others} failed or gone"
    return Notification(APP_TITLE, body)
