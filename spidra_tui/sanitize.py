"""Make untrusted text safe for a terminal, a clipboard or a file name.

Everything the Spidra API returns was written by strangers. A terminal acts on
escape sequences wherever they appear, and neither Rich nor Textual removes
them, so every such string passes through this module before it reaches a
renderable, a clipboard or the file system.

The functions are pure and work on whole strings with compiled regular
expressions, so a 10 MB page costs a few regex passes, not a Python loop.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["clean", "json_text", "line", "safe_json", "safe_filename", "web_url"]

# Characters that make `clean` do any work at all: C0 controls other than
# tab and newline, DEL, C1 controls and surrogates. Most text has none, and a
# single search is far cheaper than three substitutions.
_NEEDS_CLEANING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# A surrogate code point can never be encoded as UTF-8; a terminal or file
# write would fail on it.
_SURROGATE = re.compile("[\ud800-\udfff]")

# Escape sequences, removed whole. The alternatives follow the DEC/ECMA-48
# parser that terminals implement:
#  - OSC (ESC ] or U+009D) runs to BEL or ST (ESC \ or U+009C). A string body
#    also ends where a terminal would abort it: at CAN, SUB, a new ESC or any
#    C1 control. With no terminator it runs to the end of the text, as it
#    would swallow everything in a terminal.
#  - DCS (ESC P, U+0090), SOS (ESC X, U+0098), PM (ESC ^, U+009E) and APC
#    (ESC _, U+009F) run to ST in the same way; BEL does not end them.
#    A tmux passthrough (ESC P tmux; ESC ESC ] ... ESC \) is taken apart
#    piece by piece: every piece is itself a sequence matched here.
#  - CSI (ESC [ or U+009B): parameter bytes, intermediate bytes, final byte.
#    An unfinished CSI loses its introducer and parameters.
#  - Any other escape: ESC, intermediate bytes (ESC ( B, ESC # 8), a final
#    byte (ESC 7, ESC c, ESC \).
_OSC_BODY = "[^\x07\x18\x1a\x1b\x80-\x9f]*(?:\x07|\x1b\\\\|\x9c)?"
_STRING_BODY = "[^\x18\x1a\x1b\x80-\x9f]*(?:\x1b\\\\|\x9c)?"
_CSI_BODY = "[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
# Every top-level branch starts with one literal character so that the regex
# engine can skip ahead to the next ESC or C1 introducer instead of trying the
# pattern at every position: about 4x faster on text full of sequences.
_SEQUENCE = re.compile(
    "\x1b(?:"
    f"\\]{_OSC_BODY}|[PX^_]{_STRING_BODY}|\\[{_CSI_BODY}|[\x20-\x2f]*[\x30-\x7e]"
    ")"
    f"|\x9d{_OSC_BODY}"
    f"|\x90{_STRING_BODY}|\x98{_STRING_BODY}|\x9e{_STRING_BODY}|\x9f{_STRING_BODY}"
    f"|\x9b{_CSI_BODY}"
)

# Whatever control characters are left once sequences are gone, including a
# lone ESC and CR (a CR moves the cursor and lets text overwrite a line).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]+")

# Bidirectional embeddings, overrides, isolates and marks: they can make a
# label read differently from what it is ("Trojan Source").
_BIDI_CHARS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{_BIDI_CHARS}]+")
# Of those, the ones that reorder whole runs of text; a terminal with bidi support
# applies them to everything after, so `clean` removes them from documents too. The
# marks (LRM, RLM, ALM) stay there: right-to-left prose uses them legitimately.
_REORDERING_CHARS = _BIDI_CHARS[:9]
_REORDERING = re.compile(f"[{_REORDERING_CHARS}]+")

# Characters that cannot or should not appear in a file name on any common
# system: path separators, Windows-reserved punctuation, controls, line and
# paragraph separators. Runs become a single "-".
_FILENAME_UNSAFE = re.compile('[/\\\\<>:"|?*\x00-\x1f\x7f-\x9f\u2028\u2029]+')
_DOTS = re.compile(r"\.{2,}")

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{prefix}{digit}" for prefix in ("COM", "LPT") for digit in "123456789¹²³"}
)

# Most file systems limit one name to 255 bytes; a short CJK title may pass
# a character limit and still exceed that.
_MAX_NAME_BYTES = 255
# A suffix longer than this is treated as part of the name, not an extension.
_MAX_EXTENSION = 16

_WEB_SCHEMES = frozenset({"http", "https"})


def clean(text: Any) -> str:
    """Return `text` with everything a terminal would act on removed.

    Escape sequences go whole (CSI, OSC, DCS, SOS, PM, APC, the two- and
    three-byte escapes, and their 8-bit C1 forms), then any remaining control
    character except newline and tab, and the bidirectional embeddings,
    overrides and isolates. CRLF becomes LF, a lone CR disappears,
    surrogates become U+FFFD. `None` gives "", other non-strings are passed
    through `str()` first. The result is stable: `clean(clean(x)) == clean(x)`.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if _NEEDS_CLEANING.search(text) is not None:
        text = _SURROGATE.sub("\ufffd", text)
        text = _SEQUENCE.sub("", text)
        text = text.replace("\r\n", "\n")
        text = _CONTROL.sub("", text)
    # A few substring searches at memchr speed (none at all for ASCII or Latin-1
    # text); a regex scan with a non-ASCII class is several times slower.
    if any(char in text for char in _REORDERING_CHARS):
        return _REORDERING.sub("", text)
    return text


