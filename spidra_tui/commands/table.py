"""A plain-text table that fits the terminal, for the command line's listings.

Every cell is made one safe line (``sanitize.line``); when the table is wider than the
terminal, the flexible column gives up width first, then every column is cut.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from spidra_tui import sanitize

MIN_WIDTH = 4
GAP = "  "


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its heading, whether it takes the leftover width, right-aligned or not."""

    heading: str
    flexible: bool = False
    right: bool = False


def terminal_width(default: int = 100) -> int:
    """The terminal's width (COLUMNS first), or ``default`` when not on a terminal."""
    return max(20, shutil.get_terminal_size((default, 24)).columns)


def render(columns: Sequence[Column], rows: Sequence[Sequence[object]], width: int) -> str:
    """The table as lines of at most ``width`` characters (one cell per character)."""
    cells = [[sanitize.line(cell if cell is not None else "-") for cell in row] for row in rows]
    widths = [len(column.heading) for column in columns]
    for row in cells:
        for index, text in enumerate(row):
            widths[index] = max(widths[index], len(text))
    room = width - len(GAP) * (len(columns) - 1)
    excess = sum(widths) - room
    for index, column in enumerate(columns):
        if excess > 0 and column.flexible:
            cut = min(excess, widths[index] - MIN_WIDTH)
            if cut > 0:
                widths[index] -= cut
                excess -= cut
    while excess > 0 and max(widths) > MIN_WIDTH:
        widest = widths.index(max(widths))
        widths[widest] -= 1
        excess -= 1

    def line(texts: Sequence[str]) -> str:
        parts = []
        for index, text in enumerate(texts):
            text = sanitize.line(text, widths[index]) if len(text) > widths[index] else text
            if columns[index].right:
                parts.append(text.rjust(widths[index]))
            else:
                parts.append(text.ljust(widths[index]))
        return GAP.join(parts).rstrip()

    out = [line([column.heading for column in columns])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)
