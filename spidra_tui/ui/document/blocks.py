"""Blocks: runs of source lines that a document view renders and measures as one piece.

A splitter is fed the text in pieces (so a huge result can be cut up in a worker thread
and shown while the rest is still being read) and hands back the blocks that are complete
so far. This module holds the `Block` record, the `BlockBatch` columns blocks are kept
in, the line feeding every splitter shares, and `SourceBlockSplitter`, which cuts plain
lines into small chunks for the source and JSON views.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# A line longer than this is cut into pieces of this size: wrapping or parsing a 10 MB
# line at once would hold the event loop for seconds.
LONG_LINE = 16_384

# Source chunks stay small so that rendering the few around the viewport is cheap.
CHUNK_LINES = 48
CHUNK_CHARS = 8_192


# Lines up to this long are taken to fit the width when estimating heights.
SHORT_LINE = 40


@dataclass(frozen=True, slots=True)
class Block:
    """A run of lines rendered and measured as one piece.

    `offset` is where the block starts in the cleaned source text, so the views of one
    text (rendered and source) can be matched up. `title` names a block that starts a
    section. `spacing` is the number of blank lines shown after the block.
    """

    text: str
    kind: str
    offset: int
    title: str | None = None
    spacing: int = 0


class BlockBatch:
    """Blocks stored in columns.

    A 5 MB document makes tens of thousands of blocks; as objects they would give the
    garbage collector that many more to walk on every full collection, and a full
    collection stops the event loop. Columns are a handful of objects whatever the
    count. For height estimates each block keeps its line count and the count and total
    length of its lines longer than `SHORT_LINE`.
    """

    __slots__ = (
        "texts",
        "kinds",
        "offsets",
        "spacings",
        "lines",
        "long_lines",
        "long_chars",
        "titles",
    )

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.kinds: list[str] = []
        self.offsets = array("q")
        self.spacings = array("b")
        self.lines = array("q")
        self.long_lines = array("q")
        self.long_chars = array("q")
        self.titles: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def add(
        self,
        text: str,
        kind: str,
        offset: int,
        lengths: Iterable[int],
        title: str | None = None,
        spacing: int = 0,
    ) -> None:
        """Append a block; `lengths` are the lengths of its lines."""
        lines = long_lines = long_chars = 0
        for length in lengths:
            lines += 1
            if length > SHORT_LINE:
                long_lines += 1
                long_chars += length
        if title is not None:
            self.titles[len(self.texts)] = title
        self.texts.append(text)
        self.kinds.append(kind)
        self.offsets.append(offset)
        self.spacings.append(spacing)
        self.lines.append(lines)
        self.long_lines.append(long_lines)
        self.long_chars.append(long_chars)

    def block(self, index: int) -> Block:
        """Block `index` as an object."""
        return Block(
            self.texts[index],
            self.kinds[index],
            self.offsets[index],
            self.titles.get(index),
            self.spacings[index],
        )

    def extend(self, other: BlockBatch) -> None:
        """Append the blocks of `other`."""
        base = len(self.texts)
        self.titles.update((base + index, title) for index, title in other.titles.items())
        self.texts.extend(other.texts)
        self.kinds.extend(other.kinds)
        self.offsets.extend(other.offsets)
        self.spacings.extend(other.spacings)
        self.lines.extend(other.lines)
        self.long_lines.extend(other.long_lines)
        self.long_chars.extend(other.long_chars)


class LineBlockSplitter:
    """Base for splitters: turns text fed in pieces into complete lines.

    Subclasses implement `_line` for an ordinary line, `_piece` for a slice of a line
    longer than `LONG_LINE`, and `_flush` to emit what is pending at the end.
    """

    def __init__(self) -> None:
        self._partial = ""
        self._partial_start = 0
        self._in_long_line = False
        self._out = BlockBatch()

    def feed(self, text: str) -> BlockBatch:
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

    def finish(self) -> BlockBatch:
        """End of text: return the last blocks."""
        if self._partial or self._in_long_line:
            self._complete_line(self._partial, self._partial_start)
            self._partial_start += len(self._partial)
            self._partial = ""
        self._flush()
        return self._take()

    def _take(self) -> BlockBatch:
        out, self._out = self._out, BlockBatch()
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
        self._out.add(piece, "lines", position, (len(piece),))

    def _flush(self) -> None:
        if not self._lines:
            return
        self._out.add("\n".join(self._lines), "lines", self._start, self._lengths, self._title)
        self._lines = []
        self._lengths = []
        self._chars = 0
        self._title = None
