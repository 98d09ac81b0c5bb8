"""What the commands that start or retry a job write to the watchlist."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def remembering(state_dir: Path) -> Callable[[str, str | None], None]:
    """What adds a new job (its key and label) to the watchlist in ``state_dir``."""

    def add(job_id: str, label: str | None) -> None:
        from spidra_tui.watch.store import JobStore, StoreError

        try:
            with JobStore.open(state_dir) as store:
                store.add(job_id, label=label)
        except (StoreError, OSError) as exc:
            sys.stderr.write(f"Warning: the job was not added to the watchlist: {exc}\n")

    return add


def reopening(state_dir: Path) -> Callable[[str], None]:
    """What marks a remembered job as running again (a retried batch), so it is polled."""

    def reopen(key: str) -> None:
        from spidra_tui.watch.state import JobUpdate
        from spidra_tui.watch.store import JobStore, StoreError

        try:
            with JobStore.open(state_dir) as store:
                if store.get(key) is not None:
                    store.record(JobUpdate(key, "running"))
        except (StoreError, OSError) as exc:
            sys.stderr.write(f"Warning: the watchlist was not updated: {exc}\n")

    return reopen
