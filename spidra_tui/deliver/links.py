"""Open a web link in a browser, only when that is safe and useful.

Links come from scraped pages. Only http(s) links are ever opened. Over SSH a
browser would start on the server, and a text browser (lynx, w3m, ...) would
take over the terminal the app is drawing on; in those cases the caller is
told to copy the link and show it instead.
"""

from __future__ import annotations

import os
import shlex
import sys
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from spidra_tui.sanitize import line, web_url

__all__ = ["TEXT_BROWSERS", "OpenAction", "OpenReport", "gui_browser", "open_url"]

TEXT_BROWSERS: Final = frozenset(
    {"www-browser", "lynx", "w3m", "links", "links2", "elinks", "browsh", "netrik", "edbrowse"}
)

REFUSED_REASON: Final = "refused: only http and https links are opened"
SSH_REASON: Final = "over SSH a browser would open on the server, not on your machine"

BrowserOpen = Callable[[str], object]


class OpenAction(StrEnum):
    """What `open_url` did, or wants the caller to do."""

    OPENED = "opened"
    COPY = "copy"
    REFUSED = "refused"


@dataclass(frozen=True)
class OpenReport:
    """The outcome of `open_url`.

    `url` is the checked link for "opened" and "copy", and a cleaned
    one-line form of the input (for display only) for "refused". `reason`
    says in plain words why the link was not opened.
    """

    action: OpenAction
    url: str
    reason: str = ""


def _needs_display(platform: str) -> bool:
    # macOS and Windows open browsers without an X11 or Wayland display.
    return not (platform == "darwin" or platform.startswith(("win", "cygwin")))


def _command_name(controller: object) -> str:
    name = str(getattr(controller, "name", "") or "")
    try:
        words = shlex.split(name)
    except ValueError:
        words = name.split()
    first = words[0] if words else name
    base = os.path.basename(first).lower()
    return base.removesuffix(".exe")


def gui_browser(
    env: Mapping[str, str] = os.environ, platform: str = sys.platform
) -> tuple[BrowserOpen | None, str]:
    """Return the open function of a graphical browser, or None and why not.

    On Linux and the BSDs a graphical browser needs ``DISPLAY`` or
    ``WAYLAND_DISPLAY``. A browser that `webbrowser.get()` cannot find, or
    one from TEXT_BROWSERS, does not count. The first call may run
    ``xdg-settings``, so call this off the event loop.
    """
    if _needs_display(platform) and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return None, "no graphical display (DISPLAY and WAYLAND_DISPLAY are not set)"
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return None, "no web browser found"
    name = _command_name(controller)
    if name in TEXT_BROWSERS:
        return None, f"the only browser found is the text browser {line(name, 40)}"
    return controller.open, ""


def open_url(
    url: str,
    *,
    env: Mapping[str, str] = os.environ,
    browser_open: BrowserOpen | None = None,
) -> OpenReport:
    """Open `url` in a graphical browser, or say why the caller should copy it.

    Anything `sanitize.web_url` refuses is "refused". Over SSH
    (``SSH_CONNECTION`` or ``SSH_TTY`` set), or when `gui_browser` finds no
    graphical browser, the action is "copy": the caller copies the link and
    shows it as a hyperlink instead. Otherwise `browser_open(url)` is called
    (default: the open function of the browser `gui_browser` found, so a
    failing graphical browser never falls back to a text one). Starting a
    browser can block for seconds: run this in a worker thread.
    """
    safe = web_url(url)
    if safe is None:
        return OpenReport(OpenAction.REFUSED, line(url, 200), REFUSED_REASON)
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return OpenReport(OpenAction.COPY, safe, SSH_REASON)
    found, reason = gui_browser(env)
    if found is None:
        return OpenReport(OpenAction.COPY, safe, reason)
    opener = browser_open if browser_open is not None else found
    try:
        started = opener(safe)
    except Exception as exc:  # a browser that fails to start is not a crash
        detail = line(str(exc), 120) or type(exc).__name__
        return OpenReport(OpenAction.COPY, safe, f"the browser could not be started ({detail})")
    if started is False:
        return OpenReport(OpenAction.COPY, safe, "the browser could not be started")
    return OpenReport(OpenAction.OPENED, safe)
