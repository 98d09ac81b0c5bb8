"""The detail of a batch or a crawl: its items or pages, and the chosen one's content.

A batch lists its items (URL, status), a crawl its pages (URL, status, depth and
the page it was found on). The chosen one's content shows as a scrape's does:
markdown rendered, anything else as JSON, and the error of one that failed.
``[`` and ``]`` step through them. What differs per kind is in :func:`parts_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from spidra_tui.api.batch import Batch
from spidra_tui.api.crawl import Crawl
from spidra_tui.deliver import default_name
from spidra_tui.sanitize import clean, line
from spidra_tui.ui.detail.deliverable import Deliverable, json_text
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.ui.document import DocumentMode, DocumentView

GOOD = frozenset({"completed", "success"})
BAD = frozenset({"failed", "error", "cancelled"})


@dataclass(frozen=True, slots=True)
class Part:
    """One item of a batch or page of a crawl, as the detail lists it."""

    url: str | None
    status: str | None
    content: Any = None
    error: str | None = None
    title: str | None = None
    depth: int | None = None
    parent_url: str | None = None


@dataclass(frozen=True, slots=True)
class Parts:
    """What the detail lists for one job: ``noun`` names one part ("item", "page")."""

    noun: str
    parts: tuple[Part, ...]


def _batch_parts(batch: Batch) -> Parts:
    return Parts(
        "item",
        tuple(Part(i.url, i.status, i.content, i.error) for i in batch.items),
    )


def _crawl_parts(crawl: Crawl) -> Parts:
    return Parts(
        "page",
        tuple(
            Part(p.url, p.status, p.data, p.error, p.title, p.depth, p.parent_url)
            for p in crawl.pages
        ),
    )


_PARTS: dict[type, Callable[[Any], Parts]] = {Batch: _batch_parts, Crawl: _crawl_parts}


def parts_of(answer: Any) -> Parts | None:
    """The parts of a batch's or crawl's answer; None for any other answer (a scrape)."""
    build = _PARTS.get(type(answer))
    return build(answer) if build is not None else None


def _mark(status: str | None) -> Text:
    if status in GOOD:
        return Text("✓", style="bold green")
    if status in BAD:
        return Text("✗", style="bold red")
    return Text("●" if status in ("running", "active") else "◷", style="yellow")


def _prompt(number: int, part: Part) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{number:>3} ", style="dim")
    text.append_text(_mark(part.status))
    text.append(f" {line(part.status, 12) or '?':<10} ", style="dim")
    if part.depth is not None:
        text.append(f"d{part.depth} ", style="cyan")
    text.append(line(part.url, 300) or "(no URL)")
    return text


class PartsView(DetailTab):
    """The items of a batch or the pages of a crawl above the chosen one's content."""

    BINDINGS = [
        Binding("escape", "close_filter", "Clear the filter", show=False),
        # On the item list, / filters it; in the chosen item's content it finds (the
        # binding is then declined and the detail pane's own / takes the key).
        Binding("slash", "filter_parts", "Filter items", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts = Parts("item", ())
        self._index: int | None = None
        self._listed: tuple[tuple[Part, ...], str] | None = None
        self._shown: Part | None = None
        self._filter = ""
        self._visible: list[int] = []  # indexes of the parts the filter lets through

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter by URL; escape clears", id="part-filter")
        yield OptionList(id="part-list", markup=False)
        yield Static(id="part-info", markup=False)
        yield DocumentView(id="part-doc")

    @property
    def _doc(self) -> DocumentView:
        return self.query_one("#part-doc", DocumentView)

    def set_parts(self, job_id: str, parts: Parts) -> None:
        """Take the job's parts; the chosen one stays while the job stays the same."""
        if job_id != self.job_id:
            self._index = None
        elif parts == self._parts:
            return
        self.job_id = job_id
        self._parts = parts
        count = len(parts.parts)
        if self._index is None or self._index >= count:
            self._index = 0 if count else None
        self.invalidate()

    def on_mount(self) -> None:
        self.query_one("#part-filter", Input).display = False
        super().on_mount()

    def draw(self) -> None:
        options = self.query_one("#part-list", OptionList)
        parts = self._parts.parts
        if self._listed is None or self._listed[0] != parts or self._listed[1] != self._filter:
            self._listed = (parts, self._filter)
            wanted = self._filter.casefold()
            self._visible = [
                i for i, p in enumerate(parts) if wanted in line(p.url or "").casefold()
            ]
            if self._visible and self._index not in self._visible:
                self._index = self._visible[0]
            options.set_options(Option(_prompt(i + 1, parts[i])) for i in self._visible)
            options.highlighted = self._position()
        options.display = bool(self._visible)
        self._draw_part()

    def _position(self) -> int | None:
        return self._visible.index(self._index) if self._index in self._visible else None

    # -- the filter -------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter_parts":
            return self.query_one("#part-list", OptionList).has_focus
        return super().check_action(action, parameters)

    def action_filter_parts(self) -> None:
        self.open_filter()

    def open_filter(self) -> None:
        """``/``: show the filter (by URL) and put the keyboard in it."""
        box = self.query_one("#part-filter", Input)
        box.display = True
        box.focus()

    def set_filter(self, text: str) -> None:
        """Show only the items or pages whose URL holds ``text`` (any case)."""
        self._filter = text
        if self.is_mounted:
            self.draw()

    @property
    def shown_count(self) -> int:
        """How many items or pages the filter lets through."""
        return len(self._visible)

    @on(Input.Changed, "#part-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_filter(event.value)

    @on(Input.Submitted, "#part-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_main()

    def action_close_filter(self) -> None:
        """Escape in the filter clears and hides it; elsewhere it goes back as usual."""
        box = self.query_one("#part-filter", Input)
        if not box.has_focus:
            raise SkipAction()
        box.value = ""
        box.display = False
        self.set_filter("")
        self.focus_main()

    def _draw_part(self) -> None:
        part = self.selected
        doc = self._doc
        if part != self._shown or part is None:
            self._shown = part
            doc.display = part is not None
            if part is None:
                doc.show_message(Text(""))
            elif isinstance(part.content, str) and part.content.strip():
                doc.show_markdown(part.content)
            elif part.content not in (None, "", [], {}):
                doc.show_json(part.content)
            else:
                why = part.error or f"Nothing yet: this {self._parts.noun} is {part.status}."
                doc.show_message(Text(line(why, 2000), style="red" if part.error else "dim"))
        self._draw_info()

    def _draw_info(self) -> None:
        info = self.query_one("#part-info", Static)
        part = self.selected
        noun = self._parts.noun
        if part is None:
            info.update(Text(f"No {noun}s yet.", style="dim"))
            return
        text = Text()
        text.append(f"{noun.title()} {(self._index or 0) + 1} of {len(self._parts.parts)}")
        text.stylize("bold")
        text.append(
            f" · {line(part.status, 20) or '?'}", style="bold red" if part.status in BAD else ""
        )
        if part.depth is not None:
            text.append(f" · depth {part.depth}")
        text.append(" · [ ] step", style="dim")
        text.append("\n")
        text.append(line(part.url) or "(no URL)", style="dim")
        if part.parent_url:
            text.append("\nfound on ", style="dim")
            text.append(line(part.parent_url), style="dim")
        if part.error and part.content not in (None, ""):
            text.append("\n")
            text.append(line(part.error, 300), style="red")
        info.update(text)

    @on(OptionList.OptionHighlighted, "#part-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._visible):
            index = self._visible[event.option_index]
            if index != self._index:
                self._index = index
                self._draw_part()

    # -- for the pane -----------------------------------------------------------

    @property
    def selected(self) -> Part | None:
        """The chosen item or page."""
        parts = self._parts.parts
        if self._index is None or not 0 <= self._index < len(parts):
            return None
        return parts[self._index]

    @property
    def selected_index(self) -> int | None:
        return self._index if self.selected is not None else None

    def select(self, index: int) -> None:
        """Choose the part at ``index`` (0-based, among all parts)."""
        if 0 <= index < len(self._parts.parts):
            self._index = index
            if self.is_mounted and self._listed is not None:
                self.query_one("#part-list", OptionList).highlighted = self._position()
                self._draw_part()

    def step(self, direction: int) -> None:
        """The previous or next part the filter lets through."""
        position = self._position()
        if position is not None and 0 <= position + direction < len(self._visible):
            self.select(self._visible[position + direction])

    def deliverable(self) -> Deliverable | None:
        part = self.selected
        if part is None or self._index is None:
            return None
        number = self._index + 1
        what = f"{self._parts.noun} {number}"
        if isinstance(part.content, str) and part.content:
            name = default_name(self.job_id, "md", page=number)
            return Deliverable(clean(part.content), f"{what} markdown", name)
        if part.content not in (None, ""):
            name = default_name(self.job_id, "json", page=number)
            return Deliverable(json_text(part.content), f"{what} JSON", name)
        return None

    def focus_main(self) -> None:
        options = self.query_one("#part-list", OptionList)
        if options.display:
            options.focus()

    @property
    def document_mode(self) -> DocumentMode:
        return self._doc.mode
