"""The Account view: batches, crawls, the scrape history and the usage, on its own screen.

Each list loads when its tab is first shown and again on ``r``; ``<`` and ``>`` page.
Every request goes through the AccountWatcher (the watch layer's budget); the view says
how fresh each list is. A history row opens in the same detail pane as a job, its
``result_data`` rendered like a result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane

from spidra_tui.api.account import LogFilters, ScrapeLog, ScrapeLogPage
from spidra_tui.api.errors import SpidraError, describe
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.ui import toasts
from spidra_tui.ui.account.filters import HINT, parse_filter
from spidra_tui.ui.account.log_detail import log_as_job
from spidra_tui.ui.account.render import (
    batch_cells,
    crawl_cells,
    credits_text,
    fresh_text,
    log_cells,
    usage_chart,
)
from spidra_tui.ui.account.watching import ViewLink
from spidra_tui.ui.detail.pane import JobDetail
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.watch.account import AccountState, Fetched

TABS = ("batches", "crawls", "history", "usage")
LIST_LIMIT = 20
LOG_LIMIT = 50
_COLUMNS = {
    "batches": ("Status", "Done", "Failed", "Created", "Batch ID"),
    "crawls": ("Status", "Pages", "Credits", "Created", "Base URL", "Crawl ID"),
    "history": ("Started", "Status", "Credits", "URL", "Prompt"),
}


class AccountScreen(Screen[None]):
    """The account at a glance; see the module docstring."""

    DEFAULT_CSS = Path(__file__).with_name("account.tcss").read_text(encoding="utf-8")

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "reload", "Refresh"),
        Binding("w", "watch", "Watch it"),
        Binding("greater_than_sign", "page(1)", "Next page", key_display=">"),
        Binding("less_than_sign", "page(-1)", "Prev page", key_display="<"),
        Binding("u", "usage_range", "7d/30d"),
        Binding("F", "app.toggle_follow", "Follow"),
        Binding("slash", "filter", "Filter", show=False),
        Binding("c", "copy", "Copy", show=False),
        Binding("s", "save", "Save", show=False),
        *(
            Binding(str(n), f"tab('{tab}')", tab.title(), show=False)
            for n, tab in enumerate(TABS, 1)
        ),
    ]

    def __init__(self, link: ViewLink, *, clock: Clock | None = None) -> None:
        super().__init__(id="account")
        self._link = link
        self._clock: Clock = clock or SystemClock()
        self._pages = {"batches": 1, "crawls": 1}
        self._filters = LogFilters(limit=LOG_LIMIT)
        self._rows: dict[str, list[Any]] = {"batches": [], "crawls": [], "history": []}
        self._usage_range = "7d"
        self._filter_error: str | None = None
        self._loaded: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static(id="account-header", markup=False)
        with TabbedContent(id="account-tabs", initial="batches"):
            for tab in ("batches", "crawls"):
                with TabPane(tab.title(), id=tab):
                    yield Static(id=f"{tab}-fresh", markup=False, classes="fresh")
                    yield DataTable(id=f"{tab}-table", cursor_type="row", zebra_stripes=True)
            with TabPane("History", id="history"):
                yield Input(placeholder=HINT, id="history-filter")
                yield Static(id="history-fresh", markup=False, classes="fresh")
                with Horizontal(id="history-body"):
                    yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
                    yield JobDetail(clock=self._clock, id="log-detail")
            with TabPane("Usage", id="usage"):
                with VerticalScroll():
                    yield Static(id="usage-fresh", markup=False, classes="fresh")
                    yield Static(id="usage-chart", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        for tab, columns in _COLUMNS.items():
            self._table(tab).add_columns(*columns)
        self.set_interval(5.0, self._redraw_freshness)
        self.show_state()
        self._load("batches")
        self._table("batches").focus()

    # -- what the app calls -------------------------------------------------------------

    def show_state(self, state: AccountState | None = None) -> None:
        """Redraw from the AccountWatcher's state (the app calls this on every change)."""
        watcher = self._link.watcher
        state = state or (watcher.state if watcher is not None else AccountState())
        header = Text(" Account ", style="bold reverse")
        header.append("  ")
        header.append_text(credits_text(state.account))
        header.append("  ·  ")
        if state.follow:
            header.append("following: new batches and crawls are announced", style="cyan")
        else:
            header.append("not following (F)", style="dim")
        header.append(f"  ·  {state.requests} requests", style="dim")
        self.query_one("#account-header", Static).update(header)
        self._fill("batches", state.batches, batch_cells)
        self._fill("crawls", state.crawls, crawl_cells)
        self._fill("history", state.logs, log_cells)
        usage = state.usage.get(self._usage_range, Fetched())
        chart = self.query_one("#usage-chart", Static)
        if usage.value is not None:
            chart.update(usage_chart(usage.value, max(40, self.size.width - 4)))
        else:
            chart.update(Text(""))
        self._redraw_freshness(state)

    @property
    def active_tab(self) -> str:
        """The tab shown: ``batches``, ``crawls``, ``history`` or ``usage``."""
        return self.query_one(TabbedContent).active or "batches"

    @property
    def detail(self) -> JobDetail:
        """The detail pane of the history."""
        return self.query_one("#log-detail", JobDetail)

    def rows(self, tab: str) -> list[Any]:
        """The records the table of ``tab`` shows now."""
        return list(self._rows[tab])

    # -- drawing --------------------------------------------------------------------------

    def _table(self, tab: str) -> DataTable[Any]:
        return self.query_one(f"#{tab}-table", DataTable)

    def _fill(self, tab: str, fetched: Fetched, cells: Any) -> None:
        page = fetched.value
        rows = list(page.logs if isinstance(page, ScrapeLogPage) else page.rows) if page else []
        if rows == self._rows[tab] and self._table(tab).row_count == len(rows):
            return
        self._rows[tab] = rows
        table = self._table(tab)
        cursor = table.cursor_row
        table.clear()
        # Index keys: a server that repeats an ID must not crash the table.
        table.add_rows([cells(row) for row in rows])
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def _redraw_freshness(self, state: AccountState | None = None) -> None:
        watcher = self._link.watcher
        state = state or (watcher.state if watcher is not None else AccountState())
        now = self._clock.wall()
        parts = {
            "batches": (state.batches, f"Batches, page {self._pages['batches']}"),
            "crawls": (state.crawls, f"Crawls, page {self._pages['crawls']}"),
            "history": (state.logs, f"History, page {self._filters.page}"),
            "usage": (state.usage.get(self._usage_range, Fetched()), f"Usage, {self._usage_range}"),
        }
        for tab, (fetched, what) in parts.items():
            text = fresh_text(fetched, now, what)
            page = fetched.value
            if page is not None and getattr(page, "skipped", 0):
                text.append(f"  ·  {page.skipped} rows could not be read", style="yellow")
            if tab == "history" and isinstance(page, ScrapeLogPage) and page.total is not None:
                text.append(f"  ·  {page.total} in all", style="dim")
            if tab == "history" and self._filter_error:
                text = Text(self._filter_error, style="red")
            self.query_one(f"#{tab}-fresh", Static).update(text)

    # -- loading --------------------------------------------------------------------------

    def _load(self, tab: str) -> None:
        watcher = self._link.watcher
        if watcher is None:
            return
        self._loaded.add(tab)
        if tab == "batches":
            call = watcher.load_batches(self._pages["batches"], LIST_LIMIT)
        elif tab == "crawls":
            call = watcher.load_crawls(self._pages["crawls"], LIST_LIMIT)
        elif tab == "history":
            call = watcher.load_logs(self._filters)
        else:
            call = watcher.load_usage(self._usage_range)
        self.run_worker(call, group=f"load-{tab}", exclusive=True)

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ""
        if tab in TABS and tab not in self._loaded:
            self._load(tab)

    # -- the history's rows ---------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#history-table")
    def _log_highlighted(self, event: DataTable.RowHighlighted) -> None:
        rows = self._rows["history"]
        if 0 <= event.cursor_row < len(rows):
            self.detail.show(*log_as_job(rows[event.cursor_row], now=self._clock.wall()))

    @on(DataTable.RowSelected, "#history-table")
    def _log_selected(self, event: DataTable.RowSelected) -> None:
        rows = self._rows["history"]
        watcher = self._link.watcher
        if watcher is None or not 0 <= event.cursor_row < len(rows):
            return
        self.run_worker(self._open_log(rows[event.cursor_row]), group="log", exclusive=True)

    async def _open_log(self, row: ScrapeLog) -> None:
        watcher = self._link.watcher
        assert watcher is not None
        try:
            log = await watcher.load_log(row.uuid)
        except SpidraError as exc:
            toasts.show(self.app, toasts.Toast(toasts.text(describe(exc)), severity="error"))
            return
        rows = self._rows["history"]
        table = self._table("history")
        if 0 <= table.cursor_row < len(rows) and rows[table.cursor_row].uuid == row.uuid:
            self.detail.show(*log_as_job(log, now=self._clock.wall()))
            for body in self.detail.query(DetailTab):
                if body.on_screen:
                    body.focus_main()
                    break

    @on(Input.Submitted, "#history-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        parsed = parse_filter(event.value, limit=LOG_LIMIT)
        if isinstance(parsed, str):
            self._filter_error = parsed
            self._redraw_freshness()
            return
        self._filter_error = None
        self._filters = parsed
        self._load("history")
        self._table("history").focus()

    # -- actions --------------------------------------------------------------------------

    def action_back(self) -> None:
        focused = self.focused
        if focused is not None and (focused is self.detail or self.detail in focused.ancestors):
            self._table("history").focus()
        elif isinstance(focused, Input):
            self._table("history").focus()
        else:
            self.app.pop_screen()

    def action_reload(self) -> None:
        self._load(self.active_tab)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab in _COLUMNS:
            self._table(tab).focus()

    def action_page(self, step: int) -> None:
        tab = self.active_tab
        fetched = self._fetched(tab)
        page = fetched.value if fetched is not None else None
        if tab in self._pages:
            wanted = self._pages[tab] + step
            if wanted < 1 or (step > 0 and page is not None and not page.has_more):
                return
            self._pages[tab] = wanted
        elif tab == "history":
            wanted = self._filters.page + step
            if wanted < 1 or (step > 0 and page is not None and not page.has_more):
                return
            self._filters = LogFilters(**{**_fields(self._filters), "page": wanted})
        else:
            return
        self._load(tab)

    def _fetched(self, tab: str) -> Fetched | None:
        watcher = self._link.watcher
        if watcher is None:
            return None
        state = watcher.state
        return {"batches": state.batches, "crawls": state.crawls, "history": state.logs}.get(tab)

    def action_usage_range(self) -> None:
        self._usage_range = "30d" if self._usage_range == "7d" else "7d"
        self.action_tab("usage")
        self._load("usage")
        self.show_state()

    def action_watch(self) -> None:
        tab = self.active_tab
        if tab not in ("batches", "crawls"):
            toasts.show(
                self.app,
                toasts.Toast(toasts.text("Pick a batch or a crawl (tabs 1 and 2)."), timeout=4),
            )
            return
        rows = self._rows[tab]
        cursor = self._table(tab).cursor_row
        if 0 <= cursor < len(rows):
            row = rows[cursor]
            kind = "batch" if tab == "batches" else "crawl"
            self._link.watch(kind, row.uuid if kind == "batch" else row.id)

    def action_filter(self) -> None:
        self.action_tab("history")
        self.query_one("#history-filter", Input).focus()

    def action_copy(self) -> None:
        self.app.deliveries.copy_content(self.detail)  # type: ignore[attr-defined]

    def action_save(self) -> None:
        self.app.deliveries.save_content(self.detail)  # type: ignore[attr-defined]


def _fields(filters: LogFilters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in LogFilters.__slots__}
