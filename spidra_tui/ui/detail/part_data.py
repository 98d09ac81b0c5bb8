"""What the detail lists for a batch or a crawl: its items or pages, as plain data.

:func:`parts_of` turns a batch's or crawl's parsed answer into :class:`Parts`; a
crawl that grew reuses the parts it had, so following a crawl of 10,000 pages builds
only the new pages of each update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spidra_tui.api.batch import Batch
from spidra_tui.api.crawl import Crawl

GOOD = frozenset({"completed", "success"})
BAD = frozenset({"failed", "error", "cancelled"})


@dataclass(frozen=True, slots=True)
class Part:
    """One item of a batch or page of a crawl, as the detail lists it."""

    url: str | None
    status: str | None
    content: Any = None
    error: str | None = None
    title: str | None = None
    depth: int | None = None
    parent_url: str | None = None
    screenshot_url: str | None = None


@dataclass(frozen=True, slots=True)
class Parts:
    """What the detail lists for one job: ``noun`` names one part ("item", "page")."""

    noun: str
    parts: tuple[Part, ...]


def _batch_parts(batch: Batch) -> Parts:
    return Parts(
        "item",
        tuple(
            Part(i.url, i.status, i.content, i.error, screenshot_url=i.screenshot_url)
            for i in batch.items
        ),
    )


def _crawl_parts(crawl: Crawl, previous: Parts | None) -> Parts:
    pages = crawl.pages
    kept: tuple[Part, ...] = ()
    if previous is not None and previous.noun == "page" and previous.parts:
        # A kept page never changes: a crawl that grew reuses the parts it had.
        known = previous.parts
        if len(known) <= len(pages) and all(
            (known[i].url, known[i].status) == (pages[i].url, pages[i].status)
            for i in (0, len(known) - 1)
        ):
            kept = known
    return Parts(
        "page",
        kept
        + tuple(
            Part(p.url, p.status, p.data, p.error, p.title, p.depth, p.parent_url)
            for p in pages[len(kept) :]
        ),
    )


def parts_of(answer: Any, previous: Parts | None = None) -> Parts | None:
    """The parts of a batch's or crawl's answer; None for any other answer (a scrape).

    ``previous``, the same job's parts from an earlier answer, lets a crawl that
    grew build only its new pages.
    """
    if isinstance(answer, Batch):
        return _batch_parts(answer)
    if isinstance(answer, Crawl):
        return _crawl_parts(answer, previous)
    return None


def grew(before: tuple[Part, ...], now: tuple[Part, ...]) -> bool:
    """Whether ``now`` is ``before`` with more parts at the end (the same objects)."""
    if not before or len(now) <= len(before):
        return False
    return now[0] is before[0] and now[len(before) - 1] is before[-1]
