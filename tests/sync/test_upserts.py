"""The mirror's driver upserts (SQLite: multi-row VALUES; PostgreSQL: a binary COPY into a
staging table, upserted from there) store
exactly what SQLAlchemy's own upsert of the same rows stores, and the digest lookup (one
parameter for all ids) finds what an ``IN (...)`` finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from gumroad_async.sync import StoreUnavailableError, SyncStore
from gumroad_async.sync._rows import EncodedJSON
from gumroad_async.sync._schema import sales
from gumroad_async.sync._upserts import IDS_PER_IN, sqlite_time, upsert_statement

SQLITE = sqlite.dialect()
NOW = datetime(2026, 11, 23, 10, 11, 12, 345678, tzinfo=UTC)


def rows(account: str) -> list[dict[str, Any]]:
    base: dict[str, Any] = {c.name: None for c in sales.columns}
    return [
        {**base, "account": account, "id": "plain", "created_at": NOW, "price": 500,
         "email": "a@example.com", "refunded": False, "shipped": True,
         "record": EncodedJSON('{"id":"plain","price":500}'), "digest": "d1",
         "synced_at": NOW},
        {**base, "account": account, "id": "odd \"quoted\" \\ ünïcødé ✓",
         "created_at": datetime(2024, 2, 29, 23, 59, 59, 1, tzinfo=UTC),
         "product_name": "naïve \n tab\t", "order_id": 2**62, "gumroad_fee": -3,
         "quantity": 0, "currency": "eur", "partially_refunded": True,
         "record": EncodedJSON('{"nested":{"a":[1,2.5,null,"x\\u00e9"]},"big":123456789012}'),
         "digest": "d2", "seen_run": "run-1",
         "synced_at": datetime(2020, 1, 1, 0, 0, 0)},  # naive: UTC
        {**base, "account": account, "id": "nulls", "record": EncodedJSON("{}"),
         "digest": "d3", "synced_at": NOW},
    ]


async def stored(store: SyncStore, account: str) -> dict[str, dict[str, Any]]:
    async with store.transaction() as connection:
        found = await connection.execute(sa.select(sales).where(sales.c.account == account))
        return {row["id"]: {k: v for k, v in row.items() if k != "account"}
                for row in found.mappings().all()}


async def test_the_driver_upsert_stores_what_sqlalchemy_stores(
        store: SyncStore, account: str) -> None:
    fast, generic = f"{account}-fast", f"{account}-generic"
    async with store.transaction() as connection:
        # Twice: the second write goes through ON CONFLICT DO UPDATE.
        for _ in range(2):
            await store._upserts["sales"].execute(connection, rows(fast))
            # SQLAlchemy's JSON column takes the encoded text as it is (the store's
            # serializer passes an EncodedJSON through).
            await connection.execute(upsert_statement(sales, store.dialect), rows(generic))
    assert await stored(store, fast) == await stored(store, generic)
    assert len(await stored(store, fast)) == 3


async def test_a_record_as_plain_text_is_stored_as_an_encoded_one(
        store: SyncStore, account: str) -> None:
    # The sync's walkers hand the driver upserts rows whose record is a plain str and
    # whose keys are exact str (PostgreSQL: the rows copied, not their columns picked).
    plain, encoded = f"{account}-plain", f"{account}-encoded"
    async with store.transaction() as connection:
        for _ in range(2):
            await store._upserts["sales"].execute(connection, [
                {str.__str__(key): str.__str__(value) if key == "record" else value
                 for key, value in row.items()} for row in rows(plain)])
            await store._upserts["sales"].execute(connection, rows(encoded))
    assert await stored(store, plain) == await stored(store, encoded)


async def test_the_digest_lookup_finds_what_in_finds(store: SyncStore, account: str) -> None:
    upsert = store._upserts["sales"]
    async with store.transaction() as connection:
        await upsert.execute(connection, rows(account))
        ids = [row["id"] for row in rows(account)] + ["absent", ""]
        found = await upsert.existing_digests(connection, account, ids)
        assert found == {"plain": "d1", "odd \"quoted\" \\ ünïcødé ✓": "d2", "nulls": "d3"}
        assert await upsert.existing_digests(connection, account, []) == {}
        assert await upsert.existing_digests(connection, "other", ids) == {}


@given(st.datetimes(timezones=st.one_of(
    st.none(), st.just(UTC), st.timezones(),
    st.builds(timezone, st.timedeltas(min_value=timedelta(hours=-23),
                                      max_value=timedelta(hours=23))))))
def test_sqlite_time_is_what_sqlalchemy_stores(value: datetime) -> None:
    # What SQLAlchemy's SQLite DateTime binds for the same value, once it is naive UTC.
    try:
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    except OverflowError:  # out of range once in UTC
        return
    processor = sa.DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert processor is not None
    assert sqlite_time(value) == processor(naive)


async def test_the_in_lookup_takes_ids_in_chunks_an_old_sqlite_accepts(
    store: SyncStore, account: str
) -> None:
    # The path of an SQLite without JSON functions (before 3.38): SQLAlchemy's IN, one
    # parameter per id, in chunks under the 999 parameters of builds before 3.32.
    upsert = store._upserts["sales"]
    upsert._digests_sql = None
    many = [{**rows(account)[2], "id": f"id-{i}", "digest": f"d-{i}"}
            for i in range(2 * IDS_PER_IN + 5)]
    async with store.transaction() as connection:
        await upsert.execute(connection, many)
        ids = [row["id"] for row in many] + ["absent"]
        found = await upsert.existing_digests(connection, account, ids)
    assert found == {row["id"]: row["digest"] for row in many}


async def test_a_refused_copy_fails_as_a_statement_does_and_leaves_no_rows_behind(
    postgres_url: str, account: str
) -> None:
    # asyncpg's COPY is called on the driver itself: its errors must reach the store as
    # SQLAlchemy's, so that a lost database and a bug are told apart the same way.
    too_long = {**rows(account)[2], "id": "x" * 201}  # the id column is VARCHAR(200)
    async with SyncStore(postgres_url) as store:
        with pytest.raises(sa.exc.DBAPIError) as refused:
            async with store.transaction() as connection:
                await store._upserts["sales"].execute(connection, [too_long])
        assert not isinstance(refused.value, StoreUnavailableError)
        assert "COPY gumroad_sync_stage_sales" in str(refused.value)
        # The staging table holds nothing for the next batch of the same session.
        async with store.transaction() as connection:
            await store._upserts["sales"].execute(connection, rows(account))
            staged = await connection.exec_driver_sql(
                "SELECT count(*) FROM pg_temp.gumroad_sync_stage_sales")
            assert staged.scalar_one() == 0
        assert len(await stored(store, account)) == 3
