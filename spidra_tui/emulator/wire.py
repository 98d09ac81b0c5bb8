"""A small HTTP/1.1 server on asyncio, running in its own thread.

It parses requests, keeps connections alive, and hands each request to a plain
synchronous handler that returns a ``Reply``. A reply may ask to be delayed (real
time) or to drop the connection unanswered, which is how faults are injected. One
event loop serves hundreds of keep-alive connections without a thread each, and
``stop`` closes every connection, so nothing is left running.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Protocol

HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed HTTP request. Header names are lower case."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    client: str = ""
    """The peer's address (host only): rate limits are counted per address."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What to answer. ``delay`` holds the answer back (real seconds); ``drop`` closes
    the connection without answering; ``on_answer`` runs when the complete answer is
    handed to the socket (just before, so nothing the client does can come first)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    drop: bool = False
    close: bool = False
    on_answer: Callable[[], None] | None = None


class Observer(Protocol):
    """Receives connection and request events (for accounting)."""

    def connection_opened(self) -> None: ...

    def connection_closed(self) -> None: ...

    def request_started(self) -> None: ...

    def request_finished(self) -> None: ...

    def handler_error(self, description: str) -> None: ...


Handler = Callable[[Request], Reply]

_INTERNAL_ERROR = Reply(500, b'{"status":"error","message":"Internal server error"}')


def _encode(reply: Reply, keep_alive: bool, head_only: bool = False) -> bytes:
    try:
        phrase = HTTPStatus(reply.status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [
        f"HTTP/1.1 {reply.status} {phrase}",
        f"Content-Type: {reply.content_type}",
        f"Content-Length: {len(reply.body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
    ]
    lines += [f"{name}: {value}" for name, value in reply.headers]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + reply.body


class _BadRequest(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class HttpServer:
    """Serves ``handler`` on a loopback socket from a background thread."""

    def __init__(self, handler: Handler, observer: Observer, max_body_bytes: int) -> None:
        self._handler = handler
        self._observer = observer
        self._max_body = max_body_bytes
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.address: tuple[str, int] | None = None

    # --- lifecycle ---------------------------------------------------------------

    def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (0 picks a free port); returns the bound address."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, host, port, limit=HEAD_LIMIT, backlog=1024)
                )
                bound = self._server.sockets[0].getsockname()
                self.address = (bound[0], bound[1])
            except BaseException as exc:  # reported to the caller of start()
                failure.append(exc)
                loop.close()
                ready.set()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="spidra-emulator", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        assert self.address is not None
        return self.address

    def stop(self) -> None:
        """Close the listener and every connection, then end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        future.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = self._server = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    # --- connections --------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._observer.connection_opened()
        try:
            await self._converse(reader, writer)
        finally:
            self._observer.connection_closed()
            self._tasks.discard(task)

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            writer.transport.abort()  # the peer is gone, or the server is stopping
            return
        # close() flushes what is still buffered (a large answer) before the FIN.
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, asyncio.CancelledError):
            writer.transport.abort()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request and answer it; False when the connection should end."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False  # the client closed the connection between requests
        except asyncio.LimitOverrunError:
            await self._send(writer, Reply(431, close=True), keep_alive=False)
            return False
        try:
            method, target, headers, keep_alive = _parse_head(head)
            body = await self._read_body(reader, writer, headers)
        except _BadRequest as bad:
            await self._send(writer, Reply(bad.status, close=True), keep_alive=False)
            return False
        self._observer.request_started()
        finished = False
        try:
            try:
                peer = writer.get_extra_info("peername")
                client = str(peer[0]) if isinstance(peer, tuple) and peer else ""
                reply = self._handler(Request(method, target, headers, body, client))
            except Exception as exc:  # a bug in the emulator: answer, record, carry on
                self._observer.handler_error(f"{method} {target}: {exc!r}")
                reply = _INTERNAL_ERROR
            if reply.delay > 0:
                await asyncio.sleep(reply.delay)
            if reply.drop:
                return False
            keep_alive = keep_alive and not reply.close
            data = _encode(reply, keep_alive, head_only=method == "HEAD")
            # Account before writing: once the bytes are on the socket the client may act
            # on them (and send its next request) before this thread runs again.
            self._observer.request_finished()
            finished = True
            if reply.on_answer is not None and not writer.transport.is_closing():
                reply.on_answer()
            writer.write(data)
            await writer.drain()
        finally:
            if not finished:
                self._observer.request_finished()
        return keep_alive

    async def _read_body(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str]
    ) -> bytes:
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return await self._read_chunked(reader)
        length_text = headers.get("content-length", "0").strip() or "0"
        if not length_text.isdigit():
            raise _BadRequest(400)
        length = int(length_text)
        if length > self._max_body:
            raise _BadRequest(413)
        return await reader.readexactly(length) if length else b""

    async def _read_chunked(self, reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400) from None
            if size == 0:
                await reader.readuntil(b"\r\n")  # trailers are not supported: empty line
                return b"".join(chunks)
            total += size
            if total > self._max_body:
                raise _BadRequest(413)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, reply: Reply, keep_alive: bool) -> None:
        writer.write(_encode(reply, keep_alive))
        await writer.drain()


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str], bool]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(400)
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise _BadRequest(400)
        headers[name.lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        keep_alive = "keep-alive" in connection
    else:
        keep_alive = "close" not in connection
    return method, target, headers, keep_alive
