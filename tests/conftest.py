"""Shared fixtures: a FakeGumroad on 127.0.0.1 and a client bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

# Imported now, not by hypothesis' plugin at the end of the session: CPython 3.11.7 can
# fail to parse a module ("AST constructor recursion depth mismatch") after a test has
# caught a RecursionError on purpose (deep JSON), and the plugin's late import parses.
import hypothesis  # noqa: F401
import pytest

from gumroad_async import GumroadClient
from gumroad_async.testing import FakeGumroad


@pytest.fixture
async def fake() -> AsyncIterator[FakeGumroad]:
    async with FakeGumroad() as server:
        yield server


@pytest.fixture
async def client(fake: FakeGumroad) -> AsyncIterator[GumroadClient]:
    # Short waits so that retry tests stay fast; the rules under test are the same.
    async with GumroadClient(
        fake.token, base_url=fake.url, backoff_base=0.01, max_retries=3, timeout=5
    ) as gumroad:
        yield gumroad
