"""sync_sales against the fake, on SQLite and PostgreSQL: backfill, incremental, full."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gumroad_async import GumroadClient, GumroadError
from gumroad_async.sync import SyncInProgressError, SyncProgress, SyncStore, hold_lease, sync_sales
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


async def test_refunds_made_between_runs_show_up(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=300)
    await sync_sales(client, store, account=account)
    newest = list(fake.state.iter_sales())[:3]
    await client.sales.refund(newest[0]["id"])
    await client.sales.refund(newest[1]["id"], amount_cents=1)
    fake.add_sale(created_at="2024-12-31T23:00:00Z", price=777)

    again = await sync_sales(client, store, account=account)
    assert (again.inserted, again.updated) == (1, 2)
    rows = await store.records("sales", account)
    assert set(rows) == _server_ids(fake)
    assert rows[newest[0]["id"]]["refunded"] is True
    assert rows[newest[1]["id"]]["partially_refunded"] is True
    untouched = rows[newest[2]["id"]]
    assert (untouched["email"], untouched["price"], untouched["refunded"]) == (
        newest[2]["email"], newest[2]["price"], False)
    # The queryable columns follow the record.
    async with store.transaction() as connection:
        from gumroad_async.sync._schema import sales

        refunded = await connection.execute(
            sales.select().with_only_columns(sales.c.id).where(
                sales.c.account == account, sales.c.refunded.is_(True)))
        assert set(refunded.scalars()) == {newest[0]["id"]}


async def test_full_reports_rows_the_server_no_longer_returns(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=120)
    await sync_sales(client, store, account=account)
    # A sale the server does not return (deleted upstream, or another seller's).
    from gumroad_async.records import Sale

    ghost = Sale(id="ghost-sale", created_at=datetime(2023, 6, 1, tzinfo=UTC), price=1)
    await store.write("sales", account, [ghost])

    incremental = await sync_sales(client, store, account=account)
    assert incremental.missing == ()
    full = await sync_sales(client, store, account=account, full=True)
    assert full.mode == "full"
    assert (full.inserted, full.updated, full.unchanged) == (0, 0, 120)
    assert full.missing == ("ghost-sale",) and full.deleted == 0
    assert "ghost-sale" in await store.records("sales", account)

    deleting = await sync_sales(client, store, account=account, full=True, delete_missing=True)
    assert deleting.missing == ("ghost-sale",) and deleting.deleted == 1
    assert set(await store.records("sales", account)) == _server_ids(fake)


async def test_a_second_sync_of_the_account_stops_with_a_clear_error(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=20)
    async with hold_lease(store, account):
        with pytest.raises(SyncInProgressError, match=f"another sync of account '{account}'"):
            await sync_sales(client, store, account=account)
    assert await store.count("sales", account) == 0
    # Once released, the account syncs; another account was never blocked.
    assert (await sync_sales(client, store, account=account)).inserted == 20


async def test_a_failed_run_resumes_without_refetching_committed_pages(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=400)
    # Once some pages are in, every sales request fails (more often than the client retries).
    def break_server(progress: SyncProgress) -> None:
        if progress.pages >= 8 and not fake._faults:
            fake.inject(method="GET", path="/v2/sales", times=10_000, status=502)

    with pytest.raises(GumroadError):
        await sync_sales(client, store, account=account, concurrency=2, on_progress=break_server)
    fake.clear_faults()
    committed = await store.count("sales", account)
    assert 0 < committed < 400
    fake.clear_requests()

    resumed = await sync_sales(client, store, account=account, concurrency=2)
    assert resumed.resumed and resumed.mode == "backfill"
    assert resumed.inserted == 400 and resumed.updated == 0
    assert set(await store.records("sales", account)) == _server_ids(fake)
    # No page committed before the failure was fetched again: the resumed run costs the
    # pages not yet committed, plus at most one partial page per window.
    assert len(fake.requests_to("GET", "/v2/sales")) <= (400 - committed) // 10 + 8


async def test_product_filter_mirrors_that_product_only(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=200, products=3)
    product = next(iter(fake.state.products))
    result = await sync_sales(client, store, account=account, product_id=product)
    mine = {s["id"] for s in fake.state.iter_sales() if s["product_id"] == product}
    assert result.inserted == len(mine) > 0
    assert set(await store.records("sales", account)) == mine
