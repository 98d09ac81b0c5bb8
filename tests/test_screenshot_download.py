"""Screenshots downloaded from the emulator's storage origin: the checks a download
makes, the cache, saving, and that the API key never reaches storage."""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

import httpx
import pytest
from PIL import Image

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.deliver.download import DownloadError, download_image, storage_client
from spidra_tui.deliver.image_cache import ImageCache, cache_key
from spidra_tui.deliver.screenshots import ScreenshotFetcher, screenshot_name
from spidra_tui.emulator import Emulator
from spidra_tui.emulator.storage import StoredObject
from spidra_tui.secret import Secret

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


def finished_job(emulator: Emulator, clock: FakeClock, key: str) -> str:
    job_id = emulator.submit(
        key,
        {"urls": [{"url": "https://example.com/"}], "screenshot": True, "fullPageScreenshot": True},
    )
    clock.advance(emulator.finish_time(job_id) - clock.monotonic() + 1)
    return job_id


async def job_shots(emulator: Emulator, job_id: str, key: str) -> tuple[str, ...]:
    async with SpidraClient(emulator.base_url, Secret(key)) as client:
        job = await client.get_job(job_id)
    assert job.result is not None
    return job.result.all_screenshots


async def test_screenshots_are_real_pngs_and_the_key_never_reaches_storage(
    emulator: Emulator, fake_clock: FakeClock, api_key: str, tmp_path: Path
) -> None:
    job_id = finished_job(emulator, fake_clock, api_key)
    viewport, full = await job_shots(emulator, job_id, api_key)
    async with ScreenshotFetcher(ImageCache(tmp_path / "cache")) as fetcher:
        small = Image.open(await fetcher.fetch(viewport))
        tall = Image.open(await fetcher.fetch(full))
    assert small.format == tall.format == "PNG"
    assert small.size == (1280, 800)
    assert tall.size[0] == 1280 and tall.size[1] >= 3000
    received = emulator.storage.requests
    assert len(received) == 2
    for request in received:
        everything = request.target + repr(request.headers)
        assert api_key not in everything
        assert "x-api-key" not in request.headers and "authorization" not in request.headers
    # ... and the API itself did see the key (the test would prove nothing otherwise).
    assert emulator.stats.requests()[-1].key_hash is not None


async def test_a_redirect_to_another_scheme_or_too_many_redirects_are_refused(
    emulator: Emulator, tmp_path: Path
) -> None:
    storage = emulator.storage
    to_file = storage.plant(
        "/r/file", StoredObject(b"", status=302, headers=(("Location", "file:///etc/passwd"),))
    )
    async with storage_client() as client:
        with pytest.raises(DownloadError) as refused:
            await download_image(to_file, client, tmp_path)
        assert refused.value.reason == "scheme"
        chain = storage.plant("/r/4", StoredObject(PNG_HEAD + b"x" * 20))
        for hop in (3, 2, 1, 0):
            chain = storage.plant(
                f"/r/{hop}", StoredObject(b"", status=302, headers=(("Location", chain),))
            )
        with pytest.raises(DownloadError) as looping:
            await download_image(chain, client, tmp_path, max_redirects=3)
        assert looping.value.reason == "redirects"
        # Four hops are too many for three redirects, but fine for four.
        done = await download_image(chain, client, tmp_path, max_redirects=4)
        assert done.path.read_bytes() == PNG_HEAD + b"x" * 20
        done.path.unlink()
    assert os.listdir(tmp_path) == []  # the refused ones left nothing behind


async def test_html_sent_as_an_image_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    page = emulator.storage.plant(
        "/shot.png", StoredObject(b"<html><body>Sign in</body></html>" * 10, "image/png")
    )
    async with storage_client() as client:
        with pytest.raises(DownloadError) as refused:
            await download_image(page, client, tmp_path)
    assert refused.value.reason == "not_image"
    assert "image/png" in str(refused.value)
    assert os.listdir(tmp_path) == []


