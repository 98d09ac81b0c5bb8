"""The ``spidra-tui`` command line: resolve settings and dispatch (the arguments are
in :mod:`spidra_tui.arguments`).

Textual is imported only when the TUI starts, so the other commands start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from spidra_tui.arguments import ACCOUNT_COMMANDS, notify_mode, parse
from spidra_tui.config import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ConfigError,
    PollSettings,
    check_base_url,
    state_dir_from,
)

__all__ = ["main", "notify_mode", "parse"]

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``spidra-tui`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        command, args = parse(argv)
    except SystemExit as exc:  # argparse: --help, --version or a usage error
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    from spidra_tui.debuglog import configure_logging

    configure_logging(args.log, bodies=args.log_bodies)
    try:
        return _dispatch(command, args)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _dispatch(command: str | None, args: argparse.Namespace) -> int:
    if command == "demo-server":
        from spidra_tui.commands.demo import serve

        return serve(args)
    if command in ("list", "forget"):
        return _with_store(command, args)
    poll = PollSettings(args.interval, args.max_rate, args.max_in_flight, args.budget_share)
    with _connection(args) as (base_url, key, state_dir):
        if command is None:
            import gc

            # Importing the TUI makes objects that live for good; collecting among them
            # finds nothing. launch() turns the collector back on after the first paint.
            gc.disable()
            try:
                from spidra_tui.commands.tui import launch

                return launch(
                    base_url=base_url,
                    key=key,
                    state_dir=state_dir,
                    poll=poll,
                    job_ids=args.job_ids,
                    demo=args.demo,
                    notify=not args.no_notify,
                    follow_account=args.follow_account,
                    notify_mode=notify_mode(args),
                    images=args.images,
                )
            finally:
                gc.enable()
        import asyncio

        return asyncio.run(_run_api_command(command, args, base_url, key, state_dir, poll))


@contextlib.contextmanager
def _connection(args: argparse.Namespace) -> Iterator[tuple[str, Any, Path]]:
    """Base URL, key and state dir: from the demo server, or from options and environment."""
    if args.demo:
        from spidra_tui.commands.demo import demo_connection

        with demo_connection(args.state_dir) as connection:
            yield connection
        return
    from spidra_tui.secret import KeyFileError, load_key

    base_url = check_base_url(
        args.base_url or os.environ.get(ENV_BASE_URL) or "https://api.spidra.io/api"
    )
    try:
        key, warnings = load_key(os.environ, args.api_key_file)
    except KeyFileError as exc:
        raise ConfigError(str(exc)) from None
    # Children (a browser, a clipboard tool) must not inherit the key.
    os.environ.pop(ENV_API_KEY, None)
    if key is not None:
        from spidra_tui.debuglog import redact

        redact(key.reveal())  # masked in the debug log, should any line ever hold it
    for warning in warnings:
        sys.stderr.write(f"Warning: {warning}\n")
    if key is None:
        raise ConfigError(
            f"No API key. Put it in the environment variable {ENV_API_KEY}, or in a file "
            "readable only by you and pass --api-key-file PATH.\n"
            "To try spidra-tui without a key, run: spidra-tui --demo"
        )
    yield base_url, key, state_dir_from(args.state_dir)


async def _run_api_command(
    command: str,
    args: argparse.Namespace,
    base_url: str,
    key: Any,
    state_dir: Path,
    poll: PollSettings,
) -> int:
    from spidra_tui.api.client import ScrapeRequest, SpidraClient
    from spidra_tui.commands import get as get_command
    from spidra_tui.commands import kinds, watchlist
    from spidra_tui.watch.budget import open_budget

    budget, warning = open_budget(state_dir, share=poll.budget_share)
    if warning:
        sys.stderr.write(f"Warning: {warning}\n")
    async with SpidraClient(base_url, key) as client:
        budget.attach(client)  # every request of every command is spent from it
        if command in ACCOUNT_COMMANDS:
            from spidra_tui.commands.account import run

            return await run(command, args, client, max_rate=poll.max_rate)
        shots = None
        if command == "get" and args.screenshots is not None:
            from spidra_tui.commands.get_screenshots import ScreenshotRequest

            shots = ScreenshotRequest(args.screenshots, state_dir, overwrite=args.overwrite)
        if command == "get" and ":" not in args.job_id and args.format not in ("jsonl", "csv"):
            # A scrape: its wait shows when the budget lets it look again.
            return await get_command.get(
                client,
                args.job_id,
                wait=args.wait,
                fmt=args.format,
                interval=args.interval,
                screenshots=shots,
                budget=budget,
                grep=args.grep,
            )
        remember = None if getattr(args, "no_remember", True) else watchlist.remembering(state_dir)
        handled = await kinds.run(
            command, args, client, remember, watchlist.reopening(state_dir), shots
        )
        if handled is not None:
            return handled
        if command == "submit":
            request = ScrapeRequest(
                urls=tuple(args.urls),
                prompt=args.prompt,
                output=args.output,
                screenshot=True if args.screenshot else None,
            )
            return await get_command.submit(
                client,
                request,
                wait=args.wait,
                fmt=args.format,
                interval=args.interval,
                on_submitted=remember,
                budget=budget,
            )
        from spidra_tui.commands.watch import watch
        from spidra_tui.watch.store import JobStore

        with JobStore.open(state_dir) as store:
            return await watch(
                args.job_ids,
                client=client,
                store=store,
                interval=poll.interval,
                max_in_flight=poll.max_in_flight,
                max_rate=poll.max_rate,
                notices=_watch_notices(notify_mode(args)),
                budget=budget,
            )


def _watch_notices(mode: str) -> Any:
    """One notification per burst of endings, written to the terminal (stderr, or
    stdout when only that is one): never into a pipe, where it would be data."""
    from spidra_tui.notify.route import Notifier
    from spidra_tui.notify.sender import BurstSender

    stream = next((s for s in (sys.stderr, sys.stdout) if s.isatty()), None)

    def write(text: str) -> None:
        if stream is not None:
            stream.write(text)
            stream.flush()

    if stream is None and mode in ("auto", "terminal", "bell"):
        mode = "desktop" if mode == "auto" else "off"
    return BurstSender(Notifier(mode, os.environ, write))


def _with_store(command: str, args: argparse.Namespace) -> int:
    from spidra_tui.commands.watch import forget, list_jobs
    from spidra_tui.watch.store import JobStore, StoreError

    try:
        with JobStore.open(state_dir_from(args.state_dir)) as store:
            if command == "list":
                return list_jobs(store, as_json=args.json)
            return forget(store, args.job_ids)
    except StoreError as exc:
        raise ConfigError(str(exc)) from None


if __name__ == "__main__":
    raise SystemExit(main())
