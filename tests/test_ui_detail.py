"""The detail pane's tabs, driven with the Pilot on a tiny app, at 120x40 and 80x24."""

from __future__ import annotations

import json

import pytest
from detail_support import (
    JOB_ID,
    SIZES,
    DetailApp,
    answer,
    foreach_markdown,
    page,
    screen_text,
    settle,
    summary,
    widget_text,
)
from waiting import pilot_wait_for

from spidra_tui.clock import FakeClock
from spidra_tui.ui.detail.pages import PagesTab
from spidra_tui.ui.detail.pane import JobDetail
from spidra_tui.ui.document.view import DocumentView
from spidra_tui.watch.state import FORBIDDEN, NOT_FOUND, UNKNOWN, RetryState

MARKDOWN = "# Example Domain\n\nThis domain is for use in **examples**.\n\n- one\n- two\n"


@pytest.mark.parametrize("size", SIZES)
async def test_markdown_result_is_rendered_and_copied_whole(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        job = answer(MARKDOWN, pages=[page("https://example.com", "Example Domain", MARKDOWN)])
        app.detail.show(summary(fake_clock), job)
        await settle(pilot)
        text = screen_text(app)
        assert "Example Domain" in text
        assert "# Example Domain" not in text  # rendered, not source
        assert "**examples**" not in text
        target = app.detail.copy_target()
        assert target is not None
        assert target.text == MARKDOWN
        assert target.what == "content (markdown)"
        assert target.file_name == f"{JOB_ID}.md"
        assert app.detail.save_target() == target


@pytest.mark.parametrize("size", SIZES)
async def test_toggle_markdown_shows_source_and_back(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock), answer(MARKDOWN))
        await settle(pilot)
        doc = app.query_one("#content-doc", DocumentView)
        doc.focus()
        await pilot.press("m")
        await settle(pilot)
        assert not app.detail.markdown_rendered
        assert "# Example Domain" in screen_text(app)
        assert "**examples**" in screen_text(app)
        app.detail.toggle_markdown()
        await settle(pilot)
        assert app.detail.markdown_rendered
        assert "# Example Domain" not in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_json_object_is_pretty_and_copied_as_json(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    content = {"heading": "Example Domain", "paragraph": "For use in examples.", "n": 3}
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock, content_kind="json"), answer(content))
        await settle(pilot)
        text = screen_text(app)
        assert '"heading": "Example Domain"' in text
        assert '"n": 3' in text
        target = app.detail.copy_target()
        assert target is not None
        assert target.what == "JSON"
        assert target.file_name == f"{JOB_ID}.json"
        assert json.loads(target.text) == content


@pytest.mark.parametrize("size", SIZES)
async def test_json_array_is_pretty_and_switches_to_a_tree(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    from spidra_tui.ui.document.json_tree import JsonTree

    content = [{"name": "A", "price": 3}, {"name": "B", "price": 4}]
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock), answer(content))
        await settle(pilot)
        assert '"name": "A"' in screen_text(app)
        app.query_one("#content-doc", DocumentView).focus()
        await pilot.press("t")
        await settle(pilot)
        tree = app.query_one(JsonTree)
        assert tree.display
        assert not app.query_one("#content-doc", DocumentView).display
        assert app.focused is tree
        target = app.detail.copy_target()
        assert target is not None and json.loads(target.text) == content
        await pilot.press("t")
        await settle(pilot)
        assert app.query_one("#content-doc", DocumentView).display
        assert '"name": "A"' in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_pages_list_marks_a_failed_page_and_shows_each_markdown(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    job = answer(
        "combined",
        pages=[
            page("https://shop.example/a", "Shop A", "# Alpha page\n\nalpha text"),
            page("https://shop.example/b", "Shop B", None, success=False),
            page("https://shop.example/c", "Shop C", "# Gamma page\n\ngamma text"),
        ],
    )
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock), job)
        await pilot.press("2")  # no focus inside yet: the app would bind it; use the API
        app.detail.show_tab("pages")
        await settle(pilot)
        text = screen_text(app)
        assert "2 Pages (3)" in text
        assert "✓ Shop A" in text and "✗ Shop B" in text and "✓ Shop C" in text
        assert "Page 1 of 3" in text
        assert "alpha text" in text
        target = app.detail.copy_target()
        assert target is not None
        assert (target.text, target.what) == ("# Alpha page\n\nalpha text", "page 1 markdown")
        assert target.file_name == f"{JOB_ID}-page-1.md"
        assert app.detail.selected_url() == "https://shop.example/a"

        app.query_one("#page-list").focus()
        await pilot.press("down")
        await settle(pilot)
        text = screen_text(app)
        assert "Page 2 of 3 · failed" in text
        assert "It failed to scrape" in text
        assert app.detail.copy_target() is None  # a failed page has nothing to copy
        assert app.detail.selected_url() == "https://shop.example/b"

        await pilot.press("down")
        await settle(pilot)
        assert "gamma text" in screen_text(app)
        target = app.detail.save_target()
        assert target is not None and target.file_name == f"{JOB_ID}-page-3.md"


