"""JsonTree: a collapsible tree of a JSON value that opens at once at any size.

A node's children are made only when it is first expanded, and at most `PAGE` of them
at a time: a "more" node at the end adds the next page when selected. So a 5 MB value
costs a few hundred nodes, not hundreds of thousands, until the reader asks for more.
Keys and values are cleaned, cut to one line and shown as `Text`, never as markup.

A find (`find`, `find_step`, `clear_find`, as on `DocumentView`) searches the value in a
worker thread, opens the nodes that lead to the first matches, and puts the cursor on
the current one, opening its way (and adding pages) as it steps.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from itertools import islice
from time import perf_counter
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text, TextType
from textual.timer import Timer
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from spidra_tui.sanitize import line
from spidra_tui.ui.document.find_view import SearchableView
from spidra_tui.ui.document.json_find import MAX_NODES, Path, iter_nodes
from spidra_tui.ui.document.search import FindQuery, compile_query

# Children added per expansion (or per "more" node).
PAGE = 200
_KEY_CHARS = 60
_VALUE_CHARS = 80
# Matches whose way is opened as soon as a find ends; the rest open as they are reached.
_OPEN_AT_ONCE = 50
# Seconds between hand-overs of matches, and of quiet typing before a walk starts.
_HANDOVER = 0.05
_TYPING_PAUSE = 0.04


@dataclass
class JsonEntry:
    """A node's data: its value, and for a container how many children are made."""

    value: Any
    made: int = 0


@dataclass(frozen=True)
class MoreEntries:
    """The data of the node that adds the next `PAGE` children of `parent`."""

    parent: TreeNode[Any]


def count_text(value: Any) -> str:
    """``{12 keys}`` for an object, ``[50]`` for an array."""
    size = len(value)
    if isinstance(value, dict):
        return f"{{{size:,} key{'s' * (size != 1)}}}"
    return f"[{size:,}]"


def _is_container(value: Any) -> bool:
    return isinstance(value, (dict, list, tuple))