def _drop_bidi(text: str) -> str:
    # A dozen substring searches run at memchr speed; a regex scan with a
    # non-ASCII class is several times slower on text that has none.
    if any(char in text for char in _BIDI_CHARS):
        return _BIDI.sub("", text)
    return text


def _one_line(text: str) -> str:
    # str.split() with no argument splits on the same Unicode whitespace as
    # regex \s and strips the ends, in C.
    return " ".join(text.split())


def _truncate(text: str, max_len: int) -> str:
    if len(text) <= max_len:
        return text
    if max_len <= 1:
        return "…"[:max_len]
    return text[: max_len - 1].rstrip() + "…"


def line(text: Any, max_len: int | None = None) -> str:
    """Return `text` as one safe line for a label, table cell or message.

    After `clean`, bidirectional controls are removed, every run of whitespace
    (newlines and tabs included) becomes one space, and the ends are
    stripped. With `max_len`, a longer result is cut to `max_len` characters,
    the last being "…". Lengths count characters, not terminal cells.
    """
    text = _one_line(_drop_bidi(clean(text)))
    if max_len is not None:
        text = _truncate(text, max(0, max_len))
    return text


def _strip_name(name: str) -> str:
    # A leading dot hides the file; a leading dash reads as an option to
    # shell tools; Windows drops trailing dots and spaces.
    return name.lstrip(".- ").rstrip(". ")


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) + 1 > _MAX_EXTENSION or not ext.strip():
        return name, ""
    return stem, "." + ext


def _fits(name: str, max_len: int) -> bool:
    return len(name) <= max_len and len(name.encode("utf-8")) <= _MAX_NAME_BYTES


def _shorten(name: str, max_len: int) -> str:
    """Cut `name` to fit, keeping its extension when there is room for it."""
    if _fits(name, max_len):
        return name
    stem, ext = _split_extension(name)
    if not _fits(ext + "x", max_len):
        stem, ext = name, ""
    # Cut one character at a time only over the last few; start from a cut
    # that is already close so long names stay cheap.
    keep = min(len(stem), max_len - len(ext))
    while keep > 0 and not _fits(stem[:keep].rstrip(". ") + ext, max_len):
        keep -= 1
    return stem[:keep].rstrip(". ") + ext


def _is_windows_reserved(name: str) -> bool:
    stem = name.split(".", 1)[0].rstrip(" ")
    return stem.upper() in _WINDOWS_RESERVED


