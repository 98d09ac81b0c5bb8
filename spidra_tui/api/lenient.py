"""Lenient readers for single fields of the account's list rows: a wrong type gives ``None``.

List endpoints of the account (logs, batches, crawls, usage) leak database quirks:
booleans as 0/1, money as decimal strings (``"2.00"``), numbers as strings. A row is
shown as far as it can be read; a field that cannot be read is simply absent. (The
job models read strictly, with :mod:`.fields`: a wrong shape there is a clear error.)
"""

from __future__ import annotations

import math
from typing import Any

from spidra_tui.api.fields import kind_of

__all__ = [
    "as_bool",
    "as_count",
    "as_int",
    "as_number",
    "as_object",
    "as_text",
    "kind_of",
]


def as_number(value: Any) -> float | None:
    """A finite number from a number or a numeric string; else ``None`` (booleans too)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_int(value: Any) -> int | None:
    """A whole number (rounded down) from what :func:`as_number` reads; else ``None``."""
    number = as_number(value)
    if number is None or abs(number) > 2**63:
        return None
    return int(number)


def as_count(value: Any) -> int:
    """A count that is never negative; an unreadable value counts as 0."""
    number = as_int(value)
    return number if number is not None and number > 0 else 0


def as_bool(value: Any) -> bool | None:
    """A boolean from ``true``/``false``, 0/1 or their strings; else ``None``."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value != 0 if value in (0, 1) else None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    return None


def as_text(value: Any) -> str | None:
    """A string as sent, or a number written out; anything else is ``None``.

    The text is not made safe here: callers pass it through ``sanitize`` where it is
    shown, copied or saved, so ``--json`` can still print what the server sent.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}
