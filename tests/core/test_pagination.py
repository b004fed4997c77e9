"""Cursor listings: lazy, filter-preserving, resumable, loop-proof."""

from __future__ import annotations

from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from gumroad_async import GumroadClient, PaginationError
from gumroad_async.testing import FakeGumroad


def add_sales(fake: FakeGumroad, count: int, **fields: object) -> list[str]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        fake.add_sale(created_at=start + timedelta(hours=i), **fields)["id"] for i in range(count)
    ]


def sales_requests(fake: FakeGumroad) -> list[dict[str, str]]:
    return [r.query for r in fake.requests if r.path == "/v2/sales"]


async def test_walks_every_page_lazily(fake: FakeGumroad, client: GumroadClient) -> None:
    ids = add_sales(fake, 35)
    seen = [sale.id async for sale in client.sales.list()]
    assert seen == list(reversed(ids))  # newest first
    queries = sales_requests(fake)
    assert len(queries) == 4
    assert "page_key" not in queries[0] and all("page_key" in q for q in queries[1:])
    assert all("page" not in q for q in queries)


async def test_pages_and_cursors(fake: FakeGumroad, client: GumroadClient) -> None:
    add_sales(fake, 25)
    pages = [page async for page in client.sales.list().pages()]
    assert [len(p.items) for p in pages] == [10, 10, 5]
    assert pages[0].next_page_key and pages[1].next_page_key and pages[2].next_page_key is None


async def test_filters_repeat_on_every_page(fake: FakeGumroad, client: GumroadClient) -> None:
    product = fake.add_product(name="P", price=100)["id"]
    add_sales(fake, 25, product_id=product, email="x@example.com")
    add_sales(fake, 5)
    listing = client.sales.list(after="2023-12-01", before="2025-01-01", product_id=product,
                                email="x@example.com")
    assert len(await listing.to_list()) == 25
    for query in sales_requests(fake):
        assert query["after"] == "2023-12-01" and query["before"] == "2025-01-01"
        assert query["product_id"] == product and query["email"] == "x@example.com"


async def test_resume_from_a_saved_cursor(fake: FakeGumroad, client: GumroadClient) -> None:
    ids = list(reversed(add_sales(fake, 30)))
    first = None
    async with aclosing(client.sales.list().pages()) as pages:
        async for page in pages:
            first = page
            break
    assert first is not None and first.next_page_key
    rest = [s.id for s in await client.sales.list(page_key=first.next_page_key).to_list()]
    assert [s.id for s in first.items] + rest == ids


async def test_breaking_out_sends_nothing_more(fake: FakeGumroad, client: GumroadClient) -> None:
    add_sales(fake, 50)
    async with aclosing(client.sales.list().__aiter__()) as sales:
        async for _ in sales:
            break
    assert len(sales_requests(fake)) == 1


async def test_nothing_is_sent_until_iteration(fake: FakeGumroad, client: GumroadClient) -> None:
    client.sales.list()
    assert fake.requests == []


async def test_repeated_cursor_raises(fake: FakeGumroad, client: GumroadClient) -> None:
    page = {"success": True, "sales": [{"id": "s1"}], "next_page_key": "LOOP"}
    fake.inject(method="GET", path="/v2/sales", times=3, status=200, body=page)
    seen = []
    with pytest.raises(PaginationError, match="LOOP"):
        async for sale in client.sales.list():
            seen.append(sale.id)
    assert seen == ["s1", "s1"]  # the second page is yielded; its repeated cursor stops it
    assert len(sales_requests(fake)) == 2


async def test_resumed_cursor_coming_back_raises(fake: FakeGumroad, client: GumroadClient) -> None:
    fake.inject(method="GET", path="/v2/sales", status=200,
                body={"success": True, "sales": [], "next_page_key": "K"})
    with pytest.raises(PaginationError):
        await client.sales.list(page_key="K").to_list()


async def test_empty_page_with_cursor_continues(fake: FakeGumroad, client: GumroadClient) -> None:
    fake.inject(method="GET", path="/v2/sales", status=200,
                body={"success": True, "sales": [], "next_page_key": "A"})
    fake.inject(method="GET", path="/v2/sales", status=200,
                body={"success": True, "sales": [{"id": "s2"}]})
    assert [s.id for s in await client.sales.list().to_list()] == ["s2"]
    assert sales_requests(fake)[1]["page_key"] == "A"


