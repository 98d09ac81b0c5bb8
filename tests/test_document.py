"""DocumentView: big results show at once, keys move through them, nothing unsafe leaks."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult

from spidra_tui.emulator.content import foreach_markdown, json_value
from spidra_tui.ui.document import block_render
from spidra_tui.ui.document.block_render import render_markdown
from spidra_tui.ui.document.json_lines import pretty_json, pretty_lines
from spidra_tui.ui.document.markdown_blocks import MarkdownBlockSplitter
from spidra_tui.ui.document.view import DocumentView

SIZE = (100, 30)
EVIL = "Title \x1b]0;pwned\x07 and [@click=app.quit]x[/] and \x9b31m red \x1b[2J"


class ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DocumentView()


@pytest.fixture(scope="module")
def big_markdown() -> str:
    return foreach_markdown(5_000_000, 1)


@pytest.fixture(scope="module")
def big_json() -> object:
    return json_value(5_000_000, 1)


def screenshot_text(app: App[None]) -> str:
    """The exported SVG screenshot with entities decoded, to search for text."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def screen_lines(view: DocumentView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def loaded(pilot, view: DocumentView, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while view.loading:
        assert time.monotonic() < deadline, "the content never finished loading"
        await pilot.pause(0.02)
    await pilot.pause()


async def test_5mb_markdown_shows_its_first_screen_at_once_and_answers_keys_fast(big_markdown):
    # CPU time of this thread: what the event loop spends, whatever else the machine runs.
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        start = time.thread_time()
        view.show_markdown(big_markdown)
        first_line = view.render_line(0).text
        assert time.thread_time() - start < 0.3
        assert "Item 1" in first_line
        assert view.loading  # the rest is still being split in the background
        await pilot.pause(0.01)
        assert "Item 1" in screenshot_text(pilot.app)
        await loaded(pilot, view)
        assert [s.title for s in view.sections()] == [f"Item {n}" for n in range(1, 51)]
        assert view.source_text == big_markdown
        for action in (view.action_bottom, view.action_top, view.next_section):
            start = time.thread_time()
            action()
            assert time.thread_time() - start < 0.1
        await pilot.pause()
        assert screen_lines(view)[0] == "Item 2"


async def test_end_shows_the_last_item_and_home_the_first():
    text = foreach_markdown(items=40)
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.focus()
        view.show_markdown(text)
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        lines = screen_lines(view)
        assert "Item 40" in lines
        last_words = " ".join(text.split()[-3:])
        assert last_words in " ".join(" ".join(lines).split())
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert screen_lines(view)[0] == "Item 1"


async def test_scroll_keys_move_the_view():
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.focus()
        view.show_markdown(foreach_markdown(items=40))
        await pilot.pause()
        await pilot.press("j", "j", "down")
        assert view.scroll_y == 3
        await pilot.press("k")
        assert view.scroll_y == 2
        await pilot.press("space")
        assert view.scroll_y == 2 + view.scrollable_content_region.height
        await pilot.press("pageup")
        assert view.scroll_y == 2


async def test_brackets_step_through_items_with_the_heading_on_top():
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.focus()
        view.show_markdown(foreach_markdown(200_000, 1))
        await loaded(pilot, view)
        for expected in ("Item 2", "Item 3", "Item 4"):
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert screen_lines(view)[0] == expected
            assert view.current_section_title() == expected
        await pilot.press("j", "j")
        await pilot.press("left_square_bracket")  # back to the top of this item
        await pilot.pause()
        assert screen_lines(view)[0] == "Item 4"
        for expected in ("Item 3", "Item 2", "Item 1", "Item 1"):
            await pilot.press("left_square_bracket")
            await pilot.pause()
            assert screen_lines(view)[0] == expected


async def test_toggle_shows_the_source_at_the_same_item_and_back():
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.show_markdown(foreach_markdown(items=40))
        assert view.rendered and view.mode == "markdown"
        view.next_section()
        view.toggle_rendered()
        await pilot.pause()
        assert not view.rendered
        assert screen_lines(view)[0] == "## Item 2"
        assert "**" in " ".join(screen_lines(view))
        view.toggle_rendered()
        await pilot.pause()
        assert view.rendered
        assert screen_lines(view)[0] == "Item 2"