@pytest.mark.parametrize("size", SIZES)
async def test_foreach_items_step_with_brackets(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    job = answer(None, pages=[page("https://shop.example/list", "List", foreach_markdown(50))])
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock), job)
        app.detail.show_tab("pages")
        await settle(pilot)
        pages = app.query_one(PagesTab)
        assert pages.item_position == (1, 50)
        assert "Item 1 of 50" in screen_text(app)
        # From the page list: the pane's own "]" steps the document.
        app.query_one("#page-list").focus()
        for _ in range(3):
            await pilot.press("]")
        await settle(pilot)
        assert pages.item_position == (4, 50)
        assert "Item 4 of 50" in screen_text(app)
        # From the document itself: its "[" binding; the line above follows the scroll.
        app.query_one("#page-doc", DocumentView).focus()
        await pilot.press("[")
        await settle(pilot)
        assert pages.item_position == (3, 50)
        assert "Item 3 of 50" in screen_text(app)
        # At the very end the last item cannot scroll to the top; it still counts as read.
        await pilot.press("end")
        await settle(pilot)
        assert pages.item_position == (50, 50)
        assert "Item 50 of 50" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_screenshots_are_listed_selectable_and_refused_when_not_web(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    job = answer(
        "x",
        screenshots=["https://cdn.example/full.png", "file:///etc/passwd"],
        pages=[
            page("https://a.example", "A", "a", screenshot="https://cdn.example/a.png"),
            page("https://b.example", "B", "b", screenshot="https://cdn.example/full.png"),
        ],
    )
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock), job)
        await settle(pilot)
        assert app.detail.screenshot_url() is None  # several, none chosen on this tab
        app.detail.show_tab("screenshots")
        await settle(pilot)
        text = screen_text(app)
        assert "3 Screenshots (3)" in text
        assert "page 2" in text and "https://cdn.example/full.png" in text
        assert "refused" in text and "file:///etc/passwd" in text
        assert app.detail.screenshot_url() == "https://cdn.example/full.png"
        assert app.detail.selected_url() == "https://cdn.example/full.png"
        app.query_one("#screenshots-tab").query_one("#shot-list").focus()
        await pilot.press("down")
        await settle(pilot)
        assert app.detail.screenshot_url() == "file:///etc/passwd"
        assert "Refused: only http and https" in screen_text(app)
        await pilot.press("]")
        await settle(pilot)
        assert app.detail.screenshot_url() == "https://cdn.example/a.png"
        assert "page 1" in screen_text(app)
        target = app.detail.copy_target()
        assert target is not None and target.text.splitlines() == [
            "https://cdn.example/full.png",
            "file:///etc/passwd",
            "https://cdn.example/a.png",
        ]


async def test_the_only_screenshot_is_the_one_to_open_from_any_tab(fake_clock: FakeClock) -> None:
    job = answer("x", pages=[page("https://a.example", "A", "a", screenshot="https://s/a.png")])
    app = DetailApp(fake_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        app.detail.show(summary(fake_clock), job)
        await settle(pilot)
        assert app.detail.active_tab == "content"
        assert app.detail.screenshot_url() == "https://s/a.png"
        assert app.detail.selected_url() == "https://a.example"


@pytest.mark.parametrize("size", SIZES)
async def test_ai_extraction_failed_and_empty_and_schema_warnings_are_noticed(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    body = {
        "status": "completed",
        "schema_warnings": ["property 'price' has no type"],
        "result": {
            "content": "# Raw page\n\ntext",
            "ai_extraction_failed": True,
            "extraction_empty": True,
        },
    }
    from spidra_tui.api.models import parse_job

    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock), parse_job(body))
        await settle(pilot)
        notice = widget_text(app.query_one("#content-notice"))
        flat = " ".join(notice.split())
        assert "AI extraction failed: this is the raw page markdown" in flat
        assert "extraction came back empty" in flat
        assert "Schema warning: property 'price' has no type" in flat
        assert "Raw page" in screen_text(app)
        # A clean answer has no notice bar at all.
        app.detail.show(summary(fake_clock), answer("# Fine"))
        await settle(pilot)
        assert not app.query_one("#content-notice").display