async def test_products_follow_cursors_when_sent(fake: FakeGumroad, client: GumroadClient) -> None:
    for i in range(23):
        fake.add_product(name=f"P{i}", price=100)
    assert len(await client.products.list().to_list()) == 23


async def test_subscribers_pages(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="Club", price=500)["id"]
    for i in range(230):
        fake.add_subscriber(product_id=pid, user_email=f"m{i}@example.com")
    pages = [p async for p in client.subscribers.list(pid).pages()]
    assert [len(p.items) for p in pages] == [100, 100, 30]
    queries = [r.query for r in fake.requests if r.path.endswith("/subscribers")]
    assert all(q["paginated"] == "true" for q in queries)


async def test_a_malformed_record_does_not_break_the_page(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    body = {"success": True, "sales": [
        {"id": "ok", "price": "not a number", "created_at": "", "card": 7},
        {"id": "ok2", "price": 1.0},
    ]}
    fake.inject(method="GET", path="/v2/sales", status=200, body=body)
    sales = await client.sales.list().to_list()
    assert [s.id for s in sales] == ["ok", "ok2"]
    assert sales[0].price is None and sales[0].extra["price"] == "not a number"
    assert sales[1].price == 1


# Every listing, as (call, path the server sees, answer key): each follows a cursor if a newer
# server sends one, and stops after one request when none is sent (products today).
LISTINGS = [
    (lambda g: g.products.list(), "/v2/products", "products"),
    (lambda g: g.products.skus("p1"), "/v2/products/p1/skus", "skus"),
    (lambda g: g.variant_categories.list("p1"), "/v2/products/p1/variant_categories",
     "variant_categories"),
    (lambda g: g.variants.list("p1", "c1"), "/v2/products/p1/variant_categories/c1/variants",
     "variants"),
    (lambda g: g.offer_codes.list("p1"), "/v2/products/p1/offer_codes", "offer_codes"),
    (lambda g: g.custom_fields.list("p1"), "/v2/products/p1/custom_fields", "custom_fields"),
    (lambda g: g.resource_subscriptions.list("sale"), "/v2/resource_subscriptions",
     "resource_subscriptions"),
    (lambda g: g.subscribers.list("p1"), "/v2/products/p1/subscribers", "subscribers"),
    (lambda g: g.sales.list(), "/v2/sales", "sales"),
]


@pytest.mark.parametrize(("call", "path", "key"), LISTINGS, ids=[k for _, _, k in LISTINGS])
@pytest.mark.parametrize("paginated", [True, False], ids=["cursor", "no-cursor"])
async def test_every_listing_follows_a_cursor_and_never_needs_one(
    call: Any, path: str, key: str, paginated: bool
) -> None:
    """A plain aiohttp server: two pages with a cursor, or one page without any."""
    seen: list[dict[str, str]] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        cursor = request.query.get("page_key")
        if not paginated:
            return web.json_response({"success": True, key: [{"id": "a"}, {"id": "b"}]})
        if cursor is None:
            return web.json_response({"success": True, key: [{"id": "a"}],
                                      "next_page_key": "20240101-7",
                                      "next_page_url": f"{path}?page_key=20240101-7"})
        assert cursor == "20240101-7"
        return web.json_response({"success": True, key: [{"id": "b"}]})

    app = web.Application()
    app.router.add_get(path, answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with GumroadClient("t", base_url=f"http://127.0.0.1:{port}") as gumroad:
            records = await call(gumroad).to_list()
    finally:
        await runner.cleanup()
    assert [r.id for r in records] == ["a", "b"]
    assert len(seen) == (2 if paginated else 1)
    if paginated:
        assert "page_key" not in seen[0] and seen[1]["page_key"] == "20240101-7"
        # The filters of the first page travel with the cursor.
        assert {k: v for k, v in seen[1].items() if k != "page_key"} == seen[0]


async def test_entries_that_are_not_objects_are_skipped_and_logged(
    fake: FakeGumroad, client: GumroadClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"success": True, "sales": [1, {"id": "a"}, None, "x", {"id": "b"}]}
    fake.inject(method="GET", path="/v2/sales", status=200, body=body)
    with caplog.at_level("WARNING", logger="gumroad_async"):
        sales = await client.sales.list().to_list()
    assert [s.id for s in sales] == ["a", "b"]
    skipped = [r.getMessage() for r in caplog.records if "not an object" in r.getMessage()]
    assert len(skipped) == 3 and "'x'" in skipped[-1]