async def test_json_is_pretty_with_keys_and_copies_as_json_dumps(big_json):
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        start = time.thread_time()
        view.show_json(big_json)
        assert time.thread_time() - start < 0.3
        lines = screen_lines(view)
        assert lines[:2] == ["[", "  {"]
        assert lines[2].startswith('    "title": "')
        expected = json.dumps(big_json, indent=2, ensure_ascii=False)
        assert view.source_text == expected  # whole even while loading
        await loaded(pilot, view)
        assert view.source_text == expected
        assert [s.title for s in view.sections()[:3]] == ["[0]", "[1]", "[2]"]
        view.action_bottom()
        await pilot.pause()
        assert screen_lines(view)[-1] == "]"


async def test_small_json_object_has_key_sections():
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.show_json({"name": "x", "items": [1, 2], "nested": {"a": None}})
        await pilot.pause()
        assert [s.title for s in view.sections()] == ["name", "items", "nested"]
        assert screen_lines(view)[:3] == ["{", '  "name": "x",', '  "items": [']


@pytest.mark.parametrize("mode", ["markdown", "source", "text", "json", "message"])
async def test_escape_sequences_and_markup_in_content_stay_inert(mode):
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.focus()
        await pilot.pause()
        if mode in ("markdown", "source"):
            view.show_markdown(f"# {EVIL}\n\n{EVIL}\n")
            if mode == "source":
                view.toggle_rendered()
        elif mode == "text":
            view.show_text(EVIL)
        elif mode == "json":
            view.show_json({"title": EVIL, EVIL: [EVIL]})
        else:
            view.show_message(EVIL)
        await pilot.pause()
        screenshot = screenshot_text(pilot.app)
        assert "[@click=app.quit]x[/]" in screenshot
        assert "\x1b" not in screenshot and "\x9b" not in screenshot
        assert "\x1b" not in view.source_text
        if mode == "json":
            # JSON shows control characters escaped, as text: \u001b]0;pwned\u0007.
            assert "\\u001b]0;pwned\\u0007" in screenshot
        else:
            assert "pwned" not in screenshot
        # Clicking where the would-be markup is, and pressing around, runs no action.
        await pilot.click(DocumentView, offset=(20, 2))
        await pilot.press("enter", "j", "G", "g")
        assert pilot.app.is_running and pilot.app.return_code is None


async def test_message_keeps_a_text_style_and_cleans_plain_text():
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.show_message(Text("Waiting for the job to finish", style="bold"))
        await pilot.pause()
        assert screen_lines(view)[0] == "Waiting for the job to finish"
        assert view.mode == "message" and view.sections() == []
        view.show_message("line one\x07\nline two")
        await pilot.pause()
        assert screen_lines(view)[:2] == ["line one", "line two"]
        assert view.source_text == "line one\nline two"


async def test_a_width_change_rewraps_and_keeps_the_item_on_top():
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.show_markdown(foreach_markdown(200_000, 1))
        await loaded(pilot, view)
        for _ in range(5):
            view.next_section()
        await pilot.resize_terminal(50, 30)
        await pilot.pause()
        lines = screen_lines(view)
        assert lines[0] == "Item 6"
        assert max(len(line) for line in lines) <= 50 - 4  # padding and scrollbar


async def test_a_huge_single_line_shows_at_once():
    line = "word " * 2_000_000  # 10 MB, no line break
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        start = time.thread_time()
        view.show_text(line)
        assert time.thread_time() - start < 0.3
        assert screen_lines(view)[0].startswith("word word")
        await loaded(pilot, view)
        view.action_bottom()
        await pilot.pause()
        assert "word" in screen_lines(view)[-1]


async def test_a_new_show_call_replaces_content_still_loading(big_markdown):
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.show_markdown(big_markdown)
        view.show_text("short")
        await pilot.pause(0.3)
        assert view.mode == "text" and not view.loading
        assert view.source_text == "short"
        assert screen_lines(view)[0] == "short"


async def test_ready_is_posted_when_processing_ends():
    got: list[DocumentView.Ready] = []

    class ReadyApp(ViewApp):
        def on_document_view_ready(self, message: DocumentView.Ready) -> None:
            got.append(message)

    async with ReadyApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.show_markdown(foreach_markdown(200_000, 1))
        assert view.loading and got == []
        await loaded(pilot, view)
        await pilot.pause()
        assert [message.document_view for message in got] == [view]


