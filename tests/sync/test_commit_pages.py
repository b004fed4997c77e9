"""commit_pages (public for workers): two copies of one window's walk never move its
cursor backwards, and the rows land once; the driver-level upsert stores what
SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import sqlalchemy as sa

from gumroad_async import GumroadClient
from gumroad_async._pagination import Page
from gumroad_async.records import Sale
from gumroad_async.sync import (
    Delivery,
    SyncRun,
    SyncStore,
    UpsertCounts,
    commit_pages,
    finish_run,
    load_state,
    plan_sales_run,
    resume_run,
)
from gumroad_async.sync._schema import sales
from gumroad_async.testing import FakeGumroad


async def _committed_cursor(store: SyncStore, run: SyncRun) -> tuple[str | None, bool]:
    state = await load_state(store, run.account, "sales", run.scope)
    assert state is not None
    [window] = (await resume_run(store, state)).windows
    return window.cursor, window.done


async def test_a_copy_behind_never_moves_the_cursor_back(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=40)
    run = await plan_sales_run(client, store, account=account, windows=1)
    [ahead] = run.windows
    behind = attrs.evolve(ahead)  # a second copy of the same window job
    pages: list[Page[Sale]] = [p async for p in client.sales.list(
        after=ahead.after, before=ahead.before).pages()]
    assert len(pages) == 4

    first = await commit_pages(store, run, [Delivery(ahead, pages[0].items,
                                                     pages[0].next_page_key)])
    await commit_pages(store, run, [Delivery(ahead, pages[1].items, pages[1].next_page_key)])
    assert first == UpsertCounts(inserted=10)
    assert await _committed_cursor(store, run) == (pages[1].next_page_key, False)

    # The copy behind delivers the first page again: ignored, the cursor stays ahead.
    late = await commit_pages(store, run, [Delivery(behind, pages[0].items,
                                                    pages[0].next_page_key)])
    assert late == UpsertCounts()
    assert await _committed_cursor(store, run) == (pages[1].next_page_key, False)
    assert behind.cursor is None

    # In one batch with a page in turn: only that one is written.
    mixed = await commit_pages(store, run, [
        Delivery(behind, pages[1].items, pages[1].next_page_key, cursor=pages[0].next_page_key),
        Delivery(ahead, pages[2].items, pages[2].next_page_key),
    ])
    assert mixed == UpsertCounts(inserted=10)
    await commit_pages(store, run, [Delivery(ahead, pages[3].items, None)])
    assert await _committed_cursor(store, run) == (None, True)

    # A window that ended takes nothing more, not even from its first cursor.
    assert await commit_pages(store, run, [Delivery(behind, pages[0].items,
                                                    pages[0].next_page_key)]) == UpsertCounts()
    assert await commit_pages(store, run, [Delivery(behind, (), None)]) == UpsertCounts()
    figures = await finish_run(store, run)
    assert (figures.inserted, figures.updated, figures.pages) == (40, 0, 4)
    assert await store.count("sales", account) == 40


async def test_rows_read_back_as_written(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, account: str
) -> None:
    fake.seed(sales=3)
    records = await client.sales.list().to_list()
    assert await store.write("sales", account, records) == UpsertCounts(inserted=3)
    async with store.transaction() as connection:
        found = await connection.execute(sa.select(sales.c.id, sales.c.created_at,
                                                   sales.c.synced_at, sales.c.price)
                                         .where(sales.c.account == account))
        rows = {row.id: row for row in found}
        # The high-water mark query compares timestamps in the database.
        newest = (await connection.execute(sa.select(sa.func.max(sales.c.created_at)).where(
            sales.c.account == account))).scalar_one()
    for record in records:
        assert record.created_at is not None
        row = rows[record.id]
        stored = row.created_at if row.created_at.tzinfo else row.created_at.replace(
            tzinfo=UTC)
        assert stored == record.created_at.astimezone(UTC)
        assert row.price == record.price
        assert isinstance(row.synced_at, datetime)
    latest = max(r.created_at for r in records if r.created_at is not None)
    assert (newest if newest.tzinfo else newest.replace(tzinfo=UTC)) == latest


async def test_the_writer_commits_at_most_rows_per_commit(store: SyncStore) -> None:
    from gumroad_async.sync._runner import ROWS_PER_COMMIT, _Writer
    from gumroad_async.sync._runs import SyncWindow

    window = SyncWindow("w")
    run = SyncRun("a", "sales", "", "r", "backfill", datetime.now(UTC), [window])
    writer = _Writer(store, run, None)
    size = ROWS_PER_COMMIT // 2 - 1
    record: Any = object()  # only counted
    pages = [Delivery(window, (record,) * size, None) for _ in range(5)]
    big = Delivery(window, (record,) * (ROWS_PER_COMMIT + 1), None)
    for delivery in [*pages, big]:
        writer.submit(delivery)
    batches = [[d for d, _ in writer._next_batch()] for _ in range(4)]
    assert batches == [pages[:2], pages[2:4], pages[4:5], [big]]
    writer._fail(None)  # settle the futures


async def test_the_writer_counts_the_rows_of_deliveries_without_records(
        store: SyncStore) -> None:
    # The walkers hand in the rows only (the page's objects are dropped once the rows are
    # made): the batch limit counts those rows.
    from gumroad_async.sync._runner import ROWS_PER_COMMIT, _Writer
    from gumroad_async.sync._runs import SyncWindow

    window = SyncWindow("w")
    run = SyncRun("a", "sales", "", "r", "backfill", datetime.now(UTC), [window])
    writer = _Writer(store, run, None)
    row: dict[str, Any] = {}  # only counted
    pages = [Delivery(window, (), None, [row] * (ROWS_PER_COMMIT // 2 - 1)) for _ in range(3)]
    for delivery in pages:
        writer.submit(delivery)
    batches = [[d for d, _ in writer._next_batch()] for _ in range(2)]
    assert batches == [pages[:2], pages[2:]]
    writer._fail(None)  # settle the futures
