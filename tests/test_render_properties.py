"""Property tests: any JSON or text the API sends is read without surprise and rendered
without a control character.

``parse_job`` either returns a Job or raises MalformedResponse; every renderer of API
text (the document view in its three modes, the JSON tree's labels, the job list's row
cells, the detail pane's status, waiting, failed and stats panels) turns arbitrary input
into text and segments with nothing a terminal would act on. The widgets run in one app
kept alive on a thread of its own for the whole module, so each example costs a render,
not an app start.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget

from spidra_tui.api.errors import MalformedResponse
from spidra_tui.api.models import Job, parse_job
from spidra_tui.emulator.hostile import ESCAPES, MARKUP
from spidra_tui.ui.detail.stats import stats_text
from spidra_tui.ui.detail.status import Timing, failed_heading, gone_text, status_line
from spidra_tui.ui.detail.status import waiting_text as waiting_panel
from spidra_tui.ui.document.json_tree import JsonTree
from spidra_tui.ui.document.view import DocumentView
from spidra_tui.ui.jobs.job_row import row_cells, search_text
from spidra_tui.watch.state import JobSummary, RetryState

# On screen nothing below U+0020 may appear (a line break is the renderer's, never a
# character), nor DEL, C1, surrogates or the bidi controls that reorder text.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")

FAST = settings(max_examples=60, deadline=None)
WIDGETS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that attack a terminal or a markup parser, mixed with plain text.
PIECES = [
    *ESCAPES.values(),
    *MARKUP.values(),
    "\x1b",
    "\x9b",
    "\x9d",
    "\x00",
    "\r",
    "\n",
    "\t",
    "\ud800",
    "\u202e",
    "\u2066",
    "[",
    "]",
    "\\",
    "# ",
    "- ",
    "> ",
    "```\n",
    "|a|b|\n|-|-|\n",
    "[x](javascript:alert(1))",
    "<file:///etc/passwd>",
    "word",
    " ",
    "é",
    "表",
    "🕷️",
]
hostile_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
    st.text(
        alphabet=st.sampled_from("\x1b[]();?\x07\x9b\x9c\x9dPX^_0123456789amc \n"), max_size=60
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(hostile_text, inner, max_size=5),
    max_leaves=25,
)
numbers = st.one_of(st.none(), st.integers(), st.floats(), hostile_text)


def unsafe_in(text: str) -> list[str]:
    return [repr(text[max(0, m.start() - 10) : m.end() + 10]) for m in UNSAFE.finditer(text)]


def assert_strips_safe(strips: list[Strip]) -> None:
    for strip in strips:
        for segment in strip:
            assert not unsafe_in(segment.text), segment.text
            style = segment.style
            if style is not None:
                assert not style.link, style.link
                assert "@click" not in (style.meta or {})


def assert_text_safe(text: Text, width: int = 50) -> None:
    """The Text's characters, and every segment it renders to, are safe."""
    assert not unsafe_in(text.plain.replace("\n", "")), text.plain
    console = Console(width=width, force_terminal=True, color_system="truecolor")
    for line_segments in console.render_lines(text, console.options, pad=False):
        for segment in line_segments:
            assert not unsafe_in(segment.text), segment.text


# -- parse_job ------------------------------------------------------------------


@FAST
@given(json_values)
def test_parse_job_returns_a_job_or_says_the_answer_is_malformed(body: Any) -> None:
    try:
        job = parse_job(body)
    except MalformedResponse as error:
        assert str(error)
    else:
        assert isinstance(job, Job) and job.status.strip() == job.status


def _page() -> st.SearchStrategy[dict[str, Any]]:
    text_or_number = st.one_of(st.none(), hostile_text, st.integers(), st.floats())
    return st.fixed_dictionaries(
        {},
        optional={
            "url": text_or_number,
            "title": text_or_number,
            "markdownContent": text_or_number,
            "screenshotUrl": text_or_number,
            "success": json_values,
            "extra": json_values,
        },
    )


well_shaped = st.fixed_dictionaries(
    {"status": hostile_text.filter(str.strip)},
    optional={
        "progress": st.one_of(
            st.none(),
            st.integers(),
            st.floats(),
            st.fixed_dictionaries(
                {},
                optional={
                    "message": st.one_of(st.none(), hostile_text, st.integers()),
                    "progress": json_values,
                },
            ),
        ),
        "result": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "content": json_values,
                    "data": st.lists(_page(), max_size=4),
                    "screenshots": st.lists(json_values, max_size=4),
                    "stats": st.one_of(st.none(), st.dictionaries(hostile_text, json_values)),
                    "ai_extraction_failed": json_values,
                    "extraction_empty": json_values,
                },
            ),
        ),
        "error": json_values,
        "schema_warnings": st.lists(json_values, max_size=3),
        "unknownField": json_values,
    },
)


@FAST
@given(well_shaped)
def test_a_status_string_and_well_shaped_fields_always_give_a_job(body: dict[str, Any]) -> None:
    job = parse_job(body)
    assert job.status == body["status"].strip()
    assert job.raw is body
    if job.progress is not None and job.progress.fraction is not None:
        assert 0.0 <= job.progress.fraction <= 1.0 and math.isfinite(job.progress.fraction)


# -- pure renderers -----------------------------------------------------------------

