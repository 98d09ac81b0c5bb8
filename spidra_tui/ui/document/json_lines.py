"""Pretty JSON as lines: a lazy dump for the first screen, entries and highlighting.

`json.dumps(value, indent=2)` of a 5 MB value takes longer than a frame, and it cannot
stop early. `pretty_lines` yields the same lines one at a time, so the first screen of a
huge value costs only the lines on it; the full dump is done in a worker thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import chain
from typing import Any

from rich.style import Style
from rich.text import Span, Text

from spidra_tui.sanitize import line as one_line
from spidra_tui.sanitize import safe_json

INDENT = "  "


def pretty_json(value: Any) -> str:
    """`value` as JSON, indented by two spaces, non-ASCII characters kept as they are.

    Characters a terminal would act on are escaped (``sanitize.safe_json``), so the
    text stays whole and valid where cleaning would cut strings short.
    """
    return safe_json(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def pretty_chunks(value: Any) -> Iterator[str]:
    """The text of `pretty_json(value)` in the encoder's small chunks."""
    chunks = json.JSONEncoder(indent=2, ensure_ascii=False, default=str).iterencode(value)
    return (safe_json(chunk) for chunk in chunks)


def after_head(chunks: Iterator[str], head: str) -> tuple[bool, Iterator[str]]:
    """Check that `chunks` start with `head`; return that and the chunks that follow.

    When they do not, the chunks returned start from the beginning.
    """
    seen: list[str] = []
    length = 0
    for chunk in chunks:
        seen.append(chunk)
        length += len(chunk)
        if length >= len(head):
            break
    start = "".join(seen)
    if start.startswith(head):
        return True, chain([start[len(head) :]], chunks)
    return False, chain([start], chunks)


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _key(key: Any) -> str:
    # Keys are converted as json.dumps converts them.
    if isinstance(key, str):
        return _scalar(key)
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, float):
        return _scalar(_scalar(key))
    return _scalar(str(key))


def pretty_lines(value: Any) -> Iterator[str]:
    """The lines of `pretty_json(value)`, produced lazily."""
    for text in _lines(value, "", "", ""):
        yield safe_json(text)


def _lines(value: Any, indent: str, prefix: str, suffix: str) -> Iterator[str]:
    if isinstance(value, dict) and value:
        yield f"{indent}{prefix}{{"
        inner = indent + INDENT
        last = len(value) - 1
        for number, (key, item) in enumerate(value.items()):
            yield from _lines(item, inner, f"{_key(key)}: ", "," if number < last else "")
        yield f"{indent}}}{suffix}"
    elif isinstance(value, (list, tuple)) and value:
        yield f"{indent}{prefix}["
        inner = indent + INDENT
        last = len(value) - 1
        for number, item in enumerate(value):
            yield from _lines(item, inner, "", "," if number < last else "")
        yield f"{indent}]{suffix}"
    elif isinstance(value, dict):
        yield f"{indent}{prefix}{{}}{suffix}"
    elif isinstance(value, (list, tuple)):
        yield f"{indent}{prefix}[]{suffix}"
    else:
        yield f"{indent}{prefix}{_scalar(value)}{suffix}"


_ENTRY_KEY = re.compile(r'  ("(?:[^"\\]|\\.)*"): ')


class JsonEntries:
    """Names the lines of pretty JSON that start a top-level entry.

    Call it with each line in order: it returns the entry's key, ``[n]`` for an array
    item, or None for any other line. These are the document's sections.
    """

    def __init__(self) -> None:
        self._index = 0

    def __call__(self, line: str) -> str | None:
        if len(line) < 3 or not line.startswith(INDENT) or line[2] in " ]}":
            return None
        match = _ENTRY_KEY.match(line)
        if match is None:
            title = f"[{self._index}]"
            self._index += 1
            return title
        try:
            key = json.loads(match.group(1))
        except ValueError:
            key = match.group(1)
        return one_line(key, 80) or '""'


_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"?(?P<colon>[ \t]*:)?'
    r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
    r"|\b(?:true|false|null)\b|-?Infinity|NaN"
)


def highlight_json(text: str, key: Style, string: Style, number: Style, literal: Style) -> Text:
    """`text` (pretty JSON lines) as a Text with keys, strings, numbers and literals styled."""
    spans = []
    append = spans.append
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        first = text[start]
        if first == '"':
            colon = match.start("colon")
            if colon >= 0:
                append(Span(start, colon, key))
            else:
                append(Span(start, end, string))
        elif first in "tfn":
            append(Span(start, end, literal))
        else:
            append(Span(start, end, number))
    return Text(text, spans=spans)
