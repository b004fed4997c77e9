"""sync_subscribers: every product's active subscribers, and who dropped out."""

from __future__ import annotations

from gumroad_async import GumroadClient
from gumroad_async.sync import SyncStore, sync_subscribers
from gumroad_async.testing import FakeGumroad


async def test_subscribers_mirror_and_report_who_dropped_out(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(subscribers=250, products=2)
    first = await sync_subscribers(client, store, account=account)
    assert (first.mode, first.inserted) == ("backfill", 250)
    assert first.pages >= 3  # 100 per page, per product
    assert set(await store.records("subscribers", account)) == set(fake.state.subscribers)

    gone = sorted(fake.state.subscribers)[:2]
    for subscriber_id in gone:  # ended: the server lists active subscriptions only
        fake.state.subscribers[subscriber_id]["ended_at"] = "2024-01-01T00:00:00Z"
    changed = sorted(fake.state.subscribers)[5]
    fake.state.subscribers[changed]["charge_occurrence_count"] = 7

    second = await sync_subscribers(client, store, account=account)
    assert (second.mode, second.inserted, second.updated, second.unchanged) == (
        "full", 0, 1, 247)
    assert second.missing == tuple(gone) and second.deleted == 0
    row = (await store.records("subscribers", account))[changed]
    assert row["charge_occurrence_count"] == 7

    third = await sync_subscribers(client, store, account=account, delete_missing=True)
    assert third.deleted == 2
    active = set(fake.state.subscribers) - set(gone)
    assert set(await store.records("subscribers", account)) == active


async def test_one_product_only(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(subscribers=40, products=2)
    product = next(iter(fake.state.products))
    result = await sync_subscribers(client, store, product, account=account)
    mine = {i for i, s in fake.state.subscribers.items() if s["product_id"] == product}
    assert result.inserted == len(mine) > 0
    assert set(await store.records("subscribers", account)) == mine
