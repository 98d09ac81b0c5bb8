"""Save text to a file without ever leaving a half-written or clobbered file.

The text goes to a temporary file beside the target, is flushed to disk, and
only then takes the target's name: by rename when overwriting, by hard link
(which fails atomically if the name is taken) when not.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from spidra_tui.sanitize import safe_filename

__all__ = ["default_name", "save_bytes", "save_text"]

_EXTENSIONS = {"md": ".md", "json": ".json", "answer": "-answer.json", "jsonl": ".jsonl"}

# link() errors that mean "this file system cannot hard-link", not "no".
_NO_HARD_LINKS = frozenset(
    code
    for code in (
        getattr(errno, name, None)
        for name in ("EPERM", "EOPNOTSUPP", "ENOTSUP", "EXDEV", "EMLINK", "ENOSYS", "EACCES")
    )
    if code is not None
)

# O_BINARY exists only on Windows, where text mode would rewrite newlines.
_WRITE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def default_name(job_id: str, kind: str, page: int | None = None) -> str:
    """Return a safe file name for a job's result.

    `kind` is "md" (``<job>.md``), "json" (``<job>.json``) or "answer" for
    the whole API answer (``<job>-answer.json``). With `page`, a single page:
    ``<job>-page-N.md``. The job ID is untrusted and passes through
    `safe_filename`.
    """
    if kind not in _EXTENSIONS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(_EXTENSIONS)}")
    extension = _EXTENSIONS[kind]
    job = safe_filename(job_id, default="job", max_len=64)
    if page is None:
        suffix = ""
    elif isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ValueError(f"page must be a non-negative int, not {page!r}")
    elif kind == "answer":
        raise ValueError("the whole answer has no page number")
    else:
        suffix = f"-page-{page}"
    return safe_filename(f"{job}{suffix}{extension}", default=f"job{extension}")


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    # A hidden name beside the target, so the final rename or link stays in
    # one file system. The mode respects the umask, as any new file would.
    for _ in range(100):
        candidate = folder / f".{name[:40]}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(candidate, _WRITE_NEW, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "Could not create a temporary file", str(folder))


def _exists_error(target: Path) -> FileExistsError:
    return FileExistsError(errno.EEXIST, "A file with that name already exists", str(target))


def _publish_new(temp: Path, target: Path) -> None:
    """Give `temp` the name `target` only if that name is free."""
    try:
        os.link(temp, target)
        return
    except FileExistsError:
        raise _exists_error(target) from None
    except (AttributeError, NotImplementedError):
        pass
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    # No hard links here: claim the name with an exclusive create, then move
    # the full content over the empty placeholder we own.
    try:
        os.close(os.open(target, _WRITE_NEW, 0o666))
    except FileExistsError:
        raise _exists_error(target) from None
    try:
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise


def _keep_mode(temp: Path, target: Path) -> None:
    # Overwriting should not change who may read the file.
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return
    with contextlib.suppress(OSError):
        os.chmod(temp, mode)


def _sync_folder(folder: Path) -> None:
    # Makes the new name itself durable; not possible on every platform.
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_text(path: str | os.PathLike[str], text: str, *, overwrite: bool = False) -> Path:
    """Write `text` as UTF-8 to `path` atomically and return the path.

    The text is written as given (characters that cannot be encoded, such as
    lone surrogates, become "?"). Without `overwrite`, an existing file is
    never replaced, even if it appears while writing: `FileExistsError` is
    raised and the old file is untouched, so the caller can ask before
    trying again with ``overwrite=True``. `IsADirectoryError` when `path` is
    a folder, `FileNotFoundError` / `NotADirectoryError` when its folder is
    missing. No temporary file is left behind on any error. A leading "~"
    is not expanded: the caller decides what a typed path means.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return save_bytes(path, text.encode("utf-8", errors="replace"), overwrite=overwrite)


def save_bytes(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically, as :func:`save_text` does (same errors,
    same promise never to replace an existing file without ``overwrite``)."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "That is a folder, not a file name", str(target))
    folder = target.parent
    if not folder.exists():
        raise FileNotFoundError(errno.ENOENT, "The folder does not exist", str(folder))
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "That is a file, not a folder", str(folder))
    if not overwrite and os.path.lexists(target):
        # Fail before writing anything; the link below still guards the race.
        raise _exists_error(target)

    fd, temp = _create_temp(folder, target.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            _keep_mode(temp, target)
            os.replace(temp, target)
        else:
            _publish_new(temp, target)
        _sync_folder(folder)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    return target
