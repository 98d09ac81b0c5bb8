"""The emulator over HTTP: keys, ownership, routing, validation, connections."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
import uuid

import httpx
import pytest

from spidra_tui.emulator import Emulator, EmulatorConfig, Faults, run_forever

BOOK = {"urls": [{"url": "https://books.toscrape.com/"}]}


def raw_request(emulator: Emulator, data: bytes) -> tuple[int, bytes]:
    """Send bytes as they are; returns the status code and the rest of the answer."""
    assert emulator.base_url is not None
    host, port = emulator.base_url.removeprefix("http://").removesuffix("/api").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]), answer


def get_target(emulator: Emulator, target: str, key: str) -> tuple[int, bytes]:
    request = f"GET {target} HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\nConnection: close\r\n\r\n"
    return raw_request(emulator, request.encode())


# --- keys and ownership ---------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-api-key": "nope"},
        {"x-api-key": "spd_short"},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic c3BkX3Rlc3Q6eA=="},
    ],
)
def test_missing_or_invalid_key_is_401(http: httpx.Client, emulator: Emulator, headers) -> None:
    job_id = emulator.create_job()
    for response in (
        http.get(f"{emulator.base_url}/scrape/{job_id}", headers=headers),
        http.post(f"{emulator.base_url}/scrape", headers=headers, json=BOOK),
    ):
        assert response.status_code == 401
        assert response.json() == {"status": "error", "message": "Invalid or missing API key"}
    assert len(emulator.job_ids()) == 1


def test_both_header_styles_work_and_jobs_belong_to_their_key(
    http: httpx.Client, emulator: Emulator, api_key: str, other_key: str
) -> None:
    url = f"{emulator.base_url}/scrape"
    created = http.post(url, headers={"x-api-key": api_key}, json=BOOK)
    assert created.status_code == 200
    answer = created.json()
    assert answer["status"] == "queued" and uuid.UUID(answer["jobId"]).version == 4
    job_url = f"{url}/{answer['jobId']}"
    for headers in (
        {"x-api-key": api_key},
        {"Authorization": f"Bearer {api_key}"},
        {"authorization": f"bearer {api_key}"},
    ):
        assert http.get(job_url, headers=headers).json()["status"] == "waiting"
    for headers in ({"x-api-key": other_key}, {"Authorization": f"Bearer {other_key}"}):
        forbidden = http.get(job_url, headers=headers)
        assert forbidden.status_code == 403
        assert forbidden.json() == {
            "status": "error",
            "message": "You do not have permission to access this job.",
        }
    missing = http.get(f"{url}/{uuid.uuid4()}", headers={"x-api-key": api_key})
    assert missing.status_code == 404
    assert missing.json() == {"status": "error", "message": "Scrape not found"}


def test_configured_keys_and_revocation(http: httpx.Client, make_emulator) -> None:
    emulator = make_emulator(EmulatorConfig(keys=frozenset({"spd_only_this_key"})))
    url = f"{emulator.base_url}/scrape"
    assert http.post(url, headers={"x-api-key": "spd_some_other_key"}, json=BOOK).status_code == 401
    assert http.post(url, headers={"x-api-key": "spd_only_this_key"}, json=BOOK).status_code == 200
    assert http.post(url, headers={"x-api-key": emulator.demo_key}, json=BOOK).status_code == 200
    emulator.revoke_key("spd_only_this_key")
    revoked = http.post(url, headers={"x-api-key": "spd_only_this_key"}, json=BOOK)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["message"]


# --- routing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_id",
    [
        "..",
        "%2E%2E",
        "..%2F..%2Fetc%2Fpasswd",
        "%2F",
        "a%3Fb",
        "%3F",
        "%00",
        "%FF%FE",
        "%",
        "%zz",
        "%F0%9F%95%B7",
        "<script>",
        "x" * 5000,
        "%1B%5D2%3Bowned%07",
    ],
)
def test_odd_ids_are_simply_not_found(emulator: Emulator, api_key: str, raw_id: str) -> None:
    status, answer = get_target(emulator, f"/api/scrape/{raw_id}", api_key)
    assert status == 404
    assert answer.endswith(b'{"status": "error", "message": "Scrape not found"}')
    assert emulator.stats.handler_errors == []


@pytest.mark.parametrize(
    "target", ["/api/scrape/a/b", "/api/scrape/../scrape", "/api", "/api/map", "/", "/scrape"]
)
def test_other_paths_are_404_json(emulator: Emulator, api_key: str, target: str) -> None:
    status, answer = get_target(emulator, target, api_key)
    assert status == 404 and answer.endswith(b'{"status": "error", "message": "Not found"}')


def test_query_strings_are_ignored(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    job_id = emulator.create_job(api_key)
    response = http.get(f"{emulator.base_url}/scrape/{job_id}?x=1", headers={"x-api-key": api_key})
    assert response.json()["status"] == "completed"


def test_wrong_method_is_405(http: httpx.Client, emulator: Emulator, api_key: str) -> None:
    job_id = emulator.create_job(api_key)
    headers = {"x-api-key": api_key}
    cases = [
        ("GET", f"{emulator.base_url}/scrape", "POST"),
        ("DELETE", f"{emulator.base_url}/scrape", "POST"),
        ("POST", f"{emulator.base_url}/scrape/{job_id}", "GET"),
        ("PUT", f"{emulator.base_url}/scrape/{job_id}", "GET"),
        ("HEAD", f"{emulator.base_url}/scrape/{job_id}", "GET"),
    ]
    for method, url, allowed in cases:
        response = http.request(method, url, headers=headers)
        assert response.status_code == 405 and response.headers["allow"] == allowed
    # The HEAD answer had no body, so the connection is still in step.
    assert http.get(f"{emulator.base_url}/scrape/{job_id}", headers=headers).status_code == 200


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "urls is required"),
        ({"urls": []}, "urls must be a non-empty array"),
        ({"urls": "https://a.test/"}, "urls must be a non-empty array"),
        ({"urls": [{"url": "https://a.test/"}] * 4}, "urls must contain at most 3 items"),
        ({"urls": [{"url": 5}]}, "urls[0].url must be a valid http or https URL"),
        ({"urls": [{"nope": 1}]}, "urls[0].url must be a valid http or https URL"),
        ({"urls": [{"url": "ftp://a.test/"}]}, "urls[0].url must be a valid http or https URL"),
        (
            {"urls": [{"url": "javascript:alert(1)"}]},
            "urls[0].url must be a valid http or https URL",
        ),
        ({"urls": ["https://a.test/"]}, "urls[0] must be an object with a url"),
        ({**BOOK, "output": "pdf"}, "output must be one of: markdown, json, text, table"),
        ({**BOOK, "scrapeMode": "turbo"}, "scrapeMode must be one of: default, fast"),
        ({**BOOK, "screenshot": "yes"}, "screenshot must be a boolean"),
        ({**BOOK, "prompt": 3}, "prompt must be a string"),
        ([BOOK], "Request body must be a JSON object"),
    ],
)
def test_invalid_bodies_are_422(
    http: httpx.Client, emulator: Emulator, api_key: str, body, error: str
) -> None:
    response = http.post(f"{emulator.base_url}/scrape", headers={"x-api-key": api_key}, json=body)
    assert response.status_code == 422
    answer = response.json()
    assert (answer["status"], answer["message"]) == ("error", "Validation failed")
    assert error in answer["errors"]
    assert emulator.job_ids() == []


@pytest.mark.parametrize("content", [b"{nope", b"\xff\xfe\x00", b"[" * 100_000, b'{"urls": [}'])
def test_non_json_bodies_are_400(
    http: httpx.Client, emulator: Emulator, api_key: str, content: bytes
) -> None:
    response = http.post(
        f"{emulator.base_url}/scrape", headers={"x-api-key": api_key}, content=content
    )
    assert response.status_code == 400 and response.json()["status"] == "error"
    assert emulator.job_ids() == [] and emulator.stats.handler_errors == []


def test_every_documented_field_is_accepted(
    http: httpx.Client, emulator: Emulator, api_key: str
) -> None:
    body = {
        "urls": [
            {"url": "https://a.test/", "actions": [{"type": "click", "selector": "#more"}]},
            {"url": "http://b.test/x?y=1"},
        ],
        "prompt": "Get the prices",
        "output": "table",
        "schema": {"type": "object", "oneOf": [{"required": ["a"]}]},
        "useProxy": True,
        "proxyCountry": "de",
        "extractContentOnly": False,
        "screenshot": False,
        "fullPageScreenshot": True,
        "cookies": "session=abc; token=xyz",
        "scrapeMode": "fast",
    }
    response = http.post(f"{emulator.base_url}/scrape", headers={"x-api-key": api_key}, json=body)
    assert response.status_code == 200
    assert response.json()["schema_warnings"] == [
        "Schema keyword 'oneOf' is not supported and was ignored"
    ]
    assert emulator.stats.jobs_created_for_body(body) == 1


def test_oversized_and_malformed_requests(emulator: Emulator, api_key: str) -> None:
    big = b"x" * 1_000_001
    head = (
        f"POST /api/scrape HTTP/1.1\r\nHost: x\r\nx-api-key: {api_key}\r\n"
        f"Content-Length: {len(big)}\r\n\r\n"
    ).encode()
    assert raw_request(emulator, head)[0] == 413
    assert raw_request(emulator, b"NONSENSE\r\n\r\n")[0] == 400
    assert raw_request(emulator, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")[0] == 400
    huge = b"GET /api/scrape/x HTTP/1.1\r\nX-Pad: " + b"a" * 70_000 + b"\r\n\r\n"
    assert raw_request(emulator, huge)[0] == 431
    assert emulator.stats.handler_errors == []


def test_chunked_body_and_http_1_0(emulator: Emulator, api_key: str) -> None:
    body = b'{"urls": [{"url": "https://chunked.test/"}]}'
    chunked = (
        f"POST /api/scrape HTTP/1.1\r\nHost: x\r\nx-api-key: {api_key}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    status, answer = raw_request(emulator, chunked)
    assert status == 200 and b'"queued"' in answer
    job_id = emulator.job_ids()[0]
    old = f"GET /api/scrape/{job_id} HTTP/1.0\r\nx-api-key: {api_key}\r\n\r\n".encode()
    status, answer = raw_request(emulator, old)  # returns only because the server closes
    assert status == 200 and b"Connection: close" in answer


# --- connections --------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(
    http: httpx.Client, emulator: Emulator, api_key: str
) -> None:
    job_id = emulator.create_job(api_key)
    for _ in range(50):
        http.get(f"{emulator.base_url}/scrape/{job_id}", headers={"x-api-key": api_key})
    assert emulator.stats.peak_connections == 1
    assert emulator.stats.gets_for(job_id) == 50


async def keep_alive_session(emulator: Emulator, request: bytes, count: int) -> None:
    """Send ``request`` ``count`` times on one connection, reading each answer."""
    assert emulator.base_url is not None
    host, port = emulator.base_url.removeprefix("http://").removesuffix("/api").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    for _ in range(count):
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
    writer.close()
    await writer.wait_closed()


def job_request(job_id: str, key: str) -> bytes:
    return f"GET /api/scrape/{job_id} HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\n\r\n".encode()


async def test_two_hundred_keep_alive_connections_at_thousands_a_second(
    make_emulator, api_key: str
) -> None:
    # A bare asyncio client: httpx's pool, in the same process, would measure itself.
    # Thousands a second: far beyond Spidra's window, which this test is not about.
    emulator = make_emulator(EmulatorConfig(faults=Faults(slow=1.0, slow_seconds=0.3), window=None))
    request = job_request(emulator.create_job(api_key), api_key)
    await asyncio.gather(*(keep_alive_session(emulator, request, 1) for _ in range(200)))
    assert emulator.stats.peak_in_flight == 200
    assert emulator.stats.in_flight == 0
    emulator.faults = Faults()
    emulator.reset_stats()
    started = time.perf_counter()
    await asyncio.gather(*(keep_alive_session(emulator, request, 15) for _ in range(200)))
    elapsed = time.perf_counter() - started
    assert emulator.stats.total_requests == 3_000 and emulator.stats.peak_connections == 200
    assert elapsed < 3.0, f"3,000 requests on 200 connections took {elapsed:.2f} s"


async def test_httpx_async_client_in_flight_accounting(make_emulator, api_key: str) -> None:
    emulator = make_emulator(EmulatorConfig(faults=Faults(slow=1.0, slow_seconds=0.5)))
    url = f"{emulator.base_url}/scrape/{emulator.create_job(api_key)}"
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(limits=limits, headers={"x-api-key": api_key}) as client:
        answers = await asyncio.gather(*(client.get(url) for _ in range(40)))
    assert all(a.status_code == 200 for a in answers)
    assert emulator.stats.peak_in_flight == 40 == emulator.stats.peak_connections
    assert emulator.stats.in_flight == 0


def test_stop_closes_everything(make_emulator, api_key: str, recwarn) -> None:
    before = set(threading.enumerate())
    emulator = make_emulator(EmulatorConfig(faults=Faults(slow=1.0, slow_seconds=30.0)))
    # One thread serves the API, one the storage origin (screenshots).
    assert len(set(threading.enumerate()) - before) == 2
    host, port = emulator.base_url.removeprefix("http://").removesuffix("/api").split(":")
    idle = [socket.create_connection((host, int(port))) for _ in range(20)]
    waiting = socket.create_connection((host, int(port)))
    waiting.sendall(b"GET /api/scrape/x HTTP/1.1\r\nHost: x\r\n\r\n")  # held back 30 s
    deadline = time.monotonic() + 5
    while emulator.stats.in_flight < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 2.0
    assert set(threading.enumerate()) <= before
    try:
        assert waiting.recv(100) == b""  # closed without an answer
    except ConnectionResetError:
        pass  # also closed without an answer
    for sock in [*idle, waiting]:
        sock.close()
    emulator.stop()  # twice is fine
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=1).close()
    gc.collect()
    assert [w for w in recwarn if issubclass(w.category, ResourceWarning)] == []


def test_a_handler_bug_is_answered_500_and_recorded(
    http: httpx.Client, emulator: Emulator, api_key: str, monkeypatch
) -> None:
    job_id = emulator.create_job(api_key)

    def broken(*_args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(emulator._book, "answer", broken)
    response = http.get(f"{emulator.base_url}/scrape/{job_id}", headers={"x-api-key": api_key})
    assert response.status_code == 500 and response.json()["status"] == "error"
    assert len(emulator.stats.handler_errors) == 1 and "bug" in emulator.stats.handler_errors[0]


def test_run_forever_serves_until_interrupted(http: httpx.Client) -> None:
    before = set(threading.enumerate())
    seen: list[Emulator] = []

    def ready(emulator: Emulator) -> None:
        seen.append(emulator)
        job_id, _description = emulator.catalogue_ids()[0]
        answer = http.get(
            f"{emulator.base_url}/scrape/{job_id}", headers={"x-api-key": emulator.demo_key}
        )
        assert answer.json()["status"] == "waiting"
        raise KeyboardInterrupt  # what Ctrl+C does in the blocking wait

    run_forever("127.0.0.1", 0, on_ready=ready)
    assert seen and set(threading.enumerate()) <= before
    with pytest.raises(httpx.ConnectError):
        http.get(f"{seen[0].base_url}/scrape/x")
