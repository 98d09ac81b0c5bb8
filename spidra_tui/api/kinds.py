"""The kinds of Spidra job, and the ``kind:ID`` references that name one.

A single scrape is named by its bare ID (as it always was); a batch by
``batch:ID`` and a crawl by ``crawl:ID``. The reference is what the command
line and the list show, and what the store keys a watched item by.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    """What a watched thing is: its endpoints and answer shapes differ."""

    SCRAPE = "scrape"
    BATCH = "batch"
    CRAWL = "crawl"


@dataclass(frozen=True, slots=True)
class JobRef:
    """One job of one kind."""

    kind: Kind
    job_id: str

    def __str__(self) -> str:
        return self.job_id if self.kind is Kind.SCRAPE else f"{self.kind}:{self.job_id}"

    @property
    def key(self) -> str:
        """The text that names it everywhere (``ID``, ``batch:ID``, ``crawl:ID``)."""
        return str(self)


def split_ref(text: str) -> tuple[Kind | None, str]:
    """``(kind, id)`` of ``text``: the kind when a ``batch:``/``crawl:``/``scrape:`` prefix
    names it, else None (a plain ID, whose kind is not said)."""
    prefix, sep, rest = text.partition(":")
    if sep:
        try:
            return Kind(prefix.strip().lower()), rest.strip()
        except ValueError:
            pass
    return None, text.strip()


def ref_of_key(key: str) -> JobRef:
    """The reference a stored key stands for (keys are always valid refs or bare IDs)."""
    kind, job_id = split_ref(key)
    return JobRef(kind or Kind.SCRAPE, job_id)
