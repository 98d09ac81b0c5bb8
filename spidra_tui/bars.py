"""Horizontal bars of block characters, for usage charts on a terminal or in the TUI."""

from __future__ import annotations

import math

EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


def bar(value: float, maximum: float, width: int) -> str:
    """``value`` of ``maximum`` as a bar up to ``width`` cells, to an eighth of a cell.

    A value above zero always shows at least a sliver, so a quiet day is not mistaken
    for an empty one. Negative, NaN or infinite figures draw nothing.
    """
    if width <= 0 or not math.isfinite(value) or not math.isfinite(maximum):
        return ""
    if value <= 0 or maximum <= 0:
        return ""
    eighths = max(1, round(min(value, maximum) / maximum * width * 8))
    full, part = divmod(eighths, 8)
    return FULL * full + (EIGHTHS[part] if part else "")


def figure(value: float) -> str:
    """A count or credit figure, short: ``12``, ``2.5``, ``1,204``."""
    if not math.isfinite(value):
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