# --- the pieces underneath ---------------------------------------------------------


def test_blocks_split_at_headings_fences_and_tables():
    rows = "".join(f"| {n} | x |\n" for n in range(70))
    text = f"# T\npara\n\n```\n# not a heading\n\n```\nSetext\n---\n| a | b |\n|---|---|\n{rows}"
    splitter = MarkdownBlockSplitter()
    batch = splitter.feed(text)
    batch.extend(splitter.finish())
    blocks = [batch.block(i) for i in range(len(batch))]
    assert [(b.kind, b.title) for b in blocks[:4]] == [
        ("heading", "T"),
        ("markdown", None),
        ("fence", None),
        ("heading", "Setext"),
    ]
    tables = blocks[4:]
    assert [b.kind for b in tables] == ["table"] * 3
    assert all(b.text.startswith("| a | b |\n|---|---|\n") for b in tables)
    for block in blocks[:4]:
        assert text[block.offset :].startswith(block.text)


@settings(max_examples=80, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=30,
    )
)
def test_lazy_pretty_lines_match_json_dumps(value):
    assert "\n".join(pretty_lines(value)) == pretty_json(value)


MARKDOWN_CHARACTERS = st.sampled_from("#-*>|`~[]()!<>_ \n\tab1.:\\\x00\u0301\U0001f600")


class _Records(logging.Handler):
    """Keeps the records of one logger while in a ``with`` block."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.WARNING)
        self.logger = logging.getLogger(name)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> list[logging.LogRecord]:
        self.logger.addHandler(self)
        return self.records

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=MARKDOWN_CHARACTERS, max_size=300))
def test_any_markdown_block_renders_without_raising(source):
    # The renderer catches any error to show the text anyway, and logs what it caught:
    # Rich itself must render every block, full width, never empty for visible text.
    console = Console(width=40, force_terminal=True, color_system="truecolor")
    with _Records(block_render.__name__) as caught:
        strips = render_markdown(console, source, 40)
    assert [record.getMessage() for record in caught] == []
    assert strips or not source.strip()
    for strip in strips:
        assert strip.cell_length == 40


def test_a_block_rich_cannot_render_is_shown_as_text_and_logged(monkeypatch):
    def broken(source: str) -> None:
        raise RuntimeError("a bug in the renderer")

    monkeypatch.setattr(block_render, "markdown_renderable", broken)
    console = Console(width=40, force_terminal=True)
    with _Records(block_render.__name__) as caught:
        strips = render_markdown(console, "# Title\n\nbody words", 40)
    assert "body words" in "\n".join(strip.text for strip in strips)
    assert [record.getMessage() for record in caught] == [
        "A markdown block could not be rendered; shown as text"
    ]
    assert caught[0].exc_info is not None and caught[0].exc_info[0] is RuntimeError


def test_deeply_nested_markdown_falls_back_to_text():
    console = Console(width=60, force_terminal=True)
    strips = render_markdown(console, "- " * 500 + "deep", 60)
    assert "deep" in "".join(strip.text for strip in strips)
    strips = render_markdown(console, "> " * 500 + "quoted", 60)
    assert "quoted" in "".join(strip.text for strip in strips)


async def test_show_before_mount_is_kept_for_mount():
    view = DocumentView()
    view.show_text("early")

    class EarlyApp(App[None]):
        def compose(self) -> ComposeResult:
            yield view

    async with EarlyApp().run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen_lines(view)[0] == "early"
        await asyncio.sleep(0)


async def test_json_with_c1_controls_in_strings_stays_whole_and_valid():
    value = {"a": "\x9d oops \u202e", "b": "visible", "c": ["\x9b", "kept", "\x1b]0;t\x07"]}
    async with ViewApp().run_test(size=SIZE) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.show_json(value)
        await loaded(pilot, view)
        shown = "\n".join(screen_lines(view))
        assert '"b": "visible"' in shown and '"kept"' in shown
        assert not any(ch in shown for ch in "\x1b\x9b\x9d\u202e")
        assert json.loads(view.source_text) == value
