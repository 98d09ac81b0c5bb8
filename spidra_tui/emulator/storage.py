"""The storage origin: where screenshot links point, on a port of its own.

Spidra's screenshot links go to a storage host, not the API, and are signed and
short-lived. This stands in for it: links carry an expiry time and a signature,
an expired or tampered link gets S3's 403, and every request is recorded with its
headers so tests can prove the API key never reaches storage. Tests can also plant
objects of their own (a decompression bomb, HTML served as an image, a redirect).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ..clock import Clock
from . import pictures
from .results import SCREENSHOT_HOST
from .wire import HttpServer, Reply, Request

SCREENSHOT_PREFIX = "/screenshots/"
LINK_TTL = 3600.0
"""Seconds a signed link stays valid, as Spidra's links do (about an hour)."""
_SHOT_NAME = re.compile(r"(?P<job>[A-Za-z0-9_\-]{1,80})-(?P<n>[0-9]{1,3})(?P<full>-full)?\.png")
_CACHED_PICTURES = 16

_EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)
_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
    b"<Message>The request signature we calculated does not match</Message></Error>"
)
_MISSING = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
    b"<Message>The specified key does not exist.</Message></Error>"
)
_XML = "application/xml"


@dataclass(frozen=True)
class StorageRequest:
    """One request the storage origin received, headers as sent (names lower case)."""

    method: str
    target: str
    headers: dict[str, str]
    status: int


@dataclass(frozen=True)
class StoredObject:
    """A planted answer: any bytes, status and headers (a redirect, HTML, a bomb)."""

    body: bytes
    content_type: str = "image/png"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    signed: bool = True
    """False: served without checking the link's signature (a redirect's target
    outside the signing scheme, say)."""


