"""Messages that travel between the app and its widgets.

Messages that can arrive in bursts define ``can_replace`` so the queue keeps only
the newest.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from spidra_tui.watch.state import PollerStatus


@dataclass
class PollerChanged(Message):
    """The poller's overall state changed (rate, pause, active count)."""

    status: PollerStatus

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PollerChanged)
