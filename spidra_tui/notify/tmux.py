"""What tmux knows of the terminal outside it, for notifications sent from inside.

Inside tmux, ``TERM_PROGRAM`` says ``tmux`` and ``TERM`` names tmux's own terminal:
the terminal the user looks at is hidden. tmux knows it (the attached client's
``TERM`` and, from tmux 3.3, the name and version it answered with), and knows
whether a pane may pass sequences through to it (``allow-passthrough``, off by
default, in which case a wrapped notification is dropped and only the bell gets out).

One ``tmux display-message`` answers both, in a few milliseconds; the answer is kept
for a while, since the user can attach from another terminal at any time.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["TmuxView", "ask_tmux", "outer_env", "TmuxWatch"]

FORMAT = "#{allow-passthrough}\t#{client_termname}\t#{client_termtype}"
KEEP_SECONDS = 30.0


@dataclass(frozen=True)
class TmuxView:
    """The pane's passthrough setting and the attached client's terminal (empty
    when no client is attached)."""

    passthrough: bool
    termname: str = ""
    termtype: str = ""


def parse(answer: str) -> TmuxView | None:
    """``FORMAT`` as tmux printed it; None when it is not that."""
    fields = answer.rstrip("\r\n").split("\t")
    if len(fields) != 3:
        return None
    passthrough, termname, termtype = (field.strip() for field in fields)
    return TmuxView(passthrough.lower() in ("1", "on", "all"), termname, termtype)


def ask_tmux(
    env: Mapping[str, str],
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> TmuxView | None:
    """Ask the tmux server this process runs under (``TMUX``); None outside tmux or
    when it does not answer. The API key is kept out of the child's environment."""
    if not env.get("TMUX"):
        return None
    command = ["tmux", "display-message", "-p"]
    if pane := env.get("TMUX_PANE"):
        command += ["-t", pane]
    child_env = {name: value for name, value in env.items() if not name.startswith("SPIDRA_")}
    try:
        done = run(
            [*command, FORMAT],
            env=child_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=1.0,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return parse(done.stdout)


def outer_env(view: TmuxView) -> dict[str, str]:
    """The outside terminal described as its own environment would describe it:
    ``TERM`` from the client's ``TERM``, ``TERM_PROGRAM`` from the first word of the
    name it answered with (``kitty(0.31.0)``, ``iTerm2 3.5.0``, ``WezTerm 2024...``)."""
    program = view.termtype.replace("(", " ").split(" ", 1)[0] if view.termtype else ""
    return {"TERM": view.termname, "TERM_PROGRAM": program}


class TmuxWatch:
    """``ask_tmux`` at most once every ``KEEP_SECONDS``."""

    def __init__(
        self,
        env: Mapping[str, str],
        ask: Callable[[Mapping[str, str]], TmuxView | None] = ask_tmux,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._env = dict(env)
        self._ask = ask
        self._now = now
        self._at: float | None = None
        self._view: TmuxView | None = None

    @property
    def inside(self) -> bool:
        """True when running inside tmux."""
        return bool(self._env.get("TMUX"))

    def view(self) -> TmuxView | None:
        """What tmux says now (kept for ``KEEP_SECONDS``); None outside tmux."""
        if not self.inside:
            return None
        now = self._now()
        if self._at is None or now - self._at >= KEEP_SECONDS:
            self._view = self._ask(self._env)
            self._at = now
        return self._view
