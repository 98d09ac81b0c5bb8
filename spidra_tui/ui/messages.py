"""Messages that travel between the app and its widgets.

A widget that wants something done outside itself (open a link, copy a text)
posts one of these and the app, which owns the clipboard and the browser
policy, does it. Messages that can arrive in bursts define ``can_replace`` so
the queue keeps only the newest.
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


@dataclass
class OpenLink(Message):
    """Open a web link (from a rendered page, say) through the app's http(s) check."""

    url: str


@dataclass
class CopyRequest(Message):
    """Copy ``text`` to the clipboard; ``what`` names it in the toast ("page 2 URL")."""

    text: str
    what: str
