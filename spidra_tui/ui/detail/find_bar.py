"""The find bar under the detail pane's tabs: a query, a regex switch and "3 of 17".

The pane tells the bar what the active tab shows (`open`, `retarget`: a document or a
JSON tree) and hands it the target's `Found` messages; the bar runs the find on it as
the query is typed, steps through the matches, and clears them on close. Keys in
the bar: enter or down for the next match, shift+enter or up for the previous one
(many terminals send shift+enter as enter: up always works), ctrl+r for a regular
expression, tab to the text (the bar stays), escape to close it where the view is.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from spidra_tui.ui.document import BadPattern, Findable, FindQuery
from spidra_tui.ui.document.find_view import SearchableView

_REGEX_ON = Text(".* regex", style="bold")
_REGEX_OFF = Text(".* text", style="dim")


def found_text(count: int, current: int | None, searching: bool, capped: bool) -> Text:
    """``3 of 17``, ``17 so far…``, ``No matches``: the bar's count."""
    total = f"{count:,}{'+' if capped else ''}"
    if searching:
        if current is not None:
            return Text(f"{current + 1:,} of {total}…")
        return Text(f"{total} so far…" if count else "searching…", style="dim")
    if not count:
        return Text("No matches", style="bold")
    if current is None:
        return Text(f"{total} match{'es' * (count != 1)}")
    return Text(f"{current + 1:,} of {total}")


class FindBar(Horizontal):
    """One line: "Find", the query, the regex switch and the count or a message."""

    BINDINGS = [
        Binding("enter", "step(1)", "Next match", priority=True),
        Binding("down,f3", "step(1)", "Next match", show=False),
        Binding("up,shift+enter,shift+f3,f15", "step(-1)", "Previous", key_display="↑"),
        Binding("ctrl+r", "toggle_regex", "Regex on/off"),
        Binding("tab", "leave", "To the text", show=False),
        Binding("escape", "close", "Close find"),
    ]

    class Closed(Message):
        """The bar was closed (escape); the find's highlights are gone."""

        def __init__(self, target: Findable | None) -> None:
            super().__init__()
            self.target = target

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._regex = False
        self._target: Findable | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Find", style="bold"), id="find-label")
        yield Input(placeholder="text to find (smart case)", id="find-input", select_on_focus=True)
        yield Static(_REGEX_OFF, id="find-regex")
        yield Static(Text(""), id="find-count")

    @property
    def query(self) -> FindQuery:
        """The query as it stands."""
        return FindQuery(self.query_one("#find-input", Input).value, self._regex)

    @property
    def regex(self) -> bool:
        """Whether the query is a regular expression."""
        return self._regex

    @property
    def target(self) -> Findable | None:
        """What the open find searches (None when closed or nothing can be searched)."""
        return self._target if self.display else None

    def open(self, target: Findable | None) -> None:
        """Show the bar over `target` and put the keyboard in it, the last query selected."""
        was_open = self.display
        self.display = True
        # Focused now, not after the messages already queued: those may be the next
        # keys of the query, typed before the bar opened.
        box = self.query_one("#find-input", Input)
        self.screen.set_focus(box)
        box.select_all()
        if not was_open or target is not self._target:
            self.retarget(target)

    def retarget(self, target: Findable | None) -> None:
        """Find the same query in `target` (what the active tab now shows)."""
        if self._target is not None and self._target is not target:
            self._target.clear_find()
        self._target = target
        self._run()

    def step(self, direction: int) -> None:
        """Go to the next (1) or previous (-1) match."""
        if self.target is not None:
            self.target.find_step(direction)

    def close(self) -> None:
        """Hide the bar and clear the find; the text stays where the match was."""
        target, self._target = self._target, None
        self.display = False
        if target is not None:
            target.clear_find()
        self.post_message(self.Closed(target))

    def found(self, event: SearchableView.Found) -> None:
        """Show what a target's `Found` message says, if it is this find's."""
        if event.view is self.target:
            self.show_found(event.count, event.current, event.searching, event.capped)

    def _run(self) -> None:
        target = self._target
        if not self.display:
            return
        if target is None:
            self.show_problem("Nothing to find in on this tab")
            return
        try:
            target.find(self.query)
        except BadPattern as exc:
            self.show_problem(str(exc))

    def show_found(self, count: int, current: int | None, searching: bool, capped: bool) -> None:
        """Show how many matches there are and which one is current."""
        if not self.query.text:
            self._set_count(Text(""), problem=False, none=False)
            return
        text = found_text(count, current, searching, capped)
        self._set_count(text, problem=False, none=not searching and not count)

    def show_problem(self, message: str) -> None:
        """Show why nothing can be found (a bad pattern, nothing to search)."""
        self._set_count(Text(message, style="bold"), problem=True, none=True)

    def _set_count(self, text: Text, *, problem: bool, none: bool) -> None:
        # The count has a fixed width, so that updating it (several times a second
        # while a big text is searched) never lays out the screen again; a message
        # takes what it needs.
        layout = problem != self.has_class("-problem")
        self.set_class(problem, "-problem")
        self.set_class(none, "-none")
        self.query_one("#find-count", Static).update(text, layout=layout)

    @on(Input.Changed, "#find-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._run()

    @on(Input.Submitted, "#find-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.step(1)

    def action_step(self, direction: int) -> None:
        self.step(direction)

    def action_toggle_regex(self) -> None:
        self._regex = not self._regex
        self.query_one("#find-regex", Static).update(_REGEX_ON if self._regex else _REGEX_OFF)
        self._run()

    def action_leave(self) -> None:
        target = self.target
        if target is not None and target.display:
            target.focus()

    def action_close(self) -> None:
        self.close()
