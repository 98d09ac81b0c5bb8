"""Copy, save and open for the app: the routes of ``spidra_tui.deliver``, wired to Textual.

Everything that may block (pyperclip starting ``xclip``, a browser starting,
``fsync``) runs in a worker thread; the toasts say what happened.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from spidra_tui import deliver
from spidra_tui import format as fmt
from spidra_tui.api.errors import SpidraError
from spidra_tui.api.records import lines_of
from spidra_tui.deliver.download import DownloadError
from spidra_tui.sanitize import clean, json_text, line
from spidra_tui.ui import toasts
from spidra_tui.ui.detail.deliverable import Deliverable
from spidra_tui.ui.dialogs.confirm import ConfirmDialog
from spidra_tui.ui.dialogs.save import SaveDialog, describe_error
from spidra_tui.ui.jobs.job_row import short_id
from spidra_tui.ui.terminal import TerminalOutput
from spidra_tui.watch.kinds import read_answer, whole_in_updates

if TYPE_CHECKING:
    from textual.app import App

    from spidra_tui.deliver.screenshots import ScreenshotFetcher
    from spidra_tui.ui.detail.pane import JobDetail
    from spidra_tui.watch.store import JobStore

BrowserOpen = Callable[[str], object]


class Deliveries:
    """The copy, save and open commands of one app.

    ``pyperclip_copy`` replaces ``pyperclip.copy`` and ``browser_open`` the
    browser's open function (tests record with them); ``env`` decides SSH and
    tmux handling; relative save paths start at ``folder``.
    """

    def __init__(
        self,
        app: App[object],
        *,
        store: JobStore,
        terminal: TerminalOutput,
        env: Mapping[str, str] = os.environ,
        folder: Path | None = None,
        pyperclip_copy: Callable[[str], object] | None = None,
        browser_open: BrowserOpen | None = None,
        screenshots: ScreenshotFetcher | None = None,
    ) -> None:
        self._app = app
        self.screenshots = screenshots
        self._store = store
        self._terminal = terminal
        self.env = env
        self.folder = folder or Path.cwd()
        self.pyperclip_copy = pyperclip_copy
        self.browser_open = browser_open

    # -- copy ------------------------------------------------------------

    def copy(self, text: str, what: str) -> None:
        """Copy ``text`` by every route that works; a toast names them."""
        self._app.run_worker(
            partial(self._copy_in_thread, text, what),
            thread=True,
            group="copy",
            description="copy",
        )

    def _copy_in_thread(self, text: str, what: str) -> None:
        report = self._copy_now(text)
        self._app.call_from_thread(toasts.show, self._app, toasts.copied(report, what))

    def _copy_now(self, text: str) -> deliver.CopyReport:
        """Copy from a worker thread; the terminal is only ever written on the app's thread."""
        return deliver.copy_text(
            text,
            app_copy=lambda data: self._app.call_from_thread(self._app.copy_to_clipboard, data),
            write_raw=lambda data: self._app.call_from_thread(self._write_raw, data),
            env=self.env,
            pyperclip_copy=self.pyperclip_copy,
        )

    def _write_raw(self, data: str) -> None:
        # The tmux-wrapped OSC 52 goes to the terminal as it is, like Textual's
        # own copy_to_clipboard writes its bare OSC 52.
        self._terminal.write(data)

    def copy_content(self, detail: JobDetail) -> None:
        """``c``: what the detail pane shows."""
        target = detail.copy_target()
        if target is None:
            self._nothing("Nothing to copy here yet: this tab shows no content.")
            return
        self.copy(target.text, f"{target.what} of {short_id(detail.job_id or '')}")

    def copy_id(self, job_id: str | None) -> None:
        """``i``: the selected job's full ID."""
        if not job_id:
            self._nothing("No job selected.")
            return
        self.copy(clean(job_id), "job ID")

    def copy_url(self, detail: JobDetail) -> None:
        """``y``: the selected page's or screenshot's URL."""
        url = detail.selected_url()
        if not url:
            self._nothing("No URL selected: pick a page (tab 2) or a screenshot (tab 3).")
            return
        self.copy(line(url), "URL")

    # -- save ------------------------------------------------------------

    def save_content(self, detail: JobDetail) -> None:
        """``s``: a dialog to save what the detail pane shows; on the Screenshots tab,
        the selected image, straight into the current folder."""
        shot = detail.selected_screenshot()
        if shot is not None:
            self.save_screenshot(detail.job_id or "job", *shot)
            return
        target = detail.save_target()
        if target is None:
            self._nothing("Nothing to save here yet: this tab shows no content.")
            return
        self._ask_and_save(target)

    def save_answer(self, job_id: str | None) -> None:
        """``S``: the job's whole last answer, as indented JSON."""
        if not job_id:
            self._nothing("No job selected.")
            return
        self._app.run_worker(
            partial(self._load_answer_in_thread, job_id), thread=True, group="answer-save"
        )

    def _load_answer_in_thread(self, job_id: str) -> None:
        answer = self._store.load_answer(job_id)
        if answer is None:
            self._app.call_from_thread(self._nothing, "No answer stored for this job yet.")
            return
        lines = self._lines(job_id, answer)
        if lines is not None:
            # A batch's items or a crawl's pages: one JSON object a line.
            name = deliver.default_name(job_id, "jsonl")
            target = Deliverable(lines, "items and pages as JSON Lines", name)
        else:
            text = json_text(answer) + "\n"
            target = Deliverable(text, "whole answer", deliver.default_name(job_id, "answer"))
        self._app.call_from_thread(self._ask_and_save, target)

    def _lines(self, job_id: str, body: dict[str, Any]) -> str | None:
        pages = [] if whole_in_updates(job_id) else self._store.load_pages(job_id)
        try:
            return lines_of(read_answer(job_id, body, pages))
        except SpidraError:
            return None

    def _ask_and_save(self, target: Deliverable) -> None:
        size = len(target.text.encode("utf-8", "replace"))

        def write(path: Path, overwrite: bool) -> Path:
            return deliver.save_text(path, target.text, overwrite=overwrite)

        def done(path: Path | None) -> None:
            if path is not None:
                message = f"Saved {fmt.size(size)} to {line(str(path), 200)}"
                toasts.show(self._app, toasts.Toast(toasts.text(message), "Saved"))

        dialog = SaveDialog(
            what=target.what,
            size=size,
            suggested=f"./{target.file_name}",
            folder=self.folder,
            writer=write,
        )
        self._app.push_screen(dialog, done)

    def save_screenshot(self, job_id: str, number: int, url: str, overwrite: bool = False) -> None:
        """Save screenshot ``number`` of ``job_id`` as ``JOBID-N.png`` in the folder the
        app started in; an existing file is replaced only after asking."""
        if self.screenshots is None:
            self._nothing("Screenshots cannot be fetched here: o opens it in a browser.")
            return
        self._app.run_worker(
            self._save_screenshot(self.screenshots, job_id, number, url, overwrite),
            group="screenshot-save",
        )

    async def _save_screenshot(
        self, fetcher: ScreenshotFetcher, job_id: str, number: int, url: str, overwrite: bool
    ) -> None:
        try:
            saved = await fetcher.save(url, self.folder, job_id, number, overwrite=overwrite)
        except FileExistsError as exc:
            name = line(Path(exc.filename or "").name, 120)

            def answered(yes: bool | None) -> None:
                if yes:
                    self.save_screenshot(job_id, number, url, overwrite=True)

            question = Text(f"{name} already exists in {line(str(self.folder), 120)}. Replace it?")
            self._app.push_screen(
                ConfirmDialog("Replace the file?", question, yes="Replace"), answered
            )
            return
        except DownloadError as exc:
            toasts.show(
                self._app, toasts.Toast(toasts.text(line(str(exc), 300)), "Not saved", "error", 8)
            )
            return
        except OSError as exc:
            path = self.folder / Path(exc.filename or "").name if exc.filename else self.folder
            toasts.show(
                self._app,
                toasts.Toast(toasts.text(describe_error(exc, path)), "Not saved", "error", 8),
            )
            return
        message = f"Saved {fmt.size(saved.size)} to {line(str(saved.path), 200)}"
        toasts.show(self._app, toasts.Toast(toasts.text(message), "Screenshot saved"))

    # -- open ------------------------------------------------------------

    def open_screenshot(self, detail: JobDetail) -> None:
        """``o``: the selected screenshot, or the only one."""
        url = detail.screenshot_url()
        if not url:
            self._nothing(
                "No screenshot to open: this job has none, or pick one in the Screenshots tab (3)."
            )
            return
        self.open_link(url)

    def open_link(self, url: str) -> None:
        """Open ``url`` if it is http(s) and a graphical browser is here; else copy it."""
        self._app.run_worker(partial(self._open_in_thread, url), thread=True, group="open")

    def _open_in_thread(self, url: str) -> None:
        report = deliver.open_url(url, env=self.env, browser_open=self.browser_open)
        copy = self._copy_now(report.url) if report.action == "copy" else None
        self._app.call_from_thread(toasts.show, self._app, toasts.opened(report, copy))

    # -- words -----------------------------------------------------------

    def _nothing(self, message: str) -> None:
        toasts.show(self._app, toasts.Toast(toasts.text(message), severity="warning"))
