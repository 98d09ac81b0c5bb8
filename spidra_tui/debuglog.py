"""``--log FILE``: a debug log that never holds the API key.

Response bodies are logged only with ``--log-bodies`` (logger
``spidra_tui.bodies``). As a second line of defence every record passes a
filter that masks any secret registered with :func:`redact`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

BODY_LOGGER = "spidra_tui.bodies"
_secrets: list[str] = []


def redact(value: str) -> None:
    """Mask ``value`` in every log line from now on."""
    if value and value not in _secrets:
        _secrets.append(value)


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            for secret in _secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def configure_logging(path: Path | None, *, bodies: bool = False) -> None:
    """Log to ``path`` at debug level, or nowhere (a TUI must not print log lines)."""
    root = logging.getLogger()
    package = logging.getLogger("spidra_tui")
    if path is None:
        package.addHandler(logging.NullHandler())
        package.propagate = False
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    stream = open(fd, "a", encoding="utf-8", errors="backslashreplace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactFilter())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    package.setLevel(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.INFO)
    logging.getLogger(BODY_LOGGER).setLevel(logging.DEBUG if bodies else logging.CRITICAL + 1)
