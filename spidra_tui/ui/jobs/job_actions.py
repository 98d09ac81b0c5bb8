"""The commands that change the watchlist or the polling: add, new scrape, remove, pause."""

from __future__ import annotations

from collections.abc import Callable, Collection, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rich.text import Text
from textual.screen import Screen

from spidra_tui.api.errors import SpidraError, describe
from spidra_tui.api.kinds import Kind, ref_of_key
from spidra_tui.job_ids import ParsedIds
from spidra_tui.sanitize import line
from spidra_tui.ui import toasts
from spidra_tui.ui.jobs.job_row import job_label, short_id
from spidra_tui.ui.watching import WatcherLike
from spidra_tui.watch.budget import clock_text
from spidra_tui.watch.state import JobSummary, PollerStatus

# The dialogs are imported when first opened: the start of the app need not wait for them.
if TYPE_CHECKING:
    from spidra_tui.ui.dialogs.new_scrape import NewJob

T = TypeVar("T")


class JobsHost(Protocol):
    """What the job actions need from the app, and nothing more."""

    @property
    def watcher(self) -> WatcherLike: ...

    def watched_ids(self) -> Collection[str]: ...

    def job_summary(self, job_id: str) -> JobSummary | None: ...

    def show_jobs(self, job_ids: Iterable[str]) -> None: ...

    def select_job(self, job_id: str) -> None: ...

    def forget_jobs(self, job_ids: list[str]) -> None: ...

    def show_status(self, status: PollerStatus) -> None: ...

    def toast(self, toast: toasts.Toast) -> None: ...

    def ask(self, screen: Screen[T], answered: Callable[[T | None], None]) -> None: ...

    def run_later(self, work: Coroutine[Any, Any, None], group: str) -> None: ...


