"""Read job IDs out of pasted text, and say why each refused one was refused.

People paste IDs from a terminal, a log line or a JSON list, so entries may be
separated by spaces, commas, semicolons or newlines, and may carry quotes or
brackets around them. A Spidra job ID is a UUID in practice; anything of 1 to
128 letters, digits, ``_`` and ``-`` is accepted, so a future ID format still
works. ``batch:ID`` and ``crawl:ID`` name a batch scrape or a crawl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spidra_tui.api.kinds import JobRef, Kind, split_ref
from spidra_tui.sanitize import line

MAX_ID_LENGTH = 128

_SEPARATORS = re.compile(r"[\s,;]+")
_VALID = re.compile(r"[A-Za-z0-9_-]+")
_WRAPPING = "\"'`[](){}<>"


@dataclass(frozen=True, slots=True)
class RefusedId:
    """An entry that is not a job ID: ``shown`` is safe to display, ``reason`` says why."""

    shown: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedIds:
    """What a paste held: good IDs in order without repeats, and the refused entries."""

    ids: tuple[str, ...]
    refused: tuple[RefusedId, ...]
    plain: frozenset[str] = frozenset()  # IDs given without a kind (no batch: or crawl:)

    @property
    def empty(self) -> bool:
        """True when the paste held nothing at all."""
        return not self.ids and not self.refused


def check_job_id(entry: str) -> str | None:
    """The reason ``entry`` is not a job ID, in plain words, or None when it is one."""
    if not entry:
        return "it is empty"
    if len(entry) > MAX_ID_LENGTH:
        return f"it is {len(entry)} characters long; a job ID has at most {MAX_ID_LENGTH}"
    if _VALID.fullmatch(entry):
        return None
    if "://" in entry or entry.startswith("www."):
        return "it is a URL, not a job ID (press n to start a scrape of a URL)"
    bad = sorted({char for char in entry if not _VALID.fullmatch(char)})
    shown = " ".join(_show_char(char) for char in bad[:5])
    return f"a job ID has only letters, digits, _ and -; this one has {shown}"


def check_ref(entry: str) -> tuple[JobRef | None, str | None]:
    """``(ref, None)`` for a scrape's ID, ``batch:ID`` or ``crawl:ID``; else
    ``(None, reason)`` with the reason in plain words."""
    kind, job_id = split_ref(entry)
    reason = check_job_id(job_id)
    if reason is not None:
        return None, reason
    return JobRef(kind or Kind.SCRAPE, job_id), None


def parse_ref(text: str) -> JobRef:
    """The :class:`JobRef` ``text`` names (a plain ID is a scrape's); raises
    ``ValueError`` with the reason in plain words when it names none."""
    ref, reason = check_ref(text)
    if ref is None:
        raise ValueError(reason)
    return ref


def _show_char(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return repr(char)
    return f"U+{ord(char):04X}"


def parse_job_ids(text: str) -> ParsedIds:
    """Split ``text`` into job IDs and refused entries (see the module docstring)."""
    ids: dict[str, None] = {}
    plain: set[str] = set()
    refused: list[RefusedId] = []
    for raw in _SEPARATORS.split(text):
        entry = raw.strip(_WRAPPING)
        if not entry:
            continue  # nothing, or a lone bracket or quote between entries
        ref, reason = check_ref(entry)
        if ref is not None:
            ids.setdefault(ref.key, None)
            if ":" not in entry:
                plain.add(ref.key)
        else:
            refused.append(RefusedId(line(entry, 40) or "(unprintable)", reason))
    return ParsedIds(tuple(ids), tuple(refused), frozenset(plain))
