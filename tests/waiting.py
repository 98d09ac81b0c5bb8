"""Waiting in tests on a condition, never for a fixed time.

A test that sleeps for a guessed time is slow when the guess is long and flaky when
it is short. These wait until ``predicate()`` is true, checking often, and fail with a
clear message (``what``: a text, or a function giving one at the failure) once
``timeout`` (real seconds, generous: it only matters when the condition never comes)
has passed:

- ``wait_for`` in async code;
- ``pilot_wait_for`` in a Textual Pilot test: it lets the app process its messages and
  refreshes (``pilot.pause()``) before each check;
- ``block_until`` in plain code that watches another process or thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

# Seconds between checks: short next to anything a test waits for, long enough not
# to keep a core busy.
CHECK_EVERY = 0.005


Description = str | Callable[[], str]


def _failure(what: Description, timeout: float) -> AssertionError:
    # A callable says what was awaited as things stand at the failure.
    said = what() if callable(what) else what
    return AssertionError(f"waited {timeout:g} s for {said}, in vain")


async def wait_for(
    predicate: Callable[[], object], timeout: float = 10.0, *, what: Description = "the condition"
) -> None:
    """Return as soon as ``predicate()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise _failure(what, timeout)
        await asyncio.sleep(CHECK_EVERY)


async def pilot_wait_for(
    pilot: Pilot[Any],
    predicate: Callable[[], object],
    timeout: float = 10.0,
    *,
    what: Description = "the condition",
) -> None:
    """As ``wait_for``, with the app's pending messages processed before each check."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if predicate():
            return
        if time.monotonic() > deadline:
            raise _failure(what, timeout)
        await asyncio.sleep(CHECK_EVERY)


def block_until(
    predicate: Callable[[], object], timeout: float = 10.0, *, what: Description = "the condition"
) -> None:
    """Block until ``predicate()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise _failure(what, timeout)
        time.sleep(CHECK_EVERY)
