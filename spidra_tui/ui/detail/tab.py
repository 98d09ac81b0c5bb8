"""The common behaviour of the detail pane's tabs: draw only what is on screen.

A tab receives new data whether or not it is visible; a hidden tab only remembers that it
is out of date and draws when it is next shown. So a poll update for a job with a 5 MB
answer costs the Raw tab nothing until someone looks at it.
"""

from __future__ import annotations

from textual.containers import Vertical

from spidra_tui.ui.detail.deliverable import Deliverable


class DetailTab(Vertical):
    """A tab body that redraws lazily. Subclasses implement :meth:`draw`."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._stale = False
        self._on_screen = False
        self.job_id = ""

    @property
    def on_screen(self) -> bool:
        """Whether this tab is the active one."""
        return self._on_screen

    def set_on_screen(self, on_screen: bool) -> None:
        """Told by the pane when its tab becomes active or inactive."""
        self._on_screen = on_screen
        if on_screen and self._stale and self.is_mounted:
            self._stale = False
            self.draw()

    def invalidate(self) -> None:
        """Redraw now if visible, else when next shown."""
        if self._on_screen and self.is_mounted:
            self._stale = False
            self.draw()
        else:
            self._stale = True

    def on_mount(self) -> None:
        if self._on_screen and self._stale:
            self._stale = False
            self.draw()

    def draw(self) -> None:
        """Put the current data on screen."""

    def deliverable(self) -> Deliverable | None:
        """What a copy or save takes from this tab."""
        return None

    def step(self, direction: int) -> None:
        """``[`` (-1) or ``]`` (+1): move to the previous or next thing this tab lists."""

    def focus_main(self) -> None:
        """Focus the widget a user most likely wants to move in."""
