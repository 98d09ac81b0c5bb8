"""Raw writes to the terminal the app draws on: sequences Textual has no API for.

The tmux-wrapped OSC 52 of a copy (and terminal notifications) must reach the
terminal as they are, in order with Textual's own output. Textual writes through
its driver, which it builds from ``App.driver_class``; :func:`recording_driver`
wraps that class so the driver, once built, hands its ``write`` to a
:class:`TerminalOutput`. Nothing here touches Textual's private attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.driver import Driver

Write = Callable[[str], None]


class TerminalOutput:
    """Where raw sequences go: the running driver's ``write``, or nowhere yet."""

    def __init__(self) -> None:
        self._write: Write | None = None

    def attach(self, write: Write | None) -> None:
        """Send later writes to ``write`` (a test may attach a recorder)."""
        self._write = write

    def write(self, data: str) -> bool:
        """Write ``data`` as it is; False when no terminal is attached (headless)."""
        if self._write is None:
            return False
        self._write(data)
        return True


def recording_driver(base: type[Driver], output: TerminalOutput) -> type[Driver]:
    """A subclass of ``base`` that attaches its ``write`` to ``output`` when built."""

    class RecordingDriver(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            output.attach(self.write)

    RecordingDriver.__name__ = f"Recording{base.__name__}"
    return RecordingDriver
