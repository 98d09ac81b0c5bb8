"""The table under the job list: its columns, how wide each is, and its movement keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from spidra_tui.ui import job_row

WIDE_STATUS = 100  # below this pane width the status shows as its glyph only
SHORT_BAR = 70  # below this pane width the progress bar is half as long


@dataclass(frozen=True, slots=True)
class ColumnWidths:
    """Widths of the six columns for a given pane width."""

    status: int
    job: int
    label: int
    progress: int
    message: int
    age: int

    @classmethod
    def for_width(cls, width: int) -> ColumnWidths:
        # A narrow pane gives the label room first: the status shrinks to its
        # glyph (the title's counts say what each glyph means), then the bar.
        status = 11 if width >= WIDE_STATUS else 1
        bar = job_row.BAR_WIDTH if width >= SHORT_BAR else job_row.BAR_WIDTH // 2
        job, progress, age = job_row.SHORT_ID, bar + 5, 4
        # Each column has one cell of padding on both sides; 1 more for the scrollbar.
        spare = max(0, width - (status + job + progress + age) - 12 - 1)
        label = max(10, spare // 2)
        return cls(status, job, label, progress, max(8, spare - label), age)

    @property
    def bar(self) -> int:
        return self.progress - 5

    def as_tuple(self) -> tuple[int, ...]:
        return (self.status, self.job, self.label, self.progress, self.message, self.age)


COLUMNS = ("status", "job", "label", "progress", "message", "age")
HEADERS = ("Status", "Job", "Page", "Progress", "Message", "Time")


class JobTable(DataTable[Text]):
    """The DataTable behind the job list, with vi-style movement keys."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "First job", show=False),
        Binding("G", "scroll_bottom", "Last job", show=False),
    ]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Every column has a fixed width and every row is one line high, so
        # the stock pass that measures each cell of every new row (a third of
        # a second per thousand jobs, pinned Textual 8.2.8) would change nothing.
        super()._update_dimensions(())
