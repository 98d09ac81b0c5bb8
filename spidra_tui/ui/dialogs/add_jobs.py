"""The add dialog: paste job IDs, see at once which are good and why others are not."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from spidra_tui.job_ids import ParsedIds, parse_job_ids

MAX_REASONS_SHOWN = 6


def describe(parsed: ParsedIds) -> Text:
    """What adding would do, with every refused entry and its reason."""
    if parsed.empty:
        return Text("Paste job IDs: separated by spaces, commas or new lines.", style="dim")
    count = len(parsed.ids)
    text = Text()
    text.append(f"{count} job ID{'' if count == 1 else 's'} to add", style="bold green")
    if parsed.refused:
        text.append(f" · {len(parsed.refused)} refused", style="bold red")
    for refused in parsed.refused[:MAX_REASONS_SHOWN]:
        text.append("\n✗ ", style="red")
        text.append(refused.shown, style="bold")
        text.append(f": {refused.reason}")
    hidden = len(parsed.refused) - MAX_REASONS_SHOWN
    if hidden > 0:
        text.append(f"\n… and {hidden} more refused", style="dim")
    return text


class AddJobsDialog(ModalScreen[ParsedIds | None]):
    """Returns the parsed paste (good IDs and refused entries), or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "add", "Add", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog add") as box:
            box.border_title = "Add job IDs"
            box.border_subtitle = "ctrl+s adds · escape cancels"
            yield TextArea(id="add-ids", soft_wrap=True, show_line_numbers=False)
            yield Static(describe(parse_job_ids("")), id="add-preview")
            with Horizontal(classes="buttons"):
                yield Button("Add (ctrl+s)", id="add", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#add-ids", TextArea).focus()

    @property
    def parsed(self) -> ParsedIds:
        return parse_job_ids(self.query_one("#add-ids", TextArea).text)

    @on(TextArea.Changed, "#add-ids")
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.query_one("#add-preview", Static).update(describe(self.parsed))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add":
            self.action_add()
        else:
            self.action_cancel()

    def action_add(self) -> None:
        parsed = self.parsed
        if not parsed.ids:
            preview = describe(parsed)
            preview.append("\nNothing to add yet.", style="bold")
            self.query_one("#add-preview", Static).update(preview)
            return
        self.dismiss(parsed)

    def action_cancel(self) -> None:
        self.dismiss(None)