class Storage:
    """The storage origin of one emulator; thread-safe."""

    def __init__(self, clock: Clock, secret: bytes, ttl: float = LINK_TTL) -> None:
        self._clock = clock
        self._secret = secret
        self.ttl = ttl
        self._objects: dict[str, StoredObject] = {}
        self._pictures: OrderedDict[str, bytes] = OrderedDict()
        self._titles: dict[str, tuple[int, str]] = {}
        self._requests: list[StorageRequest] = []
        self._lock = threading.Lock()
        self._server: HttpServer | None = None
        self.origin: str | None = None
        """``http://HOST:PORT`` once started."""
        self.on_request: Callable[[StorageRequest], None] | None = None
        """Hears every request as it is answered (``demo-server --storage-log``)."""

    # --- server ---------------------------------------------------------------------

    def start(self, host: str, observer: object) -> str:
        """Serve on a free port of ``host``; returns the origin."""
        server = HttpServer(self.handle, observer, 1_000_000)  # type: ignore[arg-type]
        bound_host, bound_port = server.start(host, 0)
        self._server = server
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.origin = f"http://{shown}:{bound_port}"
        return self.origin

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    # --- links ----------------------------------------------------------------------

    def sign(self, path: str, ttl: float | None = None) -> str:
        """A signed link to ``path`` on this origin, valid for ``ttl`` seconds from now."""
        if self.origin is None:
            raise RuntimeError("storage not started")
        expires = int(self._clock.wall() + (self.ttl if ttl is None else ttl))
        query = urlencode(
            {
                "Expires": str(expires),
                "Signature": self._signature(path, expires),
            }
        )
        return f"{self.origin}{path}?{query}"

    def signed_result(self, result: dict[str, Any], seed: int) -> dict[str, Any]:
        """A copy of ``result`` whose generated screenshot links (``SCREENSHOT_HOST``)
        point at this origin, signed now; other links stay as they are."""
        if self.origin is None or not isinstance(result, dict):
            return result
        made: dict[str, str] = {}  # one link per name: the same shot, the same string

        def link(url: Any, title: Any = "") -> Any:
            if not isinstance(url, str) or not url.startswith(SCREENSHOT_HOST + "/"):
                return url
            if url not in made:
                made[url] = self.signed_link(url, seed, title)
            return made[url]

        signed = dict(result)
        data = result.get("data")
        if isinstance(data, list):
            signed["data"] = [
                {**entry, "screenshotUrl": link(entry.get("screenshotUrl"), entry.get("title"))}
                if isinstance(entry, dict) and "screenshotUrl" in entry
                else entry
                for entry in data
            ]
        shots = result.get("screenshots")
        if isinstance(shots, list):
            signed["screenshots"] = [link(url) for url in shots]
        return signed

    def signed_link(self, url: Any, seed: int, title: Any = "") -> Any:
        """``url``, a generated screenshot link (``SCREENSHOT_HOST``), as a link to
        this origin signed now; the picture is drawn from ``seed`` with ``title``.
        Anything else, or before the origin started, is returned as it is."""
        if self.origin is None or not isinstance(url, str):
            return url
        if not url.startswith(SCREENSHOT_HOST + "/"):
            return url
        name = url[len(SCREENSHOT_HOST) + 1 :]
        with self._lock:
            known = self._titles.get(name)
            if known is None or (title and not known[1]):
                self._titles[name] = (seed, title if isinstance(title, str) else "")
        return self.sign(SCREENSHOT_PREFIX + name)

    def plant(self, path: str, obj: StoredObject) -> str:
        """Serve ``obj`` at ``path`` (starting with ``/``); returns a signed link to it."""
        with self._lock:
            self._objects[path] = obj
        return self.sign(path)

    def _signature(self, path: str, expires: int) -> str:
        message = f"{path}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    # --- requests -------------------------------------------------------------------

    @property
    def requests(self) -> list[StorageRequest]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    def handle(self, request: Request) -> Reply:
        """Answer one request (on the server's thread) and record it."""
        reply = self._answer(request)
        record = StorageRequest(request.method, request.target, dict(request.headers), reply.status)
        with self._lock:
            self._requests.append(record)
        if self.on_request is not None:
            self.on_request(record)
        return reply

    def _answer(self, request: Request) -> Reply:
        if request.method not in ("GET", "HEAD"):
            return Reply(405, b"", _XML, (("Allow", "GET, HEAD"),))
        parts = urlsplit(request.target)
        path = parts.path
        with self._lock:
            planted = self._objects.get(path)
        if planted is not None and not planted.signed:
            return _reply_for(planted)
        query = parse_qs(parts.query)
        expires_text = (query.get("Expires") or [""])[0]
        signature = (query.get("Signature") or [""])[0]
        if not expires_text.isdigit() or not hmac.compare_digest(
            signature, self._signature(path, int(expires_text))
        ):
            return Reply(403, _DENIED, _XML)
        if int(expires_text) < self._clock.wall():
            return Reply(403, _EXPIRED, _XML)
        if planted is not None:
            return _reply_for(planted)
        body = self._picture(path)
        if body is None:
            return Reply(404, _MISSING, _XML)
        return Reply(200, body, "image/png", (("Cache-Control", "private, max-age=3600"),))

    def _picture(self, path: str) -> bytes | None:
        if not path.startswith(SCREENSHOT_PREFIX):
            return None
        name = path[len(SCREENSHOT_PREFIX) :]
        match = _SHOT_NAME.fullmatch(name)
        if match is None:
            return None
        with self._lock:
            cached = self._pictures.get(name)
            if cached is not None:
                self._pictures.move_to_end(name)
                return cached
            seed, title = self._titles.get(name, (0, ""))
        seed = seed * 31 + int(match["n"])
        if match["full"]:
            size = (pictures.FULL_PAGE_WIDTH, pictures.full_page_height(seed))
        else:
            size = pictures.VIEWPORT
        body = pictures.page_picture(seed, *size, title=title)
        with self._lock:
            self._pictures[name] = body
            while len(self._pictures) > _CACHED_PICTURES:
                self._pictures.popitem(last=False)
        return body


def _reply_for(obj: StoredObject) -> Reply:
    return Reply(obj.status, obj.body, obj.content_type, obj.headers)
