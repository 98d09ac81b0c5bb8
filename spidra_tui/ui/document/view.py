"""DocumentView: a read-only viewer for a job's result, fast at any size.

A result can be several megabytes of markdown or JSON. The view cuts the text into
blocks with a line scan (the first few screens before the first paint, the rest in a
worker thread), estimates each block's height, and renders with Rich only the blocks
near the viewport, so the first screen shows at once and no step holds the event loop
for long. Every string shown is first passed through `spidra_tui.sanitize.clean`, and
nothing from the content is ever read as markup.
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from itertools import islice
from time import perf_counter
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.strip import Strip
from textual.worker import get_current_worker

from spidra_tui.sanitize import clean
from spidra_tui.ui.document import loading
from spidra_tui.ui.document.block_layout import BlockLayout
from spidra_tui.ui.document.block_render import render_markdown, render_text
from spidra_tui.ui.document.block_view import BlockView, Section
from spidra_tui.ui.document.blocks import Block, BlockBatch, LineBlockSplitter, SourceBlockSplitter
from spidra_tui.ui.document.json_lines import (
    JsonEntries,
    after_head,
    highlight_json,
    pretty_chunks,
    pretty_lines,
)
from spidra_tui.ui.document.loading import LoadState
from spidra_tui.ui.document.markdown_blocks import MarkdownBlockSplitter, MarkdownHeadings

__all__ = ["DocumentMode", "DocumentView", "Section"]

# The first screen of a JSON value is dumped lazily, up to this many lines.
_HEAD_JSON_LINES = 400
# Seconds between updates of the scrollbar while content far below the view loads.
_GROWTH_INTERVAL = 0.2

_JSON_STYLES = (
    "document-view--json-key",
    "document-view--json-string",
    "document-view--json-number",
    "document-view--json-literal",
)


class DocumentMode(StrEnum):
    """What a :class:`DocumentView` shows."""

    MESSAGE = "message"
    MARKDOWN = "markdown"
    TEXT = "text"
    JSON = "json"


class DocumentView(BlockView, can_focus=True):
    """A focusable, read-only view of markdown (rendered or source), text or JSON.

    Call `show_markdown`, `show_text`, `show_json` or `show_message`; `toggle_rendered`
    switches markdown between rendered and source (the screen binds it to `m`). `]` and
    `[` step through the sections. Posts `DocumentView.Ready` once the content is fully
    processed.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "document-view--heading",
        "document-view--message",
        *_JSON_STYLES,
    }

    DEFAULT_CSS = """
    DocumentView {
        background: $surface;
        color: $foreground;
        padding: 0 1;
        &:focus {
            background-tint: $foreground 4%;
        }
        & > .document-view--heading { color: $text-primary; text-style: bold; }
        & > .document-view--message { color: $text-muted; text-style: italic; }
        & > .document-view--json-key { color: $text-primary; }
        & > .document-view--json-string { color: $text-success; }
        & > .document-view--json-number { color: $text-warning; }
        & > .document-view--json-literal { color: $text-accent; text-style: italic; }
    }
    """

    class Ready(Message):
        """Posted when the content given to a `show_*` method is fully processed."""

        def __init__(self, document_view: DocumentView) -> None:
            super().__init__()
            self.document_view = document_view

        @property
        def control(self) -> DocumentView:
            """The view that is ready."""
            return self.document_view

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        layout = BlockLayout(self._render_message)
        super().__init__(layout, name=name, id=id, classes=classes, disabled=disabled)
        self._mode = DocumentMode.MESSAGE
        self._prefer_rendered = True
        self._message = Text()
        self._message_styled = False
        # A show_* call made before the view is mounted, run on mount.
        self._deferred: partial[None] | None = None
        self._mount_started = False
        self._rendered_layout: BlockLayout | None = None
        self._source_layout: BlockLayout | None = None
        self._load = LoadState(0, [layout])
        self._style_key: tuple[Style, ...] | None = None
        self._last_growth = 0.0

    # --- what to show -------------------------------------------------------------

    def show_markdown(self, text: str) -> None:
        """Show markdown, rendered (or as source if the reader last chose that)."""
        if self._defer(self.show_markdown, text):
            return
        rendered = BlockLayout(self._render_markdown_block)
        source = BlockLayout(self._render_source_block)
        self._begin(
            DocumentMode.MARKDOWN, rendered if self._prefer_rendered else source, [rendered, source]
        )
        self._rendered_layout, self._source_layout = rendered, source
        splitters = [MarkdownBlockSplitter(), SourceBlockSplitter(MarkdownHeadings())]
        self._load_text(_as_text(text), splitters)

    def show_text(self, text: str) -> None:
        """Show text as it is: plain lines, wrapped."""
        if self._defer(self.show_text, text):
            return
        layout = BlockLayout(self._render_source_block)
        self._begin(DocumentMode.TEXT, layout, [layout])
        self._load_text(_as_text(text), [SourceBlockSplitter(MarkdownHeadings())])

    def show_json(self, value: Any) -> None:
        """Show a JSON value, pretty-printed (indent 2) and highlighted."""
        if self._defer(self.show_json, value):
            return
        head: list[str] = []
        size = 0
        try:
            for line in islice(pretty_lines(value), _HEAD_JSON_LINES + 1):
                head.append(line)
                size += len(line) + 1
                if size > loading.HEAD_CHARS:
                    break
        except (ValueError, RecursionError):
            # Not from a JSON parser: a circular reference, or nested past Python's
            # recursion limit.
            self.show_message("This value cannot be shown as JSON.")
            return
        layout = BlockLayout(self._render_json_block)
        self._begin(DocumentMode.JSON, layout, [layout])
        splitters: list[LineBlockSplitter] = [SourceBlockSplitter(JsonEntries())]
        if len(head) <= _HEAD_JSON_LINES and size <= loading.HEAD_CHARS:
            self._load_text("\n".join(head), splitters)
            return
        # The head is the start of the full dump: show it now, dump the rest in a thread.
        load = self._load
        load.json_value, load.json_head = value, "".join(line + "\n" for line in head[:-1])
        cleaned = clean(load.json_head)
        blocks = loading.split_piece(cleaned, splitters)
        self._take(load.generation, cleaned, blocks, len(load.json_head), False)
        work = partial(self._load_json, load.generation, value, load.json_head, splitters)
        self._run_loader(work)

    def show_message(self, message: str | Text) -> None:
        """Show a short notice, such as "Waiting for the job to finish".

        A `str` is shown in the view's message style; a `Text` keeps its own styles.
        """
        if self._defer(self.show_message, message):
            return
        if isinstance(message, Text):
            plain = clean(message.plain)
            text = message.copy() if plain == message.plain else Text(plain, style=message.style)
        else:
            text = Text(clean(message))
        self._message, self._message_styled = text, isinstance(message, Text)
        layout = BlockLayout(self._render_message)
        self._begin(DocumentMode.MESSAGE, layout, [layout])
        batch = BlockBatch()
        batch.add(text.plain, "message", 0, [len(line) for line in text.plain.split("\n")])
        self._take(self._load.generation, text.plain, [batch], 0, True)

    # --- state --------------------------------------------------------------------

    @property
    def mode(self) -> DocumentMode:
        """What is shown."""
        return self._mode

    @property
    def rendered(self) -> bool:
        """Whether markdown is shown rendered (False: as source, or not markdown)."""
        return self._mode is DocumentMode.MARKDOWN and self._layout is self._rendered_layout

    @property
    def loading(self) -> bool:
        """Whether the content is still being processed in the background."""
        return not self._load.done

    @property
    def source_text(self) -> str:
        """The text shown, as a copy would take it: markdown source or pretty JSON.

        Cleaned like everything shown. While a big text is still loading, the rest is
        cleaned here and now (a JSON value dumped), so the answer is always whole.
        """
        return self._load.source_text()

    def toggle_rendered(self) -> None:
        """Switch markdown between rendered and source, keeping the place."""
        rendered, source = self._rendered_layout, self._source_layout
        if self._mode is not DocumentMode.MARKDOWN or rendered is None or source is None:
            return
        self._prefer_rendered = not self.rendered
        target = rendered if self._prefer_rendered else source
        anchor = (0, 0)
        if len(self._layout) and len(target):
            index, _ = self._layout.locate(round(self.scroll_y))
            offset = self._layout.offset(index)
            new_index = target.block_at_offset(offset)
            block = target.block(new_index)
            # Source chunks hold many lines: land on the line the top block starts at.
            lines_in = block.text.count("\n", 0, max(0, offset - block.offset))
            anchor = (new_index, lines_in if target is source else 0)
        self._set_layout(target, anchor)
        self.refresh_bindings()

    # --- loading ------------------------------------------------------------------

    def _defer(self, show: Any, content: Any) -> bool:
        """Keep a show_* call made before mounting for `on_mount`; True if kept."""
        if self._mount_started:
            return False
        self._deferred = partial(show, content)
        return True

    def on_mount(self) -> None:
        # `is_mounted` turns True only after the mount handlers have run.
        self._mount_started = True
        deferred, self._deferred = self._deferred, None
        if deferred is not None:
            deferred()

    def _begin(self, mode: DocumentMode, shown: BlockLayout, layouts: list[BlockLayout]) -> None:
        self._load = LoadState(self._load.generation + 1, layouts)
        self._mode = mode
        self._rendered_layout = self._source_layout = None
        # A load still running for earlier content sees the new generation at its next
        # piece and ends by itself: not cancelled, so waiting for workers never fails.
        self._set_layout(shown)
        self.refresh_bindings()

    def _load_text(self, text: str, splitters: list[LineBlockSplitter]) -> None:
        load = self._load
        end = loading.head_end(text)
        head = clean(text[:end])
        blocks = loading.split_piece(head, splitters)
        if end >= len(text):
            for piece_blocks, last in zip(blocks, loading.finish(splitters), strict=True):
                piece_blocks.extend(last)
            self._take(load.generation, head, blocks, end, True)
            return
        load.text = text
        self._take(load.generation, head, blocks, end, False)
        deliver = partial(self._hand_over, load.generation)
        self._run_loader(partial(loading.load_rest, text, end, splitters, deliver))

    def _run_loader(self, work: Any) -> None:
        self._load.done = False
        # A description of our own: Textual's default is repr(work), which for a
        # partial holding a 5 MB text takes tens of milliseconds.
        description = "Cleaning and splitting a document"
        self.run_worker(work, description=description, thread=True, group="document-load")

    def _load_json(
        self, generation: int, value: Any, head: str, splitters: list[LineBlockSplitter]
    ) -> None:
        # Runs in a worker thread.
        deliver = partial(self._hand_over, generation)
        try:
            matches, chunks = after_head(pretty_chunks(value), head)
            if not matches:
                # The lazy dump differed from json.dumps (a key type it converts its
                # own way): show the full dump from the start.
                if not self._call(self._restart, generation):
                    return
                splitters = [SourceBlockSplitter(JsonEntries())]
            loading.load_stream(chunks, len(head) if matches else 0, splitters, deliver)
        except (ValueError, RecursionError):
            # Nested deeper than the encoder can go: keep what is shown, end the load.
            deliver("", [BlockBatch()], -1, True)

    def _hand_over(
        self, generation: int, cleaned: str, blocks: list[BlockBatch], end: int, done: bool
    ) -> bool:
        # In the worker thread: hand a piece to the event loop and wait until it is in.
        if get_current_worker().is_cancelled or generation != self._load.generation:
            return False
        return self._call(self._take, generation, cleaned, blocks, end, done)

    def _call(self, callback: Any, *args: Any) -> bool:
        try:
            return bool(self.app.call_from_thread(callback, *args))
        except RuntimeError:
            return False  # The app is closing.

    def _restart(self, generation: int) -> bool:
        if generation != self._load.generation:
            return False
        for layout in self._load.layouts:
            layout.clear()
        self._load.parts = []
        self._load.position = 0
        return True

    def _take(
        self, generation: int, cleaned: str, blocks: list[BlockBatch], end: int, done: bool
    ) -> bool:
        # On the event loop: add a processed piece to the layouts.
        load = self._load
        if generation != load.generation:
            return False
        load.parts.append(cleaned)
        load.position = end
        shown_to = self._layout.total
        for layout, new_blocks in zip(load.layouts, blocks, strict=True):
            layout.extend(new_blocks)
        if done:
            load.done = True
            load.text = load.json_value = None
            self.post_message(self.Ready(self))
        # Blocks added far below the view change only the scrollbar: update it a few
        # times a second, not for every piece (each update lays out the screen).
        now = perf_counter()
        near = shown_to < self.scroll_offset.y + 2 * self.scrollable_content_region.height
        if done or near or self._pin_end or now - self._last_growth > _GROWTH_INTERVAL:
            self._last_growth = now
            self._settle()
        return True

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Colours of source and JSON text come from the theme; a focus change leaves
        # them as they are, so keep what is rendered unless they really changed.
        try:
            key = tuple(self._component_style(name) for name in sorted(self.COMPONENT_CLASSES))
        except Exception:
            return
        if key != self._style_key:
            self._style_key = key
            for layout in self._load.layouts:
                layout.clear_cache()

    # --- rendering blocks ---------------------------------------------------------

    def _component_style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _render_markdown_block(self, block: Block, width: int) -> list[Strip]:
        if block.kind == "plain":
            return render_text(self.app.console, Text(block.text), width)
        return render_markdown(self.app.console, block.text, width)

    def _render_source_block(self, block: Block, width: int) -> list[Strip]:
        text = Text(block.text)
        if block.title is not None:
            first_line = block.text.find("\n")
            end = len(block.text) if first_line < 0 else first_line
            text.stylize(self._component_style("document-view--heading"), 0, end)
        return render_text(self.app.console, text, width)

    def _render_json_block(self, block: Block, width: int) -> list[Strip]:
        styles = [self._component_style(name) for name in _JSON_STYLES]
        return render_text(self.app.console, highlight_json(block.text, *styles), width)

    def _render_message(self, block: Block, width: int) -> list[Strip]:
        text = self._message.copy()
        if not self._message_styled:
            text.stylize_before(self._component_style("document-view--message"))
        return render_text(self.app.console, text, width)


def _as_text(text: object) -> str:
    return text if isinstance(text, str) else clean(text)
