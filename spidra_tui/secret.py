"""The Spidra API key, kept out of reprs, logs and crash reports.

Textual's crash screen prints every frame's locals through Rich, which uses
`repr()`. A `Secret` therefore shows only a masked form everywhere (repr,
str, format, f-strings, Rich pretty printing, dataclass reprs), has no
`__dict__` for `vars()` to expose, and gives the real value only through
`reveal()`, which should be called inline where the HTTP header is built so
the plain value never sits in a named local of its own.
"""

from __future__ import annotations

import hmac
import os
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, final

from spidra_tui.sanitize import line

__all__ = ["ENV_VAR", "KeyFileError", "Secret", "load_key", "mask"]

ENV_VAR: Final = "SPIDRA_API_KEY"

# Showing 4 + 4 characters of a key shorter than this would give away too
# large a share of it.
_MIN_MASKABLE = 16
# A key file is a line of text; anything larger is the wrong file.
_MAX_KEY_FILE_BYTES = 64 * 1024


def mask(value: str) -> str:
    """Return `value` as ``spd_...abcd``: first 4 and last 4 characters.

    Keys shorter than 16 characters, and values that are not printable
    ASCII, show as ``***``.
    """
    if (
        not isinstance(value, str)
        or len(value) < _MIN_MASKABLE
        or not value.isascii()
        or not value.isprintable()
    ):
        return "***"
    return f"{value[:4]}...{value[-4:]}"


@final
class Secret:
    """An API key that prints as its masked form.

    Equality compares values in constant time. Copies and pickles work (a
    pickle necessarily holds the value). Call `reveal()` only where the
    request header is built.
    """

    # Slots, not a __dict__: vars(), rich.inspect and attribute dumps have
    # nothing to show.
    __slots__ = ("_value",)

    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("an API key must be a str")
        if not value:
            raise ValueError("an API key cannot be empty")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """Return the real key. Use it only to build the request header."""
        return self._value

    @property
    def masked(self) -> str:
        """The masked form, e.g. ``spd_...abcd``."""
        return mask(self._value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Secret is immutable")

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, format_spec: str) -> str:
        return format(self.masked, format_spec)

    def __rich_repr__(self) -> Any:
        # Rich's pretty printer and traceback locals call this before repr().
        yield self.masked

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode("utf-8"), other._value.encode("utf-8"))

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


class KeyFileError(ValueError):
    """The API key could not be loaded; the message says why, never the key."""


def _check_key_text(key: str, source: str) -> None:
    # A key goes into an HTTP header: a space, control or non-ASCII character
    # there is either a copy-paste accident or a header injection.
    if not (key.isascii() and key.isprintable()) or " " in key:
        raise KeyFileError(
            f"{source} contains spaces, control characters or non-ASCII characters; "
            "an API key is a single word of plain ASCII."
        )


def _read_key_file(path: Path, shown: str) -> Secret:
    """Read the first non-empty line of `path` as a key.

    Every local that held file content is emptied before an error is raised,
    so a traceback printed with locals has nothing to show.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_KEY_FILE_BYTES)
    except PermissionError:
        raise KeyFileError(f"Cannot read the key file {shown}: permission denied.") from None
    except IsADirectoryError:
        raise KeyFileError(f"The key file {shown} is a directory.") from None
    except OSError as exc:
        reason = line(exc.strerror or type(exc).__name__)
        raise KeyFileError(f"Cannot read the key file {shown}: {reason}.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        data = b""
        raise KeyFileError(f"The key file {shown} is not UTF-8 text.") from None
    data = b""
    key = next((stripped for raw in text.splitlines() if (stripped := raw.strip())), "")
    text = ""
    if not key:
        raise KeyFileError(f"The key file {shown} is empty.")
    try:
        _check_key_text(key, f"The key file {shown}")
    except KeyFileError:
        key = ""
        raise
    return Secret(key)


def _permission_warning(path: Path, shown: str) -> str | None:
    if os.name != "posix":
        return None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"The key file {shown} can be read by other users (mode {mode:04o}); "
            f"run: chmod 600 {shlex.quote(shown)}"
        )
    return None


def load_key(env: Mapping[str, str], key_file: Path | None) -> tuple[Secret | None, list[str]]:
    """Load the API key from `env` or `key_file`, with warnings to show.

    ``SPIDRA_API_KEY`` in `env` wins when set and not blank (a warning says
    so if a key file is given too). Otherwise the first non-empty line of
    `key_file`, stripped, is the key. A given key file that is missing,
    unreadable, empty, or holds something that cannot be a key raises
    `KeyFileError`; one that others may read gives a warning. Returns
    ``(None, [])`` when there is neither.
    """
    warnings: list[str] = []
    key_file = Path(key_file) if key_file is not None else None
    from_env = (env.get(ENV_VAR) or "").strip()
    shown = line(str(key_file), 200) if key_file is not None else ""
    if from_env:
        try:
            _check_key_text(from_env, ENV_VAR)
        except KeyFileError:
            from_env = ""
            raise
        if key_file is not None and key_file.exists():
            warnings.append(f"Using {ENV_VAR}; the key file {shown} is ignored.")
        return Secret(from_env), warnings
    if key_file is None:
        return None, warnings
    if not key_file.exists():
        raise KeyFileError(f"The key file {shown} does not exist.")
    if (warning := _permission_warning(key_file, shown)) is not None:
        warnings.append(warning)
    return _read_key_file(key_file, shown), warnings
