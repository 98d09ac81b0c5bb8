"""What the detail pane hands over for a copy or a save: the text, a name for it, a file name.

The builders here are pure functions of the job's data, so what is copied never depends on
how far a lazy view has rendered, and each is computed only when the user asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spidra_tui import sanitize
from spidra_tui.api.models import Page, Result
from spidra_tui.deliver import default_name
from spidra_tui.sanitize import clean, line, safe_filename

__all__ = [
    "Deliverable",
    "content_deliverable",
    "error_deliverable",
    "json_text",
    "page_deliverable",
    "raw_deliverable",
    "screenshots_deliverable",
    "text_deliverable",
]


@dataclass(frozen=True)
class Deliverable:
    """Text ready to be copied or saved.

    ``text`` is already sanitized with :func:`spidra_tui.sanitize.clean`; ``what`` names it
    for a toast ("content (markdown)", "page 2 markdown", "JSON", "raw answer");
    ``file_name`` is a safe suggestion for a save dialog.
    """

    text: str
    what: str
    file_name: str


def json_text(value: Any) -> str:
    """Return ``value`` as indented JSON with its strings sanitized (``sanitize.json_text``)."""
    return sanitize.json_text(value)


def _txt_name(job_id: str, suffix: str) -> str:
    job = safe_filename(job_id, default="job", max_len=64)
    return safe_filename(f"{job}-{suffix}.txt", default=f"job-{suffix}.txt")


def content_deliverable(job_id: str, result: Result) -> Deliverable | None:
    """The job's ``result.content``: markdown as is, anything else as JSON. None when empty."""
    kind = result.content_kind
    if kind == "empty":
        return None
    if kind == "markdown":
        return Deliverable(clean(result.content), "content (markdown)", default_name(job_id, "md"))
    return Deliverable(json_text(result.content), "JSON", default_name(job_id, "json"))


def page_deliverable(job_id: str, page: Page, number: int) -> Deliverable | None:
    """One page's markdown; ``number`` counts from 1 as the UI shows it. None when it has none."""
    if not page.markdown:
        return None
    return Deliverable(
        clean(page.markdown), f"page {number} markdown", default_name(job_id, "md", page=number)
    )


def raw_deliverable(job_id: str, raw: dict[str, Any]) -> Deliverable | None:
    """The whole last answer as JSON. None before any answer arrived."""
    if not raw:
        return None
    return Deliverable(json_text(raw), "raw answer", default_name(job_id, "answer"))


def error_deliverable(job_id: str, error: str) -> Deliverable | None:
    """A failed job's error text, whole."""
    text = clean(error)
    if not text.strip():
        return None
    return Deliverable(text, "error", _txt_name(job_id, "error"))


def screenshots_deliverable(job_id: str, urls: Iterable[str]) -> Deliverable | None:
    """Every screenshot URL, one a line."""
    lines = [line(url) for url in urls]
    if not lines:
        return None
    return Deliverable("\n".join(lines) + "\n", "screenshot URLs", _txt_name(job_id, "screenshots"))


def text_deliverable(job_id: str, text: str, what: str, suffix: str) -> Deliverable:
    """Any other plain text the pane shows (the stats, for instance)."""
    return Deliverable(clean(text), what, _txt_name(job_id, suffix))
