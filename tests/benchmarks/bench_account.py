"""The account: what reading it costs, in time and in requests.

- parsing a page of 100 hostile-ish history rows (decimal strings, 0/1 booleans);
- ``spidra-tui logs --limit 1000 --json`` against the emulator in-process: requests and
  wall time (pages of 100, sent one after another at the default rate);
- the Account view with 50 history rows: from the key ``A`` to the batch rows, and from
  ``3`` to the 50 history rows painted;
- the request cost of following the account for an hour (virtual time), against the
  300 requests per 15 minutes of Spidra's documented limit.

Run: ``python tests/benchmarks/bench_account.py``. Figures are medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spidra_tui.api.account import LogFilters, parse_log_page
from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock, SystemClock
from spidra_tui.commands.account import run as run_command
from spidra_tui.emulator import Emulator, EmulatorConfig
from spidra_tui.secret import Secret
from spidra_tui.watch.account import AccountWatcher
from spidra_tui.watch.virtual_time import VirtualClock

KEY = "spd_bench_key_0001"


def bench_parse(runs: int) -> float:
    row = {
        "uuid": "u",
        "status": "success",
        "credits_used": "2.00",
        "use_proxy": 1,
        "urls": [{"url": "https://a.test/"}, {"url": "https://b.test/"}],
        "latency_ms": "1200",
        "extraction_prompt": "x" * 200,
    }
    body = {"status": "success", "data": {"logs": [dict(row, uuid=str(n)) for n in range(100)]}}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(100):
            parse_log_page(body, LogFilters(limit=100))
        times.append((time.perf_counter() - start) / 100)
    return statistics.median(times)


async def bench_cli(runs: int) -> tuple[float, int]:
    times, requests = [], 0
    for _ in range(runs):
        with Emulator(EmulatorConfig(), clock=SystemClock()) as emulator:
            for n in range(1000):
                emulator.create_job(KEY, urls=(f"https://p.test/{n}",))
            args = SimpleNamespace(
                uuid=None,
                status=None,
                search=None,
                since=None,
                until=None,
                channel=None,
                limit=1000,
                page=1,
                json=True,
                format="content",
            )
            sink = open("/dev/null", "w")
            async with SpidraClient(emulator.base_url or "", Secret(KEY)) as client:
                start = time.perf_counter()
                await run_command("logs", args, client, out=sink, err=sink)
                times.append(time.perf_counter() - start)
            sink.close()
            requests = len(emulator.stats.requests())
    return statistics.median(times), requests


async def bench_view(runs: int) -> tuple[float, float]:
    from account_support import ManualClock
    from ui_support import UiRig

    from spidra_tui.ui.account.screen import AccountScreen

    opened, history = [], []
    for _ in range(runs):
        base = FakeClock()
        with Emulator(EmulatorConfig(), clock=base) as emulator:
            for n in range(60):
                emulator.create_job(KEY, urls=(f"https://p.test/{n}",))
            for _ in range(20):
                emulator.plant_batch(KEY)
            clock = ManualClock(base)
            async with SpidraClient(emulator.base_url or "", Secret(KEY), clock=clock) as client:

                def factory(jobs, on_change, on_found, clock=clock, client=client):  # type: ignore[no-untyped-def]
                    return AccountWatcher(client, jobs.take_slot, clock=clock, on_change=on_change)

                with tempfile.TemporaryDirectory() as folder:
                    rig = UiRig(Path(folder), account_factory=factory, clock=clock)
                    async with rig.app.run_test(size=(160, 40)) as pilot:
                        await pilot.pause()
                        start = time.perf_counter()
                        await pilot.press("A")
                        screen = rig.app.screen
                        assert isinstance(screen, AccountScreen)
                        while screen.query_one("#batches-table").row_count < 20:
                            await pilot.pause(0.005)
                        opened.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        await pilot.press("3")
                        while screen.query_one("#history-table").row_count < 50:
                            await pilot.pause(0.005)
                        await pilot.pause()
                        history.append(time.perf_counter() - start)
    return statistics.median(opened), statistics.median(history)


async def bench_follow() -> tuple[int, int]:
    base = FakeClock()
    with Emulator(EmulatorConfig(), clock=base) as emulator:
        clock = VirtualClock(base)
        from spidra_tui.watch.poller import Poller

        async with SpidraClient(emulator.base_url or "", Secret(KEY), clock=clock) as client:
            poller = Poller(client, on_update=lambda update: None, clock=clock)
            watcher = AccountWatcher(client, poller.take_slot, clock=clock, follow=True)
            start = clock.monotonic()
            await watcher.start()
            while clock.monotonic() - start < 3600:
                await asyncio.sleep(0.001)
            await watcher.stop()
        await clock.aclose()
        hour = [r for r in emulator.stats.requests() if r.clock_time - start < 3600]
        return len(hour), emulator.stats.max_requests_in_window(900.0)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"parse a page of 100 log rows: {bench_parse(runs) * 1000:.2f} ms")
    seconds, requests = await bench_cli(max(1, runs // 2))
    print(f"logs --limit 1000 --json: {seconds:.2f} s, {requests} requests")
    opened, history = await bench_view(max(1, runs // 2))
    print(
        f"Account view: A to 20 batch rows {opened * 1000:.0f} ms; 3 to 50 history rows "
        f"{history * 1000:.0f} ms"
    )
    hour, window = await bench_follow()
    print(
        f"following for an hour: {hour} requests; at most {window} in any 15 minutes "
        f"({window / 300:.0%} of 300)"
    )


if __name__ == "__main__":
    asyncio.run(main())
