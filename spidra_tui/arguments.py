"""The ``spidra-tui`` command line's arguments: every command, option and its checks.

Kept apart from :mod:`spidra_tui.cli`, which resolves settings and dispatches; both
import nothing heavy, so ``--help`` and ``--version`` answer fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spidra_tui import __version__
from spidra_tui.config import (
    DEFAULT_BUDGET_SHARE,
    DEFAULT_INTERVAL,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_RATE,
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_STATE_DIR,
)

ENV_NOTIFY_PROTOCOL = "SPIDRA_TUI_NOTIFY_PROTOCOL"
ENV_IMAGES = "SPIDRA_TUI_IMAGES"
ACCOUNT_COMMANDS = ("logs", "account", "usage", "batches", "crawls")
COMMANDS = (
    "get",
    "submit",
    "crawl",
    "cancel",
    "retry",
    "watch",
    "list",
    "forget",
    "demo-server",
    *ACCOUNT_COMMANDS,
)

DESCRIPTION = """\
Watch Spidra scrape jobs from the terminal.

  spidra-tui [JOB_ID ...]        open the watcher (remembered jobs plus these)
  spidra-tui --demo              the watcher against a built-in demo server, no key needed
  spidra-tui get JOB_ID          print a job's result (JOB_ID, batch:ID or crawl:ID)
  spidra-tui submit URL ...      start a scrape job (--batch: a batch of up to 50 URLs)
  spidra-tui crawl URL           start a crawl
  spidra-tui cancel ID | retry batch:ID
  spidra-tui watch [JOB_ID ...]  follow jobs until they end, one line per change
  spidra-tui list | forget ID    the remembered jobs
  spidra-tui logs [UUID]         the scrape history, or one log's result
  spidra-tui account | usage     credits left; requests and credits per day
  spidra-tui batches | crawls    the account's batch scrapes and crawls
  spidra-tui demo-server         run the demo server in the foreground
