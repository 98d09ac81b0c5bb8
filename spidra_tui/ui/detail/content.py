"""The Content tab: a job's result, or where the job stands while there is none.

A completed job's ``result.content`` is shown rendered (markdown) or as pretty JSON, with a
collapsible tree one key away; a notice bar says when the content is a fallback. Before
that, a status panel shows progress and timing and counts down by itself; a failed job
shows its whole error; a job the server will not show says what the server said.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from spidra_tui.api.models import Job, Result
from spidra_tui.clock import Clock
from spidra_tui.sanitize import line
from spidra_tui.ui.detail import status
from spidra_tui.ui.detail.deliverable import Deliverable, content_deliverable, error_deliverable
from spidra_tui.ui.detail.tab import DetailTab
from spidra_tui.ui.document import DocumentMode, DocumentView, JsonTree
from spidra_tui.watch.state import JobSummary, RetryState

_AI_FAILED = (
    "AI extraction failed: this is the raw page markdown, not the extraction the prompt asked for."
)
_EMPTY_EXTRACTION = "The extraction came back empty: nothing on the pages matched the prompt."


def notices(job: Job | None) -> Text | None:
    """The warnings a reader must see before trusting the content, or None."""
    if job is None:
        return None
    parts: list[str] = []
    result = job.result
    if result is not None and result.ai_extraction_failed:
        parts.append(_AI_FAILED)
    if result is not None and result.extraction_empty:
        parts.append(_EMPTY_EXTRACTION)
    parts.extend(f"Schema warning: {line(w, 500)}" for w in job.schema_warnings)
    if not parts:
        return None
    return Text("\n".join(f"⚠ {p}" for p in parts))


def _same(a: Any, b: Any) -> bool:
    # Identity first: the usual re-show passes the very same objects, and comparing a
    # 5 MB string with itself by value would still cost a pass over it.
    return a is b or a == b


class ContentTab(DetailTab):
    """The Content tab body. The pane feeds it with :meth:`set_job`."""

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._summary: JobSummary | None = None
        self._job: Job | None = None
        self._next_poll_at: float | None = None
        self._retry: RetryState | None = None
        self._note: str | None = None
        self._phase = status.Phase.NONE
        # What the document shows; the document is redrawn only when this changes.
        self._body: tuple[Any, ...] = (status.Phase.NONE,)
        self._doc_body: tuple[Any, ...] | None = None  # the body the document shows
        self._tree_body: tuple[Any, ...] | None = None  # the body the tree shows
        self._tree = False
        self._rendered = True
        self._copy_cache: tuple[Any, Deliverable | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="content-status", markup=False)
        yield Static(id="content-notice", markup=False)
        yield DocumentView(id="content-doc")

    def on_mount(self) -> None:
        # Only the countdown and the elapsed time move between updates; redraw just those.
        self.set_interval(1.0, self._tick)
        super().on_mount()

    # -- data in ---------------------------------------------------------------

    def set_job(
        self,
        summary: JobSummary | None,
        job: Job | None,
        *,
        next_poll_in: float | None = None,
        retry: RetryState | None = None,
        note: str | None = None,
    ) -> None:
        """Take the job's latest state; the document is redrawn only if its text changed.

        ``note``: why the next poll is far off (the request budget), shown under it."""
        self.job_id = summary.job_id if summary is not None else ""
        self._summary, self._job, self._retry = summary, job, retry
        self._note = note
        now = self._clock.monotonic()
        self._next_poll_at = None if next_poll_in is None else now + next_poll_in
        self._phase = status.phase_of(summary, job)
        body = self._body_key(job, summary)
        if not (len(body) == len(self._body) and all(map(_same, body, self._body))):
            self._body = body
            self._copy_cache = None
        self.invalidate()

    def _body_key(self, job: Job | None, summary: JobSummary | None) -> tuple[Any, ...]:
        if self._phase == status.Phase.RESULT and job is not None:
            return (self._phase, self.job_id, job.result)
        if self._phase == status.Phase.FAILED:
            return (self._phase, self.job_id, status.error_of(summary, job))
        return (self._phase,)

    def set_rendered(self, rendered: bool) -> None:
        """Show markdown rendered (True) or as its source (False)."""
        self._rendered = rendered
        if self.is_mounted:
            self._apply_rendered()

    def _apply_rendered(self) -> None:
        doc = self.query_one("#content-doc", DocumentView)
        if doc.mode is DocumentMode.MARKDOWN and doc.rendered != self._rendered:
            doc.toggle_rendered()

    # -- drawing ---------------------------------------------------------------

    def draw(self) -> None:
        self._draw_status()
        notice = self.query_one("#content-notice", Static)
        text = notices(self._job) if self._phase == status.Phase.RESULT else None
        notice.display = text is not None
        if text is not None:
            notice.update(text)
        self._draw_body()

    def _draw_status(self) -> None:
        panel = self.query_one("#content-status", Static)
        phase = self._phase
        summary, job = self._summary, self._job
        if phase == status.Phase.NONE:
            text: Text | None = Text("Select a job to see what it produced.", style="dim")
        elif phase == status.Phase.PENDING:
            text = status.waiting_text(summary, job, self._timing())
        elif phase == status.Phase.GONE:
            text = status.gone_text(summary, job)
        elif phase == status.Phase.FAILED:
            text = status.failed_heading(summary, job)
        else:
            text = None
        panel.display = text is not None
        if text is not None:
            # A layout pass only when the panel's height changes: the countdown ticks
            # every second in as many lines, and each pass redraws more than this pane.
            panel.update(text, layout=False)
            width = panel.content_size.width
            height = panel.get_content_height(panel.size, panel.size, width) if width else -1
            if height != panel.content_size.height:
                panel.refresh(layout=True)

    def _timing(self) -> status.Timing:
        now = self._clock.monotonic()
        retry = self._retry
        return status.Timing(
            now_wall=self._clock.wall(),
            next_poll_in=None if self._next_poll_at is None else self._next_poll_at - now,
            retry=retry,
            retry_in=None if retry is None else retry.retry_at - now,
            note=self._note,
        )

    def _tick(self) -> None:
        if self.on_screen and self._phase == status.Phase.PENDING:
            self._draw_status()

    def _draw_body(self) -> None:
        doc = self.query_one("#content-doc", DocumentView)
        result = self._job.result if self._job is not None else None
        phase = self._phase
        show_tree = (
            self._tree
            and phase == status.Phase.RESULT
            and result is not None
            and result.content_kind == "json"
        )
        # The text view and the tree each keep what they show until the content changes,
        # so switching between them keeps the place in both.
        if show_tree and result is not None and self._tree_body is not self._body:
            self._remove_trees()
            self.mount(JsonTree(result.content, label="content", id="content-tree"))
            self._tree_body = self._body
        elif not show_tree and self._doc_body is not self._body:
            self._doc_body = self._body
            if phase == status.Phase.RESULT and result is not None:
                self._show_result(doc, result)
            elif phase == status.Phase.FAILED:
                error = self._body[2]
                if error:
                    doc.show_text(error)
                else:
                    doc.show_message(Text("No error text was given.", style="dim"))
            else:
                # Nothing to show: let go of the previous job's text, which may be big.
                doc.show_message(Text(""))
            if self._tree_body is not self._body:
                self._remove_trees()
        doc.display = not show_tree and phase in (status.Phase.RESULT, status.Phase.FAILED)
        for tree in self.query(JsonTree):
            tree.display = show_tree

    def _remove_trees(self) -> None:
        # A tree of a 5 MB value holds on to it; drop it as soon as it is out of date.
        self._tree_body = None
        for old in self.query(JsonTree):
            old.remove()

    def _show_result(self, doc: DocumentView, result: Result) -> None:
        kind = result.content_kind
        if kind == "markdown":
            # The view cleans in pieces, off the event loop for a big text: no clean here.
            doc.show_markdown(result.content)
            self._apply_rendered()
        elif kind == "json":
            doc.show_json(result.content)
        else:
            hint = " The Pages tab has each page's markdown." if result.pages else ""
            doc.show_message(Text(f"The job completed without content.{hint}", style="dim"))

    # -- actions ---------------------------------------------------------------

    def toggle_tree(self) -> None:
        """Switch JSON content between pretty text and a collapsible tree."""
        result = self._job.result if self._job is not None else None
        if self._phase != status.Phase.RESULT or result is None or result.content_kind != "json":
            self.notify("The tree view is for JSON content.", severity="warning", markup=False)
            return
        self._tree = not self._tree
        self.invalidate()
        self.call_after_refresh(self.focus_main)

    @property
    def shows_markdown(self) -> bool:
        """Whether the tab shows markdown content right now (what ``m`` acts on)."""
        return self.content_kind == "markdown" and self._phase == status.Phase.RESULT

    @property
    def content_kind(self) -> str | None:
        """The result's kind ("markdown", "json" or "empty"); None before there is one."""
        result = self._job.result if self._job is not None else None
        return result.content_kind if result is not None else None

    def deliverable(self) -> Deliverable | None:
        if self._copy_cache is not None and self._copy_cache[0] is self._body:
            return self._copy_cache[1]
        deliverable: Deliverable | None = None
        job = self._job
        if self._phase == status.Phase.RESULT and job is not None and job.result is not None:
            deliverable = content_deliverable(self.job_id, job.result)
        elif self._phase == status.Phase.FAILED:
            deliverable = error_deliverable(self.job_id, self._body[2])
        self._copy_cache = (self._body, deliverable)
        return deliverable

    def step(self, direction: int) -> None:
        """``[``/``]``: the previous or next section (heading, or top-level JSON entry)."""
        doc = self.query_one("#content-doc", DocumentView)
        if doc.display:
            if direction > 0:
                doc.next_section()
            else:
                doc.previous_section()

    def focus_main(self) -> None:
        for tree in self.query(JsonTree):
            if tree.display:
                tree.focus()
                return
        doc = self.query_one("#content-doc", DocumentView)
        if doc.display:
            doc.focus()
