"""Copy text to every clipboard that can take it, and say what worked.

No single route works everywhere: pyperclip needs a clipboard tool and a
desktop session, OSC 52 needs a terminal that honours it (and some cap its
size), and inside tmux the bare OSC 52 is only passed on with
``set-clipboard on`` while the DCS-wrapped form needs ``allow-passthrough
on``. So every available route is tried and the report names each outcome.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from spidra_tui import format as fmt
from spidra_tui.sanitize import clean, line

__all__ = [
    "OSC52_MAX_BASE64",
    "OSC52_MAX_BYTES",
    "ROUTE_OSC52",
    "ROUTE_SYSTEM",
    "ROUTE_TMUX",
    "CopyReport",
    "copy_text",
    "osc52_sequence",
    "tmux_passthrough",
]

# The largest OSC 52 payload several terminals accept (k9s uses the same cap).
OSC52_MAX_BASE64: Final = 74_994
# The most text bytes whose base64 form fits under OSC52_MAX_BASE64.
OSC52_MAX_BYTES: Final = OSC52_MAX_BASE64 // 4 * 3

ROUTE_SYSTEM: Final = "system clipboard"
ROUTE_OSC52: Final = "terminal OSC 52"
ROUTE_TMUX: Final = "tmux passthrough"


def _base64_length(n_bytes: int) -> int:
    return 4 * ((n_bytes + 2) // 3)


def osc52_sequence(text: str) -> str:
    """Return the bare OSC 52 sequence that sets the clipboard to `text`."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\x07"


def tmux_passthrough(sequence: str) -> str:
    """Wrap `sequence` for tmux's DCS passthrough, doubling every ESC inside it."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


@dataclass(frozen=True)
class CopyReport:
    """What happened when text was copied.

    `copied_via` lists the routes that took the text, `failed` pairs each
    route that was tried or skipped with the reason, in plain words.
    OSC 52 counts as working once written: a terminal never answers it.
    """

    chars: int
    nbytes: int
    copied_via: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    too_large_for_osc52: bool = False

    @property
    def ok(self) -> bool:
        """True when at least one route took the text."""
        return bool(self.copied_via)

    def summary(self, save_hint: str = "press s to save it instead") -> str:
        """One line for a toast, e.g. "Copied 12.3 KB (system clipboard + terminal OSC 52)"."""
        shown = fmt.size(self.nbytes)
        if self.nbytes == 0:
            return "Nothing to copy"
        if self.copied_via:
            text = f"Copied {shown} ({' + '.join(self.copied_via)})"
            if self.too_large_for_osc52:
                text += "; too large for the terminal clipboard"
            return text
        if self.too_large_for_osc52:
            limit = fmt.size(OSC52_MAX_BYTES)
            return f"Too large for the terminal clipboard ({shown} > {limit}); {save_hint}"
        reasons = "; ".join(f"{route}: {reason}" for route, reason in self.failed)
        return f"Could not copy ({reasons or 'no clipboard available'}); {save_hint}"


def _describe(exc: BaseException) -> str:
    if type(exc).__name__.startswith("Pyperclip"):
        # pyperclip's own message is a paragraph with a URL in it.
        return "no clipboard tool found (install xclip, xsel or wl-clipboard)"
    detail = line(str(exc), 120)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _default_pyperclip_copy() -> Callable[[str], object] | str:
    """Return pyperclip.copy, or the reason it cannot be used."""
    try:
        import pyperclip
    except ImportError:
        return "pyperclip is not installed"
    return pyperclip.copy


def copy_text(
    text: str,
    *,
    app_copy: Callable[[str], None] | None,
    write_raw: Callable[[str], None] | None,
    env: Mapping[str, str] = os.environ,
    pyperclip_copy: Callable[[str], object] | None = None,
) -> CopyReport:
    """Copy `text`, cleaned of control sequences, by every route available.

    1. The system clipboard via `pyperclip_copy` (default ``pyperclip.copy``).
    2. OSC 52 via `app_copy` (pass Textual's ``App.copy_to_clipboard``).
    3. Inside tmux (``TMUX`` set in `env`), also the DCS-wrapped OSC 52,
       written with `write_raw`.

    Routes 2 and 3 are skipped when the base64 payload would exceed
    OSC52_MAX_BASE64. A route given as None is not tried. Every exception
    from a route is caught and reported. pyperclip may start a subprocess,
    so a caller on an event loop can run this in a thread, as long as its
    `app_copy` and `write_raw` are safe to call from there.
    """
    text = clean(text)
    nbytes = len(text.encode("utf-8"))
    too_large = _base64_length(nbytes) > OSC52_MAX_BASE64
    if nbytes == 0:
        return CopyReport(chars=0, nbytes=0)
    copied: list[str] = []
    failed: list[tuple[str, str]] = []

    def attempt(route: str, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:  # every failure becomes a line in the report
            failed.append((route, _describe(exc)))
        else:
            copied.append(route)

    system_copy = pyperclip_copy if pyperclip_copy is not None else _default_pyperclip_copy()
    if isinstance(system_copy, str):
        failed.append((ROUTE_SYSTEM, system_copy))
    else:
        attempt(ROUTE_SYSTEM, lambda: system_copy(text))

    size_reason = f"too large ({fmt.size(nbytes)} > {fmt.size(OSC52_MAX_BYTES)})"
    if app_copy is not None:
        if too_large:
            failed.append((ROUTE_OSC52, size_reason))
        else:
            attempt(ROUTE_OSC52, lambda: app_copy(text))
    if env.get("TMUX") and write_raw is not None:
        if too_large:
            failed.append((ROUTE_TMUX, size_reason))
        else:
            wrapped = tmux_passthrough(osc52_sequence(text))
            attempt(ROUTE_TMUX, lambda: write_raw(wrapped))

    return CopyReport(
        chars=len(text),
        nbytes=nbytes,
        copied_via=tuple(copied),
        failed=tuple(failed),
        too_large_for_osc52=too_large,
    )