summaries = st.builds(
    JobSummary,
    job_id=hostile_text,
    added_at=st.floats(min_value=0, max_value=2e9),
    label=st.none() | hostile_text,
    title=st.none() | hostile_text,
    status=st.sampled_from(["completed", "failed", "active", "unknown", "not_found"])
    | hostile_text,
    fraction=st.none() | st.floats(),
    message=st.none() | hostile_text,
    error=st.none() | hostile_text,
    last_polled=st.none() | st.floats(min_value=0, max_value=2e9),
    finished_at=st.none() | st.floats(min_value=0, max_value=2e9),
    terminal=st.booleans(),
    content_kind=st.none() | st.sampled_from(["markdown", "json", "empty"]) | hostile_text,
    answer_size=st.integers(min_value=0, max_value=2**40),
)
retries = st.none() | st.builds(
    RetryState,
    reason=hostile_text,
    attempt=st.integers(min_value=1, max_value=99),
    retry_at=st.floats(min_value=0, max_value=1e6),
    delay=st.floats(min_value=0, max_value=60),
)


def _job(body: dict[str, Any]) -> Job | None:
    try:
        return parse_job(body)
    except MalformedResponse:
        return None


@FAST
@given(summaries, retries, st.floats(min_value=0, max_value=2e9))
def test_every_job_row_cell_is_safe(
    summary: JobSummary, retry: RetryState | None, now: float
) -> None:
    for cell in row_cells(summary, retry, now):
        assert_text_safe(cell, width=30)
    assert not unsafe_in(search_text(summary))


@FAST
@given(st.none() | summaries, well_shaped.map(_job), retries, st.floats(0, 2e9))
def test_every_detail_panel_is_safe(
    summary: JobSummary | None, job: Job | None, retry: RetryState | None, now: float
) -> None:
    assert_text_safe(status_line(summary, job, retrying=retry is not None))
    assert_text_safe(stats_text(summary, job, now))
    assert_text_safe(failed_heading(summary, job))
    assert_text_safe(gone_text(summary, job))
    timing = Timing(now, next_poll_in=3.0, retry=retry, retry_in=2.0 if retry else None)
    assert_text_safe(waiting_panel(summary, job, timing))


# -- widgets, in one app that lives on its own thread --------------------------------


class RenderApp(App[None]):
    """A document view and a slot for a JSON tree, tall enough to show what is made."""

    def compose(self) -> ComposeResult:
        yield DocumentView(id="document")
        yield Vertical(id="slot")

    CSS = "#document { height: 60; } #slot { height: 60; }"


class AppThread:
    """Runs ``RenderApp`` under ``run_test`` on a thread; ``call`` runs a step in it."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.pilot: Pilot[None] | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with RenderApp().run_test(size=(70, 130)) as pilot:
            self.pilot = pilot
            self._ready.set()
            await self._stop.wait()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(30), "the app did not start"

    def call(self, step: Callable[[Pilot[None]], Awaitable[Any]]) -> Any:
        assert self._loop is not None and self.pilot is not None
        pilot = self.pilot

        async def in_app() -> Any:
            # A coroutine sent from another thread starts outside the app's context.
            with pilot.app._context():
                return await step(pilot)

        future = asyncio.run_coroutine_threadsafe(in_app(), self._loop)
        try:
            return future.result(timeout=30)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


@pytest.fixture(scope="module")
def app_thread() -> Iterator[AppThread]:
    host = AppThread()
    host.start()
    yield host
    host.stop()


def _lines(widget: Widget) -> list[Strip]:
    width, height = widget.size
    return widget.render_lines(Region(0, 0, width, height))


async def _show_document(pilot: Pilot[None], mode: str, value: Any) -> list[Strip]:
    view = pilot.app.query_one(DocumentView)
    getattr(view, f"show_{mode}")(value)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert pilot.app.is_running
    strips = _lines(view)
    source = view.source_text
    assert not unsafe_in(source.replace("\n", "").replace("\t", "")), source
    return strips


@WIDGETS
@given(hostile_text)
def test_document_view_markdown_is_safe(app_thread: AppThread, text: str) -> None:
    assert_strips_safe(app_thread.call(lambda pilot: _show_document(pilot, "markdown", text)))


@WIDGETS
@given(hostile_text)
def test_document_view_text_is_safe(app_thread: AppThread, text: str) -> None:
    assert_strips_safe(app_thread.call(lambda pilot: _show_document(pilot, "text", text)))


@WIDGETS
@given(json_values)
def test_document_view_json_is_safe(app_thread: AppThread, value: Any) -> None:
    assert_strips_safe(app_thread.call(lambda pilot: _show_document(pilot, "json", value)))


async def _show_tree(pilot: Pilot[None], value: Any, label: str) -> list[Strip]:
    slot = pilot.app.query_one("#slot")
    await slot.remove_children()
    tree = JsonTree(value, label=label)
    await slot.mount(tree)
    for _ in range(4):  # children are made as each level's expansion is handled
        tree.root.expand_all()
        await pilot._wait_for_screen()
    await pilot.pause()
    labels: list[Text] = []
    stack = [tree.root]
    while stack:
        node = stack.pop()
        labels.append(node.label)
        stack.extend(node.children)
    for text in labels:
        assert_text_safe(text)
    if isinstance(value, dict | list) and value:
        assert len(labels) > 1, "the tree made no children"
    return _lines(tree)


@WIDGETS
@given(json_values, hostile_text)
def test_json_tree_labels_are_safe(app_thread: AppThread, value: Any, label: str) -> None:
    assert_strips_safe(app_thread.call(lambda pilot: _show_tree(pilot, value, label)))
