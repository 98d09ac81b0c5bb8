"""Cleaning and splitting a big text in pieces, so it never holds the event loop.

The first piece is handled at once, so the first screen paints right away; the rest is
handled in a worker thread piece by piece, each piece handed to the event loop as soon
as it is split. Pieces end at a line break where there is one, so a piece boundary
never cuts an escape sequence that lies within a line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from spidra_tui.sanitize import clean
from spidra_tui.ui.document.block_layout import BlockLayout
from spidra_tui.ui.document.blocks import BlockBatch, LineBlockSplitter
from spidra_tui.ui.document.json_lines import pretty_json

# Cleaned and split before the first paint: a few screens of text.
HEAD_CHARS = 32_768
# Cleaned and split per step in the worker thread.
PIECE_CHARS = 131_072

# deliver(cleaned piece, blocks per splitter, end of the piece in the text, done)
Deliver = Callable[[str, list[BlockBatch], int, bool], bool]


@dataclass
class LoadState:
    """The content a view shows, and how far its processing has got.

    `parts` are the cleaned pieces handed over so far; `text` (or, for JSON, the dump
    of `json_value`, whose first `json_head` was shown at once) is what is left from
    `position` on. `generation` tells one `show_*` call's pieces from the next.
    """

    generation: int
    layouts: list[BlockLayout]
    parts: list[str] = field(default_factory=list)
    text: str | None = None
    position: int = 0
    json_value: Any = None
    json_head: str = ""
    done: bool = True

    def source_text(self) -> str:
        """The whole cleaned text, cleaning (or dumping) what is not processed yet."""
        parts = list(self.parts)
        if not self.done:
            text = self.text
            if text is None and self.json_value is not None:
                text = pretty_json(self.json_value)
                if not text.startswith(self.json_head):
                    return "".join(cleaned_pieces(text, 0))
            if text is not None:
                parts.extend(cleaned_pieces(text, self.position))
        return "".join(parts)


def piece_bounds(text: str, start: int, size: int = PIECE_CHARS) -> Iterator[tuple[int, int]]:
    """(start, end) of successive pieces of `text` from `start`, about `size` long.

    A piece ends just after the last line break within `size` characters, or at `size`
    characters when a line is longer than that.
    """
    end_of_text = len(text)
    begin = start
    while begin < end_of_text:
        end = min(end_of_text, begin + size)
        if end < end_of_text:
            newline = text.rfind("\n", begin, end)
            if newline >= 0:
                end = newline + 1
        yield begin, end
        begin = end


def head_end(text: str) -> int:
    """Where the piece handled before the first paint ends."""
    return next(piece_bounds(text, 0, HEAD_CHARS), (0, 0))[1]


def cleaned_pieces(text: str, start: int) -> Iterator[str]:
    """`text` from `start`, cleaned piece by piece exactly as the loader cleans it."""
    for begin, end in piece_bounds(text, start):
        yield clean(text[begin:end])


def split_piece(cleaned: str, splitters: Sequence[LineBlockSplitter]) -> list[BlockBatch]:
    """Feed one cleaned piece to every splitter; the blocks each completed."""
    return [splitter.feed(cleaned) for splitter in splitters]


def finish(splitters: Sequence[LineBlockSplitter]) -> list[BlockBatch]:
    """The last blocks of every splitter."""
    return [splitter.finish() for splitter in splitters]


def load_rest(
    text: str, start: int, splitters: Sequence[LineBlockSplitter], deliver: Deliver
) -> None:
    """Clean and split `text` from `start`, handing each piece's blocks to `deliver`.

    `deliver(cleaned, blocks, end, done)` returns False when the load is no longer
    wanted (the view shows something else), which stops the loop. Runs in a worker
    thread.
    """
    pieces = ((text[begin:end], end) for begin, end in piece_bounds(text, start))
    _split_all(pieces, splitters, deliver, len(text))


def load_stream(
    chunks: Iterable[str], start: int, splitters: Sequence[LineBlockSplitter], deliver: Deliver
) -> None:
    """Like `load_rest`, for text that arrives in small chunks (an encoder's output).

    The chunks are joined into pieces as they come and never into one string: a list
    of a million chunks would also make every full garbage collection walk it while
    the event loop waits. `start` is where the chunks begin in the whole text.
    """
    _split_all(_ends(join_pieces(chunks), start), splitters, deliver, -1)


def _ends(pieces: Iterable[str], start: int) -> Iterator[tuple[str, int]]:
    end = start
    for piece in pieces:
        end += len(piece)
        yield piece, end


def join_pieces(chunks: Iterable[str], size: int = PIECE_CHARS) -> Iterator[str]:
    """Join `chunks` into pieces of about `size` characters ending at a line break."""
    buffer: list[str] = []
    length = 0
    for chunk in chunks:
        buffer.append(chunk)
        length += len(chunk)
        if length >= size:
            text = "".join(buffer)
            cut = text.rfind("\n") + 1 or len(text)
            yield text[:cut]
            rest = text[cut:]
            buffer = [rest] if rest else []
            length = len(rest)
    if buffer:
        yield "".join(buffer)


def _split_all(
    pieces: Iterable[tuple[str, int]],
    splitters: Sequence[LineBlockSplitter],
    deliver: Deliver,
    end_of_text: int,
) -> None:
    end = end_of_text
    for piece, end in pieces:
        cleaned = clean(piece)
        if not deliver(cleaned, split_piece(cleaned, splitters), end, False):
            return
    deliver("", finish(splitters), max(end, end_of_text), True)
