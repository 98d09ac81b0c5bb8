"""The detail of a batch or a crawl: its items or pages, and the chosen one's content.

A batch lists its items (URL, status), a crawl its pages (URL, status, depth and
the page it was found on). The chosen one's content shows as a scrape's does:
markdown rendered, anything else as JSON, and the error of one that failed; ``3``
shows its screenshot instead (previewed and saved as on a scrape's Screenshots
tab), ``1`` its content again. ``[`` and ``]`` step through them. What differs
per kind is in :mod:`spidra_tui.ui.detail.part_data`.
"""

from __future__ import annotations

from bisect import bisect_left

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from spidra_tui.api.models import Result
from spidra_tui.deliver import default_name
from spidra_tui.sanitize import clean, line
from spidra_tui.ui.detail.deliverable import Deliverable, json_text
from spidra_tui.ui.detail.part_data import BAD, GOOD, Part, Parts, grew
from spidra_tui.ui.detail.part_list import PartList
from spidra_tui.ui.detail.screenshots import ScreenshotsTab
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.ui.document import DocumentMode, DocumentView


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
        """The parts and filter the list was drawn from."""
        self._shown: Part | None = None
        self._filter = ""
        self._visible: list[int] = []  # indexes of the parts the filter lets through
        self.picture = False
        """Whether the chosen part's screenshot shows instead of its content."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter by URL; escape clears", id="part-filter")
        yield PartList(id="part-list")
        yield Static(id="part-info", markup=False)
        yield DocumentView(id="part-doc")
        yield ScreenshotsTab(id="part-shots")

    @property
    def _doc(self) -> DocumentView:
        return self.query_one("#part-doc", DocumentView)

    @property
    def shots(self) -> ScreenshotsTab:
        """The chosen part's screenshot, previewed (shown with ``3``)."""
        return self.query_one("#part-shots", ScreenshotsTab)

    def show_picture(self, picture: bool) -> None:
        """``3``: the chosen part's screenshot instead of its content; ``1``: back."""
        self.picture = picture
        if self.is_mounted:
            self._draw_part()

    def set_on_screen(self, on_screen: bool) -> None:
        super().set_on_screen(on_screen)
        if self.is_mounted:
            self.shots.set_on_screen(on_screen and self.picture)

    def parts_of(self, job_id: str) -> Parts | None:
        """The parts listed, if they are ``job_id``'s."""
        return self._parts if job_id == self.job_id else None

    @property
    def part_count(self) -> int:
        """How many items or pages the job has (the filter aside)."""
        return len(self._parts.parts)

    def set_parts(self, job_id: str, parts: Parts) -> None:
        """Take the job's parts; the chosen one stays while the job stays the same."""
        if job_id != self.job_id:
            self._index = None
            self._listed = None
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
        self.shots.display = False
        super().on_mount()

    def draw(self) -> None:
        rows = self.query_one("#part-list", PartList)
        parts = self._parts.parts
        listed = self._listed
        if listed is not None and listed[1] == self._filter and grew(listed[0], parts):
            # More pages of the same crawl: list the new ones, leave the rest be.
            self._listed = (parts, self._filter)
            new = self._matching(parts, len(listed[0]))
            self._visible.extend(new)
            rows.add_rows(new)
            if self._index is None and self._visible:
                self._index = self._visible[0]
                rows.highlighted = 0
        elif listed is None or listed != (parts, self._filter):
            self._listed = (parts, self._filter)
            self._visible = self._matching(parts, 0)
            if self._visible and self._index not in self._visible:
                self._index = self._visible[0]
            rows.set_rows(self._visible, self._row_text)
            rows.highlighted = self._position()
        rows.display = bool(self._visible)
        self._draw_part()

    def _matching(self, parts: tuple[Part, ...], start: int) -> list[int]:
        """Indexes from ``start`` of the parts whose URL the filter lets through."""
        wanted = self._filter.casefold()
        if not wanted:
            return list(range(start, len(parts)))
        return [
            i for i in range(start, len(parts)) if wanted in line(parts[i].url or "").casefold()
        ]

    def _row_text(self, index: int) -> Text:
        parts = self._parts.parts
        return _prompt(index + 1, parts[index]) if index < len(parts) else Text("")

    def _position(self) -> int | None:
        if self._index is None:
            return None
        position = bisect_left(self._visible, self._index)
        found = position < len(self._visible) and self._visible[position] == self._index
        return position if found else None

    # -- the filter -------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter_parts":
            return self.query_one("#part-list", PartList).has_focus
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
            if part is None:
                doc.show_message(Text(""))
            elif isinstance(part.content, str) and part.content.strip():
                doc.show_markdown(part.content)
            elif part.content not in (None, "", [], {}):
                doc.show_json(part.content)
            else:
                why = part.error or f"Nothing yet: this {self._parts.noun} is {part.status}."
                doc.show_message(Text(line(why, 2000), style="red" if part.error else "dim"))
        self._draw_shot(part)
        self._draw_info()

    def _draw_shot(self, part: Part | None) -> None:
        shots, picture = self.shots, self.picture and part is not None
        self._doc.display = part is not None and not picture
        shots.display = picture
        if picture:
            assert part is not None and self._index is not None
            shot = (part.screenshot_url,) if part.screenshot_url else ()
            shots.empty_text = f"This {self._parts.noun} has no screenshot."
            # Named as the part, so "s" saves JOB-N.png for part N.
            shots.set_result(f"{self.job_id}#{self._index + 1}", Result(screenshots=shot))
        shots.set_on_screen(picture and self.on_screen)

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
        if part.screenshot_url and not self.picture:
            text.append(" · 3 screenshot", style="dim")
        elif self.picture:
            text.append(" · 1 content", style="dim")
        text.append("\n")
        text.append(line(part.url) or "(no URL)", style="dim")
        if part.parent_url:
            text.append("\nfound on ", style="dim")
            text.append(line(part.parent_url), style="dim")
        if part.error and part.content not in (None, ""):
            text.append("\n")
            text.append(line(part.error, 300), style="red")
        info.update(text)

    @on(PartList.Highlighted, "#part-list")
    def _highlighted(self, event: PartList.Highlighted) -> None:
        event.stop()
        if 0 <= event.position < len(self._visible):
            index = self._visible[event.position]
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
                self.query_one("#part-list", PartList).highlighted = self._position()
                self._draw_part()

    def step(self, direction: int) -> None:
        """The previous or next part the filter lets through."""
        position = self._position()
        if position is not None and 0 <= position + direction < len(self._visible):
            self.select(self._visible[position + direction])

    def deliverable(self) -> Deliverable | None:
        if self.picture:
            return self.shots.deliverable()
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
        options = self.query_one("#part-list", PartList)
        if options.display:
            options.focus()

    @property
    def document_mode(self) -> DocumentMode:
        return self._doc.mode
