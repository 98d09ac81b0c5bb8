"""The save dialog: a path to edit, and no file overwritten without asking."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from spidra_tui import format as fmt
from spidra_tui.sanitize import line
from spidra_tui.ui.dialogs.confirm import ConfirmDialog

Writer = Callable[[Path, bool], Path]
"""Writes the text to a path (overwriting when told to) and returns the path written."""


def describe_error(error: OSError, path: Path) -> str:
    """A failed save in plain words."""
    shown = line(str(path), 200)
    if isinstance(error, IsADirectoryError):
        return f"{shown} is a folder; add a file name."
    if isinstance(error, FileNotFoundError):
        return f"The folder {line(str(path.parent), 200)} does not exist."
    if isinstance(error, NotADirectoryError):
        return f"{line(str(path.parent), 200)} is a file, not a folder."
    if isinstance(error, PermissionError):
        return f"You may not write {shown} (permission denied)."
    reason = line(error.strerror or str(error), 120)
    return f"Could not write {shown}: {reason}."


class SaveDialog(ModalScreen[Path | None]):
    """Asks where to save ``what``; enter writes, escape cancels.

    The dialog returns the path written, or None when cancelled. An existing
    file gets a confirmation first; answering no leaves it untouched and the
    dialog open for another name.
    """

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, *, what: str, size: int, suggested: str, folder: Path, writer: Writer
    ) -> None:
        super().__init__()
        self._what = line(what, 80)
        self._nbytes = size
        self._suggested = suggested
        self._folder = folder
        self._writer = writer

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog save") as box:
            box.border_title = Text(f"Save {self._what}")
            box.border_subtitle = "enter saves · escape cancels"
            yield Static(
                Text(
                    f"{fmt.size(self._nbytes)} to a file. "
                    f"A relative path is taken from {line(str(self._folder), 200)}."
                ),
                classes="hint",
            )
            yield Input(value=self._suggested, id="save-path", select_on_focus=False)
            yield Static("", id="save-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    def target(self, value: str) -> Path:
        """The path a value of the input means."""
        path = Path(os.path.expanduser(value.strip()))
        return path if path.is_absolute() else self._folder / path

    @on(Input.Submitted, "#save-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self._show_error("Type a file name first.")
            return
        self._save(self.target(event.value))

    @work(exclusive=True, group="save")
    async def _save(self, path: Path) -> None:
        try:
            written = await self._write(path, overwrite=False)
        except FileExistsError:
            question = Text("A file named ")
            question.append(line(str(path), 200), style="bold")
            question.append(" already exists. Replace it?")
            if not await self.app.push_screen_wait(
                ConfirmDialog("Replace the file?", question, yes="Replace", no="Keep it")
            ):
                self._show_error("Not saved: the existing file is kept. Choose another name.")
                self.query_one("#save-path", Input).focus()
                return
            try:
                written = await self._write(path, overwrite=True)
            except OSError as error:
                self._show_error(describe_error(error, path))
                return
        except OSError as error:
            self._show_error(describe_error(error, path))
            return
        self.dismiss(written)

    async def _write(self, path: Path, *, overwrite: bool) -> Path:
        # Writing syncs to disk: keep it off the event loop.
        return await asyncio.to_thread(self._writer, path, overwrite)

    def _show_error(self, message: str) -> None:
        self.query_one("#save-error", Static).update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)
