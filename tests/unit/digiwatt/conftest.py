"""Fixtures for the Digiwatt client's unit tests: a fake service, a fake clock, a client on both."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.digiwatt.client import DigiwattClient
from bot.digiwatt.retry import RetryPolicy
from tests.unit.digiwatt.fake import CLIENT_ID, CLIENT_SECRET, FakeClock, FakeDigiwatt

MakeClient = Callable[..., DigiwattClient]


@pytest.fixture
def fake() -> FakeDigiwatt:
    return FakeDigiwatt()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def make_client(fake: FakeDigiwatt, clock: FakeClock) -> AsyncIterator[MakeClient]:
    """Build clients on the fake service and fake clock; all are closed after the test."""
    async with AsyncExitStack() as stack:

        def make(**options: Any) -> DigiwattClient:
            http = httpx.AsyncClient(base_url="https://digiwatt.test", transport=fake.transport())
            stack.push_async_callback(http.aclose)
            options.setdefault("clock", clock)
            options.setdefault("sleep", clock.sleep)
            options.setdefault("rng", random.Random(7))
            options.setdefault("retry", RetryPolicy())
            client = DigiwattClient(
                http, client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET), **options
            )
            stack.push_async_callback(client.aclose)
            return client

        yield make


@pytest.fixture
def client(make_client: MakeClient) -> DigiwattClient:
    return make_client()
