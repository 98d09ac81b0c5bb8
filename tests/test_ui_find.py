"""Find in the detail pane: the bar, the count, stepping, highlights, escape, hostile text."""

from __future__ import annotations

import time
from typing import Any

import pytest
from detail_support import (
    DetailApp,
    answer,
    foreach_markdown,
    page,
    screen_text,
    settle,
    summary,
    widget_text,
)
from textual.pilot import Pilot
from textual.widgets import Static
from ui_support import UiRig, completed_body

from spidra_tui.clock import FakeClock
from spidra_tui.emulator.content import foreach_markdown as big_foreach_markdown
from spidra_tui.ui.detail.find_bar import FindBar
from spidra_tui.ui.dialogs.new_scrape import NewScrapeDialog
from spidra_tui.ui.document import DocumentView, JsonTree
from spidra_tui.ui.document.highlight import is_current

SIZE = (100, 30)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def bar_count(app: DetailApp) -> str:
    return str(app.query_one("#find-count", Static).visual).strip()


def marked(view: DocumentView) -> tuple[list[str], list[int]]:
    """The highlighted pieces on screen, and the screen rows holding the current match."""
    match_bg = view.get_component_rich_style("document-view--match", partial=True).bgcolor
    pieces, current_rows = [], []
    for y in range(view.scrollable_content_region.height):
        for segment in view.render_line(y):
            if is_current(segment.style):
                current_rows.append(y)
                pieces.append(segment.text)
            elif segment.style is not None and segment.style.bgcolor == match_bg:
                pieces.append(segment.text)
    return pieces, current_rows


async def found(pilot: Pilot[Any], view: DocumentView, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while view.find_searching or view.loading:
        assert time.monotonic() < deadline, "the find never ended"
        await pilot.pause(0.01)
    await settle(pilot)


async def open_with(app: DetailApp, pilot: Pilot[Any], job: Any, clock: FakeClock) -> None:
    app.detail.show(summary(clock), job)
    await settle(pilot)
    app.detail.query_one("#content-doc", DocumentView).focus()
    await pilot.pause()


async def test_typing_finds_every_match_and_steps_through_them(clock: FakeClock) -> None:
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer(foreach_markdown(30)), clock)
        view = app.detail.query_one("#content-doc", DocumentView)
        await pilot.press("slash")
        assert app.detail.find_open
        assert isinstance(app.focused.parent, FindBar)
        await pilot.press(*"in stock")
        await found(pilot, view)
        assert view.find_count == 30
        assert bar_count(app) == "1 of 30"
        pieces, rows = marked(view)
        assert pieces.count("In stock") >= 2  # every match on screen, not only the current
        assert len(rows) == 1
        await pilot.press("enter")
        await pilot.pause()
        assert bar_count(app) == "2 of 30"
        await pilot.press("down", "down")
        assert bar_count(app) == "4 of 30"
        await pilot.press("up")
        assert bar_count(app) == "3 of 30"
        # Wrapping both ways.
        await pilot.press("up", "up", "up")
        assert bar_count(app) == "30 of 30"
        _, rows = marked(view)
        assert len(rows) == 1, "the last match is scrolled into view"
        await pilot.press("down")
        assert bar_count(app) == "1 of 30"


async def test_smart_case_and_no_matches(clock: FakeClock) -> None:
    text = "Price here, price there, PRICE everywhere\n"
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer(text), clock)
        view = app.detail.query_one("#content-doc", DocumentView)
        await pilot.press("slash", *"price")
        await found(pilot, view)
        assert view.find_count == 3
        await pilot.press("ctrl+a", "ctrl+k", *"Price")
        await found(pilot, view)
        assert view.find_count == 1
        await pilot.press("ctrl+a", "ctrl+k", *"cheap")
        await found(pilot, view)
        assert bar_count(app) == "No matches"
        assert marked(view) == ([], [])


