"""The fake answers as Gumroad's server does, item by item (docs/fake-vs-server.md).

Checked with a plain aiohttp client, so that a misunderstanding shared by the SDK and the
fake cannot hide; the server line each test follows is in the comparison table.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from gumroad_async import GumroadClient
from gumroad_async.export import JSONLSink, export_sales
from gumroad_async.testing import FakeGumroad
from gumroad_async.testing._pings import flatten_form
from gumroad_async.testing._state import new_id


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(http: aiohttp.ClientSession, fake: FakeGumroad, method: str, path: str,
               token: str | None = None, **kwargs: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    async with http.request(method, fake.url + path, headers=headers, **kwargs) as response:
        raw = await response.read()
        try:
            return response.status, json.loads(raw) if raw else raw
        except ValueError:
            return response.status, raw.decode()


# -- scopes -------------------------------------------------------------------------------
async def test_reads_accept_any_public_scope(fake: FakeGumroad, http: aiohttp.ClientSession
                                             ) -> None:
    pid = fake.add_product(name="Book")["id"]
    _, made = await call(http, fake, "POST", f"/v2/products/{pid}/variant_categories",
                         data={"title": "Size"})
    cid = made["variant_category"]["id"]
    fake.add_token("public", ["view_public"])
    for path in ("/v2/user", "/v2/products", f"/v2/products/{pid}", f"/v2/products/{pid}/skus",
                 f"/v2/products/{pid}/offer_codes", f"/v2/products/{pid}/custom_fields",
                 f"/v2/products/{pid}/variant_categories",
                 f"/v2/products/{pid}/variant_categories/{cid}",
                 f"/v2/products/{pid}/variant_categories/{cid}/variants"):
        assert (await call(http, fake, "GET", path, token="public"))[0] == 200, path
    assert (await call(http, fake, "GET", "/v2/sales", token="public"))[0] == 403
    assert (await call(http, fake, "POST", f"/v2/products/{pid}/variant_categories",
                       token="public", data={"title": "x"}))[0] == 403


async def test_refund_needs_refund_sales_and_account_opens_everything(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    sid = fake.add_sale(price=1000)["id"]
    for scopes in (["edit_sales"], ["view_sales"], ["mark_sales_as_shipped"]):
        fake.add_token("t", scopes)
        assert (await call(http, fake, "PUT", f"/v2/sales/{sid}/refund", token="t"))[0] == 403
    fake.add_token("refunder", ["refund_sales"])
    status, body = await call(http, fake, "PUT", f"/v2/sales/{sid}/refund", token="refunder")
    assert status == 200 and body["sale"]["refunded"] is True
    fake.add_token("legacy", ["account"])
    assert (await call(http, fake, "GET", "/v2/sales", token="legacy"))[0] == 200


@pytest.mark.parametrize(("scopes", "has_email"), [
    (["view_public"], False), (["refund_sales"], False), (["view_sales"], True),
    (["view_profile"], True), (["edit_products"], True),
])
async def test_user_email_needs_a_scope_beyond_view_public(
    fake: FakeGumroad, http: aiohttp.ClientSession, scopes: list[str], has_email: bool
) -> None:
    fake.add_token("t", scopes)
    _, body = await call(http, fake, "GET", "/v2/user", token="t")
    assert ("email" in body["user"]) is has_email
    assert ("display_name" in body["user"]) is (scopes == ["view_profile"])
    assert "twitter_handle" not in body["user"] or has_email  # nil left out for view_public


# -- sales filters ------------------------------------------------------------------------
async def test_sales_product_id(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    fake.add_sale()
    status, body = await call(http, fake, "GET", "/v2/sales?product_id=not-an-id!")
    assert (status, body) == (400, {"status": 400, "error": "Invalid product ID."})
    status, body = await call(http, fake, "GET", "/v2/sales", params={"product_id": new_id()})
    assert (status, body) == (200, {"success": True, "sales": []})


@pytest.mark.parametrize(("query", "message"), [
    ("after=2024-13-01", "Invalid date format provided in field 'after'. Dates must be in the "
                         "format YYYY-MM-DD."),
    ("before=yesterday", "Invalid date format provided in field 'before'. Dates must be in "
                         "the format YYYY-MM-DD."),
    ("after=nope&before=nope", "Invalid date format provided in field 'before'. Dates must be "
                               "in the format YYYY-MM-DD."),  # before is read first
    ("before=2024-03-01T", "Invalid date format provided in field 'before'. Dates must be "
                           "in the format YYYY-MM-DD."),
    ("order_id=12a", "Invalid order ID."),
    ("order_id=012", "Invalid order ID."),
    ("page=0", "Invalid page number. Page numbers start at 1."),
])
async def test_sales_400_texts(fake: FakeGumroad, http: aiohttp.ClientSession, query: str,
                               message: str) -> None:
    status, body = await call(http, fake, "GET", f"/v2/sales?{query}")
    assert (status, body) == (400, {"status": 400, "error": message})


async def test_order_id_and_email_filters(fake: FakeGumroad, http: aiohttp.ClientSession
                                          ) -> None:
    target = fake.add_sale(email="Buyer@Example.com")
    fake.add_sale(email="other@example.com")
    _, by_order = await call(http, fake, "GET", f"/v2/sales?order_id={target['order_id']}")
    assert [s["id"] for s in by_order["sales"]] == [target["id"]]
    # Stripped, and matched as the case-insensitive column does.
    _, by_email = await call(http, fake, "GET", "/v2/sales",
                             params={"email": "  buyer@example.com "})
    assert [s["id"] for s in by_email["sales"]] == [target["id"]]


# -- cursors ------------------------------------------------------------------------------
def _sales_at(fake: FakeGumroad, count: int, day: int = 1) -> list[dict[str, Any]]:
    return [fake.add_sale(created_at=f"2024-03-{day:02d}T{i // 60:02d}:{i % 60:02d}:00Z")
            for i in range(count)]


async def test_cursor_format_and_walk(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    made = _sales_at(fake, 25)
    _, first = await call(http, fake, "GET", "/v2/sales?after=2024-01-01")
    key = first["next_page_key"]
    last = first["sales"][-1]
    digits = last["created_at"].replace("-", "").replace("T", "").replace(":", "")[:14]
    assert re.fullmatch(r"\d{20}-\d+", key) and key == f"{digits}000000-{last['order_id']}"
    assert first["next_page_url"] == f"/v2/sales?{urlencode({'after': '2024-01-01', 'page_key': key})}"
    seen = [s["id"] for s in first["sales"]]
    while key:
        _, page = await call(http, fake, "GET", "/v2/sales", params={"page_key": key})
        seen += [s["id"] for s in page["sales"]]
        key = page.get("next_page_key")
    assert seen == [s["id"] for s in reversed(made)]


async def test_cursor_skips_an_older_record_with_a_higher_id(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    made = _sales_at(fake, 12)
    # Backdated: older than the first page's last sale, but inserted last (a higher id).
    backdated = fake.add_sale(created_at="2024-03-01T00:00:30Z")
    _, first = await call(http, fake, "GET", "/v2/sales")
    assert [s["id"] for s in first["sales"]] == [s["id"] for s in reversed(made)][:10]
    _, second = await call(http, fake, "GET", "/v2/sales",
                           params={"page_key": first["next_page_key"]})
    ids = [s["id"] for s in second["sales"]]
    assert ids == [made[1]["id"], made[0]["id"]] and backdated["id"] not in ids
    # It is there, found without a cursor.
    _, day = await call(http, fake, "GET", "/v2/sales?after=2024-03-01&before=2024-03-02",
                        params={"email": backdated["email"]})
    assert [s["id"] for s in day["sales"]] == [backdated["id"]]


@pytest.mark.parametrize(("key", "status", "count"), [
    ("abc", 400, None),                          # no numeric part: to_i is 0
    ("20240301000000000000-0", 400, None),       # numeric part 0
    ("20240301000000000000-x1", 400, None),      # to_i reads no digits
    ("20241301000000000000-524000003", 400, None),  # month 13: argument out of range
    ("garbage-999999999999", 200, 0),            # unreadable date: created_at <= NULL
    ("20991231000000000000-999999999999", 200, 3),  # a bound past everything
])
async def test_malformed_page_keys(fake: FakeGumroad, http: aiohttp.ClientSession, key: str,
                                   status: int, count: int | None) -> None:
    _sales_at(fake, 3)
    got, body = await call(http, fake, "GET", "/v2/sales", params={"page_key": key})
    assert got == status
    if status == 400:
        assert body == {"status": 400, "error": "Invalid page_key."}
    else:
        assert len(body["sales"]) == count


async def test_deprecated_page_number_is_served(fake: FakeGumroad, http: aiohttp.ClientSession
                                                ) -> None:
    made = _sales_at(fake, 25)
    newest = [s["id"] for s in reversed(made)]
    _, second = await call(http, fake, "GET", "/v2/sales?page=2")
    assert [s["id"] for s in second["sales"]] == newest[10:20]
    assert "page=" not in second["next_page_url"].replace("page_key=", "")
    _, third = await call(http, fake, "GET", "/v2/sales?page=3")
    assert [s["id"] for s in third["sales"]] == newest[20:] and "next_page_key" not in third


async def test_the_sdk_never_sends_page(fake: FakeGumroad, tmp_path: Path) -> None:
    fake.seed(2, sales=35, subscribers=5, start=date(2024, 1, 1), end=date(2024, 3, 1))
    pid = next(iter(fake.state.products))
    async with GumroadClient(fake.token, base_url=fake.url) as gumroad:
        assert len(await gumroad.sales.list().to_list()) == 35
        await gumroad.sales.list(after=date(2024, 1, 1), product_id=pid).to_list()
        await gumroad.subscribers.list(pid).to_list()
        await export_sales(gumroad, JSONLSink(tmp_path / "s.jsonl"), after="2024-01-01",
                           before="2024-03-01")
    sent = [r for r in fake.requests if r.path in ("/v2/sales", f"/v2/products/{pid}/subscribers")]
    assert len(sent) > 8
    assert all("page" not in r.query and "page" not in r.form for r in sent)


# -- products, subscribers ----------------------------------------------------------------
async def test_products_all_at_once_newest_first(fake: FakeGumroad, http: aiohttp.ClientSession
                                                 ) -> None:
    made = [fake.add_product(name=f"P{i}")["id"] for i in range(12)]
    _, body = await call(http, fake, "GET", "/v2/products?page_key=20240101000000000000-5")
    assert [p["id"] for p in body["products"]] == list(reversed(made))
    assert set(body) == {"success", "products"}


async def test_product_by_permalink_and_delete_message(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    product = fake.add_product(name="Pen", permalink="penxy")
    _, body = await call(http, fake, "GET", "/v2/products/penxy")
    assert body["product"]["id"] == product["id"]
    assert "sales_count" in body["product"]  # the default token has every scope
    fake.add_token("public", ["view_public"])
    _, public = await call(http, fake, "GET", "/v2/products/penxy", token="public")
    assert "sales_count" not in public["product"]  # only with view_sales
    _, deleted = await call(http, fake, "DELETE", "/v2/products/penxy")
    assert deleted == {"success": True, "message": "The product was deleted successfully."}


async def test_subscribers_order_filter_and_activity(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    pid = fake.add_product(name="Club")["id"]
    same_time = [fake.add_subscriber(product_id=pid, created_at="2024-05-01T00:00:00Z")
                 for _ in range(3)]
    newer = fake.add_subscriber(product_id=pid, created_at="2024-06-01T00:00:00Z",
                                email="paid-with@example.com", user_email="account@example.com")
    for gone in ({"ended_at": "2024-07-01T00:00:00Z"}, {"failed_at": "2024-07-01T00:00:00Z"},
                 {"cancelled_at": "2024-07-01T00:00:00Z"}):
        fake.add_subscriber(product_id=pid, **gone)
    pending = fake.add_subscriber(product_id=pid, created_at="2024-01-01T00:00:00Z",
                                  cancelled_at="2999-01-01T00:00:00Z")
    path = f"/v2/products/{pid}/subscribers"
    _, listed = await call(http, fake, "GET", path)
    expected = [newer["id"], *[s["id"] for s in reversed(same_time)], pending["id"]]
    assert [s["id"] for s in listed["subscribers"]] == expected
    _, by_email = await call(http, fake, "GET", path, params={"email": " PAID-with@example.com"})
    assert [s["id"] for s in by_email["subscribers"]] == [newer["id"]]
    _, by_account = await call(http, fake, "GET", path, params={"email": "account@example.com"})
    assert by_account["subscribers"] == []
    for flag, paginated in (("1", True), ("true", True), ("yes", False), ("True", False)):
        _, body = await call(http, fake, "GET", path, params={"paginated": flag})
        assert len(body["subscribers"]) == 5
        assert ("next_page_key" in body) is False and paginated in (True, False)


async def test_subscriber_pages_follow_the_cursor(fake: FakeGumroad, http: aiohttp.ClientSession
                                                  ) -> None:
    pid = fake.add_product(name="Club")["id"]
    for i in range(205):
        fake.add_subscriber(product_id=pid, created_at=f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00Z")
    path = f"/v2/products/{pid}/subscribers"
    _, first = await call(http, fake, "GET", path, params={"paginated": "1"})
    assert len(first["subscribers"]) == 100 and re.fullmatch(r"\d{20}-\d+", first["next_page_key"])
    seen = [s["id"] for s in first["subscribers"]]
    key = first["next_page_key"]
    while key:
        _, page = await call(http, fake, "GET", path, params={"page_key": key})
        seen += [s["id"] for s in page["subscribers"]]
        key = page.get("next_page_key")
    assert len(seen) == len(set(seen)) == 205


# -- refunds and money --------------------------------------------------------------------
async def test_refund_rules(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    sale = fake.add_sale(price=1000)
    assert sale["amount_refundable_in_currency"] == "10"
    assert sale["formatted_display_price"] == "$10"
    path = f"/v2/sales/{sale['id']}/refund"
    _, too_much = await call(http, fake, "PUT", path, data={"amount_cents": "1001"})
    assert too_much == {"success": False,
                        "message": "Refund amount cannot be greater than the purchase price."}
    _, partial = await call(http, fake, "PUT", path, data={"amount_cents": "250"})
    assert partial["sale"]["partially_refunded"] is True
    assert partial["sale"]["amount_refundable_in_currency"] == "7.50"
    _, over_rest = await call(http, fake, "PUT", path, data={"amount_cents": "800"})
    assert over_rest["success"] is False  # 8.00 > 7.50 left: never a full refund
    _, rest = await call(http, fake, "PUT", path, data={"amount_cents": "750"})
    assert rest["sale"]["refunded"] is True and rest["sale"]["partially_refunded"] is False
    assert rest["sale"]["amount_refundable_in_currency"] == "0"
    _, again = await call(http, fake, "PUT", path)
    assert again == {"success": False, "message": "Purchase is already refunded."}


async def test_refund_amount_is_read_in_the_sales_currency(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    yen = fake.add_product(name="Manga", price=1500, currency="jpy")
    sale = fake.add_sale(product_id=yen["id"])
    assert sale["amount_refundable_in_currency"] == "1,500"
    # amount_cents / 100 is yen: 50000 "cents" refunds 500 yen.
    _, body = await call(http, fake, "PUT", f"/v2/sales/{sale['id']}/refund",
                         data={"amount_cents": "50000"})
    assert body["sale"]["amount_refundable_in_currency"] == "1,000"
    dollars = fake.add_product(name="Course", price=123456)
    big = fake.add_sale(product_id=dollars["id"])
    assert big["amount_refundable_in_currency"] == "1,234.56"
    _, zero = await call(http, fake, "PUT", f"/v2/sales/{big['id']}/refund",
                         data={"amount_cents": "abc"})
    assert zero == {"success": False, "message": "The sale was unable to be modified."}


# -- sale shape ---------------------------------------------------------------------------
async def test_sale_shape(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    sale = fake.add_sale(created_at="2021-01-05T19:38:56Z")
    _, body = await call(http, fake, "GET", f"/v2/sales/{sale['id']}")
    shown = body["sale"]
    assert shown["daystamp"] == " 5 Jan 2021 11:38 AM"  # the seller's Pacific time
    assert re.fullmatch(r"(about |over |almost )?\d+ years? ago", shown["timestamp"])
    assert shown["created_at"] == "2021-01-05T19:38:56Z"
    # nil values are left out, never sent as null
    for absent in ("tracking_url", "shipped", "subscription_id", "offer_code", "affiliate",
                   "license_key", "variants", "full_name", "upsell"):
        assert absent not in shown
    assert shown["card"] == {"visual": None, "type": None, "bin": None, "expiry_month": None,
                             "expiry_year": None}
    _, shipped = await call(http, fake, "PUT", f"/v2/sales/{sale['id']}/mark_as_shipped")
    assert shipped["sale"]["shipped"] is True and shipped["sale"]["tracking_url"] is None
    # A listed sale and a fetched one are the same JSON.
    _, listed = await call(http, fake, "GET", "/v2/sales")
    assert listed["sales"] == [shipped["sale"]]


async def test_page_bytes_equal_the_generic_json(fake: FakeGumroad, http: aiohttp.ClientSession
                                                 ) -> None:
    fake.seed(4, sales=30)
    _, page = await call(http, fake, "GET", "/v2/sales")
    for listed in page["sales"]:
        _, one = await call(http, fake, "GET", f"/v2/sales/{listed['id']}")
        assert one["sale"] == listed


# -- offer codes, custom fields, variants, resource subscriptions --------------------------
async def test_offer_code_texts(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    pid = fake.add_product(name="Book")["id"]
    path = f"/v2/products/{pid}/offer_codes"
    _, missing = await call(http, fake, "POST", path, data={"name": "X"})
    assert missing["message"].startswith("You are missing required offer code parameters.")
    _, unknown = await call(http, fake, "PUT", f"{path}/nope", data={"max_purchase_count": "3"})
    assert unknown == {"success": False, "message": "The offer_code was not found."}
    _, bad = await call(http, fake, "POST", path, data={"name": "a b", "amount_cents": "5"})
    assert bad["message"] == "Code can only contain numbers, letters, dashes, and underscores."
    _, made = await call(http, fake, "POST", path, data={"name": "TEN", "amount_cents": "5"})
    _, twice = await call(http, fake, "POST", path, data={"name": "TEN", "amount_cents": "5"})
    assert twice["message"] == "Discount code must be unique."
    _, over = await call(http, fake, "POST", path, data={"name": "P", "offer_type": "percent",
                                                         "amount_off": "101"})
    assert over["message"] == "Please enter a discount amount that is 100% or less."
    assert made["offer_code"]["amount_cents"] == 5


async def test_custom_fields(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    pid = fake.add_product(name="Book")["id"]
    path = f"/v2/products/{pid}/custom_fields"
    await call(http, fake, "POST", path, data={"name": "Phone", "required": "true"})
    _, second = await call(http, fake, "POST", path, data={"name": "Phone", "required": "True"})
    assert second["custom_field"]["required"] is False  # only the exact string "true"
    _, listed = await call(http, fake, "GET", path)
    assert [(f["name"], f["required"]) for f in listed["custom_fields"]] == [
        ("Phone", True), ("Phone", False)]  # duplicate names allowed; JSON booleans
    _, blank = await call(http, fake, "POST", path, data={"required": "true"})
    assert blank == {"success": False, "message": "The custom_field was unable to be created."}
    _, updated = await call(http, fake, "PUT", f"{path}/Phone", data={"required": "true"})
    assert updated["custom_field"]["id"] == second["custom_field"]["id"]  # the last one


async def test_variants_under_an_unknown_category_crash(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    pid = fake.add_product(name="Shirt")["id"]
    async with http.get(f"{fake.url}/v2/products/{pid}/variant_categories/nope/variants",
                        headers={"Authorization": f"Bearer {fake.token}"}) as response:
        assert response.status == 500 and response.content_type == "text/html"
        assert "Something broke" in await response.text()
    _, category = await call(http, fake, "GET", f"/v2/products/{pid}/variant_categories/nope")
    assert category == {"success": False, "message": "The variant_category was not found."}


async def test_resource_subscriptions(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    form = {"resource_name": "sale", "post_url": "https://app.example/hook"}
    _, one = await call(http, fake, "PUT", "/v2/resource_subscriptions", data=form)
    _, two = await call(http, fake, "PUT", "/v2/resource_subscriptions", data=form)
    assert one["resource_subscription"]["id"] != two["resource_subscription"]["id"]
    _, listed = await call(http, fake, "GET", "/v2/resource_subscriptions?resource_name=sale")
    assert len(listed["resource_subscriptions"]) == 2  # twice subscribed, two pings
    _, bad_url = await call(http, fake, "PUT", "/v2/resource_subscriptions",
                            data={"resource_name": "sale", "post_url": "ftp://x.example"})
    assert bad_url["message"] == "Invalid post URL 'ftp://x.example'"
    _, bad_name = await call(http, fake, "PUT", "/v2/resource_subscriptions",
                             data={"resource_name": "sales", "post_url": form["post_url"]})
    assert bad_name["message"] == "Unable to subscribe to ''."
    _, bad_list = await call(http, fake, "GET", "/v2/resource_subscriptions")
    assert bad_list["message"] == "Valid resource_name parameter required"
    fake.add_token("other-app", ["view_sales"], application="another-client")
    sub_id = one["resource_subscription"]["id"]
    _, foreign = await call(http, fake, "DELETE", f"/v2/resource_subscriptions/{sub_id}",
                            token="other-app")
    assert foreign == {"success": False, "message": "The resource_subscription was not found."}
    _, mine = await call(http, fake, "DELETE", f"/v2/resource_subscriptions/{sub_id}")
    assert mine["message"] == "The resource_subscription was deleted successfully."


# -- pings --------------------------------------------------------------------------------
def test_ping_field_names_escape_brackets() -> None:
    pairs = flatten_form({"custom_fields": {"Size [EU]": "42"}, "Size [EU]": "42",
                          "card": {"visual": "x"}})
    assert ("custom_fields[Size %5BEU%5D]", "42") in pairs
    assert ("Size %5BEU%5D", "42") in pairs and ("card[visual]", "x") in pairs


async def test_pings_reach_a_receiver_with_escaped_names(fake: FakeGumroad) -> None:
    received: list[tuple[bytes, dict[str, str]]] = []

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        received.append((body, {k: str(v) for k, v in (await request.post()).items()}))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        sale = fake.add_sale(custom_fields={"Size [EU]": "42"}, variants={"Colour [main]": "red"})
        fields = fake.ping_payload(sale["id"])
        await fake.send_ping(f"http://127.0.0.1:{port}/hook", fields)
    finally:
        await runner.cleanup()
    body, form = received[0]
    assert b"custom_fields%5BSize+%255BEU%255D%5D=42" in body
    assert form["custom_fields[Size %5BEU%5D]"] == "42"
    assert form["variants[Colour %5Bmain%5D]"] == "red"


async def test_subscriber_listing_follows_changes(fake: FakeGumroad, http: aiohttp.ClientSession
                                                  ) -> None:
    pid = fake.add_product(name="Club")["id"]
    made = [fake.add_subscriber(product_id=pid, created_at=f"2024-01-01T00:{i:02d}:00Z")
            for i in range(5)]
    path = f"/v2/products/{pid}/subscribers"
    _, before = await call(http, fake, "GET", path)
    assert len(before["subscribers"]) == 5
    made[2]["ended_at"] = "2024-06-01T00:00:00Z"  # a change to the record is seen
    made[3]["user_requested_cancellation_at"] = "2024-06-01T00:00:00Z"
    _, after = await call(http, fake, "GET", path)
    assert [s["id"] for s in after["subscribers"]] == [made[i]["id"] for i in (4, 3, 1, 0)]
    assert after["subscribers"][1]["user_requested_cancellation_at"] == "2024-06-01T00:00:00Z"


async def test_subscriber_cursor_skips_an_older_record_with_a_higher_id(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    pid = fake.add_product(name="Club")["id"]
    made = [fake.add_subscriber(product_id=pid, created_at=f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00Z")
            for i in range(102)]
    backdated = fake.add_subscriber(product_id=pid, created_at="2024-01-01T00:00:30Z")
    path = f"/v2/products/{pid}/subscribers"
    _, first = await call(http, fake, "GET", path, params={"paginated": "true"})
    _, second = await call(http, fake, "GET", path, params={"page_key": first["next_page_key"]})
    seen = [s["id"] for s in first["subscribers"] + second["subscribers"]]
    assert backdated["id"] not in seen and len(seen) == 102
    assert seen == [s["id"] for s in reversed(made)]


async def test_deep_page_numbers_are_throttled(fake: FakeGumroad, http: aiohttp.ClientSession
                                               ) -> None:
    _sales_at(fake, 3)
    assert [fake.state.throttle_deep_pages(100.0 + i / 100) for i in range(11)] == [
        False] * 10 + [True]
    assert fake.state.throttle_deep_pages(101.5) is False  # a second later, room again
    for _ in range(10):  # fill the window (stamped ahead, so that no wait empties it)
        fake.state.throttle_deep_pages(time.monotonic() + 3600)
    assert (await call(http, fake, "GET", "/v2/sales?page=10"))[0] == 200  # not throttled
    async with http.get(f"{fake.url}/v2/sales?page=11",
                        headers={"Authorization": f"Bearer {fake.token}"}) as response:
        assert response.status == 429 and await response.text() == "Retry later\n"
        assert response.content_type == "text/plain" and "Retry-After" not in response.headers


async def test_a_page_mixing_changed_and_plain_sales_is_valid_json(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    made = _sales_at(fake, 12)
    for index in (0, 5, 11):  # the oldest, one inside, the newest
        await call(http, fake, "PUT", f"/v2/sales/{made[index]['id']}/mark_as_shipped")
    _, first = await call(http, fake, "GET", "/v2/sales")
    _, second = await call(http, fake, "GET", "/v2/sales",
                           params={"page_key": first["next_page_key"]})
    listed = first["sales"] + second["sales"]
    assert [s["id"] for s in listed] == [s["id"] for s in reversed(made)]
    assert [("shipped" in s) for s in listed] == [i in (0, 5, 11) for i in range(11, -1, -1)]
