"""The commands that change the watchlist or the polling: add, new scrape, remove, pause."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from rich.text import Text

from spidra_tui.api.client import ScrapeRequest, Submitted
from spidra_tui.job_ids import ParsedIds
from spidra_tui.sanitize import line
from spidra_tui.ui import toasts
from spidra_tui.ui.jobs.job_row import job_label, short_id

# The dialogs are imported when first opened: the start of the app need not wait for them.
if TYPE_CHECKING:
    from spidra_tui.ui.app import SpidraApp
    from spidra_tui.ui.dialogs.new_scrape import NewJob


async def settle(result: Any) -> Any:
    """Await ``result`` if the watcher returned an awaitable (its methods may be async)."""
    if inspect.isawaitable(result):
        return await result
    return result


class JobActions:
    """Add, submit, remove, refresh and pause, for one app."""

    def __init__(self, app: SpidraApp) -> None:
        self._app = app

    # -- add -------------------------------------------------------------

    def add_jobs(self) -> None:
        """``a``: the add dialog; good IDs are watched, refused ones explained."""
        from spidra_tui.ui.dialogs.add_jobs import AddJobsDialog

        self._app.push_screen(AddJobsDialog(), self._added)

    def _added(self, parsed: ParsedIds | None) -> None:
        if parsed is None:
            return
        self._app.run_worker(self._watch(list(parsed.ids), {}, parsed), group="add")

    async def _watch(
        self, ids: list[str], labels: dict[str, str], parsed: ParsedIds | None = None
    ) -> None:
        app = self._app
        known = set(app.main.job_list.job_ids)
        new = [job_id for job_id in ids if job_id not in known]
        # The watcher remembers them in the store first, then polls them.
        await settle(app.watcher.add(new, labels))
        app.show_jobs(new)
        if ids:
            app.main.job_list.select(ids[0])
        if parsed is not None:
            toasts.show(app, added_toast(new, len(ids) - len(new), parsed))

    # -- new scrape ------------------------------------------------------

    def new_scrape(self) -> None:
        """``n``: the new-scrape dialog; the new job is watched and selected."""
        from spidra_tui.ui.dialogs.new_scrape import NewScrapeDialog

        client = self._app.client
        if client is None:
            words = toasts.text("Submitting needs a connection to the API.")
            toasts.show(self._app, toasts.Toast(words, severity="warning"))
            return

        async def submit(request: ScrapeRequest) -> Submitted:
            await settle(self._app.watcher.take_slot())  # the key's rate covers submits too
            return await client.submit_scrape(request)

        self._app.push_screen(NewScrapeDialog(submit), self._submitted)

    def _submitted(self, job: NewJob | None) -> None:
        if job is None:
            return
        self._app.run_worker(self._watch([job.job_id], {job.job_id: job.label}), group="add")
        message = f"Job {short_id(job.job_id)} submitted: {job.label}"
        if job.warnings:
            message += "\nSchema warnings:\n" + "\n".join(f"• {w}" for w in job.warnings)
        severity: toasts.Severity = "warning" if job.warnings else "information"
        toasts.show(self._app, toasts.Toast(toasts.text(message), "Submitted", severity))

    # -- remove ----------------------------------------------------------

    def remove_job(self, job_id: str | None) -> None:
        """``x``: forget the selected job, after a confirmation."""
        from spidra_tui.ui.dialogs.confirm import ConfirmDialog

        if job_id is None:
            return
        summary = self._app.main.job_list.summary(job_id)
        question = Text("Stop watching job ")
        question.append(line(job_id, 80), style="bold")
        label = job_label(summary) if summary is not None else ""
        if label:
            question.append(f"\n{line(label, 80)}", style="dim")
        question.append("\nand forget its stored answer? The job itself is not cancelled.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._app.run_worker(self._forget([job_id]), group="remove")

        self._app.push_screen(
            ConfirmDialog("Remove the job?", question, yes="Remove", no="Keep"), answered
        )

    async def _forget(self, ids: list[str]) -> None:
        app = self._app
        await settle(app.watcher.remove(ids))  # forgets them in the store too
        app.forget_jobs(ids)
        toasts.show(app, toasts.Toast(toasts.text(f"Removed job {short_id(ids[0])}")))

    # -- polling ---------------------------------------------------------

    async def refresh(self, job_id: str | None) -> None:
        """``r``: poll the selected job now, unless it has ended (its answer is final)."""
        if job_id is None:
            return
        summary = self._app.main.job_list.summary(job_id)
        if summary is not None and summary.terminal:
            words = f"Job {short_id(job_id)} has ended: its answer is final"
            toasts.show(self._app, toasts.Toast(toasts.text(words), timeout=2))
            return
        await settle(self._app.watcher.refresh(job_id))
        words = f"Polling job {short_id(job_id)} now"
        toasts.show(self._app, toasts.Toast(toasts.text(words), timeout=2))

    async def refresh_all(self) -> None:
        """``R``: poll every running job now, as fast as the rate allows."""
        await settle(self._app.watcher.refresh())
        toasts.show(
            self._app, toasts.Toast(toasts.text("Polling every running job now"), timeout=2)
        )

    async def toggle_pause(self) -> None:
        """``p``: pause polling, or resume it (also after a refused key or a rate limit)."""
        watcher = self._app.watcher
        paused = watcher.status.paused
        if paused is None:
            await settle(watcher.pause())
            words = "Polling paused: no requests until you press p again"
        else:
            await settle(watcher.resume())
            words = "Polling resumed"
        toasts.show(self._app, toasts.Toast(toasts.text(words), timeout=3))
        self._app.show_status(watcher.status)


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
