"""``spidra-tui get JOB --screenshots DIR``: save every screenshot of a job.

Each image is fetched from its storage host with a client that never holds the API
key (or taken from the cache in the state folder, which also outlives the links),
checked to be an image, and written as ``JOBID-N.png`` (``.jpg``, ``.webp``) without
replacing an existing file unless ``--overwrite`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from spidra_tui import sanitize
from spidra_tui.api.models import Job
from spidra_tui.deliver.download import DownloadError
from spidra_tui.deliver.image_cache import ImageCache
from spidra_tui.deliver.screenshots import ScreenshotFetcher

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
CACHE_FOLDER = "screenshots"


@dataclass(frozen=True)
class ScreenshotRequest:
    """Where to save screenshots, where the cache is, and whether to overwrite."""

    folder: Path
    state_dir: Path
    overwrite: bool = False


async def save_all(job_id: str, job: Job, request: ScreenshotRequest, err: TextIO) -> int:
    """Save each screenshot of ``job`` (named after ``job_id``); one line on ``err``
    per file or problem. Exit 0 when all were saved (or there were none), 1 when any
    was not, 2 when the folder is unusable."""
    shots = job.result.all_screenshots if job.result is not None else ()
    return await save_numbered(job_id, list(enumerate(shots, 1)), request, err)


async def save_numbered(
    job_id: str, shots: list[tuple[int, str]], request: ScreenshotRequest, err: TextIO
) -> int:
    """Save each ``(number, url)`` as ``JOBID-number.png`` (a batch numbers them by
    item); exit codes as :func:`save_all`."""
    folder = request.folder.expanduser()
    if not folder.is_dir():
        err.write(f"Not a folder: {sanitize.line(str(folder), 300)}\n")
        return EXIT_USAGE
    if not shots:
        err.write("This job has no screenshots.\n")
        return EXIT_OK
    failed = 0
    cache = ImageCache(request.state_dir / CACHE_FOLDER)
    async with ScreenshotFetcher(cache) as fetcher:
        for number, url in shots:
            try:
                saved = await fetcher.save(url, folder, job_id, number, overwrite=request.overwrite)
            except FileExistsError as exc:
                failed += 1
                name = Path(exc.filename or "").name
                err.write(
                    f"Screenshot {number}: {sanitize.line(name, 120)} exists; "
                    "not replaced (use --overwrite)\n"
                )
            except DownloadError as exc:
                failed += 1
                err.write(f"Screenshot {number}: {sanitize.line(str(exc), 300)}\n")
            except OSError as exc:
                failed += 1
                err.write(
                    f"Screenshot {number}: could not write: {sanitize.line(exc.strerror, 100)}\n"
                )
            else:
                size = saved.size
                err.write(f"Saved {sanitize.line(str(saved.path), 300)} ({size:,} bytes)\n")
    return EXIT_FAILED if failed else EXIT_OK
