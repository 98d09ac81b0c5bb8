"""Settings every command shares, resolved from options and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://api.spidra.io/api"

ENV_BASE_URL = "SPIDRA_BASE_URL"
ENV_API_KEY = "SPIDRA_API_KEY"
ENV_STATE_DIR = "SPIDRA_TUI_STATE_DIR"

DEFAULT_INTERVAL = 3.0
DEFAULT_MAX_RATE = 5.0
DEFAULT_MAX_IN_FLIGHT = 4
DEFAULT_BUDGET_SHARE = 0.5


class ConfigError(ValueError):
    """A setting is missing or wrong; the message says what to do."""


def default_state_dir() -> Path:
    """Where the job database lives unless told otherwise."""
    import platformdirs  # imported here: only commands that remember jobs need it

    return Path(platformdirs.user_data_dir("spidra-tui", appauthor=False))


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash, or :class:`ConfigError` in plain words."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"The base URL {url!r} is not an http(s) URL. "
            f"Use --base-url or {ENV_BASE_URL}, for example {DEFAULT_BASE_URL}."
        )
    return url


def state_dir_from(option: str | None, env: Mapping[str, str] = os.environ) -> Path:
    """The state folder: the option, then the environment, then the platform's data folder."""
    chosen = option or env.get(ENV_STATE_DIR)
    return Path(chosen).expanduser() if chosen else default_state_dir()


@dataclass(frozen=True)
class PollSettings:
    """How politely to poll: seconds between polls of a job, requests a second, in flight,
    and the share of the API's request window the app may spend."""

    interval: float = DEFAULT_INTERVAL
    max_rate: float = DEFAULT_MAX_RATE
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    budget_share: float = DEFAULT_BUDGET_SHARE
