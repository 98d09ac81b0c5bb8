"""The app's other keys: panes, pause, refresh, help, palette, notifications, small screens."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Static
from ui_support import UiRig, active_body, completed_body

from spidra_tui.ui import keymap
from spidra_tui.ui.help import HelpScreen, key_table
from spidra_tui.watch.state import PollerStatus

IDS = ["job-a", "job-b", "job-c"]
HOSTILE = "[@click=app.quit]x[/]"


async def test_p_pauses_and_resumes_and_the_header_says_so(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        rig.w.set_status(PollerStatus(active=3, in_flight=1, rate=2.0, effective_interval=3.0))
        await pilot.pause()
        bar = rig.app.main.status_bar
        assert bar.polling_text == "3 active · 2.0 req/s · every 3 s"
        await pilot.press("p")
        await pilot.pause()
        assert ("pause",) in rig.w.calls
        assert bar.polling_text.startswith("paused by you")
        await pilot.press("p")
        await pilot.pause()
        assert ("resume",) in rig.w.calls


async def test_the_header_explains_a_rate_limit_and_a_refused_key(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        now = rig.app.clock.monotonic()
        rig.w.set_status(PollerStatus(3, 0, 0.0, 3.0, paused="rate_limited", resume_at=now + 14))
        await pilot.pause()
        assert rig.app.main.status_bar.polling_text == "paused: rate limited, 14 s"
        rig.w.set_status(PollerStatus(3, 0, 0.0, 3.0, paused="auth", message="Invalid API key"))
        await pilot.pause()
        text = rig.app.main.status_bar.polling_text
        assert "API key refused" in text and "press p" in text and "Invalid API key" in text


async def test_r_polls_the_selected_job_and_shift_r_every_running_job(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        selected = rig.app.main.job_list.selected_id
        assert selected in IDS
        await pilot.press("r")
        await pilot.pause()
        assert rig.w.calls[-1] == ("refresh", selected)
        assert "Polling job" in rig.toasts()
        await pilot.press("R")
        await pilot.pause()
        assert rig.w.calls[-1] == ("refresh", None)


async def test_r_on_an_ended_job_sends_nothing_and_says_why(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        selected = rig.app.main.job_list.selected_id
        rig.w.answer(selected, completed_body("# Done"))
        await pilot.pause(0.3)
        before = list(rig.w.calls)
        await pilot.press("r")
        await pilot.pause()
        assert rig.w.calls == before
        assert "has ended" in rig.toasts()


async def test_help_lists_every_key_and_escape_closes_it(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(rig.app.screen, HelpScreen)
        assert rig.app.screen.query_one("#help-keys", Static).region.height > 20
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(key_table())
        text = console.export_text()
        for command in keymap.KEYS:
            assert command.title in text, command.title
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(rig.app.screen, HelpScreen)


async def test_every_key_is_a_palette_command(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"copy the job id")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        await rig.app.workers.wait_for_complete()
        await pilot.pause()
        assert rig.app.clipboard == "job-a"
        actions = {command.action for command in keymap.KEYS}
        assert all(hasattr(rig.app, f"action_{action}") for action in actions)


def banner(rig: UiRig) -> str:
    return rig.app.main.ended_banner.shown


async def test_a_banner_when_a_job_ends_unless_switched_off(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        rig.w.answer("job-b", active_body(0.5))
        await pilot.pause(0.3)
        rig.w.answer("job-b", completed_body("done", title="Finished page"))
        await pilot.pause(0.3)
        assert "✓ Job job-b completed: Finished page" in banner(rig)
        assert "job-b" not in rig.toasts()  # a line, not a toast over the detail
        await pilot.press("N")
        await pilot.pause()
        assert not rig.app.notify_jobs
        rig.app.main.ended_banner.dismiss()
        rig.w.answer("job-c", {"status": "failed", "error": "net::ERR_NAME_NOT_RESOLVED"})
        await pilot.pause(0.3)
        assert "job-c" not in banner(rig) and "job-c" not in rig.toasts()


async def test_a_burst_of_endings_is_one_line_with_counts_and_the_newest_named(
    tmp_path: Path,
) -> None:
    ids = [f"job-{n:03d}" for n in range(40)]
    rig = UiRig(tmp_path, ids)
    async with rig.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        detail = rig.app.main.detail.region
        for n, job_id in enumerate(ids):
            if n % 8 == 0:
                rig.w.answer(job_id, {"status": "failed", "error": "net::ERR_FAILED"})
            else:
                rig.w.answer(job_id, completed_body("done", title=f"Page {n}"))
            if n % 10 == 9:
                await pilot.pause(0.2)  # endings arrive over several flushes
        await pilot.pause(0.3)
        shown = banner(rig)
        assert "40 jobs ended: 35 done, 5 failed or gone" in shown
        assert "newest ✓ job-039 completed: Page 39" in shown
        assert rig.toasts() == ""  # not a single toast
        # One line, over the panes' bottom border: the detail keeps its size.
        region = rig.app.main.ended_banner.region
        assert region.height == 1 and rig.app.main.detail.region == detail


async def test_bell_rings_when_a_job_ends_with_bell_on(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS, bell=True)
    rings: list[int] = []
    rig.app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        rig.w.answer("job-a", completed_body("done"))
        await pilot.pause(0.3)
        assert rings == [1]


async def test_no_notify_at_start_means_no_banner(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS, notify_jobs=False)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        rig.w.answer("job-a", completed_body("done"))
        await pilot.pause(0.3)
        assert banner(rig) == "" and "job-a" not in rig.toasts()


async def test_enter_tab_and_escape_move_between_panes(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        main = rig.app.main
        await pilot.press("enter")
        await pilot.pause()
        assert main.detail_has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert rig.app.focused is main.job_list.table
        await pilot.press("tab")
        await pilot.pause()
        assert main.detail_has_focus
        await pilot.press("tab")
        await pilot.pause()
        assert rig.app.focused is main.job_list.table


async def test_at_80x24_the_panes_stack_and_enter_gives_the_detail_the_screen(
    tmp_path: Path,
) -> None:
    rig = UiRig(tmp_path, [f"job-{n}" for n in range(30)])
    async with rig.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = rig.app.main
        job_list, detail = main.job_list, main.detail
        assert main.has_class("-narrow")
        assert job_list.region.width == 80 and detail.region.width == 80
        assert job_list.region.height >= 8 and detail.region.height >= 8
        assert job_list.table.region.height >= 6  # a few rows stay visible
        await pilot.press("j", "j")
        assert job_list.selected_id == "job-2"
        await pilot.press("enter")
        await pilot.pause()
        assert main.zoomed and job_list.region.height == 0
        assert detail.region.height >= 20
        await pilot.press("escape")
        await pilot.pause()
        assert not main.zoomed and job_list.region.height >= 8
        assert job_list.selected_id == "job-2"


async def test_m_switches_markdown_between_rendered_and_source(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        detail = rig.app.main.detail
        assert detail.markdown_rendered
        await pilot.press("m")
        assert not detail.markdown_rendered
        await pilot.press("m")
        assert detail.markdown_rendered


async def test_a_markup_title_shows_literally_and_does_nothing(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        body = completed_body("[/x] [b]not bold[/b] [@click=app.quit]click[/]", title=HOSTILE)
        body["progress"]["message"] = "[/broken"
        rig.w.answer("job-a", body)
        await pilot.pause(0.3)
        row = [cell.plain for cell in rig.app.main.job_list.table.get_row("job-a")]
        assert row[2] == HOSTILE
        assert "✓ Job job-a completed: " + HOSTILE in banner(rig)
        await pilot.click("#job-list", offset=(30, 2))  # a click on the title
        await pilot.press("enter", "c")
        await pilot.pause()
        await rig.app.workers.wait_for_complete()
        await pilot.pause()
        assert rig.app.is_running
        assert rig.app.clipboard == "[/x] [b]not bold[/b] [@click=app.quit]click[/]"
        assert rig.app.return_code is None
