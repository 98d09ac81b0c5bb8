"""``get --wait`` on a terminal shows each answer's status on stderr, made safe first."""

from __future__ import annotations

import io

import pytest

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.commands.get import wait_for
from spidra_tui.emulator import Emulator
from spidra_tui.emulator.hostile import plant_hostile
from spidra_tui.secret import Secret


class Terminal(io.StringIO):
    """stderr as a terminal: progress is drawn on it."""

    def isatty(self) -> bool:
        return True


class Seen(Exception):
    """Raised by the clock once the first answer has been drawn."""


class OnePoll(FakeClock):
    async def sleep(self, seconds: float) -> None:
        raise Seen


async def test_a_status_made_of_escape_sequences_never_reaches_the_terminal(
    emulator: Emulator,
) -> None:
    [job] = plant_hostile(emulator, select=lambda case: case.name == "escapes-in-status")
    err = Terminal()
    async with SpidraClient(emulator.base_url or "", Secret(emulator.demo_key)) as client:
        with pytest.raises(Seen):
            await wait_for(client, job.job_id, interval=1, err=err, clock=OnePoll())
    drawn = err.getvalue()
    assert "weird" in drawn and "50%" in drawn  # the status and progress were shown
    # Only the app's own line control is left: carriage return and erase-line.
    assert drawn.replace("\r\x1b[2K", "").isprintable(), repr(drawn)
    assert "\x1b]" not in drawn and "\x07" not in drawn
