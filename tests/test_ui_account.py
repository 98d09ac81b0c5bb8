"""The Account view and the header's credits, with a real AccountWatcher and the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from account_support import ManualClock
from poller_support import client_for
from ui_support import UiRig
from waiting import pilot_wait_for

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator
from spidra_tui.ui.account.screen import AccountScreen
from spidra_tui.watch.account import AccountWatcher
from spidra_tui.watch.budget import Priority

KEY = "spd_test_key_0001"
HOSTILE = "\x1b]0;pwned\x07\x1b[31m[/x][@click=app.quit]q[/]\u202e"


@pytest.fixture
async def client(emulator: Emulator, fake_clock: FakeClock) -> AsyncIterator[SpidraClient]:
    async with client_for(emulator, KEY, ManualClock(fake_clock)) as made:
        yield made


def rig_for(tmp_path: Path, client: SpidraClient, clock: ManualClock, **options: Any) -> UiRig:
    made: list[AccountWatcher] = []

    def factory(jobs: Any, on_change: Any, on_found: Any) -> AccountWatcher:
        watcher = AccountWatcher(
            client, jobs.take_slot, clock=clock, on_change=on_change, on_found=on_found
        )
        made.append(watcher)
        return watcher

    rig = UiRig(tmp_path, account_factory=factory, clock=clock, **options)
    rig.account_watchers = made  # type: ignore[attr-defined]
    return rig


def cells(screen: AccountScreen, table: str) -> list[str]:
    data = screen.query_one(f"#{table}-table")
    return [" | ".join(str(c) for c in data.get_row_at(i)) for i in range(data.row_count)]


async def test_credits_in_the_header_and_the_low_warning(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, fake_clock: FakeClock
) -> None:
    clock = ManualClock(fake_clock)
    emulator.set_credits(KEY, limit=20, plan="Hobby " + HOSTILE)
    for _ in range(9):
        emulator.create_job(KEY, urls=("https://a.test/", "https://b.test/"))
    rig = rig_for(tmp_path, client, clock)
    async with rig.app.run_test(size=(160, 30)) as pilot:
        bar = rig.app.main.status_bar
        await pilot_wait_for(pilot, lambda: "credits" in bar.credits_text)
        assert bar.credits_text.startswith("credits 2/20") and "⚠" not in bar.credits_text
        assert "\x1b" not in bar.credits_text and "\u202e" not in bar.credits_text
        # The request waited for the watcher's slot, as a routine one (nobody asked for it).
        assert ("take_slot", Priority.ROUTINE) in rig.w.calls
        emulator.create_job(KEY)
        await pilot_wait_for(pilot, clock.sleeping)
        clock.advance(600.0)  # ten minutes later, the next look
        await pilot_wait_for(pilot, lambda: "⚠" in bar.credits_text)
        assert "credits 1/20 (5% left)" in bar.credits_text
        assert rig.app.is_running


async def test_account_view_lists_history_and_usage(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, fake_clock: FakeClock
) -> None:
    clock = ManualClock(fake_clock)
    batch = emulator.plant_batch(KEY, totalUrls=4, completedCount="2", status=HOSTILE)
    emulator.plant_crawl(KEY, base_url="https://c.test/" + HOSTILE, credits_used="2.50")
    done = emulator.create_job(
        KEY, urls=("https://ok.test/",), result={"content": "# Found it\n\nThe text.", "data": []}
    )
    emulator.create_job(KEY, urls=("https://bad.test/",), error="boom " + HOSTILE)
    rig = rig_for(tmp_path, client, clock)
    async with rig.app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        screen = rig.app.screen
        assert isinstance(screen, AccountScreen)
        await pilot_wait_for(pilot, lambda: len(cells(screen, "batches")) == 1)
        row = cells(screen, "batches")[0]
        assert "2/4" in row and batch in row and "\x1b" not in row
        await pilot.press("2")
        await pilot_wait_for(pilot, lambda: len(cells(screen, "crawls")) == 1)
        assert "2.5" in cells(screen, "crawls")[0] and "\x1b" not in cells(screen, "crawls")[0]

        await pilot.press("3")
        await pilot_wait_for(pilot, lambda: len(cells(screen, "history")) == 2)
        table = screen.query_one("#history-table")
        table.focus()
        index = next(
            i for i, r in enumerate(screen.rows("history")) if r.urls == ("https://ok.test/",)
        )
        table.move_cursor(row=index)
        await pilot.press("enter")
        await pilot_wait_for(pilot, lambda: screen.detail.copy_target() is not None)
        assert "# Found it" in screen.detail.copy_target().text
        assert screen.detail.job_id == emulator.log_uuid(done)
        details = [r for r in emulator.stats.requests() if r.path.startswith("/api/scrape-logs/")]
        assert len(details) == 1

        await pilot.press("escape")
        await pilot.press("slash")
        await pilot.press(*"status:error", "enter")
        await pilot_wait_for(pilot, lambda: len(cells(screen, "history")) == 1)
        assert "error" in cells(screen, "history")[0]
        sent = len(emulator.stats.requests())
        await pilot.press("slash", "ctrl+u", *"since:2026-13-45", "enter")
        await pilot.pause()
        fresh = str(screen.query_one("#history-fresh").render())
        assert "since: wants a date" in fresh and len(emulator.stats.requests()) == sent

        await pilot.press("escape", "4")
        await pilot_wait_for(
            pilot, lambda: "Total" in str(screen.query_one("#usage-chart").render())
        )
        chart = str(screen.query_one("#usage-chart").render())
        assert chart.count("\n") >= 8 and "█" in chart
        await pilot.press("u")
        await pilot_wait_for(pilot, lambda: "30d" in str(screen.query_one("#usage-fresh").render()))
        await pilot_wait_for(
            pilot, lambda: str(screen.query_one("#usage-chart").render()).count("\n") >= 31
        )
        await pilot.press("escape")
        assert not isinstance(rig.app.screen, AccountScreen) and rig.app.is_running


async def test_follow_finds_a_batch_started_elsewhere(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, fake_clock: FakeClock
) -> None:
    clock = ManualClock(fake_clock)
    emulator.plant_batch(KEY, status="running")
    rig = rig_for(tmp_path, client, clock, follow_account=True)
    async with rig.app.run_test(size=(160, 30)) as pilot:
        await pilot_wait_for(
            pilot, lambda: any(r.path == "/api/crawl/history" for r in emulator.stats.requests())
        )
        new = emulator.plant_batch(KEY, status="running")
        await pilot_wait_for(pilot, clock.sleeping)
        clock.advance(60.0)
        await pilot_wait_for(pilot, lambda: new in rig.toasts())
        assert "batch" in rig.toasts()
        await pilot.press("F")
        await pilot.pause()
        assert "Following the account off" in rig.toasts()
        assert not rig.account_watchers[0].follow  # type: ignore[attr-defined]


async def test_history_pages_on_demand_and_watch_says_what_it_cannot_do(
    tmp_path: Path, emulator: Emulator, client: SpidraClient, fake_clock: FakeClock
) -> None:
    clock = ManualClock(fake_clock)
    for n in range(60):
        emulator.create_job(KEY, urls=(f"https://p.test/{n}",))
    batch = emulator.plant_batch(KEY, status="running")
    rig = rig_for(tmp_path, client, clock)
    async with rig.app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        screen = rig.app.screen
        assert isinstance(screen, AccountScreen)
        await pilot_wait_for(pilot, lambda: len(cells(screen, "batches")) == 1)
        await pilot.press("w")
        await pilot_wait_for(pilot, lambda: "needs batch and crawl polling" in rig.toasts())
        assert batch in rig.toasts() and batch not in rig.app.main.job_list.job_ids

        await pilot.press("3")
        await pilot_wait_for(pilot, lambda: len(cells(screen, "history")) == 50)
        first = {row.urls for row in screen.rows("history")}
        await pilot.press("greater_than_sign")
        await pilot_wait_for(pilot, lambda: len(cells(screen, "history")) == 10)
        second = {row.urls for row in screen.rows("history")}
        assert first | second == {(f"https://p.test/{n}",) for n in range(60)}
        assert "page 2" in str(screen.query_one("#history-fresh").render())
        pages = [r for r in emulator.stats.requests() if r.path == "/api/scrape-logs"]
        await pilot.press("greater_than_sign")  # no page 3: no request
        await pilot.pause()
        assert len([r for r in emulator.stats.requests() if r.path == "/api/scrape-logs"]) == len(
            pages
        )
        await pilot.press("less_than_sign")
        await pilot_wait_for(pilot, lambda: len(cells(screen, "history")) == 50)
