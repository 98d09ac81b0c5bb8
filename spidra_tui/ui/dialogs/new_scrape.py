"""The new-scrape dialog: URLs, a prompt, the output format, screenshots; then submit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static, TextArea

from spidra_tui.api.client import ScrapeRequest, Submitted
from spidra_tui.api.errors import SpidraError, describe
from spidra_tui.sanitize import line, web_url
from spidra_tui.ui.jobs.job_row import url_label

MAX_URLS = 3

Submit = Callable[[ScrapeRequest], Awaitable[Submitted]]


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job the server accepted: its ID, a label for the list, the server's warnings."""

    job_id: str
    label: str
    warnings: tuple[str, ...] = ()


def read_urls(text: str) -> tuple[tuple[str, ...], str | None]:
    """The URLs typed, one a line, or the reason they cannot be sent."""
    urls = [entry.strip() for entry in text.splitlines() if entry.strip()]
    if not urls:
        return (), "Type at least one URL (one per line)."
    if len(urls) > MAX_URLS:
        return (), f"A job takes at most {MAX_URLS} URLs; there are {len(urls)}."
    for number, url in enumerate(urls, 1):
        if web_url(url) is None:
            return (), f"Line {number} is not an http(s) URL: {line(url, 80)}"
    return tuple(urls), None


class NewScrapeDialog(ModalScreen[NewJob | None]):
    """Builds a scrape request, submits it, and returns the new job (None: cancelled)."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, submit: Submit) -> None:
        super().__init__()
        self._submit = submit
        self._sending = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog new-scrape") as box:
            box.border_title = "New scrape"
            box.border_subtitle = "ctrl+s submits · tab next field · escape cancels"
            yield Label(f"URLs, one per line (up to {MAX_URLS})")
            yield TextArea(id="new-urls", soft_wrap=False)
            yield Label("Prompt: what to extract (optional)")
            yield Input(
                placeholder="e.g. the title, price and rating of every book", id="new-prompt"
            )
            with Horizontal(classes="options"):
                yield Label("Output")
                with RadioSet(id="new-output", compact=True):
                    yield RadioButton("Markdown", value=True, id="output-markdown", compact=True)
                    yield RadioButton("JSON", id="output-json", compact=True)
                yield Checkbox("Screenshots", id="new-screenshot", compact=True)
            yield Static("", id="new-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Submit (ctrl+s)", id="submit", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#new-urls", TextArea).focus()

    def request(self) -> tuple[ScrapeRequest | None, str | None]:
        """The request the form describes, or why it cannot be sent."""
        urls, problem = read_urls(self.query_one("#new-urls", TextArea).text)
        if problem is not None:
            return None, problem
        prompt = self.query_one("#new-prompt", Input).value.strip() or None
        json_output = self.query_one("#output-json", RadioButton).value
        screenshot = self.query_one("#new-screenshot", Checkbox).value
        return (
            ScrapeRequest(
                urls=urls,
                prompt=prompt,
                output="json" if json_output else "markdown",
                screenshot=True if screenshot else None,
            ),
            None,
        )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        if self._sending:
            return  # a second submit would create a second job
        request, problem = self.request()
        if request is None:
            self._show_error(problem or "")
            return
        self._send(request)

    @work(exclusive=True, group="submit")
    async def _send(self, request: ScrapeRequest) -> None:
        button = self.query_one("#submit", Button)
        button.disabled = True
        self._sending = True
        self._show_error("Submitting…", error=False)
        try:
            submitted = await self._submit(request)
        except SpidraError as error:
            self._show_error(describe(error, after_submit=True))
            return
        finally:
            button.disabled = False
            self._sending = False
        warnings = tuple(line(warning, 200) for warning in submitted.warnings)
        self.dismiss(NewJob(submitted.job_id, url_label(request.urls[0]), warnings))

    def _show_error(self, message: str, *, error: bool = True) -> None:
        box = self.query_one("#new-error", Static)
        box.set_class(error, "error")
        box.update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)
