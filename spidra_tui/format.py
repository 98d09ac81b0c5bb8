"""Short, human forms of numbers and times: durations, ages, sizes, tokens, percents, bars.

The one place where the app and the command line turn figures into words, so a job
at 99.6% reads the same in the list, the detail and ``watch``. Every function is pure
and never raises on odd input (negative, NaN, None), because the figures come from a
server that may send anything. Results are plain ``str`` except :func:`progress_bar`,
which is a styled :class:`rich.text.Text` (Rich is imported only when one is drawn).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

__all__ = [
    "EMPTY",
    "age",
    "count",
    "duration",
    "local_time",
    "percent",
    "progress_bar",
    "short_duration",
    "size",
    "tokens",
    "when",
]

# Shown for a figure the server did not send; a dash reads as "none" in a column.
EMPTY = "–"

_BAR_FULL = "█"
_BAR_PARTS = " ▏▎▍▌▋▊▉"  # eighths of a cell, so a narrow bar still moves smoothly
_BAR_EMPTY = "░"


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def duration(seconds: float | None) -> str:
    """Return a length of time as "850 ms", "4.2 s", "3 min 5 s", "2 h 5 min" or "3 d 4 h"."""
    value = _finite(seconds)
    if value is None:
        return EMPTY
    value = max(0.0, value)
    if value < 1:
        return f"{round(value * 1000)} ms"
    if value < 10:
        return f"{value:.1f} s"
    whole = round(value)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def short_duration(seconds: float | None) -> str:
    """Return a length of time in its largest unit, for a narrow column: "12s", "4m", "3h"."""
    value = _finite(seconds)
    if value is None:
        return EMPTY
    whole = int(max(0.0, value))
    for unit, span in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if whole >= span:
            return f"{whole // span}{unit}"
    return f"{whole}s"


def age(seconds: float | None) -> str:
    """Return how long ago something happened: "just now", "12 s ago", "3 min ago", "2 d ago".

    Only the largest unit is kept: an age is glanced at, not read.
    """
    value = _finite(seconds)
    if value is None:
        return EMPTY
    if value < 1:
        # A clock a little ahead of ours gives a small negative age; it still means "now".
        return "just now"
    whole = int(value)
    for unit, span in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if whole >= span:
            return f"{whole // span} {unit} ago"
    return f"{whole} s ago"


def local_time(timestamp: float | None, *, now: float | None = None) -> str:
    """Return a wall-clock time in the local zone: "15:04:05" today, else "2024-11-28 15:04"."""
    value = _finite(timestamp)
    if value is None:
        return EMPTY
    try:
        moment = time.localtime(value)
        today = time.localtime(time.time() if now is None else now)
    except (OverflowError, OSError, ValueError):
        return EMPTY
    if moment[:3] == today[:3]:
        return time.strftime("%H:%M:%S", moment)
    return time.strftime("%Y-%m-%d %H:%M", moment)


def when(timestamp: float | None, *, now: float | None = None) -> str:
    """Return a local time with its age: "15:04:05 (3 min ago)"."""
    value = _finite(timestamp)
    if value is None:
        return EMPTY
    current = time.time() if now is None else now
    return f"{local_time(value, now=current)} ({age(current - value)})"


def size(n_bytes: int | float | None) -> str:
    """Return a byte count as "512 B", "12.3 KB", "240 KB" or "1.5 MB" (1 KB = 1024 B)."""
    value = _finite(n_bytes)
    if value is None:
        return EMPTY
    value = max(0.0, value)
    if value < 1024:
        return f"{int(value)} B"
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        # Below 100 one decimal is worth reading; above it, noise.
        shown = f"{value:.1f}" if value < 99.95 else f"{value:.0f}"
        if float(shown) < 1024 or unit == "TB":
            return f"{shown} {unit}"
    raise AssertionError("unreachable")


def count(n: int | float | None) -> str:
    """Return a whole number with thousands separators: "1,234"."""
    value = _finite(n)
    if value is None:
        return EMPTY
    return f"{round(value):,}"


def tokens(n: int | float | None) -> str:
    """Return a token count compactly: "312", "12.3k", "4.5M"."""
    value = _finite(n)
    if value is None:
        return EMPTY
    value = max(0.0, value)
    if value < 1000:
        return str(round(value))
    for unit, scale in (("k", 1e3), ("M", 1e6), ("B", 1e9)):
        scaled = value / scale
        if scaled < 999.95 or unit == "B":
            return f"{scaled:.1f}{unit}" if scaled < 100 else f"{scaled:.0f}{unit}"
    raise AssertionError("unreachable")


def percent(fraction: float | None) -> str:
    """Return a fraction 0..1 as "60%"; values outside are clamped.

    Rounded down: a job at 99.6% shows 99%, never 100% before it has ended.
    """
    value = _finite(fraction)
    if value is None:
        return EMPTY
    return f"{math.floor(min(1.0, max(0.0, value)) * 100)}%"


def progress_bar(
    fraction: float | None,
    width: int = 20,
    *,
    style: str = "green",
    empty_style: str = "bright_black",
    with_percent: bool = True,
) -> Text:
    """Return a bar ``width`` cells wide, filled to ``fraction`` in eighths of a cell.

    An unknown fraction gives an empty bar and "?" instead of a percentage, so a job that
    has not said how far it is does not look stuck at 0%.
    """
    from rich.text import Text

    width = max(1, width)
    value = _finite(fraction)
    bar = Text()
    if value is None:
        bar.append(_BAR_EMPTY * width, style=empty_style)
        if with_percent:
            bar.append("    ?")
        return bar
    value = min(1.0, max(0.0, value))
    eighths = math.floor(value * width * 8)
    full, part = divmod(eighths, 8)
    filled = _BAR_FULL * full + (_BAR_PARTS[part] if part and full < width else "")
    bar.append(filled, style=style)
    bar.append(_BAR_EMPTY * (width - len(filled)), style=empty_style)
    if with_percent:
        bar.append(f" {percent(value):>4}")
    return bar
