"""The new-job dialog: a scrape (up to 3 URLs), a batch (up to 50) or a crawl (a start URL,
an instruction, at most so many pages and levels deep); then submit.

The fields of a scrape come first, so the kind is chosen last and a plain scrape needs no
extra key; a batch takes the same prompt, output and screenshot options, a crawl reads the
prompt as its instruction.
"""

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

from spidra_tui.api.batch_calls import MAX_BATCH_URLS, BatchRequest
from spidra_tui.api.client import ScrapeRequest, Submitted
from spidra_tui.api.crawl_calls import CrawlRequest
from spidra_tui.api.errors import SpidraError, describe
from spidra_tui.sanitize import line, web_url
from spidra_tui.ui.jobs.job_row import url_label

MAX_URLS = 3

Submit = Callable[[ScrapeRequest], Awaitable[Submitted]]
StartBatch = Callable[[BatchRequest, str | None], Awaitable[str]]
StartCrawl = Callable[[CrawlRequest, str | None], Awaitable[str]]
AnyRequest = ScrapeRequest | BatchRequest | CrawlRequest

# What the URL and prompt fields ask for, by kind.
_URL_LABELS = {
    "scrape": f"URLs, one per line (up to {MAX_URLS})",
    "batch": f"URLs, one per line (up to {MAX_BATCH_URLS})",
    "crawl": "Where the crawl starts: one URL",
}
_PROMPT_LABELS = {
    "scrape": "Prompt: what to extract (optional)",
    "batch": "Prompt: what to extract from each page (optional)",
    "crawl": "Instruction: which pages to crawl (optional)",
}
_MOST_URLS = {"scrape": MAX_URLS, "batch": MAX_BATCH_URLS, "crawl": 1}


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job the server accepted: its ID, a label for the list, the server's warnings."""

    job_id: str
    label: str
    warnings: tuple[str, ...] = ()


def read_count(text: str, what: str) -> tuple[int | None, str | None]:
    """A whole number from 1 to 10,000, or None when left empty; or why it is not one."""
    text = text.strip()
    if not text:
        return None, None
    if not text.isdigit() or not 1 <= int(text) <= 10_000:
        return None, f"{what} should be a whole number from 1 to 10000."
    return int(text), None


def read_urls(text: str, most: int = MAX_URLS) -> tuple[tuple[str, ...], str | None]:
    """The URLs typed, one a line, or the reason they cannot be sent."""
    urls = [entry.strip() for entry in text.splitlines() if entry.strip()]
    if not urls:
        return (), "Type at least one URL (one per line)."
    if len(urls) > most:
        if most == MAX_URLS:
            return (), (
                f"A job takes at most {MAX_URLS} URLs; there are {len(urls)}. "
                "Choose Batch below for up to 50."
            )
        return (), f"This takes at most {most} URL{'s' if most > 1 else ''}; there are {len(urls)}."
    for number, url in enumerate(urls, 1):
        if web_url(url) is None:
            return (), f"Line {number} is not an http(s) URL: {line(url, 80)}"
    return tuple(urls), None


class NoStarter(SpidraError):
    """The dialog was opened without a way to start that kind of job."""


