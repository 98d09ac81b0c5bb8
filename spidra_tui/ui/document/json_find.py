"""Finding a query in a JSON value as its tree shows it (no Textual here).

Each node is matched on the text of its label, uncut: ``key: "value"`` for an entry of
an object, the value alone for an item of an array, the key alone for a container. The
text is cleaned as the tree cleans it. A match is the path to its node, as positions
among the children of each node on the way (the order the tree lists them in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from spidra_tui.sanitize import line
from spidra_tui.ui.document.search import find_in_line

# Nodes kept at most; the count shows "+" past it.
MAX_NODES = 100_000

Path = tuple[int, ...]


def label_text(key: str | None, value: Any) -> str:
    """The text a node's label shows, uncut: what a find matches."""
    if isinstance(value, dict | list | tuple):
        return key or ""
    if isinstance(value, str):
        shown = json.dumps(line(value), ensure_ascii=False)
    else:
        shown = line(json.dumps(value, ensure_ascii=False, default=str))
    return shown if key is None else f"{key}: {shown}"


def _children(value: Any) -> Iterator[tuple[str | None, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield line(key) or '""', item
    else:
        for item in value:
            yield None, item


def find_nodes(value: Any, pattern: re.Pattern[str], limit: int = MAX_NODES) -> list[Path]:
    """The paths of the nodes under the root whose label text `pattern` matches.

    In the order the tree lists them (depth first), at most `limit`.
    """
    return list(iter_nodes(value, pattern, limit))


def iter_nodes(
    value: Any,
    pattern: re.Pattern[str],
    limit: int = MAX_NODES,
    stop: Callable[[], bool] | None = None,
) -> Iterator[Path]:
    """Like `find_nodes`, one path at a time; `stop()` is asked every few thousand
    nodes, and ends the walk when it says True (a newer query replaced this one)."""
    if not isinstance(value, dict | list | tuple):
        return
    found = 0
    visited = 0
    # (children left to visit, the path of their parent); iterative, so no depth limit.
    stack: list[tuple[Iterator[tuple[str | None, Any]], Path, int]] = [(_children(value), (), 0)]
    while stack:
        children, path, position = stack[-1]
        entry = next(children, None)
        if entry is None:
            stack.pop()
            continue
        visited += 1
        if stop is not None and not visited % 4096 and stop():
            return
        stack[-1] = (children, path, position + 1)
        key, item = entry
        here = (*path, position)
        text = label_text(key, item)
        if text and next(find_in_line(pattern, text, 0, len(text)), None) is not None:
            yield here
            found += 1
            if found >= limit:
                return
        if isinstance(item, dict | list | tuple) and item:
            stack.append((_children(item), here, 0))