"""


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= 60:
        raise argparse.ArgumentTypeError("the interval must be between 1 and 60 seconds")
    return value


def _job_id(text: str) -> str:
    # One rule for every command that takes job IDs (the TUI's add dialog uses it too):
    # a scrape's bare ID, batch:ID or crawl:ID; the result is the key it is stored by.
    from spidra_tui.job_ids import check_ref
    from spidra_tui.sanitize import line

    ref, reason = check_ref(text)
    if ref is None:
        raise argparse.ArgumentTypeError(f"{line(text, 80)!r} is not a job ID: {reason}")
    return ref.key


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError("must be greater than 0")
        return value

    return parse


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("the share must be above 0 and at most 1, e.g. 0.5")
    return value


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection and storage")
    group.add_argument(
        "--base-url",
        default=None,
        help=f"API base URL (env {ENV_BASE_URL}; default https://api.spidra.io/api)",
    )
    group.add_argument(
        "--api-key-file",
        type=Path,
        metavar="PATH",
        help=f"read the API key from this file (otherwise env {ENV_API_KEY})",
    )
    group.add_argument(
        "--state-dir",
        default=None,
        metavar="DIR",
        help=f"where remembered jobs live (env {ENV_STATE_DIR})",
    )
    group.add_argument(
        "--interval",
        type=_interval,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help="seconds between two polls of one job, 1 to 60 (default 3)",
    )
    group.add_argument(
        "--max-rate",
        type=_positive(float),
        default=DEFAULT_MAX_RATE,
        metavar="N",
        help="a burst cap: at most N requests a second in total (default 5)",
    )
    group.add_argument(
        "--max-in-flight",
        type=_positive(int),
        default=DEFAULT_MAX_IN_FLIGHT,
        metavar="K",
        help="a burst cap: at most K requests at once (default 4)",
    )
    group.add_argument(
        "--budget-share",
        type=_share,
        default=DEFAULT_BUDGET_SHARE,
        metavar="S",
        help="spend at most this share of the API's request window, spread over it "
        "(default 0.5; the rest stays with your other programs). The window is learned "
        "from the server's RateLimit headers; until then Spidra's 300 requests per 15 "
        "minutes per address is assumed. All spidra-tui processes on one state folder "
        "share one budget",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        help="use a built-in demo server with its catalogue of jobs (no key needed)",
    )
    group.add_argument("--log", type=Path, metavar="FILE", help="write a debug log to FILE")
    group.add_argument(
        "--log-bodies", action="store_true", help="with --log, include response bodies"
    )
    return common


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The parser for one command (``None``: the TUI)."""
    common = _common()
    if command is None:
        parser = argparse.ArgumentParser(
            prog="spidra-tui",
            description=DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )
        parser.add_argument(
            "job_ids", nargs="*", type=_job_id, metavar="JOB_ID", help="jobs to watch"
        )
        parser.add_argument("--version", action="version", version=f"spidra-tui {__version__}")
        parser.add_argument(
            "--no-notify", action="store_true", help="do not announce jobs that end"
        )
        parser.add_argument("--bell", action="store_true", help="same as --notify bell")
        _notify_option(parser)
        parser.add_argument(
            "--images",
            choices=("auto", "kitty", "sixel", "cells"),
            default="auto",
            help="how screenshots are drawn: auto (the default) uses the kitty graphics "
            "protocol in kitty and Ghostty, sixel in foot, WezTerm, mlterm, contour and "
            "iTerm2, and half-block cells elsewhere and always inside tmux or screen; "
            f"{ENV_IMAGES} also picks one",
        )
        parser.add_argument(
            "--follow-account",
            action="store_true",
            help="look each minute for batches and crawls started elsewhere; they join the list",
        )
        return parser
    parser = argparse.ArgumentParser(prog=f"spidra-tui {command}", parents=[common])
    if command == "get":
        parser.description = (
            "Print a job's result (exit 0 completed with nothing failed, 1 failed, cancelled "
            "or any item or page failed). JOB_ID is a scrape's ID, batch:ID or crawl:ID."
        )
        parser.add_argument("job_id", type=_job_id, metavar="JOB_ID")
        _output_options(parser)
        parser.add_argument(
            "--screenshots",
            type=Path,
            metavar="DIR",
            help="also save the job's screenshots into DIR, as JOBID-1.png, JOBID-2.png, ...",
        )
        parser.add_argument(
            "--overwrite", action="store_true", help="with --screenshots, replace existing files"
        )
        parser.add_argument(
            "--grep",
            metavar="PATTERN",
            help="print only matching lines, as URL<tab>line (a regular expression, "
            "case-insensitive unless it has a capital; exit 1 if none match)",
        )
    elif command == "crawl":
        parser.description = "Start a crawl and print crawl:ID (or its result with --wait)."
        parser.add_argument("url", metavar="URL", help="where the crawl starts")
        parser.add_argument("--instruction", help="which pages to crawl, in words")
        parser.add_argument("--transform", help="what to extract from each page, in words")
        parser.add_argument("--max-pages", type=_positive(int), metavar="N")
        parser.add_argument("--max-depth", type=_positive(int), metavar="N")
        parser.add_argument(
            "--no-remember", action="store_true", help="do not add it to the watchlist"
        )
        _output_options(parser)
    elif command in ("cancel", "retry"):
        parser.description = (
            "Cancel a batch or crawl (batch:ID, crawl:ID)."
            if command == "cancel"
            else "Queue a batch's failed items again (batch:ID)."
        )
        parser.add_argument("job_id", type=_job_id, metavar="ID")
    elif command == "submit":
        parser.description = (
            "Start a scrape job and print its ID (or its result with --wait); "
            "with --batch, a batch of up to 50 URLs, printed as batch:ID."
        )
        parser.add_argument("urls", nargs="+", metavar="URL", help="up to 3 URLs (50 with --batch)")
        parser.add_argument("--batch", action="store_true", help="start a batch scrape")
        parser.add_argument("--prompt", help="what to extract")
        parser.add_argument("--output", choices=("markdown", "json"), help="result format")
        parser.add_argument("--screenshot", action="store_true", help="take screenshots")
        parser.add_argument(
            "--no-remember", action="store_true", help="do not add it to the watchlist"
        )
        _output_options(parser)
    elif command == "watch":
        parser.description = (
            "Follow jobs until all end: exit 0 when all completed, 1 when any failed."
        )
        parser.add_argument("job_ids", nargs="*", type=_job_id, metavar="JOB_ID")
        _notify_option(parser)
    elif command == "list":
        parser.description = "Print the remembered jobs."
        parser.add_argument("--json", action="store_true", help="as a JSON array")
    elif command == "forget":
        parser.description = "Remove jobs from the watchlist."
        parser.add_argument("job_ids", nargs="+", type=_job_id, metavar="JOB_ID")
    elif command in ACCOUNT_COMMANDS:
        from spidra_tui.commands.account import add_arguments

        add_arguments(command, parser)
    elif command == "demo-server":
        parser.description = "Run the Spidra-compatible demo server in the foreground."
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8787)
        parser.add_argument("--time-scale", type=_positive(float), default=1.0, metavar="X")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--hostile",
            action="store_true",
            help="also serve a corpus of hostile answers, to test a client against",
        )
        parser.add_argument(
            "--storage-log",
            type=Path,
            metavar="FILE",
            help="append every request the screenshot storage receives (headers too) to FILE",
        )
        limits = parser.add_argument_group("limits, as Spidra's")
        limits.add_argument(
            "--rate-limit",
            default="300/15m",
            metavar="N/PERIOD",
            help="requests per client address per window, e.g. 300/15m (the default, "
            "Spidra's), 60/3m, 100/90s; off for none",
        )
        limits.add_argument(
            "--reset-format",
            choices=("timestamp", "seconds"),
            default="timestamp",
            help="RateLimit-Reset as a Unix timestamp (documented) or seconds from now",
        )
        limits.add_argument(
            "--max-pending",
            type=int,
            default=10,
            metavar="N",
            help="pending single scrapes per key before TOO_MANY_PENDING_JOBS (0: no limit)",
        )
        faults = parser.add_argument_group("faults (rates from 0 to 1)")
        for name, text in (
            ("error-rate", "5xx answers"),
            ("rate-limit-rate", "429 answers with Retry-After"),
            ("busy-rate", "503 SERVICE_BUSY answers (retry_after 60 in the body)"),
            ("drop-rate", "dropped connections"),
            ("slow-rate", "slow answers"),
            ("garbage-rate", "non-JSON bodies"),
        ):
            faults.add_argument(f"--{name}", type=float, default=0.0, metavar="P", help=text)
        faults.add_argument("--slow-seconds", type=float, default=2.0, metavar="S")
        faults.add_argument("--retry-after", type=float, default=5.0, metavar="S")
    return parser


