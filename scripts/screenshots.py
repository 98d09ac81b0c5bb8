"""Make the README's screenshots from the demo: ``python scripts/screenshots.py [--scale X]``.

Runs the app against the in-process emulator with the demo's watchlist (the
catalogue, a batch with screenshots and a crawl), sped up ``--scale`` times,
waits until every job but the long-running ones has ended, and saves SVGs into
``screenshots/``: the list with a markdown result, a JSON result, a failed job,
a batch and its items, a batch item's screenshot previewed, a crawl's pages, the
account view and the help screen.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from spidra_tui.api.client import SpidraClient
from spidra_tui.commands.demo import _remember_catalogue
from spidra_tui.commands.tui import make_app, screenshot_fetcher
from spidra_tui.config import PollSettings
from spidra_tui.emulator import Emulator, EmulatorConfig
from spidra_tui.secret import Secret
from spidra_tui.ui.app import SpidraApp
from spidra_tui.watch.store import JobStore

SIZE = (140, 36)
OUT = Path(__file__).resolve().parent.parent / "screenshots"
# Catalogue positions (see spidra_tui/emulator/catalogue.py) of the jobs shown.
MARKDOWN_JOB, JSON_JOB, FAILED_JOB = 0, 1, 2
WAIT_LIMIT = 120.0  # seconds of real time


async def wait_for_jobs(app: SpidraApp, pilot: object, ids: list[str]) -> None:
    """Until every job in ``ids`` has ended (or the limit passes)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        summaries = [app.main.job_list.summary(job_id) for job_id in ids]
        if all(s is not None and s.terminal for s in summaries):
            return
        await pilot.pause(0.5)  # type: ignore[attr-defined]
    raise SystemExit("The demo jobs did not finish in time; is the machine very busy?")


def save(app: SpidraApp, name: str) -> None:
    app.save_screenshot(name, str(OUT))
    print(f"wrote {OUT / name}")


async def shoot(app: SpidraApp, pilot: object, job_id: str, name: str) -> None:
    app.main.job_list.select(job_id)
    await pilot.pause(0.8)  # type: ignore[attr-defined]  # the answer loads in a thread
    save(app, name)


async def shoot_batch(app: SpidraApp, pilot: object, job_id: str) -> None:
    """The batch's items, then its second item's screenshot (3 on the item)."""
    await shoot(app, pilot, job_id, "batch.svg")
    await pilot.press("tab", "right_square_bracket")  # type: ignore[attr-defined]
    await pilot.press("3")  # type: ignore[attr-defined]
    await pilot.pause(2.5)  # type: ignore[attr-defined]  # downloaded, decoded, scaled
    save(app, "screenshot-preview.svg")
    await pilot.press("1", "shift+tab")  # type: ignore[attr-defined]


async def run(scale: float) -> None:
    emulator = Emulator(EmulatorConfig(catalogue=True, history=True, time_scale=scale))
    base_url = emulator.start()
    OUT.mkdir(exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="spidra-shots-") as folder:
            _remember_catalogue(Path(folder), emulator)
            store = JobStore.open(folder)
            ids = sorted(store.ids())
            scrapes = [job.job_id for job in emulator.catalogue_ids()]
            batch = next(job_id for job_id in ids if job_id.startswith("batch:"))
            crawl = next(job_id for job_id in ids if job_id.startswith("crawl:"))
            client = SpidraClient(base_url, Secret(emulator.demo_key))
            fetcher = screenshot_fetcher(Path(folder))
            app = make_app(
                store=store,
                client=client,
                poll=PollSettings(interval=1.0, max_rate=20.0, max_in_flight=8),
                server="demo server",
                notify_jobs=False,
                screenshots=fetcher,
            )
            try:
                async with app.run_test(size=SIZE) as pilot:
                    # Everything but the last, long-running scrape and the crawl.
                    await wait_for_jobs(app, pilot, scrapes[:-1] + [batch])
                    await shoot(app, pilot, scrapes[MARKDOWN_JOB], "main-markdown.svg")
                    await shoot(app, pilot, scrapes[JSON_JOB], "json-result.svg")
                    await shoot(app, pilot, scrapes[FAILED_JOB], "failed-job.svg")
                    await shoot_batch(app, pilot, batch)
                    await shoot(app, pilot, crawl, "crawl.svg")
                    await pilot.press("A")
                    await pilot.pause(2.0)  # the account's lists load
                    save(app, "account.svg")
                    await pilot.press("escape")
                    await pilot.press("question_mark")
                    await pilot.pause(0.5)
                    save(app, "help.svg")
                    await app.stop_watching()
            finally:
                await client.aclose()
                await fetcher.aclose()
                store.close()
    finally:
        emulator.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=4.0, help="demo speed-up (default 4)")
    args = parser.parse_args(argv)
    asyncio.run(run(args.scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
