"""The app's side of the account: starts the AccountWatcher, relays its state, follows.

The AccountWatcher (watch layer) sends every request; this object only turns its reports
into messages on the app's loop, updates the header's credits, and decides what a found
batch or crawl does: it is announced, and joins the job list once the job watcher
can poll its kind (``add_kind``).
"""

from __future__ import annotations

import logging
from typing import Any

from spidra_tui.sanitize import line
from spidra_tui.ui import toasts
from spidra_tui.ui.account.render import credits_text
from spidra_tui.ui.account.watching import AccountFactory, AccountWatcherLike
from spidra_tui.watch.account import AccountState

log = logging.getLogger(__name__)
PLURAL = {"batch": "batches", "crawl": "crawls"}


class AccountLink:
    """Owns the app's AccountWatcher from mount to quit."""

    def __init__(self, app: Any, factory: AccountFactory | None, follow: bool) -> None:
        """``app`` is the SpidraApp (typed loosely: the app imports this module)."""
        self._app = app
        self._factory = factory
        self._follow = follow
        self.watcher: AccountWatcherLike | None = None

    @property
    def available(self) -> bool:
        """Whether the app can reach the account at all (a client was given)."""
        return self._factory is not None

    async def start(self, jobs: Any) -> None:
        """Build and start the AccountWatcher beside ``jobs``, the job watcher."""
        if self._factory is None or self.watcher is not None:
            return
        self.watcher = self._factory(jobs, self._changed, self._found)
        self.watcher.follow = self._follow
        await self.watcher.start()

    async def stop(self) -> None:
        """Stop its refreshes; safe to call twice."""
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            await watcher.stop()

    # The AccountWatcher runs on the app's loop: its reports can touch widgets directly.

    def _changed(self, state: AccountState) -> None:
        from spidra_tui.ui.account.screen import AccountScreen  # loaded on first use

        self._app.main.status_bar.show_credits(credits_text(state.account))
        for screen in self._app.screen_stack:
            if isinstance(screen, AccountScreen) and screen.is_mounted:
                screen.show_state(state)

    def _found(self, kind: str, row: Any) -> None:
        row_id = row.uuid if kind == "batch" else row.id
        if self.watch(kind, row_id):
            toasts.show(
                self._app,
                toasts.Toast(
                    toasts.text(f"A {kind} started elsewhere joined the list: {line(row_id, 40)}"),
                    timeout=5,
                ),
            )

    def open_view(self) -> None:
        """Show the Account view (or leave it, when it is on top)."""
        from spidra_tui.ui.account.screen import AccountScreen

        if isinstance(self._app.screen, AccountScreen):
            self._app.pop_screen()
        elif self._factory is None:
            toasts.show(
                self._app, toasts.Toast(toasts.text("No connection, no account."), timeout=4)
            )
        else:
            self._app.push_screen(AccountScreen(self, clock=self._app.clock))

    def job_ended(self) -> None:
        """A watched job ended: its credits settle."""
        if self.watcher is not None:
            self.watcher.job_ended()

    def toggle_follow(self) -> bool:
        """Follow the account or stop, and say so; returns whether it is followed now."""
        self._follow = not self._follow
        if self.watcher is not None:
            self.watcher.follow = self._follow
        words = (
            "on: new batches and crawls started elsewhere are announced" if self._follow else "off"
        )
        toasts.show(
            self._app, toasts.Toast(toasts.text(f"Following the account {words}"), timeout=4)
        )
        return self._follow

    @property
    def following(self) -> bool:
        return self._follow

    def watch(self, kind: str, row_id: str) -> bool:
        """Add a batch or crawl to the job list; False when this build cannot poll its kind."""
        add_kind = getattr(self._app.watcher, "add_kind", None)
        if add_kind is None:
            toasts.show(
                self._app,
                toasts.Toast(
                    toasts.text(
                        f"Found {kind} {line(row_id, 40)}: watching "
                        f"{PLURAL.get(kind, kind)} in the job list needs batch and crawl "
                        "polling, which this build does not have yet."
                    ),
                    severity="warning",
                    timeout=6,
                ),
            )
            return False
        add_kind(kind, [row_id])
        self._app.show_jobs([row_id])
        return True
