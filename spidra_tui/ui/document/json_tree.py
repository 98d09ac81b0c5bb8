"""JsonTree: a collapsible tree of a JSON value that opens at once at any size.

A node's children are made only when it is first expanded, and at most `PAGE` of them
at a time: a "more" node at the end adds the next page when selected. So a 5 MB value
costs a few hundred nodes, not hundreds of thousands, until the reader asks for more.
Keys and values are cleaned, cut to one line and shown as `Text`, never as markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text, TextType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from spidra_tui.sanitize import line

# Children added per expansion (or per "more" node).
PAGE = 200
_KEY_CHARS = 60
_VALUE_CHARS = 80


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
