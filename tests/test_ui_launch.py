"""Starting and stopping the TUI: plain errors, a clean exit, every stored job shown."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import Any

import pytest
from ui_support import UiRig
from waiting import pilot_wait_for, wait_for

from spidra_tui.commands.tui import launch, run_app, server_label
from spidra_tui.config import PollSettings
from spidra_tui.emulator import Emulator
from spidra_tui.secret import Secret
from spidra_tui.watch.store import JobStore


def test_an_unusable_state_folder_is_a_plain_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("not a folder")
    code = launch(
        base_url="http://127.0.0.1:9/api", key=None, state_dir=blocker, poll=PollSettings()
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err


async def test_quit_stops_the_watcher_and_closes_everything(
    demo_emulator: Emulator, tmp_path: Path
) -> None:
    assert demo_emulator.base_url is not None
    store = JobStore.open(tmp_path)
    ids = [job.job_id for job in demo_emulator.catalogue_ids()]
    store.add_many(ids)
    seen: list[Any] = []

    async def pilot(pilot: Any) -> None:
        # Quit once the rows are shown and polling has begun.
        await pilot_wait_for(
            pilot,
            lambda: pilot.app.main.job_list.shown_ids and demo_emulator.stats.total_requests,
            what="the rows and the first poll",
        )
        seen.append(pilot.app.main.job_list.shown_ids)
        await pilot.press("q")

    before = set(asyncio.all_tasks())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = await run_app(
            base_url=demo_emulator.base_url,
            key=Secret(demo_emulator.demo_key),
            store=store,
            poll=PollSettings(),
            headless=True,
            auto_pilot=pilot,
        )
        # Nothing left running: tasks cancelled on the way out end within a few turns.
        await wait_for(
            lambda: set(asyncio.all_tasks()) - before == set(),
            timeout=2.0,
            what=lambda: f"the app's tasks to end: {set(asyncio.all_tasks()) - before}",
        )
    store.close()
    assert code == 0
    assert seen == [ids]
    assert [str(w.message) for w in caught] == []
    assert demo_emulator.stats.in_flight == 0


async def test_a_thousand_stored_jobs_are_all_on_the_first_screen(tmp_path: Path) -> None:
    # How fast is benchmark B4's ("first screen, 1,000 jobs stored"): a wall-clock
    # limit here would fail on a busy machine, not on slow code.
    ids = [f"{n:08x}-aaaa-4bbb-8ccc-dddddddddddd" for n in range(1000)]
    rig = UiRig(tmp_path, ids)
    async with rig.app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert rig.app.main.job_list.table.row_count == 1000
        assert rig.app.main.job_list.shown_ids[:2] == ids[:2]  # newest first


def test_the_header_names_the_server() -> None:
    assert server_label("https://api.spidra.io/api") == "api.spidra.io"
    assert server_label("http://127.0.0.1:8787/api", demo=True) == "demo server 127.0.0.1:8787"
