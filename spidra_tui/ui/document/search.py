"""Finding a query in a document's text, a chunk at a time (no Textual here).

A query is plain text unless the reader asks for a regular expression; either way it is
smart-cased (case-insensitive unless it holds a capital letter, as in less and vim).
A match never spans lines: a regular expression is tried on each line as if the line
ended the text, so what `^`, `$` and `.` mean is what a grep user expects, and
the text can be cut at any line break without changing the answer. The text is cut
into chunks so that a caller in a worker thread can hand each chunk's matches over as
soon as they are found (the first screen of matches before the whole of a 5 MB text),
and never holds the interpreter for long in one call.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

__all__ = [
    "CHUNK_CHARS",
    "MAX_MATCHES",
    "BadPattern",
    "FindQuery",
    "MatchChunk",
    "compile_query",
    "find_in_line",
    "iter_matches",
]

# Characters searched per step; a literal search of this much takes well under 1 ms.
CHUNK_CHARS = 65_536
# Matches kept at most: "e" in a 5 MB text is about half a million.
MAX_MATCHES = 1_000_000


_SPAN = re.Match.span


class BadPattern(ValueError):
    """A regular expression that does not compile; `str()` says why in plain words."""


@dataclass(frozen=True, slots=True)
class FindQuery:
    """What the reader typed, and whether it is a regular expression."""

    text: str
    regex: bool = False

    @property
    def case_sensitive(self) -> bool:
        """Smart case: a capital letter anywhere makes the search case-sensitive."""
        return any(character.isupper() for character in self.text)


def compile_query(query: FindQuery) -> re.Pattern[str] | None:
    """The compiled pattern for `query`, or None when there is nothing to find.

    Only the first line of the text counts. Raises `BadPattern` for a regular
    expression that does not compile. Empty matches (of ``^`` or ``x*``) are never
    reported: there would be nothing to highlight.
    """
    text = query.text.split("\n", 1)[0]
    if not text:
        return None
    flags = re.MULTILINE | (0 if query.case_sensitive else re.IGNORECASE)
    source = text if query.regex else re.escape(text)
    try:
        pattern = re.compile(source, flags)
    except re.error as exc:
        where = f" at position {exc.pos + 1}" if exc.pos is not None else ""
        raise BadPattern(f"Bad regex: {exc.msg}{where}") from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise BadPattern(f"Bad regex: {exc}") from None
    return pattern


@dataclass(frozen=True, slots=True)
class MatchChunk:
    """The matches found in one chunk: their starts and ends, and where the chunk ends."""

    starts: array[int]
    ends: array[int]
    end: int


def find_in_line(
    pattern: re.Pattern[str], text: str, start: int, end: int
) -> Iterator[re.Match[str]]:
    """Non-empty matches of `pattern` in the line `text[start:end]`, as if it stood alone."""
    for match in pattern.finditer(text, start, end):
        if match.end() > match.start():
            yield match


def iter_matches(
    pattern: re.Pattern[str],
    text: str,
    *,
    regex: bool,
    start: int = 0,
    chunk_chars: int = CHUNK_CHARS,
    limit: int = MAX_MATCHES,
) -> Iterator[MatchChunk]:
    """The matches of `pattern` in `text` from `start`, one `MatchChunk` per chunk.

    Chunks end at a line break (or at `chunk_chars` on a longer line; a match across
    such a cut is lost, as it would be in a viewer that cuts long lines). `regex`
    False means the pattern is a literal without line breaks, which is searched a
    chunk at a time in one call; a regular expression is tried line by line. Stops
    after `limit` matches in all.
    """
    found = 0
    length = len(text)
    position = start
    while position < length and found < limit:
        end = min(length, position + chunk_chars)
        if end < length:
            newline = text.rfind("\n", position, end)
            if newline >= position:
                end = newline + 1
        starts: array[int] = array("q")
        ends: array[int] = array("q")
        if regex:
            _by_line(pattern, text, position, end, starts, ends)
        else:
            # Spans collected without a Python step per match: "e" matches about every
            # tenth character, and the event loop waits for the interpreter meanwhile.
            spans = array(
                "q", chain.from_iterable(map(_SPAN, pattern.finditer(text, position, end)))
            )
            starts, ends = spans[0::2], spans[1::2]
        if found + len(starts) > limit:
            del starts[limit - found :]
            del ends[limit - found :]
        found += len(starts)
        yield MatchChunk(starts, ends, end)
        position = end


def _by_line(
    pattern: re.Pattern[str], text: str, start: int, end: int, starts: array[int], ends: array[int]
) -> None:
    # A search over the rest of the chunk finds the first place anything can match,
    # and the lines before it are skipped: a match within one line is also a match in
    # the longer text, unless the pattern looks past the line's end (lookarounds,
    # `\Z`), which is then tried on every line.
    hints = not _end_sensitive(pattern)
    line_start = start
    while line_start < end:
        if hints:
            hint = pattern.search(text, line_start, end)
            if hint is None:
                return
            skip_to = text.rfind("\n", line_start, hint.start())
            if skip_to >= line_start:
                line_start = skip_to + 1
        newline = text.find("\n", line_start, end)
        line_end = end if newline < 0 else newline
        for match in find_in_line(pattern, text, line_start, line_end):
            starts.append(match.start())
            ends.append(match.end())
        line_start = line_end + 1


def _end_sensitive(pattern: re.Pattern[str]) -> bool:
    """Whether the pattern may look past the end of a line (a lookaround, `\\Z`)."""
    source = pattern.pattern
    return any(mark in source for mark in ("\\Z", "\\z", "(?=", "(?!", "(?<"))
