"""One line over the foot of the screen that says which jobs just ended.

A thousand jobs ending in a few minutes would stack a toast each over the detail
pane and keep the event loop busy laying them out. The banner is a single line on
a layer of its own: a burst of endings updates it in place with counts, the newest
job named ("12 jobs ended: 10 done, 2 failed · newest a1b2c3d4 Example page"), and
it hides a few seconds after the last one. It never moves the panes (a docked
widget on another layer takes no room from them) and it is shown and hidden by
visibility, which repaints without a layout pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from spidra_tui.api.models import Status
from spidra_tui.sanitize import line
from spidra_tui.ui.jobs.job_row import look_for, short_id
from spidra_tui.watch.state import JobSummary

LINGER_SECONDS = 4.0  # after the last ending of a burst


@dataclass
class Burst:
    """The endings since the banner last appeared."""

    done: int = 0
    failed: int = 0
    newest: JobSummary | None = None

    @property
    def total(self) -> int:
        return self.done + self.failed

    def add(self, ended: list[JobSummary]) -> None:
        for summary in ended:
            if summary.status == Status.COMPLETED:
                self.done += 1
            else:
                self.failed += 1
        if ended:
            self.newest = ended[-1]


def describe(burst: Burst) -> Text:
    """The banner's words for a burst (plain text from the API, never markup)."""
    newest = burst.newest
    if newest is None:
        return Text()
    look = look_for(newest.status)
    label = line(newest.title or newest.label or "", 80)
    text = Text()
    if burst.total == 1:
        text.append(f" {look.glyph} Job {short_id(newest.job_id)} {look.word}", style="bold")
        if label:
            text.append(f": {label}")
        if newest.status != Status.COMPLETED and newest.error:
            text.append(f" · {line(newest.error, 120)}")
        return text
    text.append(f" {burst.total} jobs ended: ", style="bold")
    text.append(f"{burst.done} done")
    if burst.failed:
        text.append(f", {burst.failed} failed or gone", style="bold")
    text.append(f" · newest {look.glyph} {short_id(newest.job_id)} {look.word}")
    if label:
        text.append(f": {label}")
    return text


class EndedBanner(Static):
    """The job-ended line; :meth:`announce` adds endings to the current burst."""

    def __init__(self, *, linger: float = LINGER_SECONDS, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._linger = linger
        self._burst = Burst()
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self.styles.visibility = "hidden"

    @property
    def shown(self) -> str:
        """The words on the banner now, or "" when it is hidden (for tests)."""
        return str(self.render()) if self.styles.visibility == "visible" else ""

    def announce(self, ended: list[JobSummary]) -> None:
        """Add jobs that just ended; the banner shows the burst and stays a while."""
        if not ended:
            return
        self._burst.add(ended)
        self.set_class(self._burst.failed > 0, "-failed")
        self.update(describe(self._burst), layout=False)
        self.styles.visibility = "visible"
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self._linger, self.dismiss)

    def dismiss(self) -> None:
        """Hide the banner; the next ending starts a new burst."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._burst = Burst()
        self.styles.visibility = "hidden"
