"""JsonTree: a big JSON value opens at once and grows only where it is expanded."""

from __future__ import annotations

import html
import time

from textual.app import App, ComposeResult

from spidra_tui.emulator.content import json_value
from spidra_tui.ui.document.json_tree import PAGE, JsonTree, MoreEntries

EVIL = "\x1b]0;pwned\x07[@click=app.quit]x[/]\nsecond line"


class TreeApp(App[None]):
    def __init__(self, value: object) -> None:
        super().__init__()
        self.value = value

    def compose(self) -> ComposeResult:
        yield JsonTree(self.value)


def lines(tree: JsonTree, count: int) -> list[str]:
    return [tree.render_line(y).text.rstrip() for y in range(count)]


async def test_a_5mb_value_opens_with_only_the_top_level_made():
    value = json_value(5_000_000, 1, as_object=True)
    start = time.perf_counter()
    async with TreeApp(value).run_test(size=(100, 30)) as pilot:
        tree = pilot.app.query_one(JsonTree)
        await pilot.pause()
        assert time.perf_counter() - start < 2.0
        assert lines(tree, 4) == [
            "▼ JSON {3 keys}",
            '├── source: "https://books.toscrape.com/"',
            f"├── count: {len(value['items'])}",
            f"└── ▶ items [{len(value['items']):,}]",
        ]
        items = tree.root.children[2]
        assert not items.is_expanded and len(items.children) == 0

        tree.focus()
        tree.move_cursor(items)
        await pilot.press("space")
        await pilot.pause()
        # One page of records and a node for the rest; the records' fields not yet made.
        assert len(items.children) == PAGE + 1
        assert all(len(child.children) == 0 for child in items.children)
        assert lines(tree, 6)[4:] == ["    ├── ▶ [0] {7 keys}", "    ├── ▶ [1] {7 keys}"]
        more = items.children[-1]
        assert isinstance(more.data, MoreEntries)
        assert str(more.label) == f"… {len(value['items']) - PAGE:,} more (enter)"

        first = items.children[0]
        tree.move_cursor(first)
        await pilot.press("space")
        await pilot.pause()
        record = value["items"][0]
        assert [str(child.label).split(":")[0] for child in first.children] == [
            "title",
            "price",
            "rating",
            "in_stock",
            "url",
            f"tags [{len(record['tags'])}]",
            "description",
        ]
        assert str(first.children[0].label) == f'title: "{record["title"]}"'


async def test_the_more_node_adds_the_next_page():
    value = list(range(PAGE * 2 + 5))
    async with TreeApp(value).run_test(size=(100, 30)) as pilot:
        tree = pilot.app.query_one(JsonTree)
        await pilot.pause()
        assert len(tree.root.children) == PAGE + 1
        tree.focus()
        tree.move_cursor(tree.root.children[-1])
        await pilot.press("enter")
        await pilot.pause()
        assert len(tree.root.children) == PAGE * 2 + 1
        tree.move_cursor(tree.root.children[-1])
        await pilot.press("enter")
        await pilot.pause()
        assert [str(node.label) for node in tree.root.children[-2:]] == [
            f"[{PAGE * 2 + 3}]: {PAGE * 2 + 3}",
            f"[{PAGE * 2 + 4}]: {PAGE * 2 + 4}",
        ]


async def test_keys_and_values_are_cleaned_one_line_text():
    value = {EVIL: EVIL, "n": [None, True, 1.5], "long": "y" * 500, "empty": {}}
    async with TreeApp(value).run_test(size=(120, 20)) as pilot:
        tree = pilot.app.query_one(JsonTree)
        await pilot.pause()
        shown = lines(tree, 5)
        assert shown[1] == (
            '├── [@click=app.quit]x[/] second line: "[@click=app.quit]x[/] second line"'
        )
        assert shown[2] == "├── ▶ n [3]"
        assert shown[3].startswith('├── long: "yyy') and shown[3].endswith('…"')
        assert len(shown[3]) < 100
        assert shown[4] == "└── empty {0 keys}"
        assert not tree.root.children[3].allow_expand  # nothing to expand
        screenshot = html.unescape(pilot.app.export_screenshot())
        assert "\x1b" not in screenshot and "pwned" not in screenshot
        tree.focus()
        await pilot.click(JsonTree, offset=(8, 1))
        await pilot.press("enter", "space")
        assert pilot.app.is_running


async def test_a_scalar_value_is_a_single_leaf():
    async with TreeApp("just text").run_test(size=(60, 10)) as pilot:
        tree = pilot.app.query_one(JsonTree)
        await pilot.pause()
        assert lines(tree, 2) == ['JSON: "just text"', ""]
        assert not tree.root.allow_expand
