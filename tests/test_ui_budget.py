"""What the user sees of the request budget: the header, the pane, and r when it is spent."""

from __future__ import annotations

from pathlib import Path

from ui_support import UiRig, active_body

from spidra_tui.watch.budget import BudgetView, clock_text
from spidra_tui.watch.state import PollerStatus

IDS = ["job-a", "job-b", "job-c"]


def view(rig: UiRig, left: int, *, spent_for: float | None = None) -> BudgetView:
    wall = rig.app.clock.wall()
    return BudgetView(
        limit=300,
        window=900.0,
        share=0.5,
        allowance=150,
        left=left,
        reset_at=wall + 240,
        learned=True,
        free_at=wall + spent_for if spent_for is not None else None,
    )


async def test_the_header_shows_the_budget(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(160, 35)) as pilot:
        await pilot.pause()
        budget = view(rig, 96)
        rig.w.set_status(PollerStatus(3, 0, 0.2, 18.0, budget=budget, budget_bound=True))
        await pilot.pause()
        reset = clock_text(rig.app.clock.wall() + 240)
        assert f"96 of 150 left · 300 per 15 min · resets {reset}" in rig.app.main.status_bar.text


async def test_the_pane_says_when_the_budget_is_why_a_job_is_checked_rarely(
    tmp_path: Path,
) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        rig.w.set_status(PollerStatus(3, 0, 0.2, 64.0, budget=view(rig, 96), budget_bound=True))
        selected = rig.app.main.job_list.selected_id
        assert selected is not None
        rig.w.answer(selected, active_body(0.3))
        await pilot.pause(0.5)
        content = rig.app.main.detail.query_one("#content-status")
        text = str(content.render())
        assert "checked about every 64 s to stay within the request budget" in text


async def test_r_when_the_budget_is_spent_says_when(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(160, 35)) as pilot:
        await pilot.pause()
        status = PollerStatus(3, 0, 0.0, 60.0, budget=view(rig, 0, spent_for=241.0))
        rig.w.set_status(status)
        await pilot.pause()
        selected = rig.app.main.job_list.selected_id
        await pilot.press("r")
        await pilot.pause()
        assert rig.w.calls[-1] == ("refresh", selected)  # still first in line
        when = clock_text(rig.app.clock.wall() + 241.0, seconds=True)
        assert f"will be checked at {when}" in rig.toasts()


async def test_the_pane_note_follows_the_budget_without_a_new_answer(tmp_path: Path) -> None:
    rig = UiRig(tmp_path, IDS)
    async with rig.app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        selected = rig.app.main.job_list.selected_id
        assert selected is not None
        rig.w.answer(selected, active_body(0.3))
        await pilot.pause(0.5)
        content = rig.app.main.detail.query_one("#content-status")
        assert "request budget" not in str(content.render())
        # The budget runs out while the job's answer stays the same: the pane says so.
        rig.w.set_status(PollerStatus(3, 0, 0.0, 60.0, budget=view(rig, 0, spent_for=200.0)))
        await pilot.pause(0.3)
        assert "The request budget is spent until" in str(content.render())
        # ... and stops saying it once the budget is free again.
        rig.w.set_status(PollerStatus(3, 0, 0.2, 18.0, budget=view(rig, 96)))
        await pilot.pause(0.3)
        assert "request budget" not in str(content.render())