def safe_filename(name: Any, default: str = "download", max_len: int = 100) -> str:
    """Return `name` as a single file name component that is safe to create.

    Path separators, NUL, controls and ``<>:"|?*`` become "-"; runs of dots
    collapse to one; leading dots, dashes and spaces and trailing dots and
    spaces go; bidirectional controls go. The result is never empty (it falls
    back to `default`), never a Windows reserved name such as CON or NUL
    (those get a "_" prefix), and at most `max_len` characters and 255 UTF-8
    bytes, keeping the extension when it is cut.
    """
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    text = _drop_bidi(clean(name))
    limit = 4 * (_MAX_NAME_BYTES + max_len)
    if len(text) > limit:
        # Almost nothing this far in can survive the final cut; keep the
        # extension and spare the passes below a huge string.
        stem, ext = _split_extension(text)
        text = stem[:limit] + ext
    text = _FILENAME_UNSAFE.sub("-", text)
    text = _DOTS.sub(".", text)
    text = _strip_name(_one_line(text))
    text = _strip_name(_shorten(text, max_len))
    if not text:
        fallback = _strip_name(_FILENAME_UNSAFE.sub("-", _drop_bidi(clean(default))))
        text = _strip_name(_shorten(fallback, max_len)) or "download"[:max_len]
    if _is_windows_reserved(text):
        text = _shorten("_" + text, max_len)
    return text


def web_url(url: Any) -> str | None:
    """Return `url` stripped if it is an http(s) URL with a host, else None.

    Refused: other schemes (file:, javascript:, data:, ...), relative links,
    a missing host (``http:///x``), and any URL holding whitespace, controls,
    invisible formatting characters or a backslash (which browsers read as
    "/" and Python does not, so the host shown could differ from the one
    opened).
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or not url.isprintable() or " " in url or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not host:
        return None
    return url


# What ``json.dumps(..., ensure_ascii=False)`` leaves raw that a terminal would act on
# (DEL, C1 controls, bidi overrides) or a file could not hold (lone surrogates). In JSON
# text they can only sit inside strings, so a \uXXXX escape keeps the JSON valid and
# equal in meaning, where removing them (as ``clean`` would, together with what follows
# an 8-bit CSI or OSC introducer) could cut the document.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\ud800-\udfff{_BIDI_CHARS}]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_json(text: str) -> str:
    """Escape, in JSON text made by ``json.dumps``, every character a terminal acts on."""
    return _JSON_UNSAFE.sub(_json_escape, text)


def clean_json(value: Any) -> Any:
    """A copy of a JSON value with every string, keys included, passed through :func:`clean`.

    Iterative, so a hostile answer nested thousands of levels deep cannot exhaust the
    stack. Values JSON has no type for become their cleaned ``str()``. Keys that clean
    to the same text keep the last value, as a JSON parser would.
    """
    if not isinstance(value, (dict, list, tuple)):
        return _clean_scalar(value)
    root: list[Any] = [None]
    # (source container, target container, key or index in the parent's target)
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        source, parent, slot = stack.pop()
        if isinstance(source, dict):
            target: Any = {}
            parent[slot] = target
            for key, item in source.items():
                clean_key = clean(key) if isinstance(key, str) else _json_key(key)
                if isinstance(item, (dict, list, tuple)):
                    target[clean_key] = None
                    stack.append((item, target, clean_key))
                else:
                    target[clean_key] = _clean_scalar(item)
        else:
            target = [None] * len(source)
            parent[slot] = target
            for index, item in enumerate(source):
                if isinstance(item, (dict, list, tuple)):
                    stack.append((item, target, index))
                else:
                    target[index] = _clean_scalar(item)
    return root[0]


def _clean_scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else clean(str(value))
    return clean(value)  # strings, and anything else as its cleaned str()


def _json_key(key: Any) -> str:
    # As json.dumps turns a non-string key into a string.
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    return clean(str(key))


def json_text(value: Any, indent: int | None = 2) -> str:
    """The one way the app writes JSON for people and files: stdout, copies, saved files.

    Every string is cleaned first (:func:`clean_json`), so the text parses, loads back
    equal to the value with its strings sanitized, and holds nothing a terminal acts on
    (``json.dumps`` escapes the C0 controls that are left: newline and tab). A value
    nested deeper than the encoder can follow is written as its cleaned ``repr``
    inside a JSON string, so the output still parses.
    """
    cleaned = clean_json(value)
    try:
        return json.dumps(cleaned, indent=indent, ensure_ascii=False, allow_nan=False)
    except (RecursionError, ValueError, TypeError):
        return json.dumps(clean(repr(cleaned))[:1_000_000], ensure_ascii=False)
