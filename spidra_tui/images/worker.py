"""One background thread for picture work, at a lower CPU priority, newest request first.

Decoding a tall screenshot takes a tenth of a second or more of CPU. On a machine
with two cores, several decodes at once (a user stepping through jobs) would take the
core the event loop needs, and keys would wait. So picture work runs on a single
thread: a request made while another waits replaces it (only the newest picture
matters), and on Linux the thread lowers its own priority, so the scheduler gives the
event loop's thread the CPU first. Pillow releases the interpreter lock while it
decodes and resizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["NICENESS", "PictureWorker"]

NICENESS = 10


class PictureWorker:
    """Runs ``work()`` calls one at a time on a thread of its own; each result (or
    exception) goes to its ``done`` on the event loop the request came from.

    A request replaces the one waiting (if any) with the same ``lane``: that one is
    dropped unrun, and its ``done`` never called.
    """

    def __init__(self, name: str = "spidra-pictures") -> None:
        self._name = name
        self._pending: dict[
            str,
            tuple[
                Callable[[], Any],
                Callable[[Any, BaseException | None], None],
                asyncio.AbstractEventLoop,
            ],
        ] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.ran = 0
        """How many requests ran (the others were replaced before their turn)."""

    def submit(
        self,
        lane: str,
        work: Callable[[], Any],
        done: Callable[[Any, BaseException | None], None],
    ) -> None:
        """Queue ``work`` in ``lane``, replacing what waits there; ``done(result, error)``
        is called on the current event loop when it has run."""
        loop = asyncio.get_running_loop()
        with self._wake:
            if self._closed:
                return
            self._pending.pop(lane, None)
            self._pending[lane] = (work, done, loop)  # newest last: run in order of arrival
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._wake.notify()

    def close(self) -> None:
        """Drop what waits and let the thread end (it finishes the work it is in)."""
        with self._wake:
            self._closed = True
            self._pending.clear()
            self._wake.notify()

    def _run(self) -> None:
        if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
            # On Linux a thread is a task of its own: this lowers only this thread.
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        while True:
            with self._wake:
                while not self._pending and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                lane = next(iter(self._pending))
                work, done, loop = self._pending.pop(lane)
            result: Any = None
            error: BaseException | None = None
            try:
                result = work()
            except Exception as exc:  # handed to the caller, who shows it
                error = exc
            self.ran += 1
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(done, result, error)
