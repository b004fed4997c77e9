"""The webhook event store contract, run against DatabaseEventStore on SQLite and
PostgreSQL; ``second_store`` is a separate engine on the same database (another process)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gumroad_async.sync import DatabaseEventStore, SyncStore
from gumroad_async.webhooks import EventStore
from gumroad_async.webhooks.store_contract import EventStoreContract


class TestDatabaseEventStore(EventStoreContract):
    lease_seconds = 0.3

    @pytest.fixture
    async def store(self, store_url: str) -> AsyncIterator[EventStore]:
        async with SyncStore(store_url) as database:
            yield DatabaseEventStore(database)

    @pytest.fixture
    async def second_store(self, store_url: str) -> AsyncIterator[EventStore]:
        async with SyncStore(store_url) as database:
            yield DatabaseEventStore(database)
