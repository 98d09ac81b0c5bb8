"""The job list in the running app: order, live updates in place, filter, add, remove."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable
from ui_support import NOW, UiRig, active_body, completed_body

from spidra_tui.ui.dialogs.add_jobs import AddJobsDialog
from spidra_tui.ui.dialogs.confirm import ConfirmDialog
from spidra_tui.watch.state import JobUpdate, RetryState

IDS = [f"job-{n:02d}" for n in range(12)]


def table(rig: UiRig) -> DataTable:
    return rig.app.main.job_list.table


async def test_newest_first_with_the_first_job_selected(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        job_list = rig.app.main.job_list
        assert job_list.shown_ids == IDS
        assert job_list.selected_id == "job-00"
        assert [c for c in rig.w.calls if c[0] != "focus"][0] == ("start",)
        # The job under the cursor is the one the watcher polls first.
        assert [c for c in rig.w.calls if c[0] == "focus"][-1] == ("focus", "job-00")
        await pilot.press("j")
        await pilot.pause()
        assert [c for c in rig.w.calls if c[0] == "focus"][-1] == ("focus", "job-01")
        assert str(job_list.border_title).startswith("Jobs 12")


async def test_rows_change_in_place_and_the_cursor_stays_on_its_job(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        for _ in range(3):
            await pilot.press("j")
        job_list = rig.app.main.job_list
        assert job_list.selected_id == "job-03"
        keys_before = list(table(rig).rows)
        cleared = []
        original_clear = table(rig).clear
        table(rig).clear = lambda *a, **k: cleared.append(1) or original_clear(*a, **k)
        for step in range(1, 5):
            for job_id in IDS:
                rig.w.answer(job_id, active_body(step / 10, f"step {step}"))
            await pilot.pause(0.25)
        assert cleared == []  # no rebuild: every change went through update_cell
        assert list(table(rig).rows) == keys_before
        assert job_list.selected_id == "job-03"
        assert table(rig).cursor_row == 3
        row = [cell.plain for cell in table(rig).get_row("job-07")]
        assert "40%" in row[3] and row[4] == "step 4"


async def test_a_burst_of_updates_reaches_the_list_in_one_flush(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        applied = []
        job_list = rig.app.main.job_list
        original = job_list.apply
        job_list.apply = lambda s, r=None: applied.append(len(list(s))) or original(s, r)
        for fraction in (0.1, 0.2, 0.3):
            for job_id in IDS:
                rig.w.answer(job_id, active_body(fraction))
        await pilot.pause(0.3)
        assert applied == [len(IDS)]


async def test_a_retry_shows_in_the_row_and_clears_with_the_next_answer(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS[:2])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        retry = RetryState(reason="server error 502", attempt=1, retry_at=0.0, delay=2.0)
        rig.w.report(JobUpdate("job-01", "unknown", retry=retry, polled_at=NOW))
        await pilot.pause(0.3)
        assert table(rig).get_row("job-01")[0].plain == "↻"  # the glyph of "retrying"
        assert "server error 502" in table(rig).get_row("job-01")[4].plain
        rig.w.answer("job-01", active_body(0.5))
        await pilot.pause(0.3)
        assert table(rig).get_row("job-01")[0].plain == "●"  # "active" again


async def test_filter_by_text_and_escape_clears_it(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        rig.w.answer("job-05", completed_body("x", title="Mystery books"))
        await pilot.pause(0.3)
        await pilot.press("slash", *"mystery")
        await pilot.pause()
        job_list = rig.app.main.job_list
        assert job_list.shown_ids == ["job-05"]
        assert "1 of 12" in str(job_list.border_subtitle)
        await pilot.press("enter")  # back to the list, filter kept
        assert job_list.shown_ids == ["job-05"]
        assert job_list.selected_id == "job-05"
        await pilot.press("escape")
        await pilot.pause()
        assert job_list.shown_ids == IDS
        assert job_list.selected_id == "job-05"  # the cursor stays on the job


async def test_filter_finds_a_job_added_by_id_by_a_page_url_of_its_answer(
    tmp_path: Path,
) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        url = "https://deep.example/catalogue/item-42"
        rig.w.answer("job-07", completed_body("x", url=url, title="Untitled"))
        await pilot.pause(0.3)
        await pilot.press("slash", *"catalogue/item-42")
        await pilot.pause()
        assert rig.app.main.job_list.shown_ids == ["job-07"]


async def test_add_watches_good_ids_and_explains_the_bad_ones(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS[:2])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(rig.app.screen, AddJobsDialog)
        await pilot.press(*"new-1, bad/id", "enter", *"new-2 job-00")
        await pilot.pause()
        preview = str(rig.app.screen.query_one("#add-preview").render())
        assert "3 job IDs to add" in preview and "bad/id" in preview
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert ("add", ["new-1", "new-2"]) in rig.w.calls
        job_list = rig.app.main.job_list
        assert set(job_list.shown_ids) == {"new-1", "new-2", "job-00", "job-01"}
        assert job_list.shown_ids[:2] in (["new-1", "new-2"], ["new-2", "new-1"])
        assert job_list.selected_id == "new-1"
        toasts = rig.toasts()
        assert "Watching 2 new jobs" in toasts and "1 already watched" in toasts
        assert "Refused bad/id" in toasts and "'/'" in toasts


async def test_remove_asks_first_and_no_keeps_the_job(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS[:3])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        await pilot.press("j", "x")
        await pilot.pause()
        assert isinstance(rig.app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert rig.app.main.job_list.shown_ids == IDS[:3]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause(0.2)
        assert rig.app.main.job_list.shown_ids == ["job-00", "job-02"]
        assert ("remove", ["job-01"]) in rig.w.calls
        assert rig.store.get("job-01") is None
        assert rig.app.main.job_list.selected_id in ("job-00", "job-02")


async def test_movement_keys(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        job_list = rig.app.main.job_list
        await pilot.press("G")
        assert job_list.selected_id == IDS[-1]
        await pilot.press("k", "up")
        assert job_list.selected_id == IDS[-3]
        await pilot.press("g")
        assert job_list.selected_id == IDS[0]
        await pilot.press("down", "j")
        assert job_list.selected_id == IDS[2]


async def test_a_cell_that_changes_only_colour_is_redrawn(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS[:1])
    async with rig.app.run_test(size=(140, 35)) as pilot:
        await pilot.pause()
        rig.w.answer("job-00", active_body(0.5))
        await pilot.pause(0.3)
        running_age = table(rig).get_row("job-00")[5]
        rig.w.answer("job-00", completed_body("done"))
        await pilot.pause(0.3)
        finished_age = table(rig).get_row("job-00")[5]
        assert finished_age.style == "dim" and running_age.style != "dim"
