"""Rows updated in place are drawn again with their new cells, on screen or not.

The job table keeps Textual's rendered cells and lines cached and drops only
those of the cells that changed (``JobTable.update_rows``); these tests read what
the terminal would be sent, so a stale cached line would show.
"""

from __future__ import annotations

from pathlib import Path

from detail_support import screen_lines
from ui_support import UiRig, active_body

from spidra_tui.clock import FakeClock

IDS = [f"job-{n:02d}" for n in range(60)]
SIZE = (140, 35)


def row_line(rig: UiRig, job_id: str) -> str:
    """The job list's screen line of ``job_id``'s row ('' when it is not on screen)."""
    pane = rig.app.main.job_list.region
    lines = [text[pane.x : pane.right] for text in screen_lines(rig.app)]
    return next((text for text in lines if f" {job_id[:8]} " in text), "")


async def test_an_updated_row_shows_its_new_cells_and_its_neighbours_stay(
    tmp_path: Path,
) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        neighbours = [row_line(rig, "job-01"), row_line(rig, "job-03")]
        rig.w.answer("job-02", active_body(0.4, "page two"))
        await pilot.pause(0.3)
        assert "page two" in row_line(rig, "job-02")
        assert "40%" in row_line(rig, "job-02")
        assert [row_line(rig, "job-01"), row_line(rig, "job-03")] == neighbours


async def test_a_row_changed_while_scrolled_away_shows_its_new_cells_when_back(
    tmp_path: Path,
) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("G")  # draw the last rows once, so that they are cached
        await pilot.pause()
        assert "job-59" in row_line(rig, "job-59")
        await pilot.press("g")
        await pilot.pause()
        assert row_line(rig, "job-59") == ""
        rig.w.answer("job-59", active_body(0.7, "moved"))
        await pilot.pause(0.3)
        await pilot.press("G")
        await pilot.pause()
        assert "moved" in row_line(rig, "job-59")
        assert "70%" in row_line(rig, "job-59")


async def test_ages_move_on_screen(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert row_line(rig, "job-00").rstrip(" │").endswith("1m")
        clock = rig.app.clock
        assert isinstance(clock, FakeClock)
        clock.advance(300)
        rig.app.main.job_list._refresh_ages()  # its timer's work, without waiting 5 s
        await pilot.pause()
        assert row_line(rig, "job-00").rstrip(" │").endswith("6m")
        assert row_line(rig, "job-05").rstrip(" │").endswith("6m")
