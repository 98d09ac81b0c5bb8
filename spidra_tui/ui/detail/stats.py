"""The Stats tab: what a job cost and when things happened to it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from spidra_tui import format as fmt
from spidra_tui.api.models import Job
from spidra_tui.clock import Clock
from spidra_tui.sanitize import line
from spidra_tui.ui.detail.deliverable import Deliverable, text_deliverable
from spidra_tui.ui.detail.status import status_name
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.watch.state import JobSummary

_LABEL_WIDTH = 18


def stats_text(summary: JobSummary | None, job: Job | None, now: float) -> Text:
    """The figures and times of a job as aligned "label  value" lines."""
    rows: list[tuple[str, str]] = []
    if summary is not None:
        rows.append(("Job ID", line(summary.job_id)))
        rows.append(("Status", status_name(summary.status)))
    result = job.result if job is not None else None
    stats = result.stats if result is not None else None
    if stats is not None:
        duration = None if stats.duration_ms is None else stats.duration_ms / 1000
        rows += [
            ("", ""),
            ("Duration", fmt.duration(duration)),
            ("CAPTCHAs solved", fmt.count(stats.captcha_solved_count)),
            ("Tokens in", fmt.count(stats.input_tokens)),
            ("Tokens out", fmt.count(stats.output_tokens)),
            ("Tokens total", fmt.count(stats.total_tokens)),
        ]
    elif result is not None:
        rows += [("", ""), ("Stats", "the answer has none")]
    if result is not None:
        failed = sum(1 for page in result.pages if page.success is False)
        pages = f"{len(result.pages)}" + (f" ({failed} failed)" if failed else "")
        rows += [("Pages", pages), ("Screenshots", str(len(result.all_screenshots)))]
    if summary is not None:
        rows += [
            ("", ""),
            ("Added", fmt.when(summary.added_at, now=now)),
            ("Last polled", fmt.when(summary.last_polled, now=now)),
            ("Finished", fmt.when(summary.finished_at, now=now)),
        ]
        if summary.finished_at is not None:
            rows.append(("Watched for", fmt.duration(summary.finished_at - summary.added_at)))
        if summary.answer_size:
            rows.append(("Last answer", fmt.size(summary.answer_size)))
    if not rows:
        return Text("Select a job to see its stats.", style="dim")
    text = Text()
    for index, (label, value) in enumerate(rows):
        if index:
            text.append("\n")
        if label:
            text.append(f"{label:<{_LABEL_WIDTH}}", style="dim")
            text.append(value, style="bold" if value != fmt.EMPTY else "dim")
    return text


class StatsTab(DetailTab):
    """The Stats tab body; its ages are refreshed while it is on screen."""

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._summary: JobSummary | None = None
        self._job: Job | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats-scroll"):
            yield Static(id="stats-text", markup=False)

    def on_mount(self) -> None:
        # Ages ("3 min ago") drift slowly; a few seconds of staleness is invisible.
        self.set_interval(5.0, self._tick)
        super().on_mount()

    def set_job(self, summary: JobSummary | None, job: Job | None) -> None:
        """Take the job's latest state."""
        self.job_id = summary.job_id if summary is not None else ""
        self._summary, self._job = summary, job
        self.invalidate()

    def _tick(self) -> None:
        if self.on_screen:
            self.draw()

    def draw(self) -> None:
        text = stats_text(self._summary, self._job, self._clock.wall())
        self.query_one("#stats-text", Static).update(text)

    def deliverable(self) -> Deliverable | None:
        if self._summary is None:
            return None
        text = stats_text(self._summary, self._job, self._clock.wall()).plain
        return text_deliverable(self.job_id, text + "\n", "stats", "stats")

    def focus_main(self) -> None:
        self.query_one("#stats-scroll", VerticalScroll).focus()
