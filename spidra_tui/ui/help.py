"""The help screen: every key, grouped, built from the same table as the bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from spidra_tui.ui import keymap

INTRO = (
    "spidra-tui watches Spidra scrape jobs: the list on the left updates by itself, "
    "the pane on the right shows the selected job's result. Every command is also in "
    "the command palette (ctrl+p)."
)

# Keys of the detail pane itself, shown beside the main screen's.
DETAIL_KEYS: tuple[tuple[str, str, str, str], ...] = (
    (keymap.RESULTS, "1-5", "Detail tabs", "Content, Pages, Screenshots, Stats, Raw"),
    (keymap.RESULTS, "t", "JSON as a tree", "In the detail pane"),
)


def key_table() -> Table:
    """Every key and what it does, one section per group."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(style="dim")
    rows = [(c.group, c.shown, c.title, c.help) for c in keymap.KEYS]
    rows += list(keymap.EXTRA_HELP) + list(DETAIL_KEYS)
    for group in (keymap.MOVING, keymap.JOBS, keymap.RESULTS, keymap.APP):
        table.add_row("", "", "")
        table.add_row("", Text(group, style="bold underline"), "")
        for row_group, keys, title, help_text in rows:
            if row_group == group:
                table.add_row(Text(keys, style="bold"), Text(title), Text(help_text))
    return table


class HelpScreen(ModalScreen[None]):
    """Every key of the app; escape, q or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", show=True),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "escape closes"
            with VerticalScroll(id="help-scroll"):
                yield Static(Text(INTRO), id="help-intro")
                yield Static(key_table(), id="help-keys")

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        if direction == "down":
            scroll.scroll_down(animate=False)
        else:
            scroll.scroll_up(animate=False)
