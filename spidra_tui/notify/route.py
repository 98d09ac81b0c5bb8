"""Where a notification goes, by the ``--notify`` mode and the terminal.

- ``auto``: through the terminal when it is known to show notifications (this
  reaches the user's machine over SSH); else a local desktop notification when the
  app runs on a desktop; else the bell.
- ``terminal``: through the terminal, OSC 9 when its dialect is not known.
- ``desktop``: ``notify-send``/``osascript``; the bell when there is none.
- ``bell``: the bell only. ``off``: nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from spidra_tui.notify.desktop import has_desktop, send_desktop
from spidra_tui.notify.sequences import (
    BEL,
    MODES,
    Notification,
    Protocol,
    choose_protocol,
    encode,
    wrap,
)

__all__ = ["Notifier"]


class Notifier:
    """Sends notifications by one mode; ``write`` puts raw text on the terminal."""

    def __init__(
        self,
        mode: str,
        env: Mapping[str, str],
        write: Callable[[str], None],
        *,
        desktop: Callable[[Notification], bool] | None = None,
        desktop_available: bool | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"notify mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        self._env = dict(env)
        self._write = write
        self._desktop = desktop or (lambda note: send_desktop(note, self._env))
        self._has_desktop = has_desktop(env) if desktop_available is None else desktop_available
        self.protocol = choose_protocol(env)

    @property
    def route(self) -> str:
        """How a notification will go: ``osc9``, ``osc777``, ``osc99``, ``desktop``,
        ``bell`` or ``off``."""
        if self.mode == "off":
            return "off"
        if self.mode == "bell":
            return "bell"
        if self.mode == "terminal":
            return (self.protocol if self.protocol is not Protocol.BELL else Protocol.OSC9).value
        if self.mode == "desktop":
            return "desktop" if self._has_desktop else "bell"
        if self.protocol is not Protocol.BELL:
            return self.protocol.value
        return "desktop" if self._has_desktop else "bell"

    def send(self, notification: Notification) -> str:
        """Send it; returns the route it took (``desktop`` falls back to the bell)."""
        route = self.route
        if route == "off":
            return route
        if route == "desktop":
            if self._desktop(notification):
                return route
            route = "bell"
        if route == "bell":
            self._write(BEL)
            return route
        self._write(wrap(encode(notification, Protocol(route)), self._env))
        return route
