"""The store itself: URLs, the schema version and its in-place migration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from gumroad_async.errors import InvalidArgumentError
from gumroad_async.records import Sale
from gumroad_async.sync import SCHEMA_VERSION, SchemaVersionError, SyncError, SyncStore
from gumroad_async.sync._schema import schema_version
from gumroad_async.sync._urls import async_url


@pytest.mark.parametrize(("given", "expected"), [
    ("sqlite:///gumroad.db", "sqlite+aiosqlite:///gumroad.db"),
    ("sqlite:////abs/path/x.db", "sqlite+aiosqlite:////abs/path/x.db"),
    ("mirror.db", "sqlite+aiosqlite:///mirror.db"),
    ("postgresql://u@h:5433/db", "postgresql+asyncpg://u@h:5433/db"),
    ("postgres://u:pw@h/db", "postgresql+asyncpg://u:***@h/db"),
    ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ("postgresql://u@h/db?sslmode=require", "postgresql+asyncpg://u@h/db?ssl=require"),
])
def test_plain_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert async_url(given).render_as_string(hide_password=True) == expected


@pytest.mark.parametrize(("given", "problem"), [
    ("mysql://u@h/db", "unsupported database 'mysql'"),
    ("postgresql+psycopg2://u@h/db", "postgresql is used through asyncpg, not psycopg2"),
    ("://nothing", "not a database URL"),
])
def test_other_urls_are_refused_naming_the_argument(given: str, problem: str) -> None:
    with pytest.raises(InvalidArgumentError, match=problem) as caught:
        SyncStore(given)
    assert caught.value.argument == "db"


async def _downgrade_to_v1(store: SyncStore) -> None:
    """Make the database look like one written by the first release (schema v1)."""
    async with store.transaction() as connection:
        await connection.execute(sa.text("DROP TABLE webhook_events"))
        for table in ("sales", "subscribers"):
            await connection.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN seen_run"))
        await connection.execute(schema_version.update().values(version=1))


async def test_a_v1_database_is_migrated_in_place(store_url: str, account: str) -> None:
    sale = Sale(id="kept-sale", created_at=datetime(2024, 1, 1, tzinfo=UTC), price=5)
    async with SyncStore(store_url) as store:
        await store.write("sales", account, [sale])
        await _downgrade_to_v1(store)
    async with SyncStore(store_url) as store:  # a newer release opens it
        async with store.transaction() as connection:
            version = (await connection.execute(sa.select(schema_version.c.version))).scalar()
            columns = await connection.run_sync(
                lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("sales")})
            tables = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        assert version == SCHEMA_VERSION == 2
        assert "seen_run" in columns and "webhook_events" in tables
        assert (await store.records("sales", account))["kept-sale"]["price"] == 5


@asynccontextmanager
async def _raw(url: str) -> AsyncIterator[AsyncConnection]:
    """A plain connection, past SyncStore's checks."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            yield connection
    finally:
        await engine.dispose()


async def test_a_newer_schema_is_refused(store_url: str) -> None:
    async with SyncStore(store_url):
        pass
    async with _raw(store_url) as connection:
        await connection.execute(schema_version.update().values(version=SCHEMA_VERSION + 1))
    try:
        with pytest.raises(SchemaVersionError, match="upgrade gumroad-async"):
            async with SyncStore(store_url):
                pass
    finally:
        async with _raw(store_url) as connection:
            await connection.execute(schema_version.update().values(version=SCHEMA_VERSION))


async def test_foreign_tables_are_not_taken_over(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/other.db"
    async with _raw(url) as connection:
        await connection.execute(sa.text("CREATE TABLE sales (x INTEGER)"))
    with pytest.raises(SyncError, match="tables named sales that this library did not create"):
        async with SyncStore(url):
            pass
