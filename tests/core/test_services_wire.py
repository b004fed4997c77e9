"""Every method: what goes on the wire, and the record that comes back."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest

from gumroad_async import (
    BadRequestError,
    CustomField,
    GumroadClient,
    License,
    NotFoundError,
    OfferCode,
    Product,
    ResourceSubscription,
    Sale,
    Sku,
    Subscriber,
    UnprocessableEntityError,
    User,
    Variant,
    VariantCategory,
)
from gumroad_async.testing import FakeGumroad


def last(fake: FakeGumroad):  # type: ignore[no-untyped-def]
    return fake.requests[-1]


async def test_user(fake: FakeGumroad, client: GumroadClient) -> None:
    user = await client.user.get()
    assert isinstance(user, User) and user.user_id
    request = last(fake)
    assert (request.method, request.path) == ("GET", "/v2/user")
    assert request.headers["Authorization"] == f"Bearer {fake.token}"
    assert request.headers["User-Agent"].startswith("gumroad-async/")
    assert "access_token" not in request.query


async def test_user_agent_suffix(fake: FakeGumroad) -> None:
    async with GumroadClient(fake.token, base_url=fake.url, user_agent="my-app/1.0") as gumroad:
        await gumroad.user.get()
    agent = last(fake).headers["User-Agent"]
    assert agent.startswith("gumroad-async/") and agent.endswith(" my-app/1.0")


async def test_product_skus(fake: FakeGumroad) -> None:
    shirt = fake.add_product(name="Shirt", is_physical=True)["id"]
    fake.add_sku(shirt, name="Default", default=True)
    fake.add_sku(shirt, name="Red - L", price_difference_cents=200, custom_sku="SHIRT-RED-L")
    fake.add_sku(shirt, name="Blue - M")
    ebook = fake.add_product(name="Ebook")["id"]
    # Reads of SKUs accept the default view_public scope.
    fake.add_token("public-only", ["view_public"])
    async with GumroadClient("public-only", base_url=fake.url) as gumroad:
        skus = await gumroad.products.skus(shirt).to_list()
        assert await gumroad.products.skus(ebook).to_list() == []
    assert [type(s) for s in skus] == [Sku, Sku]
    assert [(s.name, s.custom_sku, s.price_difference_cents) for s in skus] == [
        ("Red - L", "SHIRT-RED-L", 200), ("Blue - M", None, 0)]
    assert all(s.id and dict(s.extra) == {} for s in skus)
    assert [r.path for r in fake.requests] == [f"/v2/products/{shirt}/skus",
                                               f"/v2/products/{ebook}/skus"]


async def test_products_crud(fake: FakeGumroad, client: GumroadClient) -> None:
    created = await client.products.create(name="Pencil", price=100, published=False)
    assert isinstance(created, Product) and created.name == "Pencil" and created.id
    request = last(fake)
    assert (request.method, request.path) == ("POST", "/v2/products")
    assert request.form["name"] == "Pencil" and request.form["price"] == "100"
    assert request.form["published"] == "false"

    fetched = await client.products.get(created.id)
    assert fetched.id == created.id and last(fake).path == f"/v2/products/{created.id}"

    updated = await client.products.update(created.id, name="Pen")
    assert updated.name == "Pen"
    assert (last(fake).method, last(fake).form) == ("PUT", {"name": "Pen"})

    enabled = await client.products.enable(created.id)
    assert enabled.published is True and last(fake).path.endswith("/enable")
    disabled = await client.products.disable(created.id)
    assert disabled.published is False and last(fake).path.endswith("/disable")

    listed = await client.products.list().to_list()
    assert created.id in {p.id for p in listed}

    assert await client.products.delete(created.id) is None
    assert last(fake).method == "DELETE"
    with pytest.raises(NotFoundError):
        await client.products.get(created.id)


async def test_variant_categories_and_variants(fake: FakeGumroad, client: GumroadClient) -> None:
    product = fake.add_product(name="Shirt", price=2000)
    pid = product["id"]
    category = await client.variant_categories.create(pid, title="colors")
    assert isinstance(category, VariantCategory) and category.title == "colors"
    assert last(fake).path == f"/v2/products/{pid}/variant_categories"
    assert last(fake).form == {"title": "colors"}
    assert category.id is not None
    assert (await client.variant_categories.get(pid, category.id)).title == "colors"
    renamed = await client.variant_categories.update(pid, category.id, title="colours")
    assert renamed.title == "colours" and last(fake).method == "PUT"
    assert [c.id for c in await client.variant_categories.list(pid).to_list()] == [category.id]

    variant = await client.variants.create(pid, category.id, name="red", price_difference_cents=100)
    assert isinstance(variant, Variant) and variant.price_difference_cents == 100
    assert last(fake).path == f"/v2/products/{pid}/variant_categories/{category.id}/variants"
    assert last(fake).form == {"name": "red", "price_difference_cents": "100"}
    assert variant.id is not None
    changed = await client.variants.update(pid, category.id, variant.id, max_purchase_count=5)
    assert changed.max_purchase_count == 5
    assert (await client.variants.get(pid, category.id, variant.id)).name == "red"
    assert len(await client.variants.list(pid, category.id).to_list()) == 1
    await client.variants.delete(pid, category.id, variant.id)
    assert await client.variants.list(pid, category.id).to_list() == []
    await client.variant_categories.delete(pid, category.id)
    with pytest.raises(NotFoundError):
        await client.variant_categories.get(pid, category.id)


async def test_offer_codes(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="Book", price=1000)["id"]
    percent = await client.offer_codes.create(
        pid, name="HALFOFF", offer_type="percent", amount_off=50, max_purchase_count=10
    )
    assert isinstance(percent, OfferCode) and percent.percent_off == 50
    assert last(fake).form == {
        "name": "HALFOFF", "offer_type": "percent", "amount_off": "50", "max_purchase_count": "10"
    }
    fixed = await client.offer_codes.create(pid, name="1OFF", amount_cents=100, universal=False)
    assert fixed.amount_cents == 100
    assert last(fake).form["offer_type"] == "cents" and last(fake).form["universal"] == "false"
    assert fixed.id is not None
    assert (await client.offer_codes.get(pid, fixed.id)).name == "1OFF"
    updated = await client.offer_codes.update(pid, fixed.id, max_purchase_count=3)
    assert updated.max_purchase_count == 3 and last(fake).form == {"max_purchase_count": "3"}
    names = {c.name for c in await client.offer_codes.list(pid).to_list()}
    assert {"HALFOFF", "1OFF"} <= names
    await client.offer_codes.delete(pid, fixed.id)
    names = {c.name for c in await client.offer_codes.list(pid).to_list()}
    assert "1OFF" not in names


async def test_custom_fields_by_name(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="Course", price=5000)["id"]
    field = await client.custom_fields.create(pid, name="phone number", required=False)
    assert isinstance(field, CustomField) and field.required is False
    assert last(fake).form == {"name": "phone number", "required": "false"}
    changed = await client.custom_fields.update(pid, "phone number", required=True)
    assert changed.required is True
    assert last(fake).raw_path == f"/v2/products/{quote(pid, safe='')}/custom_fields/phone%20number"
    assert [f.name for f in await client.custom_fields.list(pid).to_list()] == ["phone number"]
    await client.custom_fields.delete(pid, "phone number")
    assert await client.custom_fields.list(pid).to_list() == []


async def test_sales_get_refund_ship_receipt(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="Lamp", price=2200)["id"]
    sid = fake.add_sale(product_id=pid, price=2200, email="a@example.com")["id"]

    sale = await client.sales.get(sid)
    assert isinstance(sale, Sale) and sale.id == sid and sale.price == 2200
    assert sale.created_at is not None and sale.created_at.tzinfo is not None

    shipped = await client.sales.mark_as_shipped(sid, tracking_url="https://track.example/t1")
    assert shipped.shipped is True
    assert (last(fake).method, last(fake).path) == ("PUT", f"/v2/sales/{sid}/mark_as_shipped")
    assert last(fake).form == {"tracking_url": "https://track.example/t1"}

    partial = await client.sales.refund(sid, amount_cents=500)
    assert partial.partially_refunded is True
    assert last(fake).form == {"amount_cents": "500"}
    full = await client.sales.refund(sid)
    assert full.refunded is True and last(fake).form == {}
    with pytest.raises(UnprocessableEntityError, match="already refunded"):
        await client.sales.refund(sid)

    assert await client.sales.resend_receipt(sid) is None
    assert (last(fake).method, last(fake).path) == ("POST", f"/v2/sales/{sid}/resend_receipt")


async def test_missing_sale_is_not_found(client: GumroadClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.sales.get("nope")
    assert info.value.status == 200
    assert "not found" in info.value.message


async def test_subscribers(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="Club", price=500)["id"]
    ids = {fake.add_subscriber(product_id=pid, user_email=f"m{i}@example.com")["id"] for i in range(3)}
    listed = await client.subscribers.list(pid).to_list()
    assert {s.id for s in listed} == ids and all(isinstance(s, Subscriber) for s in listed)
    assert last(fake).query["paginated"] == "true"
    one = await client.subscribers.get(next(iter(ids)))
    assert one.id in ids
    by_email = await client.subscribers.list(pid, email="m1@example.com").to_list()
    assert [s.user_email for s in by_email] == ["m1@example.com"]
    assert last(fake).query == {"paginated": "true", "email": "m1@example.com"}


async def test_licenses(fake: FakeGumroad) -> None:
    pid = fake.add_product(name="App", price=900)["id"]
    key = fake.add_license(product_id=pid)["license_key"]
    async with GumroadClient(None, base_url=fake.url) as anonymous:
        verified = await anonymous.licenses.verify(pid, key)
    assert isinstance(verified, License) and verified.uses == 1
    assert verified.purchase is not None and verified.purchase.license_key == key
    request = last(fake)
    assert (request.method, request.path) == ("POST", "/v2/licenses/verify")
    assert "Authorization" not in request.headers
    assert request.form == {"product_id": pid, "license_key": key, "increment_uses_count": "true"}

    async with GumroadClient(fake.token, base_url=fake.url) as gumroad:
        peek = await gumroad.licenses.verify(pid, key, increment_uses_count=False)
        assert peek.uses == 1 and last(fake).form["increment_uses_count"] == "false"
        assert (await gumroad.licenses.decrement_uses_count(pid, key)).uses == 0
        assert last(fake).method == "PUT" and last(fake).path == "/v2/licenses/decrement_uses_count"
        await gumroad.licenses.disable(pid, key)
        with pytest.raises(NotFoundError, match="disabled"):
            await gumroad.licenses.verify(pid, key)
        await gumroad.licenses.enable(pid, key)
        assert (await gumroad.licenses.verify(pid, key)).uses == 1


async def test_resource_subscriptions(fake: FakeGumroad, client: GumroadClient) -> None:
    created = await client.resource_subscriptions.create("sale", "https://hooks.example/gumroad")
    assert isinstance(created, ResourceSubscription) and created.resource_name == "sale"
    assert (last(fake).method, last(fake).path) == ("PUT", "/v2/resource_subscriptions")
    assert last(fake).form == {"resource_name": "sale", "post_url": "https://hooks.example/gumroad"}
    listed = await client.resource_subscriptions.list("sale").to_list()
    assert [s.id for s in listed] == [created.id]
    assert last(fake).query == {"resource_name": "sale"}
    assert created.id is not None
    await client.resource_subscriptions.delete(created.id)
    assert await client.resource_subscriptions.list("sale").to_list() == []


async def test_subscribe_all_is_idempotent(client: GumroadClient) -> None:
    url = "https://hooks.example/all"
    first = await client.resource_subscriptions.subscribe_all(url)
    second = await client.resource_subscriptions.subscribe_all(url)
    assert len(first) == 8 and [s.id for s in first] == [s.id for s in second]


@pytest.mark.parametrize("tricky", ["../user", "a/b", "..", ".", "B28UKN-dvx=Y_ab==", "ü ?#%"])
async def test_ids_stay_inside_their_segment(
    fake: FakeGumroad, client: GumroadClient, tricky: str
) -> None:
    with pytest.raises(NotFoundError):
        await client.sales.get(tricky)
    request = last(fake)
    assert request.path == f"/v2/sales/{tricky}"
    assert request.raw_path.count("/") == 3


async def test_sales_filters_on_the_wire(fake: FakeGumroad, client: GumroadClient) -> None:
    fake.add_product(name="Known", id="P1")
    await client.sales.list(
        after=date(2024, 1, 1), before="2024-02-01", email="a+b@example.com",
        product_id="P1", order_id=123,
    ).to_list()
    assert last(fake).query == {
        "after": "2024-01-01", "before": "2024-02-01", "email": "a+b@example.com",
        "product_id": "P1", "order_id": "123",
    }


async def test_unknown_product_filter_is_a_bad_request(client: GumroadClient) -> None:
    with pytest.raises(BadRequestError, match="Invalid product ID"):
        await client.sales.list(product_id="nope").to_list()
