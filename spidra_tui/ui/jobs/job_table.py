"""The table under the job list: its columns, how wide each is, and its movement keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, DuplicateKey, Row, RowKey

from spidra_tui.ui.jobs import job_row

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

    def add_rows_at_once(self, rows: Iterable[tuple[str, Sequence[Text]]]) -> None:
        """Add one-line rows ``(key, cells)`` at the bottom, as ``add_row`` would each.

        ``add_row`` re-checks the cursor and asks for a refresh for every row, a
        third of the time of filling the table with 1,000 jobs (pinned Textual
        8.2.8); here that is done once for the lot.
        """
        columns = [column.key for column in self.ordered_columns]
        before = self.row_count
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = dict(zip(columns, cells, strict=False))
            self.rows[row_key] = Row(row_key, 1)
            self._new_rows.add(row_key)
        if self.row_count == before:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if before == 0 and columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # a cursor can show now: announce the row under it
        self._update_count += 1
        self.check_idle()

    def update_rows(self, changes: Mapping[str, Mapping[str, Text]]) -> None:
        """Set cells, ``{row key: {column key: cell}}``; only those cells are drawn again.

        ``update_cell`` bumps the count that every render cache of the table is keyed
        on, so each call draws every visible cell again: about 40 ms at 160x50, several
        times a second while a thousand jobs are polled (pinned Textual 8.2.8). Here
        only the changed cells' cached renders are dropped, and only the rows on
        screen are refreshed. Rows not in the table are skipped.
        """
        cells: set[tuple[RowKey, ColumnKey]] = set()
        for key, values in changes.items():
            row_key = RowKey(key)
            data = self._data.get(row_key)
            if data is None:
                continue
            for column, value in values.items():
                column_key = ColumnKey(column)
                if column_key not in self._column_locations:
                    raise CellDoesNotExist(f"No column {column!r}.")
                data[column_key] = value
                cells.add((row_key, column_key))
        if not cells:
            return
        rows = {row_key for row_key, _ in cells}
        indexes = {self._row_locations.get(row_key) for row_key in rows}
        header = self.header_height if self.show_header else 0
        lines = {index + header for index in indexes}  # every row is one line high
        _forget(self._cell_render_cache, lambda key: (key[0], key[1]) in cells)
        _forget(self._row_render_cache, lambda key: key[0] in rows)
        _forget(self._row_renderable_cache, lambda key: key[1] in indexes)
        _forget(self._line_cache, lambda key: key[0] in lines)
        top = int(self.scroll_y)
        on_screen = range(top, top + self.size.height)
        for index in indexes:
            if index in on_screen:
                self.refresh_row(index)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Every column has a fixed width and every row is one line high, so
        # the stock pass that measures each cell of every new row (a third of
        # a second per thousand jobs, pinned Textual 8.2.8) would change nothing.
        super()._update_dimensions(())


def _forget(cache: Any, stale: Callable[[Any], bool]) -> None:
    """Drop the entries of one of DataTable's render caches whose key is ``stale``."""
    for key in [key for key in cache.keys() if stale(key)]:
        cache.discard(key)
