"""SearchableView: a `BlockView` that finds a query in its text and highlights every match.

The text is searched in a worker thread, a chunk at a time (see `search`); the matches
of the first chunk are handed over at once and the rest a few times a second, so the
first matches show while a 5 MB text is still being searched and a key press never
waits behind the search. Each new query starts a new search and the previous one
stops at its next chunk. Only blocks on screen are painted, so a million matches cost
no more to show than ten.
"""

from __future__ import annotations

import re
from functools import partial
from time import perf_counter, sleep
from typing import Any, Protocol

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from spidra_tui.ui.document.block_layout import BlockLayout
from spidra_tui.ui.document.block_view import BlockView
from spidra_tui.ui.document.blocks import Block
from spidra_tui.ui.document.highlight import (
    Matches,
    current_row,
    current_style,
    paint_rendered,
    paint_text,
)
from spidra_tui.ui.document.search import MAX_MATCHES, FindQuery, compile_query, iter_matches

# Seconds between hand-overs of matches after the first chunk's.
_HANDOVER = 0.05
# A text longer than this is searched only once typing pauses this long: each search
# of a few megabytes competes with the keys for the interpreter.
_BIG_TEXT = 524_288
_TYPING_PAUSE = 0.04

MATCH_STYLES = ("document-view--match", "document-view--match-current")


class Findable(Protocol):
    """What the find bar drives: a `DocumentView` or a `JsonTree`."""

    display: bool

    @property
    def find_query(self) -> FindQuery | None: ...

    def find(self, query: FindQuery) -> None: ...

    def find_step(self, direction: int) -> bool: ...

    def clear_find(self) -> None: ...

    def focus(self, scroll_visible: bool = True) -> Any: ...


