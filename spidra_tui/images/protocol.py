"""Which way the terminal can show a picture, and how large its cells are in pixels.

``kitty``: the kitty graphics protocol with Unicode placeholders (kitty, Ghostty);
``sixel``: sixel graphics (foot, WezTerm, mlterm, contour, iTerm2); ``cells``:
half-block text cells, which every terminal shows. Inside tmux or screen the answer is
always ``cells``: a multiplexer does not pass graphics on reliably, and pictures
drawn around it outlive panes and scrollback. ``--images`` or ``SPIDRA_TUI_IMAGES``
force a mode.
"""

from __future__ import annotations

import contextlib
import fcntl
import struct
import termios
from collections.abc import Iterable, Mapping

__all__ = ["ENV_IMAGES", "FALLBACK_CELL", "MODES", "cell_pixels", "detect_mode", "image_mode"]

ENV_IMAGES = "SPIDRA_TUI_IMAGES"
MODES = ("auto", "kitty", "sixel", "cells")
FALLBACK_CELL = (10, 20)
"""Cell size in pixels (width, height) when the terminal does not say."""

_SIXEL_TERMS = ("foot", "foot-extra", "mlterm", "contour")
_SIXEL_PROGRAMS = ("WezTerm", "iTerm.app")


def image_mode(requested: str, env: Mapping[str, str]) -> str:
    """The mode to draw pictures in: ``requested`` (``--images``) unless ``auto``, else
    ``SPIDRA_TUI_IMAGES`` unless empty or ``auto``, else what the terminal in ``env``
    supports safely. An unknown value counts as ``auto``."""
    for choice in (requested, env.get(ENV_IMAGES, "")):
        choice = choice.strip().lower()
        if choice in MODES and choice != "auto":
            return choice
    return detect_mode(env)


def detect_mode(env: Mapping[str, str]) -> str:
    """``kitty``, ``sixel`` or ``cells`` for the terminal that ``env`` describes."""
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "")
    if env.get("TMUX") or env.get("STY") or term.startswith(("screen", "tmux")):
        return "cells"
    if term in ("xterm-kitty", "xterm-ghostty") or env.get("KITTY_WINDOW_ID"):
        return "kitty"
    if program == "ghostty":
        return "kitty"
    if term in _SIXEL_TERMS or program in _SIXEL_PROGRAMS:
        return "sixel"
    return "cells"


def cell_pixels(size: tuple[int, int], fds: Iterable[int] = (1, 2, 0)) -> tuple[int, int]:
    """One cell's size in pixels (width, height) for a terminal of ``size`` cells
    (columns, rows): the window's pixel size (``TIOCGWINSZ``) on the first of ``fds``
    that reports one, divided by its cells; :data:`FALLBACK_CELL` when none does."""
    for fd in fds:
        with contextlib.suppress(OSError, ValueError):
            packed = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
            rows, columns, x_pixels, y_pixels = struct.unpack("HHHH", packed)
            columns = columns or size[0]
            rows = rows or size[1]
            if x_pixels and y_pixels and columns and rows:
                width, height = x_pixels // columns, y_pixels // rows
                if width >= 2 and height >= 2:
                    return (width, height)
    return FALLBACK_CELL
