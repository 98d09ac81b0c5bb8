"""The Screenshots tab: every screenshot of a result, selectable, and the selected one
shown as a picture.

URLs are shown as sanitized text, never as live links; one that is not http(s) is marked
as refused, since the app would not open or fetch it. The picture is fetched (from the
cache in the state folder when there) and decoded off the event loop; a download or an
image that fails shows why in words instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from spidra_tui.api.models import Result
from spidra_tui.deliver.download import DownloadError
from spidra_tui.sanitize import line, web_url
from spidra_tui.ui.detail.deliverable import Deliverable, screenshots_deliverable
from spidra_tui.ui.detail.preview import ScreenshotPreview
from spidra_tui.ui.detail.tab import DetailTab

if TYPE_CHECKING:
    from textual.timer import Timer

    from spidra_tui.deliver.screenshots import ScreenshotFetcher

REST_SECONDS = 0.15
"""How long the selection rests on a screenshot before it is fetched and decoded."""


@dataclass(frozen=True)
class Screenshot:
    """One screenshot URL and where it came from."""

    url: str  # sanitized, one line: what is shown, copied and offered for opening
    pages: tuple[int, ...]  # 1-based numbers of the pages that name it
    listed: bool  # named in result.screenshots
    safe: bool  # an http(s) URL the app may open


def screenshots_of(result: Result | None) -> list[Screenshot]:
    """Every screenshot of ``result`` in the order ``Result.all_screenshots`` gives."""
    if result is None:
        return []
    listed = set(result.screenshots)
    shots = []
    for raw in result.all_screenshots:
        pages = tuple(
            number for number, page in enumerate(result.pages, 1) if page.screenshot_url == raw
        )
        url = line(raw)
        shots.append(Screenshot(url, pages, raw in listed, web_url(url) is not None))
    return shots


def _source(shot: Screenshot) -> str:
    if shot.pages:
        numbers = ", ".join(str(n) for n in shot.pages)
        return f"page {numbers}" if len(shot.pages) == 1 else f"pages {numbers}"
    return "result"


def _prompt(number: int, shot: Screenshot) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{number:>2} ", style="dim")
    text.append(f"{_source(shot):<8} ", style="bold")
    if shot.safe:
        text.append(shot.url)
    else:
        text.append("refused ", style="bold red")
        text.append(shot.url, style="strike dim")
    return text


class ScreenshotsTab(DetailTab):
    """The Screenshots tab body. ``space`` and ``b`` page the picture down and up."""

    BINDINGS = [
        Binding("space", "page_picture(1)", "Picture down", show=False),
        Binding("b", "page_picture(-1)", "Picture up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._result: Result | None = None
        self._shots: list[Screenshot] = []
        self._index: int | None = None
        self._drawn: tuple[str, Result | None] | None = None
        self._fetcher: ScreenshotFetcher | None = None
        self._previewed: str | None = None
        self._rest: Timer | None = None
        self.empty_text = "This job has no screenshots."
        """What the tab says when there is nothing to show."""
        self.preview_state = "none"
        """``none``, ``loading``, ``shown``, ``refused``, ``failed`` or ``off``."""

    def compose(self) -> ComposeResult:
        yield OptionList(id="shot-list", markup=False)
        yield Static(id="shot-info", markup=False)
        yield Static(id="shot-state", markup=False)
        mode = getattr(self.app, "image_mode", "cells")
        yield ScreenshotPreview(mode=mode, id="shot-preview")

    def set_fetcher(self, fetcher: ScreenshotFetcher | None) -> None:
        """Where pictures come from; None shows the list only."""
        self._fetcher = fetcher

    def set_on_screen(self, on_screen: bool) -> None:
        super().set_on_screen(on_screen)
        if on_screen:
            self._want_preview()

    def set_result(self, job_id: str, result: Result | None) -> None:
        """Take the job's result; the selection is kept while the job and result stay."""
        if job_id != self.job_id:
            self._index = None
        elif result is self._result or result == self._result:
            return
        self.job_id = job_id
        self._result = result
        self._shots = screenshots_of(result)
        if self._index is None or self._index >= len(self._shots):
            self._index = 0 if self._shots else None
        self.invalidate()

    def draw(self) -> None:
        key = (self.job_id, self._result)
        options = self.query_one("#shot-list", OptionList)
        if self._drawn is None or self._drawn[0] != key[0] or self._drawn[1] is not key[1]:
            self._drawn = key
            options.set_options(Option(_prompt(n, shot)) for n, shot in enumerate(self._shots, 1))
            options.highlighted = self._index
        options.display = bool(self._shots)
        self._draw_info()
        self._want_preview()

    def _draw_info(self) -> None:
        info = self.query_one("#shot-info", Static)
        shot = self.selected
        if not self._shots:
            info.update(Text(self.empty_text, style="dim"))
            return
        assert shot is not None
        # One line each: the picture below needs the room (y copies the whole URL).
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"Screenshot {(self._index or 0) + 1} of {len(self._shots)}", style="bold")
        text.append(f" · {_source(shot)}\n", style="dim")
        text.append(shot.url)
        if shot.safe:
            text.append("\ns saves it · o opens it in a browser · y copies the URL", style="dim")
        else:
            text.append("\nRefused: only http and https screenshots are opened.", style="bold red")
        info.update(text)

    @on(OptionList.OptionHighlighted, "#shot-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._index = event.option_index
        self._draw_info()
        self._want_preview()

    # -- the picture -----------------------------------------------------------

    def _want_preview(self) -> None:
        if not self.on_screen or not self.is_mounted:
            return
        shot = self.selected
        url = shot.url if shot is not None else None
        if url == self._previewed:
            return
        self._previewed = url
        if self._rest is not None:
            self._rest.stop()
            self._rest = None
        self.query_one("#shot-preview", ScreenshotPreview).clear()
        if shot is None:
            self._state("none", None)
        elif not shot.safe:
            self._state("refused", Text("Not fetched: only http and https links are.", "dim"))
        elif self._fetcher is None:
            self._state("off", Text("No preview here: o opens it in a browser.", "dim"))
        else:
            self._state("loading", Text("Loading the screenshot…", "dim"))
            # While the cursor moves through jobs, fetch only where it rests.
            fetcher, wanted = self._fetcher, shot.url
            self._rest = self.set_timer(REST_SECONDS, lambda: self._load(fetcher, wanted))

    @work(exclusive=True, group="screenshot-load")
    async def _load(self, fetcher: ScreenshotFetcher, url: str) -> None:
        self._rest = None
        try:
            path = await fetcher.fetch(url)
        except DownloadError as exc:
            if url == self._previewed:
                self._state("failed", Text(line(str(exc), 300), "bold red"))
            return
        except OSError as exc:
            if url == self._previewed:
                reason = line(exc.strerror or type(exc).__name__, 100)
                self._state("failed", Text(f"Not shown: {reason}", "bold red"))
            return
        if url != self._previewed:
            return

        def shown(problem: str | None) -> None:
            if url != self._previewed:
                return
            if problem is not None:
                self._state("failed", Text(line(problem, 300), "bold red"))
            else:
                self._state("shown", Text("space and b page the picture", "dim"))

        self.query_one("#shot-preview", ScreenshotPreview).show_file(path, shown)

    def action_page_picture(self, direction: int) -> None:
        """Scroll a tall picture by a pane's height."""
        preview = self.query_one("#shot-preview", ScreenshotPreview)
        if direction > 0:
            preview.scroll_page_down(animate=False)
        else:
            preview.scroll_page_up(animate=False)

    def _state(self, state: str, text: Text | None) -> None:
        self.preview_state = state
        widget = self.query_one("#shot-state", Static)
        widget.update(text if text is not None else Text(""), layout=False)

    @property
    def selected_number(self) -> int | None:
        """The selected screenshot's 1-based number (as ``get --screenshots`` names it)."""
        return None if self.selected is None else (self._index or 0) + 1

    @property
    def selected(self) -> Screenshot | None:
        """The highlighted screenshot."""
        if self._index is None or not 0 <= self._index < len(self._shots):
            return None
        return self._shots[self._index]

    @property
    def screenshots(self) -> list[Screenshot]:
        """Every screenshot shown, in order."""
        return list(self._shots)

    def select(self, index: int) -> None:
        """Highlight the screenshot at ``index`` (0-based)."""
        if 0 <= index < len(self._shots):
            self._index = index
            if self.is_mounted and self._drawn is not None:
                self.query_one("#shot-list", OptionList).highlighted = index
                self._draw_info()

    def step(self, direction: int) -> None:
        """``[``/``]``: highlight the previous or next screenshot."""
        if self._index is not None:
            self.select(self._index + direction)

    def deliverable(self) -> Deliverable | None:
        return screenshots_deliverable(self.job_id, (s.url for s in self._shots))

    def focus_main(self) -> None:
        options = self.query_one("#shot-list", OptionList)
        if options.display:
            options.focus()
