"""The real app against the hostile corpus: every job, every tab, by keys.

The app runs with its real client, poller and store against the emulator serving
``spidra_tui.emulator.hostile``. For each job the test moves the cursor with ``j``,
opens each detail tab with ``1``-``5``, copies with ``c``, ``y`` and ``i`` and opens the
save dialog, and checks what a user would notice: the app keeps running, each job shows
a clear state, nothing a terminal acts on is on screen or in a copy, markup stays text,
and suggested file names are safe.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual._compositor import CompositorUpdate
from textual.widgets import Input

from spidra_tui.api.client import SpidraClient
from spidra_tui.api.errors import MalformedResponse, ServerError
from spidra_tui.commands.tui import make_app
from spidra_tui.config import PollSettings
from spidra_tui.emulator import Emulator, EmulatorConfig
from spidra_tui.emulator.hostile import ESCAPES, MARKUP, HostileJob, plant_hostile
from spidra_tui.secret import Secret
from spidra_tui.ui.app import SpidraApp
from spidra_tui.ui.dialogs.save import SaveDialog
from spidra_tui.watch.store import JobStore

# What Textual itself writes for a screen update: colours, and a move to the start of
# each line (after a newline, in a full update).
TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;]*m|\n?\x1b\[[0-9]+;[0-9]+H")
# What must never reach the terminal besides that: C0 and C1 controls, DEL,
# surrogates, and the bidirectional controls that reorder what a label seems to say.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# In copied text, newline and tab are part of the content.
UNSAFE_IN_COPY = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"
)
# The glyph each state shows in the status column.
STATE_GLYPHS = {
    "completed": "✓",
    "failed": "✗",
    "retrying": "↻",
    "running": "•",
    "waiting": "○↻",  # no answer yet, or the request timed out and is tried again
}
ANSWERED = ("completed", "failed", "running")  # a job with an answer to copy
SIZE = (80, 24)  # the smallest supported terminal: the panes stack


@pytest.fixture
def hostile(make_emulator: Callable[..., Emulator]) -> tuple[Emulator, list[HostileJob]]:
    emulator = make_emulator(EmulatorConfig(catalogue=False))
    return emulator, plant_hostile(emulator)


async def test_each_case_reaches_the_client_as_intended(
    hostile: tuple[Emulator, list[HostileJob]],
) -> None:
    """The corpus itself: each answer is read, or refused, as its case says."""
    emulator, planted = hostile
    assert len({job.job_id for job in planted}) == len(planted) >= 30
    key = Secret(emulator.demo_key)
    async with SpidraClient(emulator.base_url or "", key, get_retries=0) as client:
        for job in planted:
            case = job.case
            if case.answer_delay:
                continue
            if case.expect == "retrying":
                with pytest.raises((MalformedResponse, ServerError)):
                    await client.get_job(job.job_id)
                continue
            answer = await client.get_job(job.job_id)
            assert answer.is_terminal == (case.expect != "running"), case.name
            if case.expect != "running":
                assert answer.status == case.expect, case.name


def test_demo_server_hostile_lists_every_case() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "spidra_tui", "demo-server", "--port", "0", "--hostile"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        assert server.stdout is not None
        for output in server.stdout:
            lines.append(output)
            if output.startswith("Press Ctrl-C"):
                break
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=10)
    out = "".join(lines)
    assert "Hostile answers" in out and "never-answers" in out
    assert "-- escapes-everywhere" in out  # IDs after "--": one of them starts with a dash
    assert "--CON" in out
    assert not UNSAFE.search(out.replace("\n", ""))


class TerminalRecorder:
    """Keeps what the app would write to the terminal for each screen update.

    The app runs headless, where Textual computes every update but writes none; this
    renders each update to the exact text a terminal would get.
    """

    def __init__(self, app: SpidraApp) -> None:
        self._app = app
        self._output: list[str] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if isinstance(renderable, CompositorUpdate):
                self._output.append(renderable.render_segments(app.console))
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    def problems(self) -> list[str]:
        """What reached the terminal since the last call besides colours, cursor moves
        and text."""
        output, self._output = "".join(self._output), []
        leftover = TEXTUAL_OWN.sub("", output)
        return [
            repr(leftover[max(0, m.start() - 40) : m.end() + 40]) for m in UNSAFE.finditer(leftover)
        ]


def _screen_text(app: SpidraApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _settle(pilot: Any) -> None:
    """Let workers and messages finish and the screen catch up.

    Not ``pilot.pause()``: it waits for the whole process to idle, which a live
    poller and its timers can stretch to a second each time.
    """
    await pilot.app.workers.wait_for_complete()
    await pilot._wait_for_screen()
    await pilot._wait_for_screen()


async def _press(pilot: Any, *keys: str) -> None:
    """Keys as the terminal driver delivers them, each followed by a settle.

    ``pilot.press`` does the same with two idle waits per key, which makes a walk
    through every job and tab several times slower.
    """
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(pilot.app)
        pilot.app.post_message(event)
        await _settle(pilot)


async def _wait_for_first_answers(pilot: Any, planted: list[HostileJob]) -> None:
    job_list = pilot.app.main.job_list
    waiting = {job.job_id for job in planted if not job.case.answer_delay}
    for _ in range(300):
        waiting = {
            job_id
            for job_id in waiting
            if (summary := job_list.summary(job_id)) is None
            or (summary.status == "unknown" and job_list.retry_state(job_id) is None)
        }
        if not waiting:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never answered: {sorted(waiting)}")


async def test_every_hostile_job_and_tab_shows_a_clear_safe_state(
    hostile: tuple[Emulator, list[HostileJob]], tmp_path: Path
) -> None:
    emulator, planted = hostile
    cases = {job.job_id: job.case for job in planted}
    store = JobStore.open(tmp_path / "state")
    store.add_many(list(cases))
    client = SpidraClient(emulator.base_url or "", Secret(emulator.demo_key))
    copied: list[str] = []
    opened: list[str] = []
    app = make_app(
        store=store,
        client=client,
        poll=PollSettings(interval=5, max_rate=500, max_in_flight=8),
        notify_jobs=False,
        env={"DISPLAY": ":0"},
        folder=tmp_path,
        pyperclip_copy=copied.append,
        open_url_hook=opened.append,
    )
    app.animation_level = "none"
    osc52: list[str] = []  # what went to the terminal's clipboard (App.copy_to_clipboard)
    copy_to_terminal = app.copy_to_clipboard

    def record_copy(text: str) -> None:
        osc52.append(text)
        copy_to_terminal(text)

    app.copy_to_clipboard = record_copy  # type: ignore[method-assign]
    seen: dict[str, str] = {}
    names: dict[str, str] = {}
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _wait_for_first_answers(pilot, planted)
            # Pause polling (p, as a user would): from here on only the keys change
            # the screen, so each check sees the state its key made.
            await _press(pilot, "p")
            job_list = app.main.job_list
            terminal = TerminalRecorder(app)
            await _press(pilot, "g")
            for _ in range(len(cases)):
                job_id = job_list.selected_id
                assert job_id is not None and job_id not in seen
                row = " ".join(cell.plain for cell in job_list.table.get_row(job_id))
                seen[job_id] = row
                answered = cases[job_id].expect in ANSWERED
                for tab in "12345":
                    await _press(pilot, tab)
                    assert app.is_running, (job_id, tab)
                    if tab == "2" and answered:
                        await _press(pilot, "y")  # the selected page's URL, if any
                if answered:
                    await _press(pilot, "c", "i")
                if job_id == "--CON" or cases[job_id].expect == "failed":
                    await _press(pilot, "s")
                    assert isinstance(app.screen, SaveDialog), job_id
                    names[job_id] = app.screen.query_one(Input).value
                    await _press(pilot, "escape")
                app.screen._on_timer_update()  # draw what is still pending
                app.clear_notifications()  # the copy toasts would pile up for seconds
                assert terminal.problems() == [], job_id
                await _press(pilot, "j")
                await pilot.pause(0.08)  # the answer is read once the cursor rests
                await _settle(pilot)
            assert set(seen) == set(cases)

            # Markup shows as typed, and clicking it or the detail does nothing.
            assert MARKUP["click"] in seen["markup"]
            job_list.select("markup")
            await pilot.pause(0.08)
            await _settle(pilot)
            assert MARKUP["click"] in _screen_text(app)
            for offset in ((20, 3), (30, 3), (40, 3), (70, 3), (70, 15)):
                await pilot.click(offset=offset)
            await _press(pilot, "enter", "tab", "escape")
            assert terminal.problems() == []
            assert app.is_running and app.return_code is None

            svg = app.export_screenshot()
            assert not UNSAFE.search(svg.replace("\n", "")), "control character in the SVG"
            assert "PWNED" not in svg
    finally:
        await app.stop_watching()
        await client.aclose()
        store.close()
    assert app._exception is None and app.return_code in (None, 0)

    # Each job shows the state its case promises, and what survives of a title is
    # the text around the sequences.
    for job_id, case in cases.items():
        row = seen[job_id]
        assert row[0] in STATE_GLYPHS[case.expect], (job_id, row)
        if case.shows:
            assert case.shows[:20] in row, (job_id, row)
        assert "PWNED" not in row
    assert "retry" in seen["html-502"] and "502" in seen["html-502"]

    # Copies, to the system clipboard and by OSC 52, carry no control characters; the
    # IDs copied are the IDs.
    assert copied and osc52 and app.clipboard == osc52[-1]
    for text in copied + osc52:
        assert not UNSAFE_IN_COPY.search(text), text[:200]
        assert "PWNED" not in text or "\\u001b" in text  # only as escaped JSON text
    answered = {job_id for job_id, case in cases.items() if case.expect in ANSWERED}
    assert answered <= set(copied) & set(osc52)
    assert opened == []

    # Suggested file names are one safe component in the chosen folder.
    assert names["--CON"] == "./_CON-answer.json"  # saved from the Raw tab
    for suggested in names.values():
        assert suggested.startswith("./"), suggested
        name = suggested[2:]
        assert "/" not in name and "\\" not in name and ".." not in name, suggested
        assert not name.startswith((".", "-")) and not UNSAFE.search(name), suggested


def test_terminal_queries_in_content_are_removed_before_any_widget() -> None:
    """A device-attributes or cursor-position query would make the terminal type an answer."""
    from spidra_tui.sanitize import clean, line

    for name in ("da-query", "cpr-query", "osc52-query", "decrqss", "c1-csi"):
        sequence = ESCAPES[name]
        assert clean(f"a{sequence}b") == "ab", name
        assert line(f"a{sequence}b") == "ab", name
