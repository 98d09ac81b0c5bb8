"""Hostile text from the API shows literally in every tab: no escape reaches the terminal,
no markup is parsed, nothing crashes, no link is made clickable."""

from __future__ import annotations

import json

import pytest
from detail_support import (
    FORBIDDEN_CHARS,
    SIZES,
    DetailApp,
    answer,
    page,
    screen_text,
    settle,
    summary,
)
from textual.app import App

from spidra_tui.api.models import parse_job
from spidra_tui.clock import FakeClock
from spidra_tui.sanitize import clean_json
from spidra_tui.ui.detail.pane import TABS
from spidra_tui.watch.state import NOT_FOUND, RetryState

OSC_TITLE = "\x1b]0;pwned\x07"
CLICK = "[@click=app.quit]x[/]"
CLOSE = "[/x]"
NUL = "\x00"
SURROGATE = "\ud800"
C1_CSI = "\x9b2J"
HOSTILE = f"A{OSC_TITLE}B {CLICK} {CLOSE} C{NUL}D{SURROGATE}E {C1_CSI} [b]bold?[/b]"


def hostile_body() -> dict[str, object]:
    return {
        "status": "completed",
        "schema_warnings": [HOSTILE],
        "progress": {"message": HOSTILE, "progress": 1},
        "result": {
            "content": f"# Title {HOSTILE}\n\nBody {HOSTILE}\n\n[link](javascript:alert(1))\n",
            "ai_extraction_failed": True,
            "data": [
                page(
                    f"https://x.example/{CLICK}",
                    HOSTILE,
                    f"## Item 1 {HOSTILE}\n\n{HOSTILE}",
                    screenshot=f"https://s.example/{CLOSE}.png",
                ),
                page(
                    f"javascript:{OSC_TITLE}",
                    HOSTILE,
                    None,
                    success=False,
                    screenshot=f"file:///{OSC_TITLE}{NUL}",
                ),
            ],
            "screenshots": [f"https://s.example/{CLICK}{SURROGATE}.png"],
            "stats": {"durationMs": "4200", "inputTokens": "NaN"},
        },
        HOSTILE: {HOSTILE: HOSTILE},
    }


def assert_terminal_safe(app: App[object]) -> None:
    strips = app.screen._compositor.render_strips()
    for strip in strips:
        for segment in strip:
            assert not any(c in segment.text for c in FORBIDDEN_CHARS), repr(segment.text)
            style = segment.style
            if style is not None:
                assert not style.link, style
                assert "@click" not in (style.meta or {}), style.meta
    # The SVG export renders every segment again; it must not choke on any of it.
    assert app.export_screenshot().lstrip().startswith("<svg")


@pytest.mark.parametrize("size", SIZES)
async def test_every_tab_shows_hostile_text_literally(size: tuple[int, int]) -> None:
    clock = FakeClock()
    app = DetailApp(clock)
    async with app.run_test(size=size) as pilot:
        job = parse_job(hostile_body())
        app.detail.show(summary(clock, title=HOSTILE, label=HOSTILE), job)
        for tab in TABS:
            app.detail.show_tab(tab)
            await settle(pilot)
            assert app.is_running
            assert_terminal_safe(app)
        app.detail.show_tab("content")
        await settle(pilot)
        text = screen_text(app)
        # Markup shows as typed, escape sequences are gone, the text around them stays.
        assert "[@click=app.quit]x[/]" in text
        assert "[/x]" in text
        assert "[b]bold?[/b]" in text
        assert "AB" in text and "CD" in text
        assert "pwned" not in text  # the OSC title sequence went whole
        app.detail.show_tab("screenshots")
        await settle(pilot)
        text = screen_text(app)
        assert "refused" in text
        assert "https://s.example/[/x].png" in text


async def test_hostile_text_in_every_deliverable_is_clean() -> None:
    clock = FakeClock()
    app = DetailApp(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        job = parse_job(hostile_body())
        app.detail.show(summary(clock), job)
        await settle(pilot)
        for tab in TABS:
            app.detail.show_tab(tab)
            await settle(pilot)
            target = app.detail.copy_target()
            assert target is not None, tab
            assert not any(c in target.text for c in FORBIDDEN_CHARS), (tab, target.text[:200])
            assert "/" not in target.file_name and NUL not in target.file_name
        app.detail.show_tab("raw")
        target = app.detail.copy_target()
        assert target is not None
        # The raw answer stays whole JSON: it is the answer with each string sanitized.
        assert json.loads(target.text) == clean_json(job.raw)
        for url in (app.detail.selected_url(), app.detail.screenshot_url()):
            assert url is None or not any(c in url for c in FORBIDDEN_CHARS)


@pytest.mark.parametrize("size", SIZES)
async def test_hostile_status_error_and_retry_texts(size: tuple[int, int]) -> None:
    clock = FakeClock()
    app = DetailApp(clock)
    async with app.run_test(size=size) as pilot:
        running = answer(
            status=HOSTILE, progress={"message": HOSTILE, "progress": 0.5}, with_result=False
        )
        retry = RetryState(HOSTILE, attempt=3, retry_at=clock.monotonic() + 4, delay=4)
        app.detail.show(summary(clock, HOSTILE, message=HOSTILE), running, retry=retry)
        await settle(pilot)
        assert_terminal_safe(app)
        assert "[@click=app.quit]x[/]" in screen_text(app)

        failed = answer(status="failed", error=HOSTILE * 50, with_result=False)
        app.detail.show(summary(clock, "failed", error=HOSTILE), failed)
        await settle(pilot)
        assert_terminal_safe(app)
        assert "[/x]" in screen_text(app)

        app.detail.show(summary(clock, NOT_FOUND, job_id=HOSTILE, error=HOSTILE), None)
        await settle(pilot)
        assert_terminal_safe(app)
        assert "[@click=app.quit]x[/]" in screen_text(app)
        assert app.is_running


async def test_markdown_links_are_not_clickable_and_nothing_is_opened() -> None:
    clock = FakeClock()
    app = DetailApp(clock)
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        content = "[evil](javascript:alert(1)) and [file](file:///etc/passwd)\n"
        app.detail.show(summary(clock), answer(content))
        await settle(pilot)
        assert_terminal_safe(app)
        # Row 3 holds the paragraph with both links (header 1, tab bar 2, notice none).
        for x in (2, 5, 20, 30, 40):
            await pilot.click(offset=(x, 3))
        await settle(pilot)
        assert opened == []
        assert app.is_running
