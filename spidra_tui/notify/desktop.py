"""A local desktop notification, for when the app runs on the user's own desktop.

``notify-send`` (libnotify, on nearly every Linux desktop) or ``osascript`` (macOS)
are run when present: no library earns its place for one call. Only on a machine
with a display, and never with the API key in the child's environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping

from spidra_tui.notify.sequences import Notification, plain

__all__ = ["desktop_command", "has_desktop", "send_desktop"]


def has_desktop(env: Mapping[str, str]) -> bool:
    """True when a local desktop can show a notification: not over SSH, and with a
    display (Linux) or on macOS, and a tool to ask it."""
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return False
    if sys.platform == "darwin":
        return shutil.which("osascript") is not None
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return False
    return shutil.which("notify-send") is not None


def desktop_command(notification: Notification) -> list[str] | None:
    """The command that shows ``notification``, or None when no tool is present. The
    text is passed as arguments (never through a shell)."""
    title = plain(notification.title, 60)
    body = plain(notification.body, 240)
    if sys.platform == "darwin":
        tool = shutil.which("osascript")
        if tool is None:
            return None
        script = "display notification (item 2 of argv) with title (item 1 of argv)"
        return [tool, "-e", f"on run argv\n{script}\nend run", title, body]
    tool = shutil.which("notify-send")
    if tool is None:
        return None
    return [tool, "--app-name=spidra-tui", "--", title, body]


def send_desktop(notification: Notification, env: Mapping[str, str] | None = None) -> bool:
    """Show ``notification`` on the local desktop; False when it could not be asked."""
    command = desktop_command(notification)
    if command is None:
        return False
    child_env = {
        name: value
        for name, value in (os.environ if env is None else env).items()
        if not name.startswith("SPIDRA_")
    }
    try:
        child = subprocess.Popen(  # a fixed tool; the text goes as arguments, no shell
            command,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    # Reap it when it exits, without waiting here.
    threading.Thread(target=child.wait, name="notify-send", daemon=True).start()
    return True
