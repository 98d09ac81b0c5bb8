"""The matches of a find in a document, and how they are painted on rendered lines.

`Matches` holds the spans found so far (offsets in the document's cleaned text) and
which one is current. Source and JSON blocks are painted exactly, span by span, before
Rich wraps them; a rendered markdown block cannot be mapped back character by
character, so its rendered lines are searched again with the same pattern, and its
n-th match there stands for its n-th match in the source.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from spidra_tui.ui.document.search import MatchChunk, find_in_line

# Put on the current match's style, so that its line can be found among the strips.
CURRENT_META = {"spidra-find": "current"}


class Matches:
    """Every match found so far (sorted, never overlapping) and the current one."""

    def __init__(self) -> None:
        self.starts: array[int] = array("q")
        self.ends: array[int] = array("q")
        self.current: int | None = None
        self.done = False
        self.searched_to = 0

    def __len__(self) -> int:
        return len(self.starts)

    def add(self, chunk: MatchChunk) -> None:
        """Take the matches of the next chunk."""
        self.starts.extend(chunk.starts)
        self.ends.extend(chunk.ends)
        self.searched_to = chunk.end

    def between(self, start: int, end: int) -> range:
        """Indexes of the matches that overlap source characters `start` to `end`."""
        return range(bisect_right(self.ends, start), bisect_left(self.starts, end))

    def first_from(self, offset: int) -> int | None:
        """The first match starting at or after `offset`, if found yet."""
        index = bisect_left(self.starts, offset)
        return index if index < len(self.starts) else None

    def span(self, index: int) -> tuple[int, int]:
        """Where match `index` starts and ends."""
        return self.starts[index], self.ends[index]


def current_style(style: Style) -> Style:
    """`style` marked as the current match's."""
    return style + Style.from_meta(CURRENT_META)


def is_current(style: Style | None) -> bool:
    """Whether a segment's style is the current match's."""
    return style is not None and style.meta.get("spidra-find") == "current"


def paint_text(
    text: Text, offset: int, matches: Matches, match_style: Style, current: Style
) -> None:
    """Style the matches inside `text`, a block that starts at source `offset`."""
    end = offset + len(text)
    for index in matches.between(offset, end):
        start, stop = matches.span(index)
        style = current if index == matches.current else match_style
        text.stylize(style, max(0, start - offset), min(len(text), stop - offset))


def paint_rendered(
    strips: list[Strip],
    pattern: re.Pattern[str],
    current_ordinal: int | None,
    match_style: Style,
    current: Style,
) -> list[Strip]:
    """Rendered `strips` with every match of `pattern` on each line styled.

    The match numbered `current_ordinal` (counting from 0, top to bottom) gets the
    `current` style.
    """
    ordinal = 0
    painted = []
    for strip in strips:
        text = strip.text
        spans = [(m.start(), m.end()) for m in find_in_line(pattern, text, 0, len(text))]
        if not spans:
            painted.append(strip)
            continue
        styles = []
        for _ in spans:
            styles.append(current if ordinal == current_ordinal else match_style)
            ordinal += 1
        painted.append(Strip(_style_spans(list(strip), spans, styles), strip.cell_length))
    return painted


def current_row(strips: list[Strip]) -> int | None:
    """The first line holding the current match, if any does."""
    for row, strip in enumerate(strips):
        if any(is_current(segment.style) for segment in strip):
            return row
    return None


def _style_spans(
    segments: list[Segment], spans: list[tuple[int, int]], styles: list[Style]
) -> list[Segment]:
    """`segments` with characters `spans` (start, end) given `styles` on top."""
    out: list[Segment] = []
    position = 0
    span_index = 0
    for segment in segments:
        text, style, control = segment
        if control or not text:
            out.append(segment)
            continue
        seg_start, seg_end = position, position + len(text)
        position = seg_end
        cursor = seg_start
        while span_index < len(spans) and cursor < seg_end:
            start, end = spans[span_index]
            if start >= seg_end:
                break
            if start > cursor:
                out.append(Segment(text[cursor - seg_start : start - seg_start], style))
                cursor = start
            stop = min(end, seg_end)
            if stop > cursor:
                added = styles[span_index]
                combined = added if style is None else style + added
                out.append(Segment(text[cursor - seg_start : stop - seg_start], combined))
                cursor = stop
            if end <= seg_end:
                span_index += 1
            else:
                break
        if cursor < seg_end:
            out.append(Segment(text[cursor - seg_start :], style))
    return out
