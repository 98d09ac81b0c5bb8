"""What the Account view needs from the watch layer's AccountWatcher, as protocols."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from spidra_tui.watch.account import AccountState, Fetched, Found


class AccountWatcherLike(Protocol):
    """The part of :class:`spidra_tui.watch.account.AccountWatcher` the app uses."""

    state: AccountState
    follow: bool

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def job_ended(self) -> None: ...

    def age(self, fetched: Fetched) -> float | None: ...

    async def refresh_credits(self) -> Fetched: ...

    async def load_batches(self, page: int = 1, limit: int = 20) -> Fetched: ...

    async def load_crawls(self, page: int = 1, limit: int = 20) -> Fetched: ...

    async def load_logs(self, filters: Any = None) -> Fetched: ...

    async def load_log(self, uuid: str) -> Any: ...

    async def load_usage(self, time_range: str = "7d") -> Fetched: ...


# (the job watcher, on_change, on_found) -> the account's watcher, built once the job
# watcher exists: its requests take the job watcher's send slots and respect its pauses.
AccountFactory = Callable[[Any, Callable[[AccountState], None], Found], AccountWatcherLike]


class ViewLink(Protocol):
    """What the Account view asks of the app's side: the watcher, and to watch a row."""

    @property
    def watcher(self) -> AccountWatcherLike | None: ...

    def watch(self, kind: str, row_id: str) -> bool: ...
