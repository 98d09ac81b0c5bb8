"""The real ``spidra-tui`` process in a pseudo-terminal, for tests that need a whole
process: killing it, reading what it writes to the terminal, its files and children.
"""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def base_env(**extra: str) -> dict[str, str]:
    """A small, known environment: no variable of the test runner leaks into the TUI."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    env.update(extra)
    return env


class TuiProcess:
    """``python -m spidra_tui ARGS`` with a pseudo-terminal as stdin, stdout and stderr.

    A thread keeps reading the terminal side, so the app never blocks on a full
    buffer; ``output`` is everything it wrote.
    """

    def __init__(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        size: tuple[int, int] = (120, 36),
        cwd: Path | None = None,
    ) -> None:
        master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "spidra_tui", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._master = master
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: the other side is closed
                return
            if not data:
                return
            with self._lock:
                self._output += data

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def wait_for(self, needle: bytes, timeout: float = 15.0) -> None:
        """Wait until the terminal output holds ``needle`` (or fail, showing the end)."""
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.output[-2000:].decode("utf-8", "replace")
                raise AssertionError(f"{needle!r} never appeared; the terminal got:\n{tail}")
            time.sleep(0.02)

    def type(self, text: str) -> None:
        """Keys, as a person would type them."""
        os.write(self._master, text.encode())

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._close()

    def _close(self) -> None:
        self._reader.join(5)
        try:
            os.close(self._master)
        except OSError:
            pass
