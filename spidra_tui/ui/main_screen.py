"""The main screen: header, job list, detail pane and footer, and how they share the space.

At 120 columns and more the list and the detail sit side by side. Below that
they stack, the list on top; ``enter`` then gives the whole screen to the
detail and ``escape`` brings the list back.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer

from spidra_tui.clock import Clock, SystemClock
from spidra_tui.ui import keymap
from spidra_tui.ui.detail.pane import TABS, JobDetail
from spidra_tui.ui.ended_banner import EndedBanner
from spidra_tui.ui.jobs.job_list import JobList
from spidra_tui.ui.status_bar import StatusBar

WIDE = 120  # columns from which list and detail sit side by side


class MainScreen(Screen[None]):
    """The watcher's only full screen; every main key is bound here."""

    BINDINGS = [
        *keymap.bindings(),
        Binding("shift+tab", "app.switch_pane", "Switch pane", show=False),
        *(
            Binding(str(number), f"app.show_tab('{tab}')", tab.title(), show=False)
            for number, tab in enumerate(TABS, 1)
        ),
    ]

    def __init__(self, server: str, *, clock: Clock | None = None) -> None:
        super().__init__(id="main")
        self._server = server
        self._clock: Clock = clock or SystemClock()

    def compose(self) -> ComposeResult:
        yield StatusBar(self._server, monotonic=self._clock.monotonic, id="status-bar")
        with Container(id="panes"):
            yield JobList(clock=self._clock.wall, id="job-list")
            yield JobDetail(clock=self._clock, id="detail")
        yield EndedBanner(id="ended-banner")
        yield Footer(show_command_palette=True)

    def on_mount(self) -> None:
        self._fit(self.size.width)
        self.job_list.border_title = "Jobs"
        self.detail.border_title = "Detail"
        # Drawn once the list's first screen is up (reveal_detail): painting the pane
        # as well would hold the rows back by a tenth of a second. The list's size
        # does not depend on it, so nothing moves when it appears.
        self.detail.display = False
        self.job_list.focus_rows()

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        narrow = width < WIDE
        self.set_class(narrow, "-narrow")
        if not narrow:
            self.remove_class("-zoom")
        # Without the spacing the footer's main keys fit in 80 columns.
        self.query_one(Footer).compact = narrow

    def reveal_detail(self) -> None:
        """Show the detail pane, hidden until the first screen is painted."""
        self.detail.display = True

    @property
    def ended_banner(self) -> EndedBanner:
        return self.query_one(EndedBanner)

    @property
    def job_list(self) -> JobList:
        return self.query_one(JobList)

    @property
    def detail(self) -> JobDetail:
        return self.query_one(JobDetail)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def detail_has_focus(self) -> bool:
        """Whether the keyboard is in the detail pane."""
        focused = self.focused
        return focused is not None and (focused is self.detail or self.detail in focused.ancestors)

    @property
    def zoomed(self) -> bool:
        """Whether the detail has the whole screen (narrow terminals only)."""
        return self.has_class("-zoom")

    def focus_detail(self) -> None:
        """Move the keyboard to the detail pane; on a narrow screen give it the screen."""
        if self.has_class("-narrow"):
            self.add_class("-zoom")
        self.detail.focus_shown_tab()

    def focus_list(self) -> None:
        """Back to the job list (and out of the zoomed detail)."""
        self.remove_class("-zoom")
        self.job_list.focus_rows()

    def switch_pane(self) -> None:
        """From the list to the detail and back."""
        if self.detail_has_focus:
            self.focus_list()
        else:
            self.focus_detail()