class NewScrapeDialog(ModalScreen[NewJob | None]):
    """Builds a scrape request, submits it, and returns the new job (None: cancelled)."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        submit: Submit,
        start_batch: StartBatch | None = None,
        start_crawl: StartCrawl | None = None,
    ) -> None:
        super().__init__()
        self._submit = submit
        self._start_batch = start_batch
        self._start_crawl = start_crawl
        self._sending = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog new-scrape") as box:
            box.border_title = "New scrape, batch or crawl"
            box.border_subtitle = "ctrl+s submits · tab next field · escape cancels"
            yield Label(_URL_LABELS["scrape"], id="urls-label")
            yield TextArea(id="new-urls", soft_wrap=False)
            yield Label(_PROMPT_LABELS["scrape"], id="prompt-label")
            yield Input(
                placeholder="e.g. the title, price and rating of every book", id="new-prompt"
            )
            with Horizontal(classes="options"):
                yield Label("Output")
                with RadioSet(id="new-output", compact=True):
                    yield RadioButton("Markdown", value=True, id="output-markdown", compact=True)
                    yield RadioButton("JSON", id="output-json", compact=True)
                yield Checkbox("Screenshots", id="new-screenshot", compact=True)
            with Horizontal(classes="options"):
                yield Label("Kind")
                with RadioSet(id="new-kind", compact=True):
                    yield RadioButton("Scrape", value=True, id="kind-scrape", compact=True)
                    yield RadioButton("Batch", id="kind-batch", compact=True)
                    yield RadioButton("Crawl", id="kind-crawl", compact=True)
            with Horizontal(classes="options", id="crawl-options"):
                yield Label("Max pages")
                yield Input(placeholder="5", id="new-max-pages", compact=True, type="integer")
                yield Label("Max depth")
                yield Input(placeholder="any", id="new-max-depth", compact=True, type="integer")
            yield Static("", id="new-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Submit (ctrl+s)", id="submit", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#crawl-options").display = False
        self.query_one("#new-urls", TextArea).focus()

    @property
    def kind(self) -> str:
        """The kind of job the form starts: ``scrape``, ``batch`` or ``crawl``."""
        for kind in ("batch", "crawl"):
            if self.query_one(f"#kind-{kind}", RadioButton).value:
                return kind
        return "scrape"

    @on(RadioSet.Changed, "#new-kind")
    def _kind_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        kind = self.kind
        self.query_one("#urls-label", Label).update(_URL_LABELS[kind])
        self.query_one("#prompt-label", Label).update(_PROMPT_LABELS[kind])
        self.query_one("#crawl-options").display = kind == "crawl"
        for option in ("#output-markdown", "#output-json", "#new-screenshot"):
            self.query_one(option).disabled = kind == "crawl"

    def request(self) -> tuple[AnyRequest | None, str | None]:
        """The request the form describes, or why it cannot be sent."""
        kind = self.kind
        urls, problem = read_urls(self.query_one("#new-urls", TextArea).text, _MOST_URLS[kind])
        if problem is not None:
            return None, problem
        prompt = self.query_one("#new-prompt", Input).value.strip() or None
        json_output = self.query_one("#output-json", RadioButton).value
        screenshot = self.query_one("#new-screenshot", Checkbox).value
        output = "json" if json_output else "markdown"
        if kind == "crawl":
            pages, problem = read_count(self.query_one("#new-max-pages", Input).value, "Max pages")
            depth, problem_2 = read_count(
                self.query_one("#new-max-depth", Input).value, "Max depth"
            )
            if problem or problem_2:
                return None, problem or problem_2
            return CrawlRequest(
                urls[0], crawl_instruction=prompt, max_pages=pages, max_depth=depth
            ), None
        shots = True if screenshot else None
        if kind == "batch":
            return BatchRequest(urls, prompt=prompt, output=output, screenshot=shots), None
        return ScrapeRequest(urls=urls, prompt=prompt, output=output, screenshot=shots), None

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
    async def _send(self, request: AnyRequest) -> None:
        button = self.query_one("#submit", Button)
        button.disabled = True
        self._sending = True
        self._show_error("Submitting…", error=False)
        try:
            job = await self._start(request)
        except SpidraError as error:
            self._show_error(describe(error, after_submit=True))
            return
        finally:
            button.disabled = False
            self._sending = False
        self.dismiss(job)

    async def _start(self, request: AnyRequest) -> NewJob:
        if isinstance(request, ScrapeRequest):
            submitted = await self._submit(request)
            warnings = tuple(line(warning, 200) for warning in submitted.warnings)
            return NewJob(submitted.job_id, url_label(request.urls[0]), warnings)
        if isinstance(request, BatchRequest):
            if self._start_batch is None:
                raise NoStarter("batches cannot be started here")
            label = url_label(request.urls[0])
            if len(request.urls) > 1:
                label += f" and {len(request.urls) - 1} more"
            return NewJob(await self._start_batch(request, label), label)
        if self._start_crawl is None:
            raise NoStarter("crawls cannot be started here")
        label = url_label(request.base_url)
        return NewJob(await self._start_crawl(request, label), label)

    def _show_error(self, message: str, *, error: bool = True) -> None:
        box = self.query_one("#new-error", Static)
        box.set_class(error, "error")
        box.update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)
