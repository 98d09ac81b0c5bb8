"""Where a notification goes, by the ``--notify`` mode and the terminal.

- ``auto``: through the terminal when it is known to show notifications (this
  reaches the user's machine over SSH); else a local desktop notification when the
  app runs on a desktop; else the bell.
- ``terminal``: through the terminal, OSC 9 when its dialect is not known.
- ``desktop``: ``notify-send``/``osascript``; the bell when there is none.
- ``bell``: the bell only. ``off``: nothing.

Inside tmux the terminal outside is found by asking tmux (``notify/tmux.py``), and a
notification goes through only when the pane allows passthrough; otherwise the bell
rings (tmux passes it on) and ``why`` says what to set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from spidra_tui.notify.desktop import has_desktop, send_desktop
from spidra_tui.notify.sequences import (
    BEL,
    ENV_PROTOCOL,
    MODES,
    Notification,
    Protocol,
    choose_protocol,
    encode,
    wrap,
)
from spidra_tui.notify.tmux import TmuxView, TmuxWatch, ask_tmux, outer_env

PASSTHROUGH_OFF = "tmux drops it: set -g allow-passthrough on"

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
        ask_tmux: Callable[[Mapping[str, str]], TmuxView | None] = ask_tmux,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"notify mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        self._env = dict(env)
        self._write = write
        self._desktop = desktop or (lambda note: send_desktop(note, self._env))
        self._has_desktop = has_desktop(env) if desktop_available is None else desktop_available
        self._forced = env.get(ENV_PROTOCOL, "").strip().lower() in Protocol.__members__.values()
        self._tmux = TmuxWatch(env, ask_tmux)
        self.protocol = choose_protocol(env)
        self.why = ""
        """Why a notification goes by the bell when a sequence was wanted ('' else)."""

    def _dialect(self) -> tuple[Protocol, TmuxView | None]:
        """The terminal's dialect, looking past tmux to the terminal outside it."""
        view = self._tmux.view()
        if view is None or self._forced or self.protocol is not Protocol.BELL:
            return self.protocol, view
        return choose_protocol(outer_env(view)), view

    @property
    def route(self) -> str:
        """How a notification will go: ``osc9``, ``osc777``, ``osc99``, ``desktop``,
        ``bell`` or ``off``."""
        self.why = ""
        if self.mode in ("off", "bell"):
            return self.mode
        if self.mode == "desktop":
            return "desktop" if self._has_desktop else "bell"
        protocol, view = self._dialect()
        if self.mode == "terminal" and protocol is Protocol.BELL:
            protocol = Protocol.OSC9
        if protocol is Protocol.BELL:
            return "desktop" if self._has_desktop else "bell"
        if view is not None and not view.passthrough:
            self.why = PASSTHROUGH_OFF
            return "desktop" if self.mode == "auto" and self._has_desktop else "bell"
        return protocol.value

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
