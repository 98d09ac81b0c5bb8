"""Blocks: runs of source lines that a document view renders and measures as one piece.

A splitter is fed the text in pieces (so a huge result can be cut up in a worker thread
and shown while the rest is still being read) and hands back the blocks that are complete
so far. This module holds the `Block` record, the line feeding every splitter shares, and
`SourceBlockSplitter`, which cuts plain lines into small chunks for the source and JSON
views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# A line longer than this is cut into pieces of this size: wrapping or parsing a 10 MB
# line at once would hold the event loop for seconds.
LONG_LINE = 16_384

# Source chunks stay small so that rendering the few around the viewport is cheap.
CHUNK_LINES = 48
CHUNK_CHARS = 8_192


@dataclass(slots=True)
class Block:
    """A run of lines rendered and measured as one piece.

    `offset` is where the block starts in the cleaned source text, so the views of one
    text (rendered and source) can be matched up. `lengths` holds the length of each
    line, for estimating the height before the block is rendered. `spacing` is the
    number of blank lines shown after the block.
    """

    text: str
    kind: str
    offset: int
    lengths: list[int] = field(default_factory=list)
    title: str | None = None
    spacing: int = 0


class LineBlockSplitter:
    """Base for splitters: turns text fed in pieces into complete lines.

    Subclasses implement `_line` for an ordinary line, `_piece` for a slice of a line
    longer than `LONG_LINE`, and `_flush` to emit what is pending at the end.
    """

    def __init__(self) -> None:
        self._partial = ""
        self._partial_start = 0
        self._in_long_line = False
        self._out: list[Block] = []

    def feed(self, text: str) -> list[Block]:
        """Take the next piece of text; return the blocks completed by it."""
        if text:
            data = self._partial + text
            position = self._partial_start
            lines = data.split("\n")
            self._partial = lines.pop()
            for line in lines:
                self._complete_line(line, position)
                position += len(line) + 1
            self._partial_start = position
            self._flush_long_partial()
        return self._take()

    def finish(self) -> list[Block]:
        """End of text: return the last blocks."""
        if self._partial or self._in_long_line:
            self._complete_line(self._partial, self._partial_start)
            self._partial_start += len(self._partial)
            self._partial = ""
        self._flush()
        return self._take()

    def _take(self) -> list[Block]:
        out, self._out = self._out, []
        return out

    def _complete_line(self, line: str, position: int) -> None:
        if self._in_long_line:
            self._in_long_line = False
            self._cut_pieces(line, position, last=True)
        elif len(line) > LONG_LINE:
            self._cut_pieces(line, position, last=True)
        else:
            self._line(line, position)

    def _flush_long_partial(self) -> None:
        # A line still being fed may already be huge: emit all but its tail now so the
        # first screen of a one-line 10 MB text shows at once.
        partial = self._partial
        if len(partial) <= LONG_LINE:
            return
        keep = (len(partial) - 1) // LONG_LINE * LONG_LINE
        self._cut_pieces(partial[:keep], self._partial_start, last=False)
        self._in_long_line = True
        self._partial = partial[keep:]
        self._partial_start += keep

    def _cut_pieces(self, line: str, position: int, last: bool) -> None:
        count = max(1, -(-len(line) // LONG_LINE))
        for number in range(count):
            start = number * LONG_LINE
            final = last and number == count - 1
            self._piece(line[start : start + LONG_LINE], position + start, final)

    def _line(self, line: str, position: int) -> None:
        raise NotImplementedError

    def _piece(self, piece: str, position: int, last: bool) -> None:
        raise NotImplementedError

    def _flush(self) -> None:
        raise NotImplementedError


class SourceBlockSplitter(LineBlockSplitter):
    """Cuts text into chunks of a few dozen lines, each shown as plain wrapped text.

    `title_of(line)` names the line that starts a section (a markdown heading, a
    top-level JSON entry) or returns None; a section always starts a new chunk, so its
    first line is the top of a block.
    """

    def __init__(self, title_of: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self._title_of = title_of
        self._lines: list[str] = []
        self._lengths: list[int] = []
        self._chars = 0
        self._start = 0
        self._title: str | None = None

    def _line(self, line: str, position: int) -> None:
        title = self._title_of(line) if self._title_of is not None else None
        if self._lines and (
            title is not None or len(self._lines) >= CHUNK_LINES or self._chars >= CHUNK_CHARS
        ):
            self._flush()
        if not self._lines:
            self._start = position
            self._title = title
        self._lines.append(line)
        self._lengths.append(len(line))
        self._chars += len(line)

    def _piece(self, piece: str, position: int, last: bool) -> None:
        self._flush()
        self._out.append(Block(piece, "lines", position, [len(piece)]))

    def _flush(self) -> None:
        if not self._lines:
            return
        self._out.append(
            Block("\n".join(self._lines), "lines", self._start, self._lengths, self._title)
        )
        self._lines = []
        self._lengths = []
        self._chars = 0
        self._title = None