async def test_size_cap_by_length_and_while_streaming(emulator: Emulator, tmp_path: Path) -> None:
    big = emulator.storage.plant("/big.png", StoredObject(PNG_HEAD + bytes(50_000)))
    # A small gzip body that unpacks past the cap: the declared length cannot tell.
    packed = gzip.compress(PNG_HEAD + bytes(5_000_000))
    bomb = emulator.storage.plant(
        "/packed.png", StoredObject(packed, headers=(("Content-Encoding", "gzip"),))
    )
    assert len(packed) < 20_000
    async with storage_client() as client:
        for url in (big, bomb):
            with pytest.raises(DownloadError) as refused:
                await download_image(url, client, tmp_path, max_bytes=40_000)
            assert refused.value.reason == "too_large"
    assert os.listdir(tmp_path) == []


async def test_an_expired_link_says_so(
    emulator: Emulator, fake_clock: FakeClock, api_key: str, tmp_path: Path
) -> None:
    job_id = finished_job(emulator, fake_clock, api_key)
    viewport, _full = await job_shots(emulator, job_id, api_key)
    fake_clock.advance(3601)
    async with storage_client() as client:
        with pytest.raises(DownloadError) as refused:
            await download_image(viewport, client, tmp_path)
        tampered = viewport.replace("Signature=", "Signature=0")
        with pytest.raises(DownloadError):
            await download_image(tampered, client, tmp_path)
    assert refused.value.reason == "expired" and "expire" in str(refused.value)
    assert [r.status for r in emulator.storage.requests] == [403, 403]


async def test_the_cache_outlives_the_link_and_stays_in_bounds(
    emulator: Emulator, fake_clock: FakeClock, api_key: str, tmp_path: Path
) -> None:
    job_id = finished_job(emulator, fake_clock, api_key)
    viewport, full = await job_shots(emulator, job_id, api_key)
    cache = ImageCache(tmp_path / "cache")
    async with ScreenshotFetcher(cache) as fetcher:
        first = (await fetcher.fetch(viewport)).read_bytes()
        fake_clock.advance(7200)  # the link has expired
        again = await fetcher.fetch(viewport)
        assert again.read_bytes() == first
        assert len(emulator.storage.requests) == 1
    # A new signing of the same object is the same cache entry; another object is not.
    resigned = viewport.replace("Signature=", "Signature=ff")
    assert cache_key(resigned) == cache_key(viewport) != cache_key(full)
    assert cache_key("https://h/x.png?id=1") != cache_key("https://h/x.png?id=2")

    small = ImageCache(tmp_path / "small", max_bytes=2_500)
    for name in ("a", "b", "c"):
        part = small.scratch() / name
        part.write_bytes(bytes(1_000))
        small.put(f"https://h/{name}.png", part)
        if name == "b":
            assert small.get("https://h/a.png") is not None  # a is now newer than b
    assert small.size() <= 2_500
    assert small.get("https://h/b.png") is None
    assert small.get("https://h/a.png") is not None and small.get("https://h/c.png") is not None


async def test_save_writes_the_same_bytes_and_never_overwrites_unasked(
    emulator: Emulator, fake_clock: FakeClock, api_key: str, tmp_path: Path
) -> None:
    job_id = finished_job(emulator, fake_clock, api_key)
    viewport, full = await job_shots(emulator, job_id, api_key)
    out = tmp_path / "out"
    out.mkdir()
    async with ScreenshotFetcher(ImageCache(tmp_path / "cache")) as fetcher:
        saved = await fetcher.save(full, out, job_id, 2)
        assert saved.path == out / f"{job_id}-2.png"
        async with httpx.AsyncClient() as plain:
            assert saved.path.read_bytes() == (await plain.get(full)).content
        saved.path.write_bytes(b"mine")
        with pytest.raises(FileExistsError):
            await fetcher.save(full, out, job_id, 2)
        assert saved.path.read_bytes() == b"mine"
        await fetcher.save(full, out, job_id, 2, overwrite=True)
        assert saved.path.read_bytes()[:8] == PNG_HEAD


def test_screenshot_names_are_safe() -> None:
    assert screenshot_name("abc-123", 1) == "abc-123-1.png"
    assert screenshot_name("abc", 2, "jpeg") == "abc-2.jpg"
    hostile = screenshot_name("../../etc/\x1b]0;x\x07passwd", 1)
    assert "/" not in hostile and "\x1b" not in hostile and not hostile.startswith(".")


def test_a_generated_picture_decodes(emulator: Emulator) -> None:
    from spidra_tui.emulator.pictures import page_picture

    image = Image.open(io.BytesIO(page_picture(5, 1280, 4000, "A title")))
    image.load()
    assert image.size == (1280, 4000)
