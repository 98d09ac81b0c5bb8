"""A job's last answer read back from the store, as the detail shows it.

A crawl's answer comes with every page kept of it. A kept page never changes, so
the reader holds on to the pages it parsed for the crawl it read last, and its
next read of that crawl parses only the pages kept since: following a crawl of
10,000 pages costs the new pages of each update, not all of them again.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from spidra_tui.api.crawl import Crawl, CrawlPage
from spidra_tui.watch.kinds import read_answer, whole_in_updates
from spidra_tui.watch.store import JobStore


class AnswerReader:
    """Reads last answers from ``store``; safe to call from worker threads."""

    def __init__(self, store: JobStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._key: str | None = None
        self._offset = 0
        self._pages: tuple[CrawlPage, ...] = ()

    def read(self, key: str) -> Any | None:
        """The parsed last answer kept for ``key`` (None: none yet), a crawl with
        every page kept of it.

        Raises :class:`spidra_tui.api.errors.MalformedResponse` for a body that cannot
        be read.
        """
        body = self._store.load_answer(key)
        if body is None:
            return None
        if whole_in_updates(key):
            return read_answer(key, body, [])
        with self._lock:
            if key != self._key:
                self._key, self._offset, self._pages = key, 0, ()
            rows, following = self._store.load_pages_after(key, self._offset)
            crawl = read_answer(key, body, rows)
            if not isinstance(crawl, Crawl):
                return crawl
            if rows:
                self._pages += crawl.pages
            self._offset = following
            if not self._pages:
                return crawl  # nothing kept yet: the pages the answer holds
            return replace(crawl, pages=self._pages)