class JsonTree(Tree[Any]):
    """A tree view of a JSON value; children are made lazily, a page at a time."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "json-tree--key",
        "json-tree--index",
        "json-tree--count",
        "json-tree--string",
        "json-tree--number",
        "json-tree--literal",
    }

    DEFAULT_CSS = """
    JsonTree {
        & > .json-tree--key { color: $text-primary; text-style: bold; }
        & > .json-tree--index { color: $text-muted; }
        & > .json-tree--count { color: $text-muted; }
        & > .json-tree--string { color: $text-success; }
        & > .json-tree--number { color: $text-warning; }
        & > .json-tree--literal { color: $text-accent; text-style: italic; }
    }
    """

    def __init__(
        self,
        value: Any,
        *,
        label: str = "JSON",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        root_label = Text(line(label))
        super().__init__(
            root_label, JsonEntry(value), name=name, id=id, classes=classes, disabled=disabled
        )
        self._root_name = line(label)
        self.root.allow_expand = _is_container(value)
        self._find_query: FindQuery | None = None
        self._find_paths: list[Path] = []
        self._find_current: int | None = None
        self._find_generation = 0
        self._find_searching = False
        self._find_timer: Timer | None = None

    def process_label(self, label: TextType) -> Text:
        # Tree would read a str label as markup; labels here are Text, but be sure.
        text = label if isinstance(label, Text) else Text(label)
        return text.split()[0] if "\n" in text.plain else text

    def on_mount(self) -> None:
        entry: JsonEntry = self.root.data
        self.root.set_label(self._label(self._root_name, entry.value, key_style="key"))
        if self.root.allow_expand:
            self.root.expand()

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[Any]) -> None:
        entry = event.node.data
        if isinstance(entry, JsonEntry) and _is_container(entry.value) and not entry.made:
            self._add_page(event.node)

    def _on_tree_node_selected(self, event: Tree.NodeSelected[Any]) -> None:
        more = event.node.data
        if isinstance(more, MoreEntries):
            event.node.remove()
            self._add_page(more.parent)

    def _add_page(self, node: TreeNode[Any]) -> None:
        """Add the next `PAGE` children of `node`, and a "more" node if any are left."""
        entry: JsonEntry = node.data
        value = entry.value
        start, end = entry.made, min(len(value), entry.made + PAGE)
        if isinstance(value, dict):
            for key, item in islice(value.items(), start, end):
                self._add_child(node, self._label(line(key, _KEY_CHARS), item, "key"), item)
        else:
            for index in range(start, end):
                item = value[index]
                self._add_child(node, self._label(f"[{index}]", item, "index"), item)
        entry.made = end
        left = len(value) - end
        if left:
            text = Text(f"… {left:,} more (enter)", style=self._style("count"))
            node.add(text, MoreEntries(node), allow_expand=False)

    def _add_child(self, parent: TreeNode[Any], label: Text, value: Any) -> None:
        parent.add(label, JsonEntry(value), allow_expand=_is_container(value) and bool(value))

    def _label(self, key: str, value: Any, key_style: str) -> Text:
        text = Text(key or '""', style=self._style(key_style), no_wrap=True, end="")
        if _is_container(value):
            text.append(" ")
            text.append(count_text(value), style=self._style("count"))
            return text
        text.append(": ")
        if isinstance(value, str):
            quoted = json.dumps(line(value, _VALUE_CHARS), ensure_ascii=False)
            text.append(quoted, style=self._style("string"))
        elif isinstance(value, bool) or value is None:
            text.append(json.dumps(value), style=self._style("literal"))
        elif isinstance(value, (int, float)):
            text.append(line(json.dumps(value), _VALUE_CHARS), style=self._style("number"))
        else:
            text.append(line(value, _VALUE_CHARS))
        return text

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"json-tree--{name}", partial=True)

    # --- find ---------------------------------------------------------------------

    @property
    def find_query(self) -> FindQuery | None:
        """The query being found, or None."""
        return self._find_query

    @property
    def find_count(self) -> int:
        """How many nodes match."""
        return len(self._find_paths)

    @property
    def find_current(self) -> int | None:
        """The index of the node the cursor was put on (from 0), or None."""
        return self._find_current

    @property
    def find_searching(self) -> bool:
        """Whether the value is still being searched."""
        return self._find_searching

    def find(self, query: FindQuery) -> None:
        """Find the nodes matching `query`; open the way to them, the cursor on the first.

        The value is walked in a worker thread once typing pauses; matches are handed
        over as they are found. Raises `search.BadPattern` for a regular expression
        that does not compile.
        """
        pattern = compile_query(query)
        self._find_generation += 1
        self._find_query = query if pattern is not None else None
        self._find_paths, self._find_current = [], None
        self._find_searching = pattern is not None
        if self._find_timer is not None:
            self._find_timer.stop()
            self._find_timer = None
        self._post_found()
        if pattern is not None:
            work = partial(self._search, self._find_generation, self.root.data.value, pattern)
            self._find_timer = self.set_timer(_TYPING_PAUSE, partial(self._run_search, work))

    def _run_search(self, work: Any) -> None:
        self._find_timer = None
        self.run_worker(work, description="Finding in JSON", thread=True, group="json-find")

    def find_step(self, direction: int) -> bool:
        """The cursor to the next (1) or previous (-1) matching node; False if none."""
        if not self._find_paths:
            return False
        current = self._find_current
        start = -1 if direction > 0 else 0
        self._go_to(((start if current is None else current) + direction) % len(self._find_paths))
        return True

    def clear_find(self) -> None:
        """Forget the find; the nodes opened stay open, the cursor where it is."""
        if self._find_timer is not None:
            self._find_timer.stop()
            self._find_timer = None
        self._find_generation += 1
        self._find_query = None
        self._find_paths, self._find_current = [], None
        self._find_searching = False
        self._post_found()

    def _search(self, generation: int, value: Any, pattern: re.Pattern[str]) -> None:
        # In a worker thread.
        def replaced() -> bool:
            return generation != self._find_generation

        pending: list[Path] = []
        last = 0.0
        for path in iter_nodes(value, pattern, stop=replaced):
            pending.append(path)
            now = perf_counter()
            if now - last >= _HANDOVER:
                if not self._hand_over(generation, pending, False):
                    return
                pending, last = [], now
        if not replaced():
            self._hand_over(generation, pending, True)

    def _hand_over(self, generation: int, paths: list[Path], done: bool) -> bool:
        try:
            return bool(self.app.call_from_thread(self._take_found, generation, paths, done))
        except RuntimeError:
            return False  # The app is closing.

    def _take_found(self, generation: int, paths: list[Path], done: bool) -> bool:
        if generation != self._find_generation:
            return False
        opened = len(self._find_paths)
        self._find_paths.extend(paths)
        self._find_searching = not done
        for path in paths[: max(0, _OPEN_AT_ONCE - opened)]:
            self._reveal(path)
        if self._find_current is None and self._find_paths:
            self._go_to(0)
        else:
            self._post_found()
        return True

    def _go_to(self, index: int) -> None:
        self._find_current = index
        node = self._reveal(self._find_paths[index])
        _ = self.last_line  # lays the lines out, so the node knows its line
        self.move_cursor(node)
        self._post_found()

    def _reveal(self, path: Path) -> TreeNode[Any]:
        """Open every node on `path` (adding pages as needed); the node at its end."""
        node = self.root
        for position in path:
            entry = node.data
            if not isinstance(entry, JsonEntry):
                break
            while entry.made <= position and entry.made < len(entry.value):
                children = node.children
                if children and isinstance(children[-1].data, MoreEntries):
                    children[-1].remove()
                self._add_page(node)
            if not node.is_expanded:
                node.expand()
            node = node.children[position]
        return node

    def _post_found(self) -> None:
        count = len(self._find_paths)
        self.post_message(
            SearchableView.Found(
                self, count, self._find_current, self._find_searching, count >= MAX_NODES
            )
        )
