"""Shared fixtures: a fake clock and its virtual-time driver, emulators on loopback ports, a
client of the default emulator, the status schema."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from spidra_tui.api.client import SpidraClient
from spidra_tui.clock import FakeClock
from spidra_tui.emulator import Emulator, EmulatorConfig
from spidra_tui.secret import Secret
from spidra_tui.watch.virtual_time import VirtualClock

TEST_KEY = "spd_test_key_0001"
OTHER_KEY = "spd_test_key_0002"

# The OpenAPI block of the "Get Scrape Job Status" reference page, kept unchanged.
OPENAPI_PATH = Path(__file__).parent / "data" / "openapi-get-scrape.yaml"


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that moves only on ``advance()`` (or a fake ``sleep``)."""
    return FakeClock()


@pytest.fixture
async def vclock(fake_clock: FakeClock) -> AsyncIterator[VirtualClock]:
    """Virtual time over ``fake_clock``: its ``sleep`` returns as soon as every task waits,
    the clock moved to the earliest wake-up (see watch/virtual_time.py)."""
    clock = VirtualClock(fake_clock)
    yield clock
    await clock.aclose()


@pytest.fixture
async def client(emulator: Emulator, vclock: VirtualClock) -> AsyncIterator[SpidraClient]:
    """A client of ``emulator`` with the default key, retrying on virtual time."""
    assert emulator.base_url is not None
    async with SpidraClient(emulator.base_url, Secret(TEST_KEY), clock=vclock) as opened:
        yield opened


@pytest.fixture
def api_key() -> str:
    """An API key the default emulator accepts."""
    return TEST_KEY


@pytest.fixture
def other_key() -> str:
    """A second accepted key, for jobs that belong to someone else."""
    return OTHER_KEY


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """A plain synchronous HTTP client shared by all tests (building an
    ``httpx.Client`` costs tens of milliseconds, so ``httpx.get`` in a loop is slow)."""
    with httpx.Client(timeout=10.0) as client:
        yield client


@pytest.fixture
def make_emulator(fake_clock: FakeClock) -> Iterator[Callable[..., Emulator]]:
    """A factory: ``make_emulator(config=None, clock=fake_clock, start=True)`` returns an
    emulator (started on a free loopback port unless ``start=False``); all are stopped
    after the test."""
    made: list[Emulator] = []

    def make(
        config: EmulatorConfig | None = None, *, clock: Any = None, start: bool = True
    ) -> Emulator:
        emulator = Emulator(config or EmulatorConfig(), clock=clock or fake_clock)
        made.append(emulator)
        if start:
            emulator.start("127.0.0.1", 0)
        return emulator

    yield make
    for emulator in made:
        emulator.stop()


@pytest.fixture
def emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """A started emulator on the fake clock, no catalogue, no faults."""
    return make_emulator(EmulatorConfig(catalogue=False))


@pytest.fixture
def demo_emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """A started emulator on the fake clock with the demo catalogue."""
    return make_emulator(EmulatorConfig(catalogue=True))


def _resolve(node: Any, root: dict[str, Any]) -> Any:
    """Inline ``$ref``s and turn OpenAPI's ``nullable: true`` into JSON Schema."""
    if isinstance(node, list):
        return [_resolve(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    ref = node.pop("$ref", None)
    if ref is not None:
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **node}
    nullable = node.pop("nullable", False)
    node.pop("examples", None)
    node.pop("example", None)
    resolved = {key: _resolve(value, root) for key, value in node.items()}
    if nullable:
        return {"anyOf": [resolved, {"type": "null"}]}
    return resolved


def load_status_schema() -> dict[str, Any]:
    """The published 200 schema of ``GET /scrape/{jobId}``, as plain JSON Schema."""
    document = yaml.safe_load(OPENAPI_PATH.read_text())
    operation = document["paths"]["/scrape/{jobId}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return _resolve(schema, document)


@pytest.fixture(scope="session")
def published_status_schema() -> dict[str, Any]:
    """The 200 schema exactly as published (``$ref``s inlined, ``nullable`` translated)."""
    return load_status_schema()


@pytest.fixture(scope="session")
def status_validator(published_status_schema: dict[str, Any]) -> Callable[[Any], None]:
    """``validate(body)`` raises ``jsonschema.ValidationError`` unless ``body`` fits the
    published 200 schema. One widening: ``result.content`` may also be an array, as the
    reference prose and the SDKs say (``output: json`` extractions of lists), while the
    schema's ``type`` lists only string and object."""
    schema = copy.deepcopy(published_status_schema)
    result = schema["properties"]["result"]["anyOf"][0]
    result["properties"]["content"]["type"] = ["string", "object", "array"]
    validator = jsonschema.Draft202012Validator(schema)
    return validator.validate
