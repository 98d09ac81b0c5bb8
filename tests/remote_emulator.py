"""The emulator in a process of its own, on virtual time shared with the client.

Measuring the memory of a long watch needs the server out of the watching
process: the emulator keeps a record of every request and a copy of every final
answer by design, and in the same process that growth would hide (or fake) a
leak of the client. Here the emulator runs in a child process started from this
file. It reads the time from a small memory-mapped file that the client's
:class:`VirtualClock` moves, and answers a few calls, pickled over its
stdin and stdout::

    with SharedClock.create() as shared, RemoteEmulator(EmulatorConfig(), shared) as emulator:
        emulator.base_url, emulator.create_jobs(key, [(script, url), ...])
        clock = VirtualClock(shared)   # the client's clock; the server sees its time
"""

from __future__ import annotations

import asyncio
import mmap
import os
import pickle
import struct
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from spidra_tui.emulator import Emulator, EmulatorConfig, Faults, RequestRecord, Script

_CELLS = struct.Struct("dd")  # monotonic seconds, wall seconds


class SharedClock:
    """A clock that moves only when told to, readable from another process.

    Works like :class:`spidra_tui.clock.FakeClock` (same start values), but its
    time lives in a memory-mapped file, so the emulator's process reads what
    the client's process set. The writer makes it with :meth:`create` and
    deletes the file on :meth:`close`; a reader opens it by path.
    """

    def __init__(self, path: Path, *, owner: bool = False) -> None:
        self.path = path
        self._owner = owner
        with open(path, "r+b") as file:
            self._map = mmap.mmap(file.fileno(), _CELLS.size)

    @classmethod
    def create(cls, start: float = 1_000.0, wall_start: float = 1_780_000_000.0) -> SharedClock:
        handle, name = tempfile.mkstemp(prefix="spidra-clock-")
        with os.fdopen(handle, "wb") as file:
            file.write(_CELLS.pack(start, wall_start))
        return cls(Path(name), owner=True)

    def monotonic(self) -> float:
        return _CELLS.unpack_from(self._map)[0]

    def wall(self) -> float:
        return _CELLS.unpack_from(self._map)[1]

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            now, wall = _CELLS.unpack_from(self._map)
            _CELLS.pack_into(self._map, 0, now + seconds, wall + seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)

    def close(self) -> None:
        if not self._map.closed:
            self._map.close()
            if self._owner:
                self.path.unlink(missing_ok=True)

    def __enter__(self) -> SharedClock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Service:
    """What the emulator's process answers: one method per call."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def create_jobs(self, key: str, plans: Sequence[tuple[Script, str]]) -> list[str]:
        return [self.emulator.create_job(key, script=s, urls=(url,)) for s, url in plans]

    def set_faults(self, faults: Faults) -> None:
        self.emulator.faults = faults

    def final_statuses(self, job_ids: Sequence[str]) -> dict[str, str]:
        return {job_id: self.emulator.final_status(job_id) for job_id in job_ids}

    def answers(self, job_ids: Sequence[str]) -> dict[str, Any]:
        return {job_id: self.emulator.answer(job_id) for job_id in job_ids}

    def created(self, urls: Sequence[str], bodies: Sequence[object]) -> tuple[list[int], list[int]]:
        stats = self.emulator.stats
        return (
            [stats.jobs_created_for(url) for url in urls],
            [stats.jobs_created_for_body(body) for body in bodies],
        )

    def requests(self) -> list[RequestRecord]:
        return self.emulator.stats.requests()

    def figures(self) -> dict[str, Any]:
        stats = self.emulator.stats
        return {
            "total_requests": stats.total_requests,
            "gets_after_terminal": stats.gets_after_terminal(),
            "peak_in_flight": stats.peak_in_flight,
            "handler_errors": stats.handler_errors,
        }


def serve(clock_path: Path, calls: IO[bytes], answers: IO[bytes]) -> None:
    """The emulator's process: read the config, serve on loopback, answer calls
    until the caller hangs up."""
    config: EmulatorConfig = pickle.load(calls)
    clock = SharedClock(clock_path)
    emulator = Emulator(config, clock=clock)  # type: ignore[arg-type]
    try:
        _send(answers, emulator.start())
        service = _Service(emulator)
        while True:
            try:
                name, args = pickle.load(calls)
            except EOFError:
                return
            try:
                _send(answers, (True, getattr(service, name)(*args)))
            except Exception as exc:  # handed back to the caller, raised there
                _send(answers, (False, repr(exc)))
    finally:
        emulator.stop()
        clock.close()


def _send(stream: IO[bytes], value: object) -> None:
    pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


class RemoteEmulator:
    """An :class:`Emulator` running in a child process; use as a context manager."""

    def __init__(self, config: EmulatorConfig, clock: SharedClock) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, str(clock.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._calls, self._answers = self._process.stdin, self._process.stdout
        _send(self._calls, config)
        self.base_url: str = pickle.load(self._answers)

    def __enter__(self) -> RemoteEmulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the server and its process (safe to call twice)."""
        if not self._calls.closed:
            self._calls.close()  # the child sees the end of its input and stops
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._answers.close()

    def _call(self, name: str, *args: Any) -> Any:
        _send(self._calls, (name, args))
        ok, value = pickle.load(self._answers)
        if not ok:
            raise RuntimeError(f"the emulator failed at {name}: {value}")
        return value

    def create_jobs(self, key: str, plans: Sequence[tuple[Script, str]]) -> list[str]:
        """Plant one job per ``(script, url)``, owned by ``key``; returns their IDs."""
        return self._call("create_jobs", key, list(plans))

    def set_faults(self, faults: Faults) -> None:
        self._call("set_faults", faults)

    def final_statuses(self, job_ids: Sequence[str]) -> dict[str, str]:
        return self._call("final_statuses", list(job_ids))

    def answers(self, job_ids: Sequence[str]) -> dict[str, Any]:
        """Each job's answer now (its final one, once it has ended)."""
        return self._call("answers", list(job_ids))

    def created(self, urls: Sequence[str], bodies: Sequence[object]) -> tuple[list[int], list[int]]:
        """How many jobs the server created for each URL, and for each exact body."""
        return self._call("created", list(urls), list(bodies))

    def requests(self) -> list[RequestRecord]:
        """The server's request log, oldest first."""
        return self._call("requests")

    def figures(self) -> dict[str, Any]:
        """``total_requests``, ``gets_after_terminal``, ``peak_in_flight``, ``handler_errors``."""
        return self._call("figures")


if __name__ == "__main__":
    # The answers get the real stdout to themselves; a stray print goes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(Path(sys.argv[1]), sys.stdin.buffer, answers)