async def test_escape_closes_the_find_and_keeps_the_place(clock: FakeClock) -> None:
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer(foreach_markdown(40)), clock)
        view = app.detail.query_one("#content-doc", DocumentView)
        await pilot.press("slash", *"product 33")
        await found(pilot, view)
        assert bar_count(app) == "1 of 1"
        assert view.scroll_y > 0
        assert "product 33" in widget_text(view)
        where = view.scroll_y
        await pilot.press("escape")
        await settle(pilot)
        assert not app.detail.find_open
        assert view.scroll_y == where
        assert "product 33" in widget_text(view)
        assert marked(view) == ([], [])
        assert app.focused is view
        # Open again: the last query is still there, and found again.
        await pilot.press("slash")
        await found(pilot, view)
        assert app.query_one("#find-input").value == "product 33"
        assert bar_count(app) == "1 of 1"


async def test_a_bad_regular_expression_says_why(clock: FakeClock) -> None:
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer("price 12.50\nprice 3.99\n"), clock)
        view = app.detail.query_one("#content-doc", DocumentView)
        await pilot.press("slash", "ctrl+r", *"price (")
        await pilot.pause()
        assert bar_count(app).startswith("Bad regex: missing ), unterminated subpattern")
        assert "regex" in str(app.query_one("#find-regex", Static).visual)
        await pilot.press("backspace", *r"\d+\.\d\d$")
        await found(pilot, view)
        assert view.find_count == 2
        assert bar_count(app) == "1 of 2"


async def test_source_view_highlights_the_exact_text(clock: FakeClock) -> None:
    markdown = "# Title\n\nSome **bold price** and [a link](https://example.com/price)\n"
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer(markdown), clock)
        view = app.detail.query_one("#content-doc", DocumentView)
        await pilot.press("slash", *"price")
        await found(pilot, view)
        assert view.find_count == 2
        pieces, rows = marked(view)
        # Rendered: bold loses its stars, the link shows its URL; both are marked.
        assert pieces == ["price", "price"]
        assert len(rows) == 1
        assert "**" not in widget_text(view)
        app.detail.toggle_markdown()
        await settle(pilot)
        pieces, rows = marked(view)
        assert pieces == ["price", "price"]
        assert len(rows) == 1


async def test_pages_and_raw_tabs_are_searched_too(clock: FakeClock) -> None:
    pages = [
        page("https://a.example/", "A", "## Item 1\n\nalpha beta\n\nalpha"),
        page("https://b.example/", "B", "gamma alpha"),
    ]
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer(None, pages=pages), clock)
        await pilot.press("2")
        await settle(pilot)
        app.detail.open_find()
        await pilot.press(*"alpha")
        view = app.detail.query_one("#page-doc", DocumentView)
        await found(pilot, view)
        assert bar_count(app) == "1 of 2"
        # The raw answer, as pretty JSON: each page's markdown is one string.
        await pilot.press("tab", "5")
        await settle(pilot)
        raw = app.detail.query_one("#raw-doc", DocumentView)
        await found(pilot, raw)
        assert raw.find_count == 3
        assert bar_count(app) == "1 of 3"
        assert view.find_count == 0  # the page's highlights went when the tab changed


HOSTILE = (
    "Start \x1b]0;pwned\x07title \x1b[31mred\x1b[0m text [/x] and "
    "[@click=app.quit]x[/] and \x9b2J end\n"
)


@pytest.mark.parametrize("query", ["[/x]", "[@click=app.quit]x[/]", "red text", "\\x1b", "[b]"])
async def test_hostile_text_and_markup_looking_queries_stay_inert(
    clock: FakeClock, query: str
) -> None:
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer(HOSTILE), clock)
        view = app.detail.query_one("#content-doc", DocumentView)
        app.detail.toggle_markdown()  # source: every character as it was cleaned
        await settle(pilot)
        await pilot.press("slash", *query)
        await found(pilot, view)
        expected = {"[/x]": 1, "[@click=app.quit]x[/]": 1, "red text": 1, "\\x1b": 0, "[b]": 0}
        assert view.find_count == expected[query]
        assert app.is_running
        shown = screen_text(app)
        assert "pwned" not in shown  # the whole title sequence went, not only ESC
        assert "red text [/x]" in shown
        for strip in app.screen._compositor.render_strips():
            for segment in strip:
                assert "\x1b" not in segment.text and "\x9b" not in segment.text


