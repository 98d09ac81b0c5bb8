"""``spidra-tui demo-server`` and ``--demo``: the built-in Spidra-compatible server."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _demo_window() -> Any:
    from spidra_tui.emulator.window import WindowLimit

    # Livelier than Spidra's 300 per 15 minutes, so the demo moves; the app learns
    # it from the headers as it would any server's.
    return WindowLimit(240, 120.0)


def _emulator(config: Any) -> Any:
    from spidra_tui.emulator import Emulator

    return Emulator(config)


def serve(args: argparse.Namespace) -> int:
    """Run the emulator in the foreground until Ctrl-C."""
    from dataclasses import replace

    from spidra_tui.emulator import EmulatorConfig, Faults
    from spidra_tui.emulator.window import parse_window

    try:
        window = parse_window(args.rate_limit)
        if window is not None:
            window = replace(window, reset_format=args.reset_format)
        faults = Faults(
            server_error=args.error_rate,
            rate_limited=args.rate_limit_rate,
            busy=args.busy_rate,
            drop=args.drop_rate,
            slow=args.slow_rate,
            non_json=args.garbage_rate,
            slow_seconds=args.slow_seconds,
            retry_after=args.retry_after,
            seed=args.seed,
        )
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    emulator = _emulator(
        EmulatorConfig(
            faults=faults,
            time_scale=args.time_scale,
            catalogue=True,
            history=True,
            seed=args.seed,
            window=window,
            max_pending=args.max_pending or None,
        )
    )
    try:
        base_url = emulator.start(host=args.host, port=args.port)
    except OSError as exc:
        sys.stderr.write(f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
        return 2
    out = sys.stdout
    out.write(f"Spidra demo server at {base_url}\n")
    out.write(f"Demo key: {emulator.demo_key}\n")
    limit = window.describe() + " per address" if window is not None else "off"
    out.write(f"Request limit: {limit}\n")
    out.write(f"Try: SPIDRA_API_KEY={emulator.demo_key} spidra-tui --base-url {base_url}")
    out.write(" " + " ".join(job_id for job_id, _ in emulator.catalogue_ids()[:2]) + "\n")
    out.write("Catalogue:\n")
    for job_id, description in emulator.catalogue_ids():
        out.write(f"  {job_id}  {description}\n")
    if getattr(args, "hostile", False):
        _plant_hostile(emulator, base_url, out)
    out.write(f"Screenshots served from {emulator.storage_url} (a separate storage origin)\n")
    if getattr(args, "storage_log", None) is not None:
        _log_storage(emulator, args.storage_log)
        out.write(f"Storage requests, with their headers, logged to {args.storage_log}\n")
    out.write("Press Ctrl-C to stop.\n")
    out.flush()
    stop = threading.Event()
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


def _plant_hostile(emulator: Any, base_url: str, out: Any) -> None:
    """Add the hostile corpus (owned by the demo key) and list its job IDs."""
    from spidra_tui.emulator.hostile import plant_hostile

    planted = plant_hostile(emulator)
    out.write("Hostile answers (job ID, what it sends, what the app should show):\n")
    width = max(len(job.job_id) for job in planted)
    for job in planted:
        out.write(f"  {job.job_id:<{width}}  {job.case.description} -> {job.case.expect}\n")
    from spidra_tui.emulator.hostile_images import JOB_ID, plant_hostile_images

    out.write(f"Hostile screenshots (job {JOB_ID}, Screenshots tab; in order):\n")
    for image in plant_hostile_images(emulator):
        out.write(f"  {image.path:<24}  {image.description} -> {image.expect}\n")
    ids = " ".join(job.job_id for job in planted) + f" {JOB_ID}"
    # "--" because one ID starts with a dash, as a hostile ID may.
    out.write(
        f"Watch them: SPIDRA_API_KEY={emulator.demo_key} spidra-tui --base-url {base_url} "
        f"--state-dir $(mktemp -d) -- {ids}\n"
    )


def _log_storage(emulator: Any, path: Path) -> None:
    """Append each request the storage origin receives, headers included, as a JSON line."""
    import json

    handle = open(path, "a", encoding="utf-8")  # open while the server runs
    lock = threading.Lock()

    def log(request: Any) -> None:
        record = {
            "method": request.method,
            "target": request.target,
            "headers": request.headers,
            "status": request.status,
        }
        with lock:
            handle.write(json.dumps(record) + "\n")
            handle.flush()

    emulator.storage.on_request = log


@contextlib.contextmanager
def demo_connection(state_dir: str | None) -> Iterator[tuple[str, Any, Path]]:
    """Start the emulator in-process; yields its base URL, the demo key and a state folder.

    Without ``--state-dir`` the demo uses a throw-away folder, so demo jobs never
    mix with the user's own watchlist and every demo starts fresh.
    """
    from spidra_tui.emulator import EmulatorConfig
    from spidra_tui.secret import Secret

    emulator = _emulator(EmulatorConfig(catalogue=True, history=True, window=_demo_window()))
    base_url = emulator.start(host="127.0.0.1", port=0)
    scratch = None if state_dir else tempfile.mkdtemp(prefix="spidra-tui-demo-")
    folder = Path(state_dir).expanduser() if state_dir else Path(scratch)  # type: ignore[arg-type]
    try:
        _remember_catalogue(folder, emulator)
        yield base_url, Secret(emulator.demo_key), folder
    finally:
        emulator.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _remember_catalogue(folder: Path, emulator: Any) -> None:
    from spidra_tui.watch.store import JobStore

    entries = list(emulator.catalogue_ids())
    # A batch with screenshots and a crawl, started by the user, so every kind of job
    # is in the list from the first screen.
    shop = "https://books.toscrape.com/catalogue/page-{}.html"
    batch = emulator.create_batch(None, [shop.format(n) for n in range(1, 9)], screenshot=True)
    crawl = emulator.create_crawl(None, "https://quotes.toscrape.com/", maxPages=120, maxDepth=3)
    entries += [(f"batch:{batch}", ""), (f"crawl:{crawl}", "quotes.toscrape.com, 120 pages")]
    with JobStore.open(folder) as store:
        store.add_many([job_id for job_id, _ in entries], labels=dict(entries))
