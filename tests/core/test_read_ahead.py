"""Read-ahead listings: the same records as the lazy walk, the next page asked for early,
and nothing left running once the loop is left."""

from __future__ import annotations

import asyncio
import gc
import warnings
from contextlib import aclosing
from datetime import UTC, datetime, timedelta

import pytest

from gumroad_async import GumroadClient, NotFoundError, PaginationError
from gumroad_async.records import Sale
from gumroad_async.testing import FakeGumroad


def add_sales(fake: FakeGumroad, count: int) -> list[str]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [fake.add_sale(created_at=start + timedelta(hours=i))["id"] for i in range(count)]


def sales_requests(fake: FakeGumroad) -> list[dict[str, str]]:
    return [r.query for r in fake.requests if r.path == "/v2/sales"]


async def test_same_records_order_and_requests_as_the_lazy_walk(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    ids = add_sales(fake, 35)
    lazy = [sale.id async for sale in client.sales.list()]
    lazy_queries = sales_requests(fake)
    fake.clear_requests()
    ahead = [sale.id async for sale in client.sales.list().read_ahead()]
    assert ahead == lazy == list(reversed(ids))
    assert sales_requests(fake) == lazy_queries
    assert len(lazy_queries) == 4


async def test_never_more_than_one_page_ahead(fake: FakeGumroad, client: GumroadClient) -> None:
    add_sales(fake, 45)
    fake.latency = 0.02
    async for _ in client.sales.list().read_ahead():
        await asyncio.sleep(0.01)  # slower than nothing: the request ahead is waited for
    assert fake.max_in_flight == 1  # one page being handled, one on its way: never more
    assert len(sales_requests(fake)) == 5


async def test_the_next_page_is_requested_while_this_one_is_handled(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    add_sales(fake, 25)
    async with aclosing(client.sales.list().read_ahead()) as sales:
        async for _ in sales:
            await asyncio.sleep(0.05)  # the caller's own work on the first record
            assert len(sales_requests(fake)) == 2
            break
    fake.clear_requests()
    async with aclosing(client.sales.list().__aiter__()) as sales:
        async for _ in sales:
            await asyncio.sleep(0.05)
            assert len(sales_requests(fake)) == 1  # lazy: nothing before it is needed
            break


async def test_breaking_out_cancels_the_request_sent_ahead(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    add_sales(fake, 25)
    fake.latency = 0.2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with aclosing(client.sales.list().read_ahead()) as sales:
            async for _ in sales:
                break
        await asyncio.sleep(0.05)
        assert fake.in_flight == 0  # the second request was cancelled, not left waiting
        gc.collect()
    assert len(sales_requests(fake)) == 2
    assert not [w for w in caught if "nclosed" in str(w.message)]
    # The client stays usable: its connection was given back or closed, not leaked.
    fake.latency = 0
    assert (await client.user.get()).user_id


async def test_a_plain_break_cancels_it_too(fake: FakeGumroad, client: GumroadClient) -> None:
    add_sales(fake, 25)
    fake.latency = 0.2
    async for _ in client.sales.list().read_ahead():
        break  # no aclosing: asyncio closes the dropped generator on the next turns
    await asyncio.sleep(0.05)
    assert fake.in_flight == 0
    assert len(sales_requests(fake)) == 2


async def test_an_error_on_the_page_read_ahead_comes_after_this_pages_records(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    add_sales(fake, 25)
    fake.inject(method="GET", path="/v2/sales", status=404, every=2,
                body={"success": False, "message": "gone"})
    seen: list[str] = []
    with pytest.raises(NotFoundError):
        async for sale in client.sales.list().read_ahead():
            seen.append(sale.id)
    assert len(seen) == 10
    assert len(sales_requests(fake)) == 2


@pytest.mark.parametrize("pause", [10.0, 0.0], ids=["handling-a-record", "waiting-ahead"])
async def test_cancelling_the_consumer_cancels_the_request_ahead(
    fake: FakeGumroad, client: GumroadClient, pause: float
) -> None:
    add_sales(fake, 25)
    fake.latency = 0.2
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in client.sales.list().read_ahead():
            first.set()
            await asyncio.sleep(pause)

    task = asyncio.create_task(consume())
    await first.wait()
    # Still on the first record, or (no pause) through the page and waiting for the next.
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert fake.in_flight == 0


async def test_a_repeated_cursor_still_stops_the_walk(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    page = {"success": True, "sales": [{"id": "s1"}], "next_page_key": "LOOP"}
    fake.inject(method="GET", path="/v2/sales", times=3, status=200, body=page)
    seen = []
    with pytest.raises(PaginationError, match="LOOP"):
        async for sale in client.sales.list().read_ahead():
            seen.append(sale.id)
    assert seen == ["s1", "s1"]
    assert len(sales_requests(fake)) == 2  # the repeated cursor is never requested


async def test_pages_read_ahead_are_plain_pages(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    ids = add_sales(fake, 25)
    pages = [page async for page in client.sales.list().pages(read_ahead=True)]
    assert [len(p.items) for p in pages] == [10, 10, 5]
    assert all(isinstance(p.items, tuple) for p in pages)
    assert all(isinstance(s, Sale) for p in pages for s in p.items)
    assert [s.id for p in pages for s in p.items] == list(reversed(ids))
    assert pages[-1].next_page_key is None


async def test_listings_without_wire_pages_read_ahead_too(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    pid = fake.add_product(name="Club", price=500)["id"]
    emails = [f"m{i}@example.com" for i in range(230)]
    for email in emails:
        fake.add_subscriber(product_id=pid, user_email=email)
    lazy = [s.id async for s in client.subscribers.list(pid)]
    ahead = [s.id async for s in client.subscribers.list(pid).read_ahead()]
    assert ahead == lazy and len(ahead) == 230