class JobActions:
    """Add, submit, remove, refresh and pause, for one app."""

    def __init__(self, host: JobsHost) -> None:
        self._app = host

    # -- add -------------------------------------------------------------

    def add_jobs(self) -> None:
        """``a``: the add dialog; good IDs are watched, refused ones explained."""
        from spidra_tui.ui.dialogs.add_jobs import AddJobsDialog

        self._app.ask(AddJobsDialog(), self._added)

    def _added(self, parsed: ParsedIds | None) -> None:
        if parsed is None:
            return
        self._app.run_later(self._identify_and_watch(parsed), group="add")

    async def _identify_and_watch(self, parsed: ParsedIds) -> None:
        """Watch the IDs; one given without its kind is first asked about, once: its kind
        is then part of its key, so it is never asked again."""
        known = set(self._app.watched_ids())
        keys = []
        for key in parsed.ids:
            if key in parsed.plain and key not in known:
                try:
                    key = await self._app.watcher.identify(key)
                except SpidraError:
                    pass  # polled as a scrape: its polls will say what is wrong
            keys.append(key)
        await self._watch(keys, {}, parsed)

    async def _watch(
        self, ids: list[str], labels: dict[str, str], parsed: ParsedIds | None = None
    ) -> None:
        app = self._app
        known = set(app.watched_ids())
        new = [job_id for job_id in ids if job_id not in known]
        # The watcher remembers them in the store first, then polls them.
        app.watcher.add(new, labels)
        app.show_jobs(new)
        if ids:
            app.select_job(ids[0])
        if parsed is not None:
            app.toast(added_toast(new, len(ids) - len(new), parsed))

    # -- new scrape ------------------------------------------------------

    def new_scrape(self) -> None:
        """``n``: the new-scrape dialog; the new job is watched and selected."""
        from spidra_tui.ui.dialogs.new_scrape import NewScrapeDialog

        # The watcher sends it, so the submit is spent from the same budget as the polls.
        watcher = self._app.watcher
        dialog = NewScrapeDialog(watcher.submit, watcher.start_batch, watcher.start_crawl)
        self._app.ask(dialog, self._submitted)

    def _submitted(self, job: NewJob | None) -> None:
        if job is None:
            return
        self._app.run_later(self._watch([job.job_id], {job.job_id: job.label}), group="add")
        message = f"{_kind_word(job.job_id)} {short_id(job.job_id)} submitted: {job.label}"
        if job.warnings:
            message += "\nSchema warnings:\n" + "\n".join(f"• {w}" for w in job.warnings)
        severity: toasts.Severity = "warning" if job.warnings else "information"
        self._app.toast(toasts.Toast(toasts.text(message), "Submitted", severity))

    # -- remove ----------------------------------------------------------

    def remove_job(self, job_id: str | None) -> None:
        """``x``: forget the selected job, after a confirmation."""
        from spidra_tui.ui.dialogs.confirm import ConfirmDialog

        if job_id is None:
            return
        summary = self._app.job_summary(job_id)
        question = Text("Stop watching job ")
        question.append(line(job_id, 80), style="bold")
        label = job_label(summary) if summary is not None else ""
        if label:
            question.append(f"\n{line(label, 80)}", style="dim")
        question.append("\nand forget its stored answer? The job itself is not cancelled.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._app.run_later(self._forget([job_id]), group="remove")

        self._app.ask(ConfirmDialog("Remove the job?", question, yes="Remove", no="Keep"), answered)

    async def _forget(self, ids: list[str]) -> None:
        app = self._app
        app.watcher.remove(ids)  # forgets them in the store too
        app.forget_jobs(ids)
        app.toast(toasts.Toast(toasts.text(f"Removed job {short_id(ids[0])}")))

    # -- cancel and retry --------------------------------------------------

    def cancel_job(self, job_id: str | None) -> None:
        """``C``: cancel the selected batch or crawl at the server, after a confirmation."""
        from spidra_tui.ui.dialogs.confirm import ConfirmDialog

        if job_id is None:
            return
        summary = self._app.job_summary(job_id)
        if summary is not None and summary.terminal:
            words = f"{line(job_id, 60)} has ended: there is nothing to cancel"
            self._app.toast(toasts.Toast(toasts.text(words), timeout=3))
            return
        question = Text("Cancel ")
        question.append(line(job_id, 80), style="bold")
        question.append(" at the server? What is done so far is kept; the rest stops.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._app.run_later(self._send_cancel(job_id), group="cancel")

        dialog = ConfirmDialog("Cancel the job?", question, yes="Cancel it", no="Let it run")
        self._app.ask(dialog, answered)

    async def _send_cancel(self, job_id: str) -> None:
        try:
            words = await self._app.watcher.cancel(job_id)
        except SpidraError as exc:
            self._app.toast(_refused("Not cancelled", exc))
            return
        message = f"Cancelled {line(job_id, 60)}: {line(words, 200)}"
        self._app.toast(toasts.Toast(toasts.text(message), "Cancelled"))

    def retry_failed(self, job_id: str | None) -> None:
        """``F``: queue the selected batch's failed items again."""
        if job_id is not None:
            self._app.run_later(self._send_retry(job_id), group="retry")

    async def _send_retry(self, job_id: str) -> None:
        try:
            count = await self._app.watcher.retry(job_id)
        except SpidraError as exc:
            self._app.toast(_refused("Not retried", exc))
            return
        self._app.show_jobs([job_id])
        words = f"Retrying {count} failed item{'' if count == 1 else 's'} of {line(job_id, 60)}"
        self._app.toast(toasts.Toast(toasts.text(words), "Retry"))

    # -- polling ---------------------------------------------------------

    def refresh(self, job_id: str | None) -> None:
        """``r``: poll the selected job now, unless it has ended (its answer is final)."""
        if job_id is None:
            return
        summary = self._app.job_summary(job_id)
        if summary is not None and summary.terminal:
            words = f"Job {short_id(job_id)} has ended: its answer is final"
            self._app.toast(toasts.Toast(toasts.text(words), timeout=2))
            return
        watcher = self._app.watcher
        watcher.refresh(job_id)
        budget = watcher.status.budget
        if budget is not None and budget.left == 0 and budget.free_at is not None:
            words = (
                f"The request budget is spent ({budget.describe()}): job {short_id(job_id)} "
                f"will be checked at {clock_text(budget.free_at, seconds=True)}, first in line"
            )
            self._app.toast(toasts.Toast(toasts.text(words), timeout=6))
            return
        words = f"Polling job {short_id(job_id)} now"
        self._app.toast(toasts.Toast(toasts.text(words), timeout=2))

    def refresh_all(self) -> None:
        """``R``: poll every running job now, as fast as the rate allows."""
        self._app.watcher.refresh()
        self._app.toast(toasts.Toast(toasts.text("Polling every running job now"), timeout=2))

    def toggle_pause(self) -> None:
        """``p``: pause polling, or resume it (also after a refused key or a rate limit)."""
        watcher = self._app.watcher
        paused = watcher.status.paused
        if paused is None:
            watcher.pause()
            words = "Polling paused: no requests until you press p again"
        else:
            watcher.resume()
            words = "Polling resumed"
        self._app.toast(toasts.Toast(toasts.text(words), timeout=3))
        self._app.show_status(watcher.status)


def _kind_word(key: str) -> str:
    kind = ref_of_key(key).kind
    return "Job" if kind is Kind.SCRAPE else kind.value.title()


def _refused(title: str, exc: SpidraError) -> toasts.Toast:
    return toasts.Toast(toasts.text(describe(exc)), title, "warning")


def added_toast(new: list[str], already: int, parsed: ParsedIds) -> toasts.Toast:
    """What the add dialog did: added, already watched, refused with reasons."""
    parts = []
    if new:
        parts.append(f"Watching {len(new)} new job{'' if len(new) == 1 else 's'}")
    if already:
        parts.append(f"{already} already watched")
    words = "; ".join(parts) or "Nothing added"
    for refused in parsed.refused[:3]:
        words += f"\nRefused {refused.shown}: {refused.reason}"
    if len(parsed.refused) > 3:
        words += f"\n… and {len(parsed.refused) - 3} more refused"
    severity: toasts.Severity = "warning" if parsed.refused else "information"
    return toasts.Toast(toasts.text(words), "Add job IDs", severity)
