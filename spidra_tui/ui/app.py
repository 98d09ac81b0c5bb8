"""``SpidraApp``: composes the main screen and wires the watcher, the store and the keys.

The watcher reports on the app's own event loop. Its job updates are
collected in an :class:`UpdateBuffer` and handed to the list a few times a
second, so a thousand polling jobs never keep a key waiting. The selected
job's full answer is read from the store in a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on, work
from textual.app import App
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from spidra_tui.api.errors import SpidraError
from spidra_tui.clock import Clock, SystemClock
from spidra_tui.images.protocol import image_mode
from spidra_tui.notify.endings import Ending
from spidra_tui.notify.route import Notifier
from spidra_tui.notify.sender import BurstSender
from spidra_tui.ui import toasts
from spidra_tui.ui.account.link import AccountLink
from spidra_tui.ui.account.watching import AccountFactory
from spidra_tui.ui.deliveries import BrowserOpen, Deliveries
from spidra_tui.ui.help import HelpScreen
from spidra_tui.ui.jobs.job_actions import JobActions
from spidra_tui.ui.jobs.job_list import JobList
from spidra_tui.ui.main_screen import MainScreen
from spidra_tui.ui.messages import PollerChanged
from spidra_tui.ui.palette import SpidraCommands
from spidra_tui.ui.terminal import TerminalOutput, recording_driver
from spidra_tui.ui.watching import UpdateBuffer, WatcherFactory, WatcherLike
from spidra_tui.watch.answers import AnswerReader
from spidra_tui.watch.budget import clock_text
from spidra_tui.watch.kinds import whole_in_updates
from spidra_tui.watch.state import JobSummary, JobUpdate, PollerStatus
from spidra_tui.watch.store import JobStore

if TYPE_CHECKING:
    from spidra_tui.deliver.screenshots import ScreenshotFetcher

T = TypeVar("T")

FLUSH_SECONDS = 0.15  # how often collected updates reach the list
LOAD_DELAY = 0.06  # seconds the cursor rests on a job before its answer is read


class SpidraApp(App[int]):
    """The watcher TUI.

    ``watcher_factory(on_update, on_status)`` builds the watcher once the app
    runs (its callbacks land on this loop); the app starts it on mount and
    stops it on quit; every request the app makes goes through it.
    ``env``, ``folder``, ``pyperclip_copy`` and ``open_url_hook`` let tests
    and odd set-ups decide how copy, save and open behave; ``clock`` sets the
    time that ages and countdowns are measured against; ``on_first_screen`` is
    called once the first screen, rows included, has been painted. ``images``
    (``--images``) is how screenshots are drawn: ``auto`` decides from ``env``.
    """

    CSS_PATH = ["app.tcss", "jobs/job_list.tcss", "status_bar.tcss"]
    COMMANDS = App.COMMANDS | {SpidraCommands}
    TITLE = "spidra-tui"

    def __init__(
        self,
        *,
        store: JobStore,
        watcher_factory: WatcherFactory,
        server: str = "",
        notify_jobs: bool = True,
        bell: bool = False,
        env: Mapping[str, str] = os.environ,
        folder: Path | None = None,
        pyperclip_copy: Callable[[str], object] | None = None,
        open_url_hook: BrowserOpen | None = None,
        clock: Clock | None = None,
        demo: bool = False,
        on_first_screen: Callable[[], object] | None = None,
        account_factory: AccountFactory | None = None,
        follow_account: bool = False,
        notify_mode: str = "off",
        screenshots: ScreenshotFetcher | None = None,
        images: str = "cells",
    ) -> None:
        self.terminal = TerminalOutput()
        super().__init__(driver_class=recording_driver(self.get_driver_class(), self.terminal))
        self.store = store
        self._answers = AnswerReader(store)
        self.server = server
        self.notify_jobs = notify_jobs
        self.ring_bell = bell
        self.demo = demo
        self.clock: Clock = clock or SystemClock()
        self._watcher_factory = watcher_factory
        self._on_first_screen = on_first_screen
        self._watcher: WatcherLike | None = None
        self._buffer = UpdateBuffer()
        # Parsed answers (a Job, Batch or Crawl) of the jobs shown lately.
        self._jobs: dict[str, Any] = {}
        self._poller: PollerStatus | None = None
        self._shown_note: str | None = None
        self._load_timer: Timer | None = None
        self.deliveries = Deliveries(
            self,
            store=store,
            terminal=self.terminal,
            env=env,
            folder=folder,
            pyperclip_copy=pyperclip_copy,
            browser_open=open_url_hook,
            screenshots=screenshots,
        )
        self.screenshots = screenshots
        self.image_mode = image_mode(images, env)
        """How pictures are drawn: ``cells``, ``kitty`` or ``sixel`` (``--images``)."""
        self.notices = BurstSender(Notifier(notify_mode, env, self.terminal.write))
        """One notification leaving the app per burst of job endings (``--notify``)."""
        self.job_actions = JobActions(self)
        self.account = AccountLink(self, account_factory, follow_account)
        self._main = MainScreen(server, clock=self.clock)

    @property
    def open_url_hook(self) -> BrowserOpen | None:
        """Called instead of the browser's open function (tests record with it)."""
        return self.deliveries.browser_open

    @open_url_hook.setter
    def open_url_hook(self, hook: BrowserOpen | None) -> None:
        self.deliveries.browser_open = hook

    @property
    def watcher(self) -> WatcherLike:
        """The running watcher (from mount until quit)."""
        if self._watcher is None:
            raise RuntimeError("the watcher starts when the app is mounted")
        return self._watcher

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog that is open)."""
        return self._main

    def get_default_screen(self) -> MainScreen:
        return self._main

    # -- start and stop --------------------------------------------------

    async def on_ready(self) -> None:
        # Ready, not Mount: the main screen's widgets exist only from here.
        self.main.status_bar.show_notify(self.notify_jobs)
        self.main.detail.set_screenshot_fetcher(self.screenshots)
        self.main.job_list.set_jobs(self.store.list())
        self._watcher = self._watcher_factory(self._job_updated, self._poller_changed)
        # What the first screen can do without waits until its rows are painted:
        # the detail pane, and polling, whose first request loads the HTTP stack.
        self.call_after_refresh(self._first_screen_painted, self._watcher)

    async def _first_screen_painted(self, watcher: WatcherLike) -> None:
        self.main.reveal_detail()
        if self._on_first_screen is not None:
            self._on_first_screen()
        if watcher is not self._watcher:
            return  # quit before the first paint
        await watcher.start()
        await self.account.start(watcher)
        self.set_interval(FLUSH_SECONDS, self._flush_updates)
        if self.demo:
            toasts.show(self, toasts.demo_welcome(len(self.main.job_list.job_ids)))

    async def stop_watching(self) -> None:
        """Stop the watcher; safe to call more than once."""
        await self.account.stop()
        self.notices.cancel()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await watcher.stop()

    async def action_quit(self) -> None:
        await self.stop_watching()
        self.exit(0)

    # -- the watcher's reports -------------------------------------------

    def _job_updated(self, update: JobUpdate) -> None:
        self._buffer.add(update)

    def _poller_changed(self, status: PollerStatus) -> None:
        self.post_message(PollerChanged(status))

    @on(PollerChanged)
    def _show_poller(self, message: PollerChanged) -> None:
        self.show_status(message.status)

    def show_status(self, status: PollerStatus) -> None:
        """Show the poller's state in the header."""
        self._poller = status
        try:
            self.main.status_bar.show_status(status)
            job_id = self.main.job_list.selected_id
        except NoMatches:  # a status that comes as the app quits: nothing to show it on
            return
        # The detail says why a running job is polled rarely: keep that current.
        if job_id is not None:
            if self._budget_note(self.main.job_list.summary(job_id)) != self._shown_note:
                self._show_detail(job_id)

    def _flush_updates(self) -> None:
        # Not `_flush`: Textual's print capture calls `App._flush(stderr=...)`, and a
        # logging handler or a library flushing stderr would crash the app.
        if not len(self._buffer):
            return
        try:
            self._apply_updates()
        except NoMatches:
            # The app is closing: its screen's widgets are being taken down while this
            # timer still runs (a run ended by its context, not by q). Nothing to show.
            return

    def _apply_updates(self) -> None:
        job_list = self.main.job_list
        updates, finished = self._buffer.take()
        if finished:
            self.account.job_ended()
        before = {u.job_id: job_list.summary(u.job_id) for u in finished}
        summaries = [s for u in updates if (s := self.store.get(u.job_id)) is not None]
        job_list.apply(summaries, {u.job_id: u.retry for u in updates})
        selected = job_list.selected_id
        for update in updates:
            if update.job is not None and update.job_id == selected:
                if whole_in_updates(update.job_id):
                    self._jobs[update.job_id] = update.job
                else:
                    self._load_answer(update.job_id)  # its pages are in the store
        if selected is not None and any(u.job_id == selected for u in updates):
            self._show_detail(selected)
        self._announce_ended(
            [
                summary
                for job_id, previous in before.items()
                if (summary := job_list.summary(job_id)) is not None
                and summary.terminal
                and (previous is None or not previous.terminal)
            ]
        )

    def _announce_ended(self, ended: list[JobSummary]) -> None:
        if not ended or not self.notify_jobs:
            return
        self.main.ended_banner.announce(ended)
        if self.ring_bell:
            self.bell()
        self.notices.ended(
            Ending(s.job_id, s.status, s.title or s.label or "", s.error or "") for s in ended
        )

    # -- what the job actions use (see jobs.job_actions.JobsHost) --------

    def watched_ids(self) -> list[str]:
        """The IDs of every job in the list, filtered out or not."""
        return self.main.job_list.job_ids

    def job_summary(self, job_id: str) -> JobSummary | None:
        """What the list holds of a job."""
        return self.main.job_list.summary(job_id)

    def select_job(self, job_id: str) -> None:
        """Move the list's cursor to a job."""
        self.main.job_list.select(job_id)

    def toast(self, toast: toasts.Toast) -> None:
        """Show a toast."""
        toasts.show(self, toast)

    def ask(self, screen: Screen[T], answered: Callable[[T | None], None]) -> None:
        """Open a dialog; ``answered`` gets what it returns."""
        self.push_screen(screen, answered)

    def run_later(self, work: Coroutine[Any, Any, None], group: str) -> None:
        """Run ``work`` as a worker of the app."""
        self.run_worker(work, group=group)

    # -- the list and the detail -----------------------------------------

    def show_jobs(self, job_ids: Iterable[str]) -> None:
        """Bring these jobs' rows up to date from the store (new ones appear)."""
        summaries = [s for job_id in job_ids if (s := self.store.get(job_id)) is not None]
        self.main.job_list.apply(summaries)

    def forget_jobs(self, job_ids: list[str]) -> None:
        """Take removed jobs off the screen."""
        self._buffer.discard(job_ids)
        for job_id in job_ids:
            self._jobs.pop(job_id, None)
        self.main.job_list.remove(job_ids)

    @on(JobList.Highlighted)
    def _highlighted(self, message: JobList.Highlighted) -> None:
        if self._watcher is not None:
            self._watcher.focus(message.job_id)  # the job on screen is polled first
        if message.job_id is None:
            self.main.detail.show(None, None)
            return
        # Keep only the selected job's answer: a big one should not linger.
        self._jobs = {k: v for k, v in self._jobs.items() if k == message.job_id}
        # The cursor's frame first, the detail in the next: redrawing the pane (and the
        # layout pass its new text asks for) would otherwise hold the moved cursor back.
        self.call_after_refresh(self._show_selected, message.job_id)
        if self._load_timer is not None:
            self._load_timer.stop()
            self._load_timer = None
        if message.job_id not in self._jobs:
            # While j is held the cursor passes many jobs: read only where it stops.
            job_id = message.job_id
            self._load_timer = self.set_timer(LOAD_DELAY, lambda: self._load_answer(job_id))

    @on(JobList.Opened)
    def _opened(self, message: JobList.Opened) -> None:
        self.main.focus_detail()

    def _show_selected(self, job_id: str) -> None:
        if self.main.job_list.selected_id == job_id:  # else the cursor has moved on
            self._show_detail(job_id)

    def _show_detail(self, job_id: str) -> None:
        job_list = self.main.job_list
        summary = job_list.summary(job_id)
        self._shown_note = self._budget_note(summary)
        self.main.detail.show(
            summary,
            self._jobs.get(job_id),
            next_poll_in=self._next_poll_in(summary),
            retry=job_list.retry_state(job_id),
            next_poll_note=self._shown_note,
        )

    def _budget_note(self, summary: JobSummary | None) -> str | None:
        """Why a running job is polled rarely, when the request budget is the reason."""
        status = self._poller
        if summary is None or summary.terminal or status is None or status.budget is None:
            return None
        view = status.budget
        if view.left == 0 and view.free_at is not None:
            return (
                f"The request budget is spent until {clock_text(view.free_at)} "
                f"({view.describe()}): no job is checked before then."
            )
        if status.budget_bound:
            return (
                f"Each job is checked about every {status.effective_interval:.0f} s to stay "
                f"within the request budget ({view.describe()})."
            )
        return None

    def _next_poll_in(self, summary: JobSummary | None) -> float | None:
        """Seconds until a running job is polled again, as far as the app can tell."""
        status = self._poller
        if summary is None or summary.terminal or status is None or status.paused:
            return None
        at = self._watcher.next_check(summary.job_id) if self._watcher is not None else None
        if at is not None:
            return max(0.0, at - self.clock.monotonic())
        if summary.last_polled is None:
            return None
        due = summary.last_polled + status.effective_interval
        return max(0.0, due - self.clock.wall())

    @work(thread=True, exclusive=True, group="load-answer")
    def _load_answer(self, job_id: str) -> None:
        try:
            job = self._answers.read(job_id)
        except SpidraError:
            return
        if job is None or get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._answer_loaded, job_id, job)

    def _answer_loaded(self, job_id: str, job: Any) -> None:
        if self.main.job_list.selected_id != job_id:
            return
        if whole_in_updates(job_id):
            self._jobs.setdefault(job_id, job)  # an update may have brought a newer one
        else:
            self._jobs[job_id] = job  # read after the update that asked for it
        self._show_detail(job_id)

    # -- actions (bound in keymap.KEYS) ----------------------------------

    def action_next_job(self) -> None:
        self.main.job_list.cursor_down()

    def action_previous_job(self) -> None:
        self.main.job_list.cursor_up()

    def action_first_job(self) -> None:
        self.main.job_list.cursor_first()

    def action_last_job(self) -> None:
        self.main.job_list.cursor_last()

    def action_open_detail(self) -> None:
        self.main.focus_detail()

    def action_switch_pane(self) -> None:
        self.main.switch_pane()

    def action_back(self) -> None:
        main = self.main
        if main.detail_has_focus or main.zoomed:
            main.focus_list()
        else:
            main.job_list.clear_filter()

    def action_filter(self) -> None:
        main = self.main
        if main.detail_has_focus and main.detail.shows_parts:
            main.detail.parts_view.open_filter()  # a batch's items or a crawl's pages
            return
        main.focus_list()
        main.job_list.open_filter()

    def action_show_tab(self, tab: str) -> None:
        self.main.detail.show_tab(tab)

    def action_add_jobs(self) -> None:
        self.job_actions.add_jobs()

    def action_new_scrape(self) -> None:
        self.job_actions.new_scrape()

    def action_remove_job(self) -> None:
        self.job_actions.remove_job(self.main.job_list.selected_id)

    def action_cancel_job(self) -> None:
        self.job_actions.cancel_job(self.main.job_list.selected_id)

    def action_retry_failed(self) -> None:
        self.job_actions.retry_failed(self.main.job_list.selected_id)

    def action_refresh(self) -> None:
        self.job_actions.refresh(self.main.job_list.selected_id)

    def action_refresh_all(self) -> None:
        self.job_actions.refresh_all()

    def action_toggle_pause(self) -> None:
        self.job_actions.toggle_pause()

    def action_copy_content(self) -> None:
        self.deliveries.copy_content(self.main.detail)

    def action_copy_id(self) -> None:
        self.deliveries.copy_id(self.main.job_list.selected_id)

    def action_copy_url(self) -> None:
        self.deliveries.copy_url(self.main.detail)

    def action_save_content(self) -> None:
        self.deliveries.save_content(self.main.detail)

    def action_save_answer(self) -> None:
        self.deliveries.save_answer(self.main.job_list.selected_id)

    def action_open_screenshot(self) -> None:
        self.deliveries.open_screenshot(self.main.detail)

    def action_find(self) -> None:
        # The bar takes the keyboard at once: keys typed right after ctrl+f must not
        # reach the list (where p pauses and c copies) while a focus change waits.
        self.main.zoom_detail()
        self.main.detail.open_find()

    def action_find_next(self) -> None:
        self.main.detail.find_step(1)

    def action_find_previous(self) -> None:
        self.main.detail.find_step(-1)

    def action_toggle_markdown(self) -> None:
        self.main.detail.toggle_markdown()

    def action_toggle_notify(self) -> None:
        self.notify_jobs = not self.notify_jobs
        self.main.status_bar.show_notify(self.notify_jobs)
        notifier = self.notices.notifier
        route = notifier.route
        why = f": {notifier.why}" if notifier.why else ""
        outside = "" if route == "off" else f", and a notification ({route}{why})"
        words = "off"
        if self.notify_jobs:
            words = f"on: a line at the foot of the screen{outside} when jobs end"
        toasts.show(self, toasts.Toast(toasts.text(f"Notifications {words}"), timeout=3))

    def action_account(self) -> None:
        self.account.open_view()

    def action_toggle_follow(self) -> None:
        self.account.toggle_follow()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())
