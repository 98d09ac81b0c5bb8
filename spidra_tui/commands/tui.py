"""Start the TUI: open the store, connect, watch, run the app, and clean up.

``launch`` is what ``spidra-tui`` and ``spidra-tui --demo`` call; ``make_app``
builds the same app around a given store and client, for tests and scripts.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from spidra_tui.api.client import SpidraClient
from spidra_tui.config import PollSettings
from spidra_tui.sanitize import line
from spidra_tui.secret import Secret
from spidra_tui.ui.app import SpidraApp
from spidra_tui.ui.watching import StatusCallback, UpdateCallback, WatcherLike
from spidra_tui.watch.budget import Budget, open_budget
from spidra_tui.watch.store import JobStore, StoreError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


def server_label(base_url: str, demo: bool = False) -> str:
    """The server as the header shows it: its host (and port), or the demo server."""
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"demo server {host}" if demo else line(host, 60)


# The cyclic garbage collector once the first screen is up: generation 2 (a pass over
# every object made since) only after 1,000 passes over generation 1, not 10. Textual
# makes several caches for every line it draws; with 1,000 jobs polled at 50 requests
# a second a full pass came every 2 s and held the event loop 40-100 ms, and a key
# pressed meanwhile waited as long. Young objects are collected as usual.
COLLECTOR_THRESHOLDS = (700, 10, 1000)


def pause_collector() -> Callable[[], None]:
    """Turn the cyclic garbage collector off while the first screen is built.

    What exists by then (modules, classes) lives as long as the process, and so does
    most of what the first screen makes: collecting finds next to nothing yet costs a
    tenth of the start with 1,000 jobs. Returns the function that turns it back on
    (``SpidraApp``'s ``on_first_screen``): it freezes everything alive, so that no
    pass walks it again, and sets :data:`COLLECTOR_THRESHOLDS`.
    """
    gc.freeze()
    gc.disable()

    def resume() -> None:
        gc.freeze()
        gc.set_threshold(*COLLECTOR_THRESHOLDS)
        gc.enable()

    return resume


def make_app(
    *,
    store: JobStore,
    client: SpidraClient,
    poll: PollSettings | None = None,
    server: str = "",
    budget: Budget | None = None,
    **options: Any,
) -> SpidraApp:
    """The app watching ``store``'s jobs through ``client`` (``options``: see SpidraApp).

    ``budget``: the request budget every request is spent from (none: only the
    per-second and in-flight caps apply).
    """
    poll = poll or PollSettings()

    def watcher(on_update: UpdateCallback, on_status: StatusCallback) -> WatcherLike:
        from spidra_tui.watch.watcher import Watcher

        return Watcher(
            store,
            client,
            interval=poll.interval,
            max_in_flight=poll.max_in_flight,
            max_rate=poll.max_rate,
            on_update=on_update,
            on_status=on_status,
            submitter=client,
            prepare=client.prepare,
            budget=budget,
        )

    def account(jobs: WatcherLike, on_change: Any, on_found: Any) -> Any:
        from spidra_tui.watch.account import AccountWatcher, server_pause_end

        # The job watcher's slots and pauses: account requests share the polls' budget.
        return AccountWatcher(
            client,
            jobs.take_slot,
            on_change=on_change,
            on_found=on_found,
            held_until=lambda: server_pause_end(jobs.status),
        )

    return SpidraApp(
        store=store,
        watcher_factory=watcher,
        account_factory=account,
        server=server or server_label(client.base_url),
        **options,
    )


async def run_app(
    *,
    base_url: str,
    key: Secret | None,
    store: JobStore,
    poll: PollSettings,
    demo: bool = False,
    headless: bool = False,
    auto_pilot: Any = None,
    **options: Any,
) -> int:
    """Run the app until it quits; the watcher stops and the client closes on the way out.

    ``headless`` and ``auto_pilot`` are passed to ``App.run_async`` (for tests).
    """
    client = SpidraClient(base_url, key)
    # The books live beside the jobs: every process on this state folder shares them.
    budget, warning = open_budget(store.path.parent, share=poll.budget_share)
    if warning:
        log.warning("%s", warning)
    try:
        app = make_app(
            store=store,
            client=client,
            poll=poll,
            budget=budget,
            server=server_label(base_url, demo),
            demo=demo,
            **options,
        )
        try:
            await app.run_async(headless=headless, auto_pilot=auto_pilot)
        finally:
            await app.stop_watching()
    finally:
        await client.aclose()
        fetcher = options.get("screenshots")
        if fetcher is not None:
            await fetcher.aclose()
    return app.return_code if app.return_code is not None else EXIT_OK


def screenshot_fetcher(state_dir: Path) -> Any:
    """Fetches screenshots for the preview and ``s``, cached in ``state_dir``: a client
    of its own, which never holds the API key."""
    from spidra_tui.commands.get_screenshots import CACHE_FOLDER
    from spidra_tui.deliver.image_cache import ImageCache
    from spidra_tui.deliver.screenshots import ScreenshotFetcher

    cache = ImageCache(state_dir / CACHE_FOLDER)
    cache.clear_stale_partials()
    return ScreenshotFetcher(cache)


def launch(
    *,
    base_url: str,
    key: Secret | None,
    state_dir: Path,
    poll: PollSettings,
    job_ids: Sequence[str] = (),
    demo: bool = False,
    notify: bool = True,
    bell: bool = False,
    follow_account: bool = False,
    notify_mode: str = "auto",
    images: str = "auto",
) -> int:
    """Open the watcher TUI; returns the exit code (2: the store is unusable).

    ``notify_mode`` is ``--notify``: how a job's end reaches the user outside the app.
    ``images`` is ``--images``: how screenshots are drawn (``auto`` asks the terminal's
    environment, see ``spidra_tui.images.protocol``).
    Screenshots are cached in the state folder's ``screenshots``.

    ``job_ids`` have been checked by the command line (see ``spidra_tui.job_ids``).
    """
    try:
        store = JobStore.open(state_dir)
    except StoreError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_USAGE
    with store:
        for warning in store.warnings:
            sys.stderr.write(f"Warning: {warning}\n")
        try:
            if job_ids:
                store.add_many(list(job_ids))
        except StoreError as exc:
            sys.stderr.write(f"{exc}\n")
            return EXIT_USAGE
        resume_collector = pause_collector()
        try:
            return asyncio.run(
                run_app(
                    base_url=base_url,
                    key=key,
                    store=store,
                    poll=poll,
                    demo=demo,
                    notify_jobs=notify,
                    bell=bell,
                    follow_account=follow_account,
                    notify_mode=notify_mode,
                    images=images,
                    screenshots=screenshot_fetcher(state_dir),
                    on_first_screen=resume_collector,
                )
            )
        finally:
            gc.enable()