@pytest.mark.parametrize("size", SIZES)
async def test_failed_job_shows_the_whole_error(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    error = (
        "Failed to scrape https://example.com — net::ERR_NAME_NOT_RESOLVED\n"
        + "\n".join(f"  at step {n}: detail {n}" for n in range(1, 80))
        + "\nTHE LAST LINE"
    )
    job = answer(status="failed", error=error, with_result=False)
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock, "failed", error=error[:60]), job)
        await settle(pilot)
        text = screen_text(app)
        assert "Failed after" in text
        assert "net::ERR_NAME_NOT_RESOLVED" in text
        target = app.detail.copy_target()
        assert target is not None and target.text == error and target.what == "error"
        doc = app.query_one("#content-doc", DocumentView)
        doc.focus()
        await pilot.press("end")
        await settle(pilot)
        assert "THE LAST LINE" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_running_job_shows_progress_and_counts_down(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    job = answer(
        status="active",
        progress={"message": "Processing content with AI...", "progress": 0.4},
        with_result=False,
    )
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        running = summary(
            fake_clock, "active", fraction=0.4, message="Processing content with AI..."
        )
        app.detail.show(running, job, next_poll_in=3.0)
        await settle(pilot)
        text = screen_text(app)
        assert "active" in text
        assert "40%" in text and "█" in text
        assert "Processing content with AI..." in text
        assert "Elapsed 2 min since added" in text
        assert "Next poll in 3 s" in text
        fake_clock.advance(2)
        # The panel's own timer ticks once a second: wait for the next tick.
        await pilot_wait_for(
            pilot,
            lambda: "Next poll in 1 s" in screen_text(app),
            timeout=5,
            what=lambda: f"the countdown to move on; the screen shows:\n{screen_text(app)}",
        )
        assert "Elapsed 2 min 2 s since added" in screen_text(app)

        retry = RetryState(
            "server busy (HTTP 503)", attempt=2, retry_at=fake_clock.monotonic() + 5, delay=5
        )
        app.detail.show(running, job, retry=retry)
        await settle(pilot)
        assert "Retrying in 5 s: server busy (HTTP 503) (attempt 2)" in screen_text(app)
        assert app.detail.copy_target() is None


@pytest.mark.parametrize("size", SIZES)
async def test_not_found_and_forbidden_say_what_the_server_said(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock, NOT_FOUND, error="Scrape not found"), None)
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "Not found" in text and "The server said: Scrape not found" in text
        assert "no longer polled" in text
        message = "You do not have permission to access this job."
        app.detail.show(summary(fake_clock, FORBIDDEN, job_id="other", error=message), None)
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "Forbidden" in text and message in text and "another account" in text


async def test_unknown_job_waits_for_the_first_answer(fake_clock: FakeClock) -> None:
    app = DetailApp(fake_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.detail.show(summary(fake_clock, UNKNOWN), None, next_poll_in=0.0)
        await settle(pilot)
        text = screen_text(app)
        assert "Waiting for the first answer" in text
        assert "Polling now" in text
        app.detail.show_tab("raw")
        await settle(pilot)
        assert "No answer has arrived" in screen_text(app)
        assert app.detail.copy_target() is None
        app.detail.show(None, None)
        await settle(pilot)
        assert "No job selected" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_raw_tab_is_the_last_answer_as_json(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    job = answer("# hi", stats={"durationMs": 4200})
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock, answer_size=2048), job)
        app.detail.show_tab("raw")
        await settle(pilot)
        text = screen_text(app)
        assert '"status": "completed"' in text
        assert "(2.0 KB)" in text
        target = app.detail.copy_target()
        assert target is not None
        assert target.what == "raw answer" and target.file_name == f"{JOB_ID}-answer.json"
        assert json.loads(target.text) == job.raw


@pytest.mark.parametrize("size", SIZES)
async def test_stats_tab_shows_figures_and_times(
    fake_clock: FakeClock, size: tuple[int, int]
) -> None:
    stats = {
        "durationMs": 5420,
        "captchaSolvedCount": 2,
        "inputTokens": 1234,
        "outputTokens": 89,
        "totalTokens": 1323,
    }
    app = DetailApp(fake_clock)
    async with app.run_test(size=size) as pilot:
        app.detail.show(summary(fake_clock), answer("x", stats=stats))
        app.detail.show_tab("stats")
        await settle(pilot)
        text = screen_text(app)
        for expected in (
            "Duration",
            "5.4 s",
            "CAPTCHAs solved",
            "1,234",
            "89",
            "1,323",
            "(2 min ago)",
            "(10 s ago)",
            "Watched for",
        ):
            assert expected in text
        target = app.detail.copy_target()
        assert target is not None and "Tokens total      1,323" in target.text


