"""A Spidra-compatible HTTP service for the demo mode and for tests.

It serves ``POST /api/scrape`` and ``GET /api/scrape/{jobId}`` on a loopback socket
from a background thread, with jobs that move through waiting, (delayed,) active and
completed or failed on an injectable clock, realistic results, injected faults and
server-side accounting::

    from spidra_tui.clock import FakeClock
    from spidra_tui.emulator import Emulator, EmulatorConfig, Faults

    clock = FakeClock()
    emu = Emulator(EmulatorConfig(catalogue=True, seed=0), clock=clock)
    base_url = emu.start()             # "http://127.0.0.1:PORT/api" (a free port)
    emu.demo_key                       # the key owning the catalogue
    emu.catalogue_ids()                # [(job_id, description), ...] in a fixed order
    job_id = emu.submit(key, body)     # as POST /scrape, without HTTP
    job_id = emu.create_job(key, script=Script(...), result={...}, final_body=b"...")
    emu.final_status(job_id), emu.finish_time(job_id), emu.answer(job_id)
    emu.faults = Faults(server_error=0.2, rate_limit=(10, 1.0))
    clock.advance(5.0)                 # jobs move on; nothing sleeps
    emu.stats.gets_after_terminal(), emu.stats.peak_in_flight, emu.reset_stats()
    emu.stop()

Any key ``spd_`` + 8 or more characters is accepted unless ``EmulatorConfig.keys``
lists the accepted ones. ``run_forever`` serves until Ctrl+C (for ``demo-server``).
``content.foreach_markdown`` and ``content.json_value`` make large content for
benchmarks.
"""

from __future__ import annotations

from .accounting import RequestRecord, ServerStats
from .catalogue import CatalogueJob
from .config import DEMO_KEY, EmulatorConfig, Faults
from .emulator import Emulator, run_forever
from .lifecycle import Script
from .validation import SubmissionRejected

__all__ = [
    "DEMO_KEY",
    "CatalogueJob",
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "RequestRecord",
    "Script",
    "ServerStats",
    "SubmissionRejected",
    "run_forever",
]
