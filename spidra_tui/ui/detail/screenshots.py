"""The Screenshots tab: every screenshot URL of a result, selectable, with its page.

URLs are shown as sanitized text, never as live links; one that is not http(s) is marked
as refused, since the app would not open it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from spidra_tui.api.models import Result
from spidra_tui.sanitize import line, web_url
from spidra_tui.ui.detail.deliverable import Deliverable, screenshots_deliverable
from spidra_tui.ui.detail.tab import DetailTab


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
    """The Screenshots tab body."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._result: Result | None = None
        self._shots: list[Screenshot] = []
        self._index: int | None = None
        self._drawn: tuple[str, Result | None] | None = None

    def compose(self) -> ComposeResult:
        yield OptionList(id="shot-list", markup=False)
        yield Static(id="shot-info", markup=False)

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

    def _draw_info(self) -> None:
        info = self.query_one("#shot-info", Static)
        shot = self.selected
        if not self._shots:
            info.update(Text("This job has no screenshots.", style="dim"))
            return
        assert shot is not None
        text = Text()
        text.append(f"Screenshot {(self._index or 0) + 1} of {len(self._shots)}", style="bold")
        text.append(f" · {_source(shot)}\n", style="dim")
        text.append(shot.url)
        if shot.safe:
            text.append("\no opens it in a browser · y copies the URL", style="dim")
        else:
            text.append("\nRefused: only http and https screenshots are opened.", style="bold red")
        info.update(text)

    @on(OptionList.OptionHighlighted, "#shot-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._index = event.option_index
        self._draw_info()

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
