"""Cut markdown source into top-level blocks with a line scan, no parsing.

Each block (a heading, a paragraph, a list, a table, a fenced code block) can then be
parsed and rendered on its own, only when it comes into view. The scan follows the few
rules that decide where a top-level block ends: blank lines (unless the next line is
indented, which continues a list item or code), ATX headings, and code fences, inside
which nothing else counts. Big blocks are cut further so that no block costs much to
render: a long table becomes several tables that repeat the header row, a long fence
several fences.
"""

from __future__ import annotations

import re

from spidra_tui.ui.document.blocks import LineBlockSplitter

# A block with more lines or characters than this is cut at a line boundary.
MAX_BLOCK_LINES = 120
MAX_BLOCK_CHARS = 16_384
# Rich lays out a table in about 0.6 ms a row: keep each piece near 15 ms.
MAX_TABLE_ROWS = 24
MAX_FENCE_LINES = 100

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_TABLE_DELIMITER = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_NOT_PARAGRAPH = re.compile(r" {0,3}(?:[-*+>|]|\d{1,9}[.)])")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def heading_title(line: str) -> str | None:
    """The text of an ATX heading line (``## Item 1`` -> ``Item 1``), else None."""
    # Parsed by hand: a regular expression for the optional closing "#"s backtracks
    # quadratically on a long line of spaces.
    stripped = line.lstrip(" ")
    if not stripped.startswith("#") or len(line) - len(stripped) > 3:
        return None
    rest = stripped.lstrip("#")
    if len(stripped) - len(rest) > 6 or (rest and rest[0] not in " \t"):
        return None
    rest = rest.strip(" \t")
    without_closing = rest.rstrip("#")
    if without_closing != rest and (not without_closing or without_closing[-1] in " \t"):
        rest = without_closing.rstrip(" \t")
    return rest


def fence_marker(line: str) -> str | None:
    """The fence (```` ``` ```` or ``~~~``, any length) a line opens, else None."""
    stripped = line.lstrip(" ")
    if not stripped.startswith(("```", "~~~")):
        return None
    match = _FENCE.match(line)
    if match is None:
        return None
    marker, info = match.groups()
    if marker[0] == "`" and "`" in info:
        return None
    return marker


def closes_fence(line: str, marker: str) -> bool:
    """Whether `line` closes a fence opened with `marker`."""
    stripped = line.strip()
    return (
        len(line) - len(line.lstrip(" ")) <= 3
        and len(stripped) >= len(marker)
        and stripped == marker[0] * len(stripped)
    )


class MarkdownHeadings:
    """Finds heading lines in markdown source fed line by line, skipping fenced code.

    Call it with each line in order; it returns the heading's title or None.
    """

    def __init__(self) -> None:
        self._fence: str | None = None

    def __call__(self, line: str) -> str | None:
        if self._fence is not None:
            if closes_fence(line, self._fence):
                self._fence = None
            return None
        marker = fence_marker(line)
        if marker is not None:
            self._fence = marker
            return None
        return heading_title(line)


class MarkdownBlockSplitter(LineBlockSplitter):
    """Cuts markdown source, fed in pieces, into top-level blocks.

    Block kinds: ``heading`` (one line, titled: a section), ``fence``, ``table``,
    ``markdown`` (anything else), and ``plain`` for the pieces of a line too long to
    parse, which are shown as plain text.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[str] = []
        self._lengths: list[int] = []
        self._chars = 0
        self._start = 0
        self._kind = "markdown"
        self._blanks: list[str] = []
        self._fence: str | None = None
        self._fence_opening = ""
        # A cut table or fence goes on with these lines repeated at its top.
        self._carry: list[str] = []

    def _line(self, line: str, position: int) -> None:
        if self._fence is not None:
            self._fence_line(line, position)
            return
        if not line.strip():
            if self._lines:
                self._blanks.append(line)
            return
        if self._blanks:
            blanks, self._blanks = self._blanks, []
            if self._continues_after_gap(line):
                for blank in blanks:
                    self._append(blank)
            else:
                self._flush()
        title = heading_title(line)
        if title is not None:
            self._flush()
            self._out.add(line, "heading", position, (len(line),), title, 1)
            return
        marker = fence_marker(line)
        if marker is not None:
            self._flush()
            self._begin(position, "fence")
            self._fence = marker
            self._fence_opening = line
            self._append(line)
            return
        if _SETEXT.match(line) and self._is_setext_text():
            self._append(line)
            title = " ".join(part.strip() for part in self._lines[:-1])
            self._emit(title)
            return
        if not self._lines:
            self._begin(position, "markdown")
        elif len(self._lines) == 1 and _TABLE_DELIMITER.match(line) and "|" in self._lines[0]:
            self._kind = "table"
            self._carry = [self._lines[0], line]
        elif self._kind == "table" and len(self._lines) - len(self._carry) >= MAX_TABLE_ROWS:
            self._emit()
            self._begin(position, "table")
            for carried in self._carry:
                self._append(carried)
        elif len(self._lines) >= MAX_BLOCK_LINES or self._chars >= MAX_BLOCK_CHARS:
            kind = self._kind
            self._emit()
            self._begin(position, kind)
            if kind == "table":
                for carried in self._carry:
                    self._append(carried)
        self._append(line)

    def _fence_line(self, line: str, position: int) -> None:
        marker = self._fence
        assert marker is not None
        if closes_fence(line, marker):
            self._append(line)
            self._fence = None
            self._emit()
            return
        if len(self._lines) > MAX_FENCE_LINES or self._chars >= MAX_BLOCK_CHARS:
            self._append(marker)
            self._emit()
            self._begin(position, "fence")
            self._append(self._fence_opening)
        self._append(line)

    def _continues_after_gap(self, line: str) -> bool:
        # An indented line continues a list item or code block; the next item of a
        # loose list stays with the list, which would otherwise show gaps Rich does
        # not put between its items.
        if self._kind != "markdown":
            return False
        return line[0] in " \t" or bool(_LIST_ITEM.match(line) and _LIST_ITEM.match(self._lines[0]))

    def _is_setext_text(self) -> bool:
        return (
            bool(self._lines)
            and self._kind == "markdown"
            and not _NOT_PARAGRAPH.match(self._lines[0])
        )

    def _piece(self, piece: str, position: int, last: bool) -> None:
        # Inside a fence, the code so far becomes a closed block and the fence opens
        # again after the line; a fence holding only its opening line is dropped.
        fence = self._fence
        if fence is None:
            self._flush()
        elif len(self._lines) > 1:
            self._append(fence)
            self._emit()
        else:
            self._reset_pending()
        self._out.add(piece, "plain", position, (len(piece),), None, int(last))
        if fence is not None and last:
            self._begin(position + len(piece), "fence")
            self._append(self._fence_opening)

    def _begin(self, position: int, kind: str) -> None:
        self._start = position
        self._kind = kind
        if kind != "table":
            self._carry = []

    def _append(self, line: str) -> None:
        self._lines.append(line)
        self._lengths.append(len(line))
        self._chars += len(line)

    def _emit(self, title: str | None = None) -> None:
        if self._lines:
            kind = "heading" if title is not None else self._kind
            self._out.add("\n".join(self._lines), kind, self._start, self._lengths, title, 1)
        self._reset_pending()

    def _reset_pending(self) -> None:
        self._lines = []
        self._lengths = []
        self._chars = 0
        self._blanks = []

    def _flush(self) -> None:
        if self._fence is not None and self._lines:
            # An unclosed fence runs to the end of the text, as in CommonMark.
            self._fence = None
        self._emit()
