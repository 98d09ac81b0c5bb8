"""B6: screenshots: decoding and scaling a full-page screenshot, and keys while it renders.

Run from the repository root (about a minute):

    .venv/bin/python -m tests.benchmarks.bench_screenshots
    .venv/bin/python -m tests.benchmarks.bench_screenshots --presses 60 --repeats 9

A. Decode + scale, off the app: a generated 1280 x 10,000 PNG (a tall full page) and a
   1280 x 800 viewport, each decoded (``decode_preview``: Pillow, reduced to 640 wide)
   and scaled to half-block cells 120 columns wide (``half_block_lines``), both on the
   picture thread; then the Python work done on the event loop: building a screen of
   48 rows of cells. Medians of ``--repeats`` runs.

B. Key-to-screen while it renders: the app headless at 160x50 with 300 jobs, each with
   its own 1280 x 10,000 screenshot (already in the cache, so what runs is decoding and
   scaling, in worker threads), the Screenshots tab open beside the list. ``j``/``k``
   sent as the terminal driver sends them, 90-160 ms apart, so the cursor rests long
   enough on most jobs for their answer to load and their screenshot to start decoding
   (several decodes overlap). Latency is from sending the key to the end of the screen
   update that repaints the row the cursor moved to (as in B2). Baseline: the same app
   and keys with the previews off (no fetcher). Target: p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from spidra_tui.deliver.image_cache import ImageCache
from spidra_tui.deliver.screenshots import ScreenshotFetcher
from spidra_tui.emulator.pictures import page_picture
from spidra_tui.images import CellPicture, decode_preview, half_block_lines
from tests.benchmarks.bench_jobs import _percentile, _Screen

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # ui_support, answers
from ui_support import UiRig, completed_body

SIZE = (160, 50)
JOBS = 300
TARGET_KEY_P95 = 0.050
COLUMNS = 120
GAPS = {"stepping": (0.09, 0.16), "resting": (0.25, 0.4)}
"""Seconds between keys: stepping through jobs (most rests too short to start a
decode), and resting on each (every key lands while the last job's screenshot decodes)."""


def _timed(action: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fresh(picture: CellPicture) -> CellPicture:
    """The same picture with no row built yet."""
    return CellPicture(picture.pixels, picture.width, picture.height, picture.source_size)


def decode_figures(folder: Path, repeats: int) -> dict[str, float]:
    """Part A: medians, in seconds."""
    tall = folder / "tall.png"
    tall.write_bytes(page_picture(1, 1280, 10_000, "A tall page"))
    small = folder / "viewport.png"
    small.write_bytes(page_picture(2, 1280, 800, "A viewport"))
    image = decode_preview(tall)
    scaled = half_block_lines(image, COLUMNS)
    return {
        "tall_bytes": tall.stat().st_size,
        "tall_decode": _timed(lambda: decode_preview(tall), repeats),
        "tall_scale": _timed(lambda: half_block_lines(image, COLUMNS), repeats),
        "tall_both": _timed(lambda: half_block_lines(decode_preview(tall), COLUMNS), repeats),
        "viewport_both": _timed(lambda: half_block_lines(decode_preview(small), COLUMNS), repeats),
        "screen_rows": _timed(lambda: [fresh(scaled).line(row) for row in range(48)], repeats),
        "tall_lines": half_block_lines(image, COLUMNS).height,
    }


async def key_figures(
    folder: Path, presses: int, previews: bool, seed: int, gap: tuple[float, float]
) -> dict[str, Any]:
    """Part B, with or without previews, ``gap`` (from, to) seconds between keys."""
    rng = random.Random(seed)
    tall = page_picture(1, 1280, 10_000, "A tall page")
    cache = ImageCache(folder / "cache")
    ids = [f"job-{n:04d}" for n in range(JOBS)]
    urls = {job_id: f"https://storage.example/{job_id}-1-full.png?Signature=x" for job_id in ids}
    if previews:
        for url in urls.values():
            part = cache.scratch() / "part"
            part.write_bytes(tall)
            cache.put(url, part)
    fetcher = ScreenshotFetcher(cache) if previews else None
    rig = UiRig(folder, ids, screenshots=fetcher)
    app = rig.app
    decoded = 0
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for job_id in ids:
            rig.w.answer(job_id, completed_body("# Page", screenshots=[urls[job_id]]))
        await pilot.pause(0.5)
        app.main.detail.show_tab("screenshots")
        app.main.focus_list()
        await pilot.pause(0.5)
        screen = _Screen(app)
        latencies = []
        for n in range(presses):
            key = "j" if (n // 25) % 2 == 0 else "k"
            latencies.append(await screen.press(key))
            await asyncio.sleep(rng.uniform(*gap))
        preview = app.query_one("#screenshots-tab").query_one("#shot-preview")
        decoded = preview._worker.ran if previews else 0  # type: ignore[attr-defined]
    return {
        "p50": statistics.median(latencies),
        "p95": _percentile(latencies, 0.95),
        "max": max(latencies),
        "pictures": decoded,
    }


def run(presses: int = 60, repeats: int = 7) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="spidra-bench-shots-"))
    try:
        figures = decode_figures(folder, repeats)
        for name, gap in GAPS.items():
            base = asyncio.run(key_figures(folder / f"off-{name}", presses, False, 1, gap))
            busy = asyncio.run(key_figures(folder / f"on-{name}", presses, True, 1, gap))
            figures.update({f"{name}_off_{k}": v for k, v in base.items()})
            figures.update({f"{name}_on_{k}": v for k, v in busy.items()})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    f = run(args.presses, args.repeats)
    ms = 1000
    print(f"A 1280x10000 PNG ({f['tall_bytes'] / 1024:.0f} KB), medians of {args.repeats}:")
    print(f"  decode + reduce to 640 wide:        {f['tall_decode'] * ms:6.1f} ms")
    lines = f"{COLUMNS} columns ({f['tall_lines']} lines)"
    print(f"  scale to {lines}:  {f['tall_scale'] * ms:6.1f} ms")
    print(f"  a screen of 48 rows of cells:       {f['screen_rows'] * ms:6.1f} ms (on the loop)")
    print(f"  both:                               {f['tall_both'] * ms:6.1f} ms")
    print(f"  a 1280x800 viewport, both:          {f['viewport_both'] * ms:6.1f} ms")
    for name, (low, high) in GAPS.items():
        off = (
            f"{f[f'{name}_off_p50'] * ms:5.1f} / {f[f'{name}_off_p95'] * ms:5.1f} / "
            f"{f[f'{name}_off_max'] * ms:5.1f} ms"
        )
        on = (
            f"{f[f'{name}_on_p50'] * ms:5.1f} / {f[f'{name}_on_p95'] * ms:5.1f} / "
            f"{f[f'{name}_on_max'] * ms:5.1f} ms"
        )
        print(f"B {name}, keys {low * ms:.0f}-{high * ms:.0f} ms apart, p50 / p95 / max:")
        print(f"  previews off: {off}")
        print(
            f"  previews on:  {on} ({f[f'{name}_on_pictures']} decodes ran; "
            f"p95 ratio {f[f'{name}_on_p95'] / f[f'{name}_off_p95']:.2f}, "
            f"target p95 <= {TARGET_KEY_P95 * ms:.0f} ms)"
        )


if __name__ == "__main__":
    main()