def _notify_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--notify",
        choices=("auto", "terminal", "desktop", "bell", "off"),
        default=None,
        help="how a job's end reaches you outside the app: auto (the default) uses the "
        "terminal's own notifications (OSC 9/777/99, also over SSH and through tmux) when "
        "the terminal is known, else a desktop notification, else the bell; "
        f"{ENV_NOTIFY_PROTOCOL} picks the terminal's dialect",
    )


def notify_mode(args: argparse.Namespace) -> str:
    """The ``--notify`` mode: as given; ``--bell`` alone means ``bell``; else ``auto``."""
    if args.notify is not None:
        return str(args.notify)
    return "bell" if getattr(args, "bell", False) else "auto"


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true", help="wait until the job ends")
    parser.add_argument(
        "--format",
        choices=("content", "markdown", "json", "raw", "jsonl", "csv"),
        default="content",
        help=(
            "content: result.content (each item or page under its URL); markdown: each page; "
            "json: the result (a crawl with every page); raw: the answer; jsonl: one JSON "
            "object per item or page; csv: the same, when the content is flat"
        ),
    )


def parse(argv: Sequence[str]) -> tuple[str | None, argparse.Namespace]:
    """Split off the command word (if any) and parse the rest."""
    command = argv[0] if argv and argv[0] in COMMANDS else None
    rest = list(argv[1:] if command else argv)
    return command, build_parser(command).parse_args(rest)
