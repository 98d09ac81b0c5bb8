"""The job list: one row per watched job, newest first, updated in place.

Rows change in place (``JobTable.update_rows``, which draws again only the
changed cells), so the cursor and the scroll position stay where the user left
them while other jobs progress. The
table is rebuilt only when its set of rows or their order changes: a job
added, the filter edited, the pane resized.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, Input
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from spidra_tui.sanitize import line
from spidra_tui.ui.jobs import job_row
from spidra_tui.ui.jobs.job_table import COLUMNS, HEADERS, ColumnWidths, JobTable
from spidra_tui.watch.state import JobSummary, RetryState

AGE_REFRESH_SECONDS = 5.0


class JobList(Vertical):
    """Every watched job with its status, progress and message; ``/`` filters it."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another job (``None``: the list is empty)."""

        job_id: str | None

        def can_replace(self, message: Message) -> bool:
            # Holding j down: only where the cursor ends up matters.
            return isinstance(message, JobList.Highlighted)

    @dataclass
    class Opened(Message):
        """Enter was pressed on a job."""

        job_id: str

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._summaries: dict[str, JobSummary] = {}
        self._order: list[str] = []  # every job, newest first
        self._shown: list[str] = []  # the rows in the table, in order
        self._retries: dict[str, RetryState] = {}
        self._search: dict[str, str] = {}
        self._filter = ""
        self._widths = ColumnWidths.for_width(80)
        self._highlighted: str | None = None
        self._titles: tuple[Text, Text] | None = None  # the border title and subtitle shown
        self._title_shown: str | None = None  # the border title as this list last set it

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: ID, URL, title or message; escape clears", id="filter")
        table = JobTable(id="jobs", cursor_type="row", zebra_stripes=False)
        table.cursor_foreground_priority = "renderable"
        yield table

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self._rebuild()
        self.set_interval(AGE_REFRESH_SECONDS, self._refresh_ages)

    @property
    def table(self) -> JobTable:
        """The table of rows (read its cells in tests; move with the methods below)."""
        return self.query_one(JobTable)

    # -- moving ----------------------------------------------------------

    def focus_rows(self) -> None:
        """Put the keyboard focus on the rows."""
        self.table.focus()

    def cursor_down(self) -> None:
        """The next job."""
        self.table.action_cursor_down()

    def cursor_up(self) -> None:
        """The previous job."""
        self.table.action_cursor_up()

    def cursor_first(self) -> None:
        """The first job."""
        self.table.action_scroll_top()

    def cursor_last(self) -> None:
        """The last job."""
        self.table.action_scroll_bottom()

    # -- reading ---------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        """The job under the cursor, or None when the list shows no row."""
        table = self.table
        if not self._shown or table.cursor_row < 0:
            return None
        index = min(table.cursor_row, len(self._shown) - 1)
        return self._shown[index]

    def summary(self, job_id: str) -> JobSummary | None:
        """The latest summary of ``job_id``."""
        return self._summaries.get(job_id)

    def retry_state(self, job_id: str) -> RetryState | None:
        """Why the last poll of ``job_id`` is being retried, if it is."""
        return self._retries.get(job_id)

    @property
    def job_ids(self) -> list[str]:
        """Every job in the list, newest first, filtered or not."""
        return list(self._order)

    @property
    def shown_ids(self) -> list[str]:
        """The jobs shown, in order."""
        return list(self._shown)

    def counts(self) -> Counter[str]:
        """How many jobs have each status (a job being retried counts as retrying)."""
        counts: Counter[str] = Counter()
        for job_id, summary in self._summaries.items():
            retrying = job_id in self._retries and not summary.terminal
            counts[job_row.RETRYING if retrying else summary.status] += 1
        return counts

    # -- changing --------------------------------------------------------

    def set_jobs(self, summaries: Iterable[JobSummary]) -> None:
        """Show exactly these jobs (the store's list, newest first)."""
        self._summaries = {summary.job_id: summary for summary in summaries}
        self._search = {}  # filled as the filter needs it
        self._order = list(self._summaries)
        self._retries = {k: v for k, v in self._retries.items() if k in self._summaries}
        self._rebuild()

    def apply(
        self,
        summaries: Iterable[JobSummary],
        retries: Mapping[str, RetryState | None] | None = None,
    ) -> None:
        """Bring rows up to date; unknown jobs are added at their place by age."""
        retries = retries or {}
        for job_id, retry in retries.items():
            if retry is None:
                self._retries.pop(job_id, None)
            else:
                self._retries[job_id] = retry
        added = False
        membership_changed = False
        changed: list[str] = []
        for summary in summaries:
            job_id = summary.job_id
            known = job_id in self._summaries
            was_shown = known and self._matches(job_id)
            self._summaries[job_id] = summary
            self._search.pop(job_id, None)
            if not known:
                added = True
            elif was_shown != self._matches(job_id):
                membership_changed = True
            changed.append(job_id)
        for job_id in retries:
            if job_id in self._summaries and job_id not in changed:
                changed.append(job_id)
        if added:
            self._order = _newest_first(self._summaries.values())
        if added or membership_changed:
            self._rebuild()
        else:
            self._update_rows(changed)
        self._update_title()

    def remove(self, job_ids: Iterable[str]) -> None:
        """Drop jobs from the list, keeping the cursor near where it was."""
        table = self.table
        for job_id in job_ids:
            if self._summaries.pop(job_id, None) is None:
                continue
            self._search.pop(job_id, None)
            self._retries.pop(job_id, None)
            self._order.remove(job_id)
            if job_id in self._shown:
                self._shown.remove(job_id)
                try:
                    table.remove_row(job_id)
                except RowDoesNotExist:
                    pass
        self._update_title()
        self._announce()

    def select(self, job_id: str) -> bool:
        """Put the cursor on ``job_id`` if it is shown."""
        if job_id not in self._shown:
            return False
        self.table.move_cursor(row=self._shown.index(job_id), animate=False)
        self._announce()
        return True

    # -- filter ----------------------------------------------------------

    def open_filter(self) -> None:
        """Show the filter box and focus it."""
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def clear_filter(self) -> bool:
        """Hide the filter box and show every job; False when there was nothing to clear."""
        box = self.query_one("#filter", Input)
        had = bool(self._filter) or box.display
        box.display = False
        if box.value:
            box.value = ""  # Input.Changed clears the filter itself
        else:
            self._set_filter("")
        self.table.focus()
        return had

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            event.input.display = False
        self.table.focus()

    def _set_filter(self, text: str) -> None:
        text = " ".join(text.split()).casefold()
        if text == self._filter:
            return
        self._filter = text
        self._rebuild()

    def _matches(self, job_id: str) -> bool:
        if not self._filter:
            return True
        haystack = self._search.get(job_id)
        if haystack is None:
            # Built on first use: a start with no filter need not build a thousand.
            summary = self._summaries.get(job_id)
            haystack = job_row.search_text(summary) if summary is not None else ""
            self._search[job_id] = haystack
        return all(word in haystack for word in self._filter.split(" "))

    # -- table plumbing --------------------------------------------------

    def _rebuild(self) -> None:
        """Fill the table from scratch, keeping the selected job and its screen row."""
        table = self.table
        keep = self.selected_id
        screen_row = table.cursor_row - int(table.scroll_y) if keep else 0
        now = self._clock()
        if self.content_size.width:
            # Sized already: build with the final widths, not once more on Resize.
            self._widths = ColumnWidths.for_width(self.content_size.width)
        widths = self._widths
        self._shown = [job_id for job_id in self._order if self._matches(job_id)]
        table.clear(columns=True)
        for key, header, width in zip(COLUMNS, HEADERS, widths.as_tuple(), strict=True):
            title = header if width >= len(header) else header[:width]
            table.add_column(title, width=width, key=key)
        table.add_rows_at_once((job_id, self._cells(job_id, now)) for job_id in self._shown)
        if keep in self._shown:
            row = self._shown.index(keep)
            table.move_cursor(row=row, animate=False, scroll=False)
            table.scroll_to(y=max(0, row - screen_row), animate=False, immediate=True)
        self._update_title()
        self._announce()

    def _cells(self, job_id: str, now: float) -> tuple[Text, ...]:
        widths = self._widths
        summary = self._summaries[job_id]
        cells = list(job_row.row_cells(summary, self._retries.get(job_id), now, bar=widths.bar))
        if widths.status < 5:
            cells[0] = Text(cells[0].plain[:1], style=cells[0].style)
        for cell in cells:
            cell.no_wrap = True
            cell.overflow = "ellipsis"
        return tuple(cells)

    def _update_rows(self, job_ids: Iterable[str]) -> None:
        table = self.table
        now = self._clock()
        changes: dict[str, dict[str, Text]] = {}
        for job_id in job_ids:
            if job_id not in self._summaries or not self._matches(job_id):
                continue
            try:
                old = table.get_row(job_id)
            except RowDoesNotExist:
                continue
            changed = {
                column: cell
                for column, cell, before in zip(COLUMNS, self._cells(job_id, now), old, strict=True)
                if not _same(cell, before)
            }
            if changed:
                changes[job_id] = changed
        table.update_rows(changes)

    def _refresh_ages(self) -> None:
        table = self.table
        now = self._clock()
        changes: dict[str, dict[str, Text]] = {}
        for job_id in self._shown:
            summary = self._summaries[job_id]
            if summary.terminal:
                continue
            cell = job_row.age_text(summary, now)
            try:
                before = table.get_cell(job_id, "age")
            except CellDoesNotExist:
                continue
            if not _same(cell, before):
                changes[job_id] = {"age": cell}
        table.update_rows(changes)

    def _update_title(self) -> None:
        counts = self.counts()
        title = Text(f"Jobs {len(self._summaries)}")
        for status in job_row.COUNT_ORDER:
            if not counts.get(status):
                continue
            look = job_row.look_for(status)
            title.append(" · ")
            word = "" if status in ("completed", "failed") else f" {look.word}"
            title.append(f"{look.glyph} {counts[status]}{word}", style=look.style)
        for status, count in counts.items():
            if status not in job_row.COUNT_ORDER:
                title.append(f" · {job_row.look_for(status).word} {count}")
        subtitle = Text()
        if self._filter:
            shown = line(self._filter, 40)
            subtitle = Text(f"filter “{shown}”: {len(self._shown)} of {len(self._summaries)}")
        # Setting a border title repaints the whole pane (and its scrollbar), even
        # with the same text: most updates change no count, so skip those (unless
        # the title was set from outside meanwhile).
        if (title, subtitle) != self._titles or self.border_title != self._title_shown:
            self._titles = (title, subtitle)
            self.border_title = title
            self.border_subtitle = subtitle if subtitle else ""
            self._title_shown = self.border_title

    def _announce(self) -> None:
        current = self.selected_id
        if current != self._highlighted:
            self._highlighted = current
            self.post_message(self.Highlighted(current))

    # -- events ----------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        job_id = self.selected_id
        if job_id is not None:
            self.post_message(self.Opened(job_id))

    def on_resize(self, event: Resize) -> None:
        # The border is not room for columns.
        widths = ColumnWidths.for_width(self.content_size.width)
        if widths != self._widths:
            self._widths = widths
            self._rebuild()


def _same(new: Text, old: object) -> bool:
    # Text equality ignores the base style, and a finished job's cells often
    # change only their colour.
    return isinstance(old, Text) and new == old and new.style == old.style


def _newest_first(summaries: Iterable[JobSummary]) -> list[str]:
    ordered = sorted(summaries, key=lambda s: s.job_id)
    ordered.sort(key=lambda s: s.added_at, reverse=True)
    return [s.job_id for s in ordered]
