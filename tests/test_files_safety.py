"""Files the app writes: hostile job IDs and titles make safe names inside the chosen
folder, and a save killed half-way leaves the target either untouched or absent, never
half-written. (Refusing to overwrite, temp files on errors, and the private state
folder are covered in test_deliver.py and test_store.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ui_support import UiRig, completed_body
from waiting import pilot_wait_for

from spidra_tui.ui.dialogs.save import SaveDialog

HOSTILE_IDS = [
    "../../escape-attempt",
    "--rf",
    "CON",
    ".hidden",
    "x\x1b]0;title\x07y\u202e/b\\c:d*e?f",
    "z" * 300,
]
TITLE = "../../etc/passwd \x1b[2J [@click=app.quit]x[/]"


async def test_saving_hostile_jobs_writes_safe_names_inside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "saves"
    folder.mkdir()
    rig = UiRig(folder, HOSTILE_IDS)
    async with rig.app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for job_id in HOSTILE_IDS:
            rig.w.answer(job_id, completed_body(f"# {job_id}\n", title=TITLE, url=TITLE))
        job_list, detail = rig.app.main.job_list, rig.app.main.detail

        def listed_completed() -> bool:
            summaries = [job_list.summary(job_id) for job_id in HOSTILE_IDS]
            return all(s is not None and s.status == "completed" for s in summaries)

        def selected_answer_shown() -> bool:
            return detail.job_id == job_list.selected_id and detail.save_target() is not None

        await pilot_wait_for(pilot, listed_completed, what="every row to show its answer")
        await pilot.press("g")
        for _ in HOSTILE_IDS:
            await pilot_wait_for(pilot, selected_answer_shown, what="the selected job's answer")
            await pilot.press("s", "enter")
            await rig.app.workers.wait_for_complete()
            await pilot.pause()
            assert not isinstance(rig.app.screen, SaveDialog), rig.app.screen.query("#save-error")
            await pilot.press("j")
    # Everything landed in the folder itself, a file a job, nothing anywhere else.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saves"]
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(HOSTILE_IDS), names
    for name in names:
        assert (folder / name).is_file()
        assert not name.startswith((".", "-")), name
        assert len(name.encode()) <= 255 and ".." not in name, name
        assert name.isprintable() and "\u202e" not in name, name
        assert not any(c in name for c in '/\\:*?"<>|'), name
    assert {"_CON.md", "rf.md", "escape-attempt.md", "hidden.md"} <= set(names)


_SLOW_SAVE = textwrap.dedent(
    """
    import os, sys, time
    from spidra_tui.deliver import files

    def stuck_fsync(fd):
        print("syncing", flush=True)
        time.sleep(60)  # killed here, with the data written but not yet published

    files.os.fsync = stuck_fsync
    files.save_text(sys.argv[1], "new " * 2_000_000, overwrite=sys.argv[2] == "overwrite")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("mode", ["new", "overwrite"])
def test_a_save_killed_half_way_never_leaves_a_partial_file(tmp_path: Path, mode: str) -> None:
    target = tmp_path / "result.md"
    if mode == "overwrite":
        target.write_text("the user's own file")
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SAVE, str(target), mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "syncing\n"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    if mode == "overwrite":
        assert target.read_text() == "the user's own file"
    else:
        assert not target.exists()
    # What the kill left is a hidden temporary file, never the name that was asked for.
    others = [p.name for p in tmp_path.iterdir() if p != target]
    assert all(name.startswith(".result.md.") and name.endswith(".tmp") for name in others)
