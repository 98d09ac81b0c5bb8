"""The Pages tab: one entry per scraped URL, and the selected page's markdown.

With a forEach action a page holds up to 50 items as ``## Item N`` sections; the document
view steps through them with ``[`` and ``]``, and the line above it says which item is in
view.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from spidra_tui.api.models import Page
from spidra_tui.sanitize import line
from spidra_tui.ui.detail.deliverable import Deliverable, page_deliverable
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.ui.document import DocumentMode, DocumentView

# A forEach item's heading as the API writes it: "## Item 3".
_ITEM_TITLE = re.compile(r"\s*Item\s+(\d+)\b.*", re.DOTALL)


def item_number(section_title: str | None) -> int | None:
    """The N of a section titled "Item N" (a forEach item), else None."""
    if not section_title:
        return None
    match = _ITEM_TITLE.fullmatch(section_title)
    return int(match.group(1)) if match else None


def _mark(page: Page) -> Text:
    if page.success is True:
        return Text("✓", style="bold green")
    if page.success is False:
        return Text("✗", style="bold red")
    return Text("?", style="dim")


def _prompt(number: int, page: Page) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{number:>2} ", style="dim")
    text.append_text(_mark(page))
    text.append(" ")
    title = line(page.title, 80)
    if title:
        text.append(title, style="bold")
        text.append("  ")
    text.append(line(page.url, 300) or "(no URL)", style="dim" if title else "")
    return text


class PagesTab(DetailTab):
    """The Pages tab body: a list of pages above the selected page's markdown."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pages: tuple[Page, ...] = ()
        self._index: int | None = None
        self._listed: tuple[Page, ...] | None = None  # pages the option list shows
        self._shown: tuple[tuple[Page, ...], int] | None = None  # what the document shows
        self._items = 0
        self._item: int | None = None
        self._rendered = True

    def compose(self) -> ComposeResult:
        yield OptionList(id="page-list", markup=False)
        yield Static(id="page-info", markup=False)
        yield DocumentView(id="page-doc")

    def on_mount(self) -> None:
        # The document moves by itself ("[" and "]", scrolling): follow it to keep
        # "Item N of M" true.
        self.watch(self._doc, "scroll_y", self._scrolled, init=False)
        super().on_mount()

    @property
    def _doc(self) -> DocumentView:
        return self.query_one("#page-doc", DocumentView)

    # -- data in ---------------------------------------------------------------

    def set_pages(self, job_id: str, pages: tuple[Page, ...]) -> None:
        """Take the job's pages; the selection is kept while the job stays the same."""
        if job_id != self.job_id:
            self._index = None
        elif pages is self._pages or pages == self._pages:
            return
        self.job_id = job_id
        self._pages = pages
        if self._index is None or self._index >= len(pages):
            self._index = 0 if pages else None
        self.invalidate()

    def set_rendered(self, rendered: bool) -> None:
        """Show markdown rendered (True) or as its source (False)."""
        self._rendered = rendered
        if self.is_mounted:
            self._apply_rendered()

    def _apply_rendered(self) -> None:
        doc = self._doc
        if doc.mode is DocumentMode.MARKDOWN and doc.rendered != self._rendered:
            doc.toggle_rendered()

    # -- drawing ---------------------------------------------------------------

    def draw(self) -> None:
        options = self.query_one("#page-list", OptionList)
        if self._listed is not self._pages:
            self._listed = self._pages
            options.set_options(Option(_prompt(n, p)) for n, p in enumerate(self._pages, 1))
            options.highlighted = self._index
        options.display = bool(self._pages)
        self._draw_page()

    def _draw_page(self) -> None:
        doc = self._doc
        page = self.selected
        key = (self._pages, -1 if self._index is None else self._index)
        if self._shown is None or self._shown[0] is not key[0] or self._shown[1] != key[1]:
            self._shown = key
            doc.display = page is not None
            if page is not None and page.markdown:
                # The view cleans in pieces, off the event loop for a big page.
                doc.show_markdown(page.markdown)
                self._apply_rendered()
            elif page is not None:
                why = "It failed to scrape." if page.success is False else "It has no markdown."
                doc.show_message(Text(f"Nothing to show for this page. {why}", style="dim"))
            else:
                # No page: let go of the previous job's page, which may be big.
                doc.show_message(Text(""))
            self._count_items()
        self._draw_info()

    def _count_items(self) -> None:
        doc = self._doc
        self._items = sum(1 for s in doc.sections() if item_number(s.title) is not None)
        self._item = self._item_in_view() if self._items else None

    def _item_in_view(self) -> int | None:
        doc = self._doc
        if doc.max_scroll_y > 0 and doc.scroll_y >= doc.max_scroll_y:
            # At the very end the last items cannot reach the top of the view; the reader
            # who stepped there is reading the last one.
            sections = doc.sections()
            return item_number(sections[-1].title) if sections else None
        return item_number(doc.current_section_title())

    def _draw_info(self) -> None:
        info = self.query_one("#page-info", Static)
        page = self.selected
        if page is None:
            info.update(Text("This job has no pages.", style="dim"))
            return
        text = Text()
        text.append(f"Page {(self._index or 0) + 1} of {len(self._pages)}", style="bold")
        if page.success is False:
            text.append(" · failed", style="bold red")
        if self._items:
            text.append(" · ")
            where = f"Item {self._item} of {self._items}" if self._item else f"{self._items} items"
            text.append(where, style="bold")
            text.append(" · [ ] step through items", style="dim")
        url = line(page.url)
        if url:
            text.append("\n")
            text.append(url, style="dim")
        info.update(text)

    def _scrolled(self) -> None:
        if not self._items:
            return
        item = self._item_in_view()
        if item != self._item:
            self._item = item
            self._draw_info()

    @on(DocumentView.Ready, "#page-doc")
    def _loaded(self, event: DocumentView.Ready) -> None:
        # A big page is split in the background: count its items once all are known.
        event.stop()
        self._count_items()
        self._draw_info()

    @on(OptionList.OptionHighlighted, "#page-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index != self._index:
            self._index = event.option_index
            if self.on_screen:
                self._draw_page()

    # -- moving ----------------------------------------------------------------

    def step(self, direction: int) -> None:
        """``[``/``]``: the previous or next item when the page has items, else page."""
        doc = self._doc
        if doc.display and doc.sections():
            moved = doc.next_section() if direction > 0 else doc.previous_section()
            if moved:
                return
        if self._index is not None:
            self.select(self._index + direction)

    # -- queries ---------------------------------------------------------------

    @property
    def selected(self) -> Page | None:
        """The highlighted page."""
        if self._index is None or not 0 <= self._index < len(self._pages):
            return None
        return self._pages[self._index]

    @property
    def selected_index(self) -> int | None:
        """The highlighted page's index (0-based)."""
        return self._index if self.selected is not None else None

    @property
    def item_position(self) -> tuple[int | None, int]:
        """(the forEach item at the top of the view, how many items the page has)."""
        return self._item, self._items

    def select(self, index: int) -> None:
        """Highlight the page at ``index`` (0-based)."""
        if 0 <= index < len(self._pages):
            self._index = index
            if self.is_mounted and self._listed is not None:
                self.query_one("#page-list", OptionList).highlighted = index
                self._draw_page()

    def deliverable(self) -> Deliverable | None:
        page = self.selected
        if page is None or self._index is None:
            return None
        return page_deliverable(self.job_id, page, self._index + 1)

    def focus_main(self) -> None:
        options = self.query_one("#page-list", OptionList)
        if options.display:
            options.focus()
