"""Notifications that leave the app: through the terminal (so they reach the user's
own machine over SSH), as a local desktop notification, or as the bell. No Textual."""

from __future__ import annotations

from spidra_tui.notify.burst import EndingBurst
from spidra_tui.notify.endings import Ending, notification_for
from spidra_tui.notify.sequences import (
    MODES,
    Notification,
    Protocol,
    choose_protocol,
    encode,
    terminal_sequence,
)

__all__ = [
    "MODES",
    "Ending",
    "EndingBurst",
    "Notification",
    "Protocol",
    "choose_protocol",
    "encode",
    "notification_for",
    "terminal_sequence",
]
