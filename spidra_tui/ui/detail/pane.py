"""The detail pane: everything about the selected job, in five tabs.

The app calls :meth:`JobDetail.show` whenever the selection changes or the shown job gets an
update, and asks it what to copy, save or open. Showing is cheap when little changed: each
tab compares what it was given with what it shows, and a tab that is not on screen only
notes that it is out of date. So the progress ticks of a running job never re-render a
5 MB result, and re-showing the same job keeps the tab, the scroll position and the
selected page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static, TabbedContent, TabPane, Tabs

from spidra_tui.api.models import Job, Page
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.sanitize import line
from spidra_tui.ui.detail.content import ContentTab
from spidra_tui.ui.detail.deliverable import Deliverable
from spidra_tui.ui.detail.find_bar import FindBar
from spidra_tui.ui.detail.pages import PagesTab
from spidra_tui.ui.detail.part_data import Parts, parts_of
from spidra_tui.ui.detail.parts import PartsView
from spidra_tui.ui.detail.raw import RawTab
from spidra_tui.ui.detail.screenshots import ScreenshotsTab
from spidra_tui.ui.detail.stats import StatsTab
from spidra_tui.ui.detail.status import status_line
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.ui.document import DocumentView
from spidra_tui.watch.state import JobSummary, RetryState

if TYPE_CHECKING:
    from spidra_tui.deliver.screenshots import ScreenshotFetcher

__all__ = ["TABS", "Deliverable", "JobDetail"]


# Tab ids in order; the number keys 1-5 follow this order.
TABS = ("content", "pages", "screenshots", "stats", "raw")
_TITLES = {
    "content": "Content",
    "pages": "Pages",
    "screenshots": "Screenshots",
    "stats": "Stats",
    "raw": "Raw",
}
_SHORT_TITLES = {**_TITLES, "screenshots": "Shots"}


def tab_titles(counts: dict[str, int], width: int) -> tuple[str, ...]:
    """The tab labels that fit in ``width`` cells: with counts, then without, then short.

    A tab bar wider than the pane hides its last tabs, and Raw would be unreachable by
    mouse; each tab takes its label plus two cells of padding.
    """

    def fits(titles: list[str]) -> bool:
        return sum(len(title) + 2 for title in titles) <= width

    numbered = [f"{n} {_TITLES[tab]}" for n, tab in enumerate(TABS, 1)]
    counted = [
        f"{title} ({counts[tab]})" if counts.get(tab) else title
        for tab, title in zip(TABS, numbered, strict=True)
    ]
    if fits(counted):
        return tuple(counted)
    if fits(numbered):
        return tuple(numbered)
    return tuple(f"{n} {_SHORT_TITLES[tab]}" for n, tab in enumerate(TABS, 1))


class JobDetail(Vertical):
    """The selected job's content, pages, screenshots, stats and raw answer, in tabs.

    Keys: ``1``-``5`` pick a tab, ``m`` switches markdown between rendered and source,
    ``t`` shows JSON content as a tree, ``[``/``]`` step through sections (forEach items),
    ``/`` finds in what the tab shows (``F3``/``shift+F3`` step through the matches,
    ``escape`` closes the find).
    """

    DEFAULT_CSS = Path(__file__).with_name("pane.tcss").read_text(encoding="utf-8")

    BINDINGS = [
        *(
            Binding(str(n), f"show_tab('{tab}')", _TITLES[tab], show=False)
            for n, tab in enumerate(TABS, 1)
        ),
        Binding("m", "toggle_markdown", "Rendered/source", tooltip="Markdown rendered or source"),
        Binding("t", "toggle_tree", "JSON tree", show=False),
        Binding("left_square_bracket", "step(-1)", "Previous", show=False),
        Binding("right_square_bracket", "step(1)", "Next", show=False),
        Binding("slash", "find", "Find", show=False),
        Binding("f3", "find_step(1)", "Next match"),
        Binding("shift+f3,f15", "find_step(-1)", "Previous match", key_display="shift+F3"),
        Binding("escape", "close_find", "Close find", show=False),
    ]

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock or SystemClock()
        self._summary: JobSummary | None = None
        self._job: Job | None = None
        self._rendered = True
        self._titles: tuple[str, ...] = ()
        self._counted = ""  # the job whose pages and screenshots the titles count
        self._pending: tuple[float | None, RetryState | None] | None = None
        self._ready = False  # the tabs are mounted

    def compose(self) -> ComposeResult:
        yield Static(status_line(None, None), id="detail-header", markup=False)
        # A batch's items or a crawl's pages, in place of the tabs of a scrape.
        yield PartsView(id="parts-view")
        with TabbedContent(id="detail-tabs"):
            with TabPane(self._title("content"), id="content"):
                yield ContentTab(self._clock, id="content-tab")
            with TabPane(self._title("pages"), id="pages"):
                yield PagesTab(id="pages-tab")
            with TabPane(self._title("screenshots"), id="screenshots"):
                yield ScreenshotsTab(id="screenshots-tab")
            with TabPane(self._title("stats"), id="stats"):
                yield StatsTab(self._clock, id="stats-tab")
            with TabPane(self._title("raw"), id="raw"):
                yield RawTab(id="raw-tab")
        yield FindBar(id="find-bar")

    def on_mount(self) -> None:
        self._parts_view.display = False
        self._ready = True
        self._tab_body(self.active_tab).set_on_screen(True)
        if self._pending is not None:
            next_poll_in, retry, note = self._pending
            self._pending = None
            self.show(
                self._summary,
                self._job,
                next_poll_in=next_poll_in,
                retry=retry,
                next_poll_note=note,
            )

    @staticmethod
    def _title(tab: str) -> Content:
        return Content(f"{TABS.index(tab) + 1} {_TITLES[tab]}")

    # -- the API the app uses --------------------------------------------------

    def show(
        self,
        summary: JobSummary | None,
        job: Job | None,
        *,
        next_poll_in: float | None = None,
        retry: RetryState | None = None,
        next_poll_note: str | None = None,
    ) -> None:
        """Show ``summary``'s job with its last parsed answer ``job``.

        ``next_poll_in`` (seconds) and ``retry`` (the watch layer's retry state, if the
        last poll failed) feed the countdown of a job still running; ``next_poll_note``
        says why the polls are rare, when the request budget is why. Cheap to call on
        every update: unchanged parts are left as they are.
        """
        self._summary, self._job = summary, job
        if not self._ready:
            # Called before the tabs exist: on_mount shows it.
            self._pending = (next_poll_in, retry, next_poll_note)
            return
        job_id = summary.job_id if summary is not None else ""
        parts = parts_of(job, self._parts_view.parts_of(job_id))
        has_parts = parts is not None or (summary is not None and summary.kind != "scrape")
        self._show_parts(has_parts)
        if has_parts:
            self.query_one("#detail-header", Static).update(
                status_line(summary, None, retrying=retry is not None), layout=False
            )
            if parts is None:  # no answer yet: nothing listed, in the kind's words
                noun = "page" if summary is not None and summary.kind == "crawl" else "item"
                parts = Parts(noun, ())
            self._parts_view.set_parts(job_id, parts)
            return
        result = job.result if job is not None else None
        # One line high whatever it says: no layout pass (it would redraw the list's
        # scrollbar too).
        self.query_one("#detail-header", Static).update(
            status_line(summary, job, retrying=retry is not None), layout=False
        )
        self._content.set_job(
            summary, job, next_poll_in=next_poll_in, retry=retry, note=next_poll_note
        )
        self._pages.set_pages(job_id, result.pages if result is not None else ())
        self._screenshots.set_result(job_id, result)
        self._stats.set_job(summary, job)
        raw = job.raw if job is not None else None
        self._raw.set_answer(job_id, raw, summary.answer_size if summary is not None else 0)
        if job is not None or job_id != self._counted:
            # While the same job's answer is read back again, its counts stay.
            self._counted = job_id
            self._update_titles()

    def copy_target(self) -> Deliverable | None:
        """What ``c`` copies: what the active tab shows (None when it shows nothing)."""
        return self._body().deliverable()

    def save_target(self) -> Deliverable | None:
        """What ``s`` saves: the same as :meth:`copy_target`, with a file name to suggest."""
        return self._body().deliverable()

    @property
    def shows_parts(self) -> bool:
        """Whether the pane lists a batch's items or a crawl's pages (not a scrape's tabs)."""
        return self._ready and self._parts_view.display

    @property
    def parts_view(self) -> PartsView:
        """The list of items or pages (read it in tests; move with ``[``/``]``)."""
        return self._parts_view

    def selected_url(self) -> str | None:
        """The selected screenshot's URL on the Screenshots tab, else the selected page's.

        The URL is sanitized for display, not checked: an opener must still refuse
        anything but http(s).
        """
        if self.shows_parts:
            part = self._parts_view.selected
            return (line(part.url) or None) if part is not None else None
        if self.active_tab == "screenshots":
            shot = self._screenshots.selected
            return shot.url if shot is not None else None
        page = self._pages.selected
        return (line(page.url) or None) if page is not None else None

    def screenshot_url(self) -> str | None:
        """The screenshot ``o`` opens: the selected one, or the only one there is.

        Sanitized for display, not checked: the opener must still refuse non-http(s).
        """
        if self.shows_parts:
            part = self._parts_view.selected
            return (line(part.screenshot_url) or None) if part is not None else None
        shots = self._screenshots.screenshots
        if self.active_tab == "screenshots":
            shot = self._screenshots.selected
            return shot.url if shot is not None else None
        if len(shots) == 1:
            return shots[0].url
        page = self._pages.selected
        if self.active_tab == "pages" and page is not None and page.screenshot_url:
            return line(page.screenshot_url) or None
        return None

    def selected_screenshot(self) -> tuple[int, str] | None:
        """On the Screenshots tab, the selected screenshot's number (1-based) and URL:
        what ``s`` saves there; for a batch item's screenshot, the item's number. None
        on other tabs or when none is selected."""
        if self.shows_parts:
            part, number = self._parts_view.selected, self._parts_view.selected_index
            if not self._parts_view.picture or part is None or number is None:
                return None
            url = line(part.screenshot_url)
            return (number + 1, url) if url else None
        if self.active_tab != "screenshots":
            return None
        shot, number = self._screenshots.selected, self._screenshots.selected_number
        if shot is None or number is None:
            return None
        return number, shot.url

    def set_screenshot_fetcher(self, fetcher: ScreenshotFetcher | None) -> None:
        """Where the Screenshots tab fetches its pictures (None: no pictures)."""
        self._screenshots.set_fetcher(fetcher)
        self._parts_view.shots.set_fetcher(fetcher)

    def toggle_markdown(self) -> None:
        """Switch markdown (content and pages) between rendered and source."""
        self._rendered = not self._rendered
        self._content.set_rendered(self._rendered)
        self._pages.set_rendered(self._rendered)
        active = self.active_tab
        visible = (active == "content" and self._content.shows_markdown) or (
            active == "pages" and self._pages.selected is not None
        )
        if not visible:
            # Nothing on screen changes: say what the key did.
            how = "rendered" if self._rendered else "as source"
            self.notify(f"Markdown will show {how}.", timeout=3, markup=False)

    # -- more for the app ------------------------------------------------------

    @property
    def job_id(self) -> str | None:
        """The shown job's ID, or None."""
        return self._summary.job_id if self._summary is not None else None

    @property
    def active_tab(self) -> str:
        """The active tab: one of :data:`TABS`."""
        if not self.is_mounted:
            return TABS[0]
        active = self.query_one("#detail-tabs", TabbedContent).active
        return active if active in TABS else TABS[0]

    @property
    def markdown_rendered(self) -> bool:
        """Whether markdown is shown rendered (True) or as source (False)."""
        return self._rendered

    def focus_shown_tab(self) -> None:
        """Put the keyboard in the shown tab, or on the tab bar when it has nothing to move in."""
        self._body().focus_main()
        # focus() takes effect on the next turn of the loop: look after it has.
        self.call_after_refresh(self._focus_tabs_unless_inside)

    def _focus_tabs_unless_inside(self) -> None:
        focused = self.screen.focused
        if focused is None or (focused is not self and self not in focused.ancestors):
            self.query_one(Tabs).focus()

    def show_tab(self, tab: str) -> None:
        """Make ``tab`` (one of :data:`TABS`) the active tab."""
        if tab not in TABS:
            raise ValueError(f"unknown tab {tab!r}; expected one of {TABS}")
        if self.shows_parts:
            # A batch item or crawl page has its content and maybe a screenshot.
            if tab in ("content", "screenshots"):
                self._parts_view.show_picture(tab == "screenshots")
            return
        tabs = self.query_one("#detail-tabs", TabbedContent)
        focus_inside = self.screen.focused is not None and self in self.screen.focused.ancestors
        tabs.active = tab
        if focus_inside:
            # Focus left behind in a hidden tab would be dropped, and the next key with it.
            self._tab_body(tab).focus_main()

    # -- inside ----------------------------------------------------------------

    @property
    def _content(self) -> ContentTab:
        return self.query_one("#content-tab", ContentTab)

    @property
    def _pages(self) -> PagesTab:
        return self.query_one("#pages-tab", PagesTab)

    @property
    def _screenshots(self) -> ScreenshotsTab:
        return self.query_one("#screenshots-tab", ScreenshotsTab)

    @property
    def _stats(self) -> StatsTab:
        return self.query_one("#stats-tab", StatsTab)

    @property
    def _raw(self) -> RawTab:
        return self.query_one("#raw-tab", RawTab)

    def _tab_body(self, tab: str) -> DetailTab:
        return self.query_one(f"#{tab}-tab", DetailTab)

    @property
    def _parts_view(self) -> PartsView:
        return self.query_one("#parts-view", PartsView)

    def _body(self) -> DetailTab:
        """What is on screen: the list of parts, or the active tab."""
        return self._parts_view if self.shows_parts else self._tab_body(self.active_tab)

    def _show_parts(self, shown: bool) -> None:
        parts, tabs = self._parts_view, self.query_one("#detail-tabs", TabbedContent)
        if parts.display != shown:
            parts.display = shown
            tabs.display = not shown
            parts.set_on_screen(shown)

    def _update_titles(self) -> None:
        counts = {"pages": len(self._pages_of()), "screenshots": len(self._screenshots.screenshots)}
        titles = tab_titles(counts, self.size.width)
        if titles == self._titles:
            return
        self._titles = titles
        tabs = self.query_one("#detail-tabs", TabbedContent)
        for tab, title in zip(TABS, titles, strict=True):
            tabs.get_tab(tab).label = Content(title)

    def on_resize(self) -> None:
        if self._ready:
            self._update_titles()

    def _pages_of(self) -> tuple[Page, ...]:
        # A batch or crawl answer has no scrape result: its parts are listed apart.
        result = getattr(self._job, "result", None) if not self.shows_parts else None
        return result.pages if result is not None else ()

    @on(TabbedContent.TabActivated, "#detail-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        active = event.pane.id
        for tab in TABS:
            self._tab_body(tab).set_on_screen(tab == active)
        # The same query, on what the new tab shows.
        self._retarget_find()

    # -- actions ---------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.show_tab(tab)

    def action_toggle_markdown(self) -> None:
        self.toggle_markdown()

    def action_toggle_tree(self) -> None:
        if self.active_tab != "content":
            self.show_tab("content")
        self._content.toggle_tree()
        # The same query, on the tree or the text now shown.
        self.call_after_refresh(self._retarget_find)

    def action_step(self, direction: int) -> None:
        """``[``/``]``: previous or next section, item, page or screenshot of the tab."""
        self._body().step(direction)

    # -- find ------------------------------------------------------------------

    @property
    def _find_bar(self) -> FindBar:
        return self.query_one("#find-bar", FindBar)

    @property
    def find_open(self) -> bool:
        """Whether the find bar is open."""
        return self._ready and self._find_bar.display

    def open_find(self) -> None:
        """Open the find bar (or put the keyboard back in it) over what the tab shows."""
        self._find_bar.open(self._tab_body(self.active_tab).find_target())

    def find_step(self, direction: int) -> None:
        """Go to the next (1) or previous (-1) match of the open find."""
        self._find_bar.step(direction)

    def close_find(self) -> None:
        """Close the find bar and remove the highlights; the text stays where it is."""
        if self.find_open:
            self._find_bar.close()

    def _retarget_find(self) -> None:
        if self.find_open:
            self._find_bar.retarget(self._tab_body(self.active_tab).find_target())

    @on(FindBar.Closed)
    def _find_closed(self, event: FindBar.Closed) -> None:
        event.stop()
        focused = self.screen.focused
        if focused is None or focused is self._find_bar or self._find_bar in focused.ancestors:
            target = event.target
            if target is not None and target.display:
                target.focus()
            else:
                self._tab_body(self.active_tab).focus_main()

    @on(DocumentView.Found)
    def _found(self, event: DocumentView.Found) -> None:
        event.stop()
        self._find_bar.found(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("find_step", "close_find"):
            return self.find_open
        return True

    def action_find(self) -> None:
        self.open_find()

    def action_find_step(self, direction: int) -> None:
        self.find_step(direction)

    def action_close_find(self) -> None:
        self.close_find()