class SearchableView(BlockView):
    """A block view with a find: `find`, `find_step`, `clear_find`.

    Subclasses say what text there is to search (`_find_parts`), which layouts show
    it (`_find_layouts`), and paint matches when they render a block
    (`_find_paint_text`, `_find_paint_rendered`).
    """

    class Found(Message):
        """Posted when the matches of a find, or the current one, change.

        `view` is the widget searched: a `SearchableView`, or a `JsonTree`. `capped`
        says the search stopped at the most matches it keeps.
        """

        def __init__(
            self,
            view: Widget,
            count: int,
            current: int | None,
            searching: bool,
            capped: bool = False,
        ) -> None:
            super().__init__()
            self.view = view
            self.count = count
            self.current = current
            self.searching = searching
            self.capped = capped

        @property
        def control(self) -> Widget:
            """The view searched."""
            return self.view

    def __init__(self, layout: BlockLayout, **kwargs: Any) -> None:
        super().__init__(layout, **kwargs)
        self._query: FindQuery | None = None
        self._pattern: re.Pattern[str] | None = None
        self._matches = Matches()
        self._matches_generation = 0
        self._find_generation = 0
        self._find_anchor = 0
        self._find_waiting = False
        self._find_timer: Timer | None = None

    # --- the public API -----------------------------------------------------------

    def find(self, query: FindQuery) -> None:
        """Highlight every match of `query` and go to the first at or after the place.

        The place is the current match if there is one, else the top of the view, so
        refining a query as it is typed keeps the reader where they are. Raises
        `search.BadPattern` for a regular expression that does not compile (the
        previous find stays). Progress arrives as `Found` messages.
        """
        pattern = compile_query(query)
        self._find_anchor = self._place_offset()
        self._query, self._pattern = (query, pattern) if pattern is not None else (None, None)
        self._find_generation += 1
        if pattern is None:
            self._reset_matches()
            self._post_found()
            return
        self._start_search()

    def find_step(self, direction: int) -> bool:
        """Go to the next (1) or previous (-1) match, wrapping; False if there is none."""
        matches = self._matches
        if self._pattern is None or not len(matches):
            return False
        if matches.current is None:
            after = matches.first_from(self._place_offset())
            if direction > 0:
                index = 0 if after is None else after
            else:
                index = len(matches) - 1 if after is None else (after - 1) % len(matches)
        else:
            index = (matches.current + direction) % len(matches)
        self._go_to(index)
        return True

    def clear_find(self) -> None:
        """Remove the find and its highlights; the view stays where it is."""
        self._query = self._pattern = None
        self._find_generation += 1
        self._find_waiting = False
        if self._find_timer is not None:
            self._find_timer.stop()
            self._find_timer = None
        self._reset_matches()
        self._post_found()

    @property
    def find_query(self) -> FindQuery | None:
        """The query being found, or None."""
        return self._query

    @property
    def find_count(self) -> int:
        """How many matches have been found so far."""
        return len(self._matches)

    @property
    def find_current(self) -> int | None:
        """The index of the current match (from 0), or None."""
        return self._matches.current

    @property
    def find_searching(self) -> bool:
        """Whether a find is still running (or waiting for the text to load)."""
        return self._pattern is not None and (self._find_waiting or not self._matches.done)

    # --- for subclasses -----------------------------------------------------------

    def _find_parts(self) -> list[str] | None:
        """The cleaned text as pieces, or None while it is still being processed."""
        raise NotImplementedError

    def _find_layouts(self) -> list[BlockLayout]:
        """Every layout of the text (their rendered lines are forgotten on a change)."""
        raise NotImplementedError

    def _find_text_changed(self) -> None:
        """New text is being shown: matches are gone; find again once it is whole."""
        self._find_generation += 1
        self._reset_matches(clear=False)
        if self._pattern is not None:
            self._find_waiting = True
            self._find_anchor = 0
            self._post_found()

    def _find_text_whole(self) -> None:
        """The text is fully processed: run the find that waited for it."""
        if self._find_waiting and self._pattern is not None:
            self._start_search()

    def _find_paint_text(self, text: Text, block: Block) -> None:
        """Style the matches inside a source or JSON block's `text`."""
        if self._pattern is not None and len(self._matches):
            paint_text(text, block.offset, self._matches, *self._match_styles())

    def _find_paint_rendered(self, strips: list[Strip], block: Block) -> list[Strip]:
        """Rendered markdown `strips` of `block` with the matches styled."""
        matches, pattern = self._matches, self._pattern
        if pattern is None or not len(matches):
            return strips
        inside = matches.between(block.offset, block.offset + len(block.text))
        if not inside:
            return strips
        current = matches.current
        ordinal = current - inside.start if current is not None and current in inside else None
        return paint_rendered(strips, pattern, ordinal, *self._match_styles())

    # --- inside -------------------------------------------------------------------

    def _match_styles(self) -> tuple[Style, Style]:
        match, current = (self.get_component_rich_style(n, partial=True) for n in MATCH_STYLES)
        return match, current_style(current)

    def _place_offset(self) -> int:
        matches = self._matches
        if matches.current is not None and matches.current < len(matches):
            return matches.starts[matches.current]
        layout = self._layout
        if not len(layout):
            return 0
        return layout.offset(layout.locate(round(self.scroll_y))[0])

    def _reset_matches(self, clear: bool = True) -> None:
        self._matches = Matches()
        self._matches_generation = self._find_generation
        if clear:
            self._forget_all()

    def _forget_all(self) -> None:
        for layout in self._find_layouts():
            layout.clear_cache()
        self.refresh()

    def _start_search(self) -> None:
        parts = self._find_parts()
        pattern, query = self._pattern, self._query
        if parts is None or pattern is None or query is None:
            self._find_waiting = pattern is not None
            self._post_found()
            return
        self._find_waiting = False
        work = partial(self._search, self._find_generation, parts, pattern, query.regex)
        self._post_found(searching=True)
        if self._find_timer is not None:
            self._find_timer.stop()
            self._find_timer = None
        if sum(map(len, parts)) > _BIG_TEXT:
            self._find_timer = self.set_timer(_TYPING_PAUSE, partial(self._run_search, work))
        else:
            self._run_search(work)

    def _run_search(self, work: Any) -> None:
        self._find_timer = None
        self.run_worker(
            work, description="Finding in a document", thread=True, group="document-find"
        )

    def _search(
        self, generation: int, parts: list[str], pattern: re.Pattern[str], regex: bool
    ) -> None:
        # In a worker thread.
        text = "".join(parts)
        worker = get_current_worker()
        pending = []
        first = True
        last = perf_counter()
        for chunk in iter_matches(pattern, text, regex=regex):
            if worker.is_cancelled or generation != self._find_generation:
                return
            pending.append(chunk)
            # Let the event loop have the interpreter between chunks: without this it
            # waits up to the switch interval (5 ms) at a time behind the search.
            sleep(0)
            now = perf_counter()
            if first or now - last >= _HANDOVER:
                if not self._call_loop(self._take_matches, generation, pending, False):
                    return
                pending, first, last = [], False, now
        self._call_loop(self._take_matches, generation, pending, True)

    def _call_loop(self, callback: Any, *args: Any) -> bool:
        try:
            return bool(self.app.call_from_thread(callback, *args))
        except RuntimeError:
            return False  # The app is closing.

    def _take_matches(self, generation: int, chunks: list[Any], done: bool) -> bool:
        # On the event loop.
        if generation != self._find_generation:
            return False
        if self._matches_generation != generation:
            # The first matches of a new query replace the previous query's.
            self._reset_matches()
            self._matches_generation = generation
        matches = self._matches
        layouts = self._find_layouts()
        for chunk in chunks:
            if len(chunk.starts):
                for layout in layouts:
                    layout.forget_between(chunk.starts[0], chunk.ends[-1])
            matches.add(chunk)
        matches.done = done
        if matches.current is None and len(matches):
            index = matches.first_from(self._find_anchor)
            if index is None and done:
                index = 0  # nothing after the place: wrap to the first
            if index is not None:
                self._go_to(index)
                return True
        self.refresh()
        self._post_found()
        return True

    def _go_to(self, index: int) -> None:
        matches = self._matches
        layouts = self._find_layouts()
        for old in (matches.current, index):
            if old is not None and old < len(matches):
                start, end = matches.span(old)
                for layout in layouts:
                    layout.forget_between(start, end)
        matches.current = index
        self._scroll_to_current()
        self._post_found()

    def _scroll_to_current(self) -> None:
        matches, layout = self._matches, self._layout
        height = self.scrollable_content_region.height
        if matches.current is None or not len(layout) or layout.width <= 0 or height <= 0:
            self.refresh()
            return
        start, _ = matches.span(matches.current)
        block = layout.block_at_offset(start)
        row = current_row(layout.strips(block)) or 0
        y = layout.start(block) + row
        top = round(self.scroll_y)
        if top <= y < top + height:
            self.refresh()
            return
        # Out of view: bring it to a third of the way down, with its context above.
        self._pin_end = False
        self._settle(anchor=(block, row - height // 3))

    def _post_found(self, searching: bool | None = None) -> None:
        busy = self.find_searching if searching is None else searching
        matches = self._matches
        if self._matches_generation != self._find_generation:
            # Still the previous query's highlights: nothing of this one is known yet.
            self.post_message(self.Found(self, 0, None, True))
            return
        capped = len(matches) >= MAX_MATCHES
        self.post_message(self.Found(self, len(matches), matches.current, busy, capped))