async def test_first_matches_show_before_a_big_document_is_searched(clock: FakeClock) -> None:
    text = big_foreach_markdown(5_000_000, 1)
    app = DetailApp(clock)
    seen: list[tuple[int, bool]] = []

    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer(text), clock)
        view = app.detail.query_one("#content-doc", DocumentView)
        while view.loading:
            await pilot.pause(0.05)
        original = view.post_message

        def record(message: Any) -> bool:
            if isinstance(message, DocumentView.Found):
                seen.append((message.count, message.searching))
            return original(message)

        view.post_message = record  # type: ignore[method-assign]
        app.detail.open_find()
        app.query_one("#find-input").value = "price"
        await found(pilot, view)
        assert seen[-1][1] is False
        total = seen[-1][0]
        assert total == text.lower().count("price")
        first = next(entry for entry in seen if entry[0])
        assert first[1] is True and first[0] < total, seen[:5]


async def test_in_the_json_tree_matching_nodes_open(clock: FakeClock) -> None:
    records = [
        {"title": f"Book {n}", "price": f"£{n}.00", "tags": ["x", "needle" if n % 7 == 0 else "y"]}
        for n in range(1, 451)  # more than a page of the tree (200 children)
    ]
    app = DetailApp(clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_with(app, pilot, answer({"records": records}), clock)
        await pilot.press("t")
        await settle(pilot)
        tree = app.detail.query_one(JsonTree)
        assert app.focused is tree
        await pilot.press("slash", *"needle")
        deadline = time.monotonic() + 10
        while tree.find_searching or tree.find_current is None:
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        await settle(pilot)
        assert tree.find_count == 450 // 7
        assert bar_count(app) == f"1 of {450 // 7}"
        node = tree.cursor_node
        assert node is not None and "needle" in node.label.plain
        # The way to it is open: records, record 7 (index 6), its tags.
        assert node.parent.is_expanded and node.parent.parent.is_expanded
        # Stepping back wraps to the last match, past the first page of 200 records.
        await pilot.press("up")
        await settle(pilot)
        node = tree.cursor_node
        assert bar_count(app) == f"{450 // 7} of {450 // 7}"
        assert "needle" in node.label.plain
        assert "[447]" in node.parent.parent.label.plain  # "Book 448": 448 = 64 * 7
        # Keys and values both count; the text view finds the same words.
        await pilot.press("ctrl+a", "ctrl+k", *"book 45")
        await settle(pilot)
        deadline = time.monotonic() + 10
        while tree.find_searching:
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        assert tree.find_count == 2  # "Book 45" and "Book 450"
        await pilot.press("escape")
        await settle(pilot)
        assert tree.cursor_node is not None and "Book 45" in tree.cursor_node.label.plain


async def test_in_the_app_keys_open_the_find_without_clashing(tmp_path: Any) -> None:
    rig = UiRig(tmp_path, ["job-a", "job-b"])
    app = rig.app
    async with app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        rig.w.answer("job-a", completed_body("need a new nanny\n\nnot now, Nana\n"))
        await pilot.pause(0.3)
        detail = app.main.detail
        # ctrl+f from the list: the bar opens over the selected job's content.
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert detail.find_open and app.main.detail_has_focus
        footer_keys = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"enter", "ctrl+r", "escape"} <= footer_keys
        # n and N are letters of the query here, not "new scrape" or notifications.
        await pilot.press(*"Nan")
        view = detail.query_one("#content-doc", DocumentView)
        await found(pilot, view)
        assert not isinstance(app.screen, NewScrapeDialog)
        assert app.notify_jobs
        assert view.find_count == 1  # smart case: only "Nana"
        await pilot.press("escape")
        await pilot.pause()
        assert not detail.find_open and app.focused is view
        # / in the detail finds (the last query comes back) ...
        await pilot.press("slash")
        await found(pilot, view)
        assert detail.find_open and bar_count(app) == "1 of 1"
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert not app.main.detail_has_focus
        # ... and in the list it still filters.
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is app.main.job_list.query_one("#filter")
        await pilot.press("escape")
        # The palette knows find too.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"find in the result")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert detail.find_open
        assert app.query_one("#find-input").has_focus
