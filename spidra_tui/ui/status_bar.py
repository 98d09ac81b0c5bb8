"""The header line: which server, and what polling is doing right now."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from spidra_tui.sanitize import line
from spidra_tui.watch.state import PollerStatus


def describe_polling(status: PollerStatus | None, now: float) -> Text:
    """Polling in a few words, e.g. ``12 active · 5 req/s · every 3 s``.

    ``now`` is on the poller's monotonic clock, for the rate-limit countdown.
    """
    if status is None:
        return Text("starting…", style="dim")
    if status.paused == "auth":
        reason = line(status.message or "", 80)
        text = Text("stopped: API key refused", style="bold red")
        if reason:
            text.append(f" ({reason})", style="red")
        text.append(" — fix it and press p", style="red")
        return text
    if status.paused == "rate_limited":
        wait = max(0, round((status.resume_at or now) - now))
        return Text(f"paused: rate limited, {wait} s", style="bold dark_orange")
    if status.paused == "user":
        return Text(f"paused by you · {status.active} to poll · p resumes", style="bold yellow")
    if status.paused:
        reason = line(status.message or status.paused, 80)
        return Text(f"paused: {reason}", style="bold yellow")
    if status.active == 0:
        return Text("idle: every job has finished", style="dim")
    rate = f"{status.rate:.1f}" if 0 < status.rate < 10 else f"{status.rate:.0f}"
    interval = f"{status.effective_interval:g}"
    text = Text()
    text.append(f"{status.active} active", style="bold cyan")
    text.append(f" · {rate} req/s · every {interval} s")
    return text


class StatusBar(Static):
    """One line at the top: app name, server host and the polling state."""

    def __init__(
        self,
        server: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._server = line(server, 60)
        self._monotonic = monotonic
        self._status: PollerStatus | None = None
        self._notify = True
        self._shown: Text | None = None
        self._credits = Text("")

    def on_mount(self) -> None:
        self._redraw()
        # The rate-limit countdown moves even when no new status arrives.
        self.set_interval(1.0, self._redraw)

    def show_status(self, status: PollerStatus) -> None:
        """Show the poller's latest state."""
        self._status = status
        self._redraw()

    def show_notify(self, enabled: bool) -> None:
        """Show whether finished jobs are announced."""
        self._notify = enabled
        self._redraw()

    def show_credits(self, credits: Text) -> None:
        """Show the account's credits (``ui.account.render.credits_text``); empty hides them."""
        self._credits = credits
        self._redraw()

    @property
    def credits_text(self) -> str:
        """The credits as shown, plain (for tests)."""
        return self._credits.plain

    @property
    def text(self) -> str:
        """The whole line as plain text (for tests)."""
        return self._shown.plain if self._shown is not None else ""

    @property
    def polling_text(self) -> str:
        """The polling state as plain text (for tests and the command line)."""
        return describe_polling(self._status, self._monotonic()).plain

    def _redraw(self) -> None:
        # The polling state comes first: on a narrow terminal the end is cut.
        text = Text()
        text.append(" spidra-tui ", style="bold reverse")
        text.append(" ")
        text.append_text(describe_polling(self._status, self._monotonic()))
        budget = self._status.budget if self._status is not None else None
        if budget is not None:
            spent = budget.left == 0
            text.append(f"  ·  {budget.describe()}", style="bold dark_orange" if spent else "")
        if self._credits:
            text.append("  ·  ")
            text.append_text(self._credits)
        text.append(f"  ·  {self._server}", style="bold")
        text.append("  ·  ")
        text.append("notify on" if self._notify else "notify off (N)", style="dim")
        # Redrawn every second and on every status: repaint only on a change, and
        # without a layout pass (the bar is one line of fixed size).
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)
