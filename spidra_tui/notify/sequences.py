"""Desktop notifications as terminal escape sequences, and which one a terminal takes.

A notification sent through the terminal reaches the user's own desktop even from
a server over SSH: the terminal on their machine shows it. Terminals speak one of
three dialects, or none:

- OSC 9 (iTerm2, WezTerm, Ghostty, Windows Terminal): ``ESC ] 9 ; text BEL``
- OSC 777 (rxvt-unicode, foot, VTE terminals, WezTerm, Ghostty):
  ``ESC ] 777 ; notify ; title ; body BEL``
- OSC 99 (kitty): key=value metadata, then a payload, here always base64
- else the bell (``BEL``), which most terminals turn into an alert of their own.

Inside tmux the sequence is wrapped for passthrough (``ESC P tmux; ... ESC \\``, every
inner ESC doubled; tmux needs ``set -g allow-passthrough on``); inside GNU screen in a
plain DCS. The text comes partly from the API, so it is reduced to printable
characters with no ESC, BEL, C1 control or ``;`` where the dialect splits on it:
nothing in it can end the sequence early or start another one.
"""

from __future__ import annotations

import base64
import itertools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from spidra_tui.sanitize import line

__all__ = [
    "ENV_PROTOCOL",
    "MODES",
    "Notification",
    "Protocol",
    "choose_protocol",
    "encode",
    "plain",
    "terminal_sequence",
]

ENV_PROTOCOL = "SPIDRA_TUI_NOTIFY_PROTOCOL"
"""Overrides the dialect chosen from the terminal: ``osc9``, ``osc777``, ``osc99``, ``bell``."""
MODES = ("auto", "terminal", "desktop", "bell", "off")
"""Values of ``--notify``."""
TITLE_MAX = 60
BODY_MAX = 240
ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

_ids = itertools.count(1)


class Protocol(StrEnum):
    """How a notification is written to the terminal."""

    OSC9 = "osc9"
    OSC777 = "osc777"
    OSC99 = "osc99"
    BELL = "bell"


@dataclass(frozen=True)
class Notification:
    """What to tell: a short title and one line of body."""

    title: str
    body: str


# TERM_PROGRAM (or LC_TERMINAL, which iTerm2 sets and SSH passes on) -> dialect.
_BY_PROGRAM = {
    "iterm.app": Protocol.OSC9,
    "iterm2": Protocol.OSC9,
    "wezterm": Protocol.OSC777,
    "ghostty": Protocol.OSC777,
    "kitty": Protocol.OSC99,
    "foot": Protocol.OSC777,
    "vte": Protocol.OSC777,
    "vscode": Protocol.BELL,
    "apple_terminal": Protocol.BELL,
}


def choose_protocol(env: Mapping[str, str]) -> Protocol:
    """The dialect for the terminal described by ``env`` (``SPIDRA_TUI_NOTIFY_PROTOCOL``
    first, then ``TERM_PROGRAM``/``LC_TERMINAL``, terminal-specific variables and
    ``TERM``); the bell when the terminal is not known to take any."""
    forced = env.get(ENV_PROTOCOL, "").strip().lower()
    if forced in Protocol.__members__.values():
        return Protocol(forced)
    term = env.get("TERM", "").lower()
    for name in ("TERM_PROGRAM", "LC_TERMINAL"):
        program = env.get(name, "").strip().lower()
        if program in _BY_PROGRAM:
            return _BY_PROGRAM[program]
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return Protocol.OSC99
    if env.get("WT_SESSION"):
        return Protocol.OSC9
    if env.get("GHOSTTY_RESOURCES_DIR") or term == "xterm-ghostty":
        return Protocol.OSC777
    if env.get("WEZTERM_PANE") or term == "wezterm":
        return Protocol.OSC777
    if term.startswith(("rxvt", "foot")) or env.get("VTE_VERSION"):
        return Protocol.OSC777
    return Protocol.BELL


def plain(text: object, limit: int, *, no_semicolons: bool = False) -> str:
    """``text`` as one line of printable characters, at most ``limit`` long: escape
    sequences and every control character (C0, DEL, C1, so no ESC, BEL or ST) go,
    line and paragraph separators become spaces, and with ``no_semicolons`` a ``;``
    becomes ``,`` (OSC 777 splits its fields on it)."""
    text = line(text)
    text = "".join(
        " " if unicodedata.category(char) in ("Zl", "Zp") else char
        for char in text
        if unicodedata.category(char) not in ("Cc", "Cs")
    )
    if no_semicolons:
        text = text.replace(";", ",")
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text


def encode(notification: Notification, protocol: Protocol) -> str:
    """The bare sequence for ``protocol`` (not yet wrapped for a multiplexer)."""
    if protocol is Protocol.BELL:
        return BEL
    if protocol is Protocol.OSC777:
        title = plain(notification.title, TITLE_MAX, no_semicolons=True)
        body = plain(notification.body, BODY_MAX, no_semicolons=True)
        return f"{ESC}]777;notify;{title};{body}{BEL}"
    if protocol is Protocol.OSC99:
        ident = next(_ids)
        title = _base64(plain(notification.title, TITLE_MAX))
        body = _base64(plain(notification.body, BODY_MAX))
        head = f"{ESC}]99;i={ident}:d=0:e=1:p=title;{title}{ST}"
        return head + f"{ESC}]99;i={ident}:d=1:e=1:p=body;{body}{ST}"
    title = plain(notification.title, TITLE_MAX)
    body = plain(notification.body, BODY_MAX)
    text = f"{title}: {body}" if title and body else title or body
    # "OSC 9 ; 4 ; ..." is a progress report to ConEmu and Windows Terminal: never start
    # with a digit.
    if text[:1].isdigit():
        text = "#" + text
    return f"{ESC}]9;{text}{BEL}"


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def wrap(sequence: str, env: Mapping[str, str]) -> str:
    """``sequence`` wrapped for tmux or GNU screen when running inside one; the bell
    goes as it is (both pass it on)."""
    if sequence == BEL:
        return sequence
    if env.get("TMUX"):
        return f"{ESC}Ptmux;" + sequence.replace(ESC, ESC + ESC) + ST
    if env.get("STY") and env.get("TERM", "").startswith("screen"):
        # screen ends its DCS at the first ST: send each OSC in a DCS of its own, with
        # BEL (not ST) ending it.
        parts = sequence.replace(ST, BEL).split(ESC + "]")
        return "".join(f"{ESC}P{ESC}]{part}{ST}" for part in parts if part)
    return sequence


def terminal_sequence(
    notification: Notification, env: Mapping[str, str], protocol: Protocol | None = None
) -> str:
    """Everything to write to the terminal for ``notification``: the dialect chosen
    from ``env`` (or ``protocol``), wrapped for a multiplexer when inside one."""
    return wrap(encode(notification, protocol or choose_protocol(env)), env)