async def test_number_keys_and_arrows_switch_tabs(fake_clock: FakeClock) -> None:
    app = DetailApp(fake_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        app.detail.show(summary(fake_clock), answer(MARKDOWN, pages=[page("https://a", "A", "a")]))
        await settle(pilot)
        app.query_one("#content-doc", DocumentView).focus()
        for key, tab in (
            ("2", "pages"),
            ("3", "screenshots"),
            ("4", "stats"),
            ("5", "raw"),
            ("1", "content"),
        ):
            await pilot.press(key)
            await settle(pilot, 1)
            assert app.detail.active_tab == tab
        # The focus follows into the new tab, so the next number key still works.
        assert app.focused is not None and app.detail in app.focused.ancestors
        app.query_one("ContentTabs").focus()
        await pilot.press("right")
        await settle(pilot, 1)
        assert app.detail.active_tab == "pages"
        await pilot.press("left", "left")
        await settle(pilot, 1)
        assert app.detail.active_tab == "raw"


async def test_reshowing_the_same_job_keeps_tab_scroll_and_page(
    fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_page = foreach_markdown(50)
    job = answer(
        long_page,
        pages=[page("https://a", "A", "a"), page("https://b", "B", long_page)],
    )
    app = DetailApp(fake_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        first = summary(fake_clock, "completed")
        app.detail.show(first, job)
        await settle(pilot)
        doc = app.query_one("#content-doc", DocumentView)
        doc.scroll_to(y=40, animate=False)
        await settle(pilot)
        assert doc.scroll_y == 40

        shown: list[str] = []
        original = DocumentView.show_markdown

        def counting(self: DocumentView, text: str) -> None:
            shown.append(self.id or "")
            original(self, text)

        monkeypatch.setattr(DocumentView, "show_markdown", counting)
        # An update that changes only the summary (a new poll time), then the same answer
        # parsed again: equal, though not the same objects.
        again = answer(
            long_page,
            pages=[page("https://a", "A", "a"), page("https://b", "B", long_page)],
        )
        app.detail.show(summary(fake_clock, "completed", last_polled=fake_clock.wall()), again)
        await settle(pilot)
        assert doc.scroll_y == 40
        assert shown == []

        app.detail.show_tab("pages")
        await settle(pilot)
        app.query_one("#page-list").focus()
        await pilot.press("down")
        await settle(pilot)
        page_doc = app.query_one("#page-doc", DocumentView)
        page_doc.scroll_to(y=25, animate=False)
        await settle(pilot)
        shown.clear()
        app.detail.show(first, job)
        await settle(pilot)
        assert app.detail.active_tab == "pages"
        assert app.query_one(PagesTab).selected_index == 1
        assert page_doc.scroll_y == 25
        assert shown == []

        # Another job: the page selection starts over, the tab stays.
        app.detail.show(summary(fake_clock, job_id="another"), job)
        await settle(pilot)
        assert app.detail.active_tab == "pages"
        assert app.query_one(PagesTab).selected_index == 0


async def test_hidden_tabs_do_not_render_until_opened(
    fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = DocumentView.show_json

    def counting(self: DocumentView, value: object) -> None:
        calls.append(self.id or "")
        original(self, value)

    monkeypatch.setattr(DocumentView, "show_json", counting)
    app = DetailApp(fake_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        for n in range(5):
            app.detail.show(summary(fake_clock, "completed", last_polled=float(n)), answer("# x"))
        await settle(pilot)
        assert calls == []
        app.detail.show_tab("raw")
        await settle(pilot)
        assert calls == ["raw-doc"]


async def test_show_before_mount_is_shown_once_mounted(fake_clock: FakeClock) -> None:
    class EarlyApp(DetailApp):
        def compose(self):  # type: ignore[override]
            detail = JobDetail(clock=self.clock, id="detail")
            detail.show(summary(self.clock), answer(MARKDOWN))
            yield detail

    app = EarlyApp(fake_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Example Domain" in screen_text(app)


async def test_completed_without_result_says_so(fake_clock: FakeClock) -> None:
    app = DetailApp(fake_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.detail.show(summary(fake_clock), answer(with_result=False))
        await settle(pilot)
        assert "the answer carried no result" in " ".join(screen_text(app).split())
        assert app.detail.copy_target() is None


async def test_m_on_json_content_says_what_it_did(fake_clock: FakeClock) -> None:
    app = DetailApp(fake_clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.detail.show(summary(fake_clock), answer({"a": 1}))
        await settle(pilot)
        app.detail.toggle_markdown()
        await settle(pilot)
        assert [n.message for n in app._notifications] == ["Markdown will show as source."]
