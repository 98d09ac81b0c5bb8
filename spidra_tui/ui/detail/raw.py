"""The Raw tab: the last answer exactly as the server sent it, as pretty JSON."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from spidra_tui import format as fmt
from spidra_tui.ui.detail.deliverable import Deliverable, raw_deliverable
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.ui.document import DocumentView


class RawTab(DetailTab):
    """The Raw tab body. The JSON is laid out only when the tab is opened."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._raw: dict[str, Any] | None = None
        self._answer_size = 0
        self._drawn: dict[str, Any] | None = None
        self._drawn_any = False

    def compose(self) -> ComposeResult:
        yield Static(id="raw-info", markup=False)
        yield DocumentView(id="raw-doc")

    def set_answer(self, job_id: str, raw: dict[str, Any] | None, size: int = 0) -> None:
        """Take the last answer; the view is redrawn only if it is a different answer."""
        same_job = job_id == self.job_id
        self.job_id = job_id
        self._answer_size = size
        if same_job and (raw is self._raw or raw == self._raw):
            return
        self._raw = raw
        self.invalidate()

    def draw(self) -> None:
        if self._drawn_any and self._drawn is self._raw:
            return
        self._drawn, self._drawn_any = self._raw, True
        info = self.query_one("#raw-info", Static)
        doc = self.query_one("#raw-doc", DocumentView)
        if not self._raw:
            info.update(Text("No answer has arrived for this job yet.", style="dim"))
            doc.display = False
            return
        described = "The last answer, as received"
        if self._answer_size:
            described += f" ({fmt.size(self._answer_size)})"
        info.update(Text(described + ". S saves it whole.", style="dim"))
        doc.display = True
        doc.show_json(self._raw)

    def deliverable(self) -> Deliverable | None:
        return raw_deliverable(self.job_id, self._raw) if self._raw else None

    def focus_main(self) -> None:
        doc = self.query_one("#raw-doc", DocumentView)
        if doc.display:
            doc.focus()
