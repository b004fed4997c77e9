"""sync_sales against the fake, on SQLite and PostgreSQL: backfill, incremental, full."""

from __future__ import annotations

from gumroad_async import GumroadClient
from gumroad_async.sync import SyncStore, sync_sales
from gumroad_async.testing import FakeGumroad


def _server_ids(fake: FakeGumroad) -> set[str]:
    return {s["id"] for s in fake.state.iter_sales()}


async def test_backfill_then_unchanged_incremental(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=555)
    first = await sync_sales(client, store, account=account)
    assert (first.mode, first.inserted, first.updated, first.unchanged) == ("backfill", 555, 0, 0)
    rows = await store.records("sales", account)
    assert set(rows) == _server_ids(fake)
    some = next(iter(fake.state.iter_sales()))
    assert rows[some["id"]]["email"] == some["email"]

    again = await sync_sales(client, store, account=account)
    assert again.mode == "incremental"
    assert (again.inserted, again.updated) == (0, 0)
    assert 0 < again.unchanged < 555  # only the look-back window was walked
