"""Per-kind watching: how each kind of job is polled and what its answers show.

``watch_for(kind)`` gives a kind's :class:`KindWatch`; ``view_of(answer)``
the :class:`AnswerView` of any parsed answer. Adding a kind is one module and
one line in each table below.
"""

from __future__ import annotations

from typing import Any

from spidra_tui.api.batch import Batch
from spidra_tui.api.crawl import Crawl
from spidra_tui.api.kinds import Kind, ref_of_key
from spidra_tui.api.models import Job
from spidra_tui.watch.kinds.base import AnswerView, KindWatch, Parts, Polled, Slot, Unsupported
from spidra_tui.watch.kinds.batch import BatchWatch
from spidra_tui.watch.kinds.crawl import CrawlWatch
from spidra_tui.watch.kinds.scrape import ScrapeWatch

__all__ = [
    "AnswerView",
    "KindWatch",
    "Parts",
    "Polled",
    "Slot",
    "Unsupported",
    "poll_item",
    "read_answer",
    "whole_in_updates",
    "view_of",
    "watch_for",
]

_WATCHES: dict[Kind, KindWatch] = {
    Kind.SCRAPE: ScrapeWatch(),
    Kind.BATCH: BatchWatch(),
    Kind.CRAWL: CrawlWatch(),
}
_BY_MODEL: dict[type, Kind] = {Job: Kind.SCRAPE, Batch: Kind.BATCH, Crawl: Kind.CRAWL}


def watch_for(kind: Kind | str) -> KindWatch:
    """The watch of ``kind``."""
    return _WATCHES[Kind(kind)]


def view_of(answer: Any) -> AnswerView:
    """What a user sees of a parsed answer of any kind."""
    return _WATCHES[_BY_MODEL[type(answer)]].view(answer)


def whole_in_updates(key: str) -> bool:
    """Whether an update's answer for ``key`` is all its detail shows; when not (a
    crawl, whose pages are kept apart), read it again with :func:`read_answer`."""
    return _WATCHES[ref_of_key(key).kind].whole_in_updates


def read_answer(key: str, body: Any, pages: list[dict[str, Any]]) -> Any:
    """The parsed last answer of the item stored under ``key`` (a crawl with its kept pages).

    Raises :class:`spidra_tui.api.errors.MalformedResponse` for a body that cannot be read.
    """
    return _WATCHES[ref_of_key(key).kind].loaded(body, pages)


async def poll_item(source: Any, key: str, memo: Any, slot: Slot) -> Polled:
    """One poll of the watched item stored under ``key`` (``ID``, ``batch:ID``, ``crawl:ID``)."""
    ref = ref_of_key(key)
    return await _WATCHES[ref.kind].poll(source, ref.job_id, memo, slot)
