"""Bad arguments are refused before anything is sent, naming the argument."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from gumroad_async import GumroadClient, GumroadError, InvalidArgumentError
from gumroad_async.testing import FakeGumroad

Call = Callable[[GumroadClient], Awaitable[Any]]

CASES: list[tuple[str, Call]] = [
    ("after", lambda c: c.sales.list(after="2024/01/01").to_list()),
    ("after", lambda c: c.sales.list(after="2024-13-01").to_list()),
    ("before", lambda c: c.sales.list(before=datetime(2024, 1, 1)).to_list()),
    ("before", lambda c: c.sales.list(before=20240101).to_list()),  # type: ignore[arg-type]
    ("before", lambda c: c.sales.list(after="2024-02-01", before="2024-01-01").to_list()),
    ("order_id", lambda c: c.sales.list(order_id="12a").to_list()),
    ("id", lambda c: c.sales.get("")),
    ("id", lambda c: c.sales.get(None)),  # type: ignore[arg-type]
    ("amount_cents", lambda c: c.sales.refund("s", amount_cents=0)),
    ("amount_cents", lambda c: c.sales.refund("s", amount_cents=-5)),
    ("amount_cents", lambda c: c.sales.refund("s", amount_cents=1.5)),  # type: ignore[arg-type]
    ("name", lambda c: c.offer_codes.create("p", name="BAD CODE", amount_cents=100)),
    ("name", lambda c: c.offer_codes.create("p", name="ÜBER", amount_cents=100)),
    ("amount_off", lambda c: c.offer_codes.create("p", name="A", offer_type="percent", amount_off=101)),
    ("amount_off", lambda c: c.offer_codes.create("p", name="A", offer_type="percent", amount_off=-1)),
    ("amount_off", lambda c: c.offer_codes.create("p", name="A", offer_type="percent")),
    ("amount_cents", lambda c: c.offer_codes.create("p", name="A", offer_type="fixed")),
    ("offer_type", lambda c: c.offer_codes.create("p", name="A", offer_type="bogus", amount_off=1)),  # type: ignore[arg-type]
    ("universal", lambda c: c.offer_codes.create("p", name="A", amount_cents=1, universal="yes")),  # type: ignore[arg-type]
    ("max_purchase_count", lambda c: c.offer_codes.update("p", "o", max_purchase_count=0)),
    ("required", lambda c: c.custom_fields.create("p", name="x", required="false")),  # type: ignore[arg-type]
    ("post_url", lambda c: c.resource_subscriptions.create("sale", "ftp://example.com/x")),
    ("post_url", lambda c: c.resource_subscriptions.create("sale", "http://localhost:8000/x")),
    ("post_url", lambda c: c.resource_subscriptions.create("sale", "https://127.0.0.1/x")),
    ("post_url", lambda c: c.resource_subscriptions.create("sale", "http://0.0.0.0/x")),
    ("post_url", lambda c: c.resource_subscriptions.create("sale", "http://[::1]/x")),
    ("resource_name", lambda c: c.resource_subscriptions.create("sales", "https://x.example/")),
    ("resource_name", lambda c: c.resource_subscriptions.list("everything").to_list()),
    ("increment_uses_count", lambda c: c.licenses.verify("p", "k", increment_uses_count="false")),  # type: ignore[arg-type]
    ("license_key", lambda c: c.licenses.verify("p", "")),
    ("name", lambda c: c.products.create(price=100)),
    ("fields", lambda c: c.products.update("p")),
    ("fields['tags']", lambda c: c.products.create(name="x", tags=["a"])),
    ("title", lambda c: c.variant_categories.create("p", title="")),
    ("max_purchase_count", lambda c: c.variants.create("p", "c", name="x", max_purchase_count=0)),
    # Values the server would silently change (to_i truncation, integer columns, formats).
    ("amount_off", lambda c: c.offer_codes.create("p", name="A", offer_type="percent", amount_off=12.5)),
    ("amount_off", lambda c: c.offer_codes.create("p", name="A", offer_type="percent", amount_off=99.99)),
    ("amount_off", lambda c: c.offer_codes.create("p", name="A", offer_type="fixed", amount_off=150.5)),
    ("amount_cents", lambda c: c.offer_codes.create("p", name="A", amount_cents=2**31)),
    ("max_purchase_count", lambda c: c.offer_codes.create("p", name="A", amount_cents=1, max_purchase_count=2**31)),
    ("max_purchase_count", lambda c: c.offer_codes.update("p", "o", max_purchase_count=1.5)),  # type: ignore[arg-type]
    ("max_purchase_count", lambda c: c.offer_codes.create_batch("p", count=1, amount_cents=1, max_purchase_count=2.5)),  # type: ignore[arg-type]
    ("amount_off", lambda c: c.offer_codes.create_batch("p", count=1, offer_type="percent", amount_off=33.3)),
    ("price_difference_cents", lambda c: c.variants.create("p", "c", name="x", price_difference_cents=-100)),
    ("price_difference_cents", lambda c: c.variants.update("p", "c", "v", price_difference_cents=2.5)),  # type: ignore[arg-type]
    ("price_difference_cents", lambda c: c.variants.create("p", "c", name="x", price_difference_cents=2**31)),
    ("max_purchase_count", lambda c: c.variants.update("p", "c", "v", max_purchase_count=2**40)),
    ("amount_cents", lambda c: c.sales.refund("s", amount_cents=2**31)),
    ("order_id", lambda c: c.sales.list(order_id="007").to_list()),
    ("order_id", lambda c: c.sales.list(order_id="-5").to_list()),
    ("order_id", lambda c: c.sales.list(order_id="١٢").to_list()),  # Arabic-Indic digits
    ("order_id", lambda c: c.sales.list(order_id="+12").to_list()),
    ("order_id", lambda c: c.sales.list(order_id=-5).to_list()),
    ("order_id", lambda c: c.sales.list(order_id=True).to_list()),  # type: ignore[arg-type]
    ("fields['price']", lambda c: c.products.create(name="x", price=9.99)),
    ("fields['price']", lambda c: c.products.update("p", price=float("nan"))),
    ("fields['price']", lambda c: c.products.update("p", price=2**31)),
    ("fields['max_purchase_count']", lambda c: c.products.update("p", max_purchase_count=10.5)),
]


@pytest.mark.parametrize(("argument", "call"), CASES)
async def test_refused_before_sending(
    fake: FakeGumroad, client: GumroadClient, argument: str, call: Call
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await call(client)
    assert isinstance(info.value, GumroadError) and isinstance(info.value, ValueError)
    assert info.value.argument == argument
    assert argument in str(info.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"base_url": "http://api.example.com"}, "base_url"),
    ],
)
def test_client_options_refused(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        GumroadClient("t", **kwargs)
    assert info.value.argument == argument


def test_plain_http_needs_loopback_or_consent() -> None:
    GumroadClient("t", base_url="http://127.0.0.1:9")
    GumroadClient("t", base_url="http://localhost:9")
    GumroadClient("t", base_url="http://[::1]:9")
    GumroadClient("t", base_url="http://gumroad.internal", allow_insecure_http=True)


async def test_whole_numbers_travel_as_integers(fake: FakeGumroad, client: GumroadClient) -> None:
    """What is accepted is sent as the integer the server will store, never as ``12.0``."""
    product = fake.add_product(name="P", price=1000)["id"]
    await client.offer_codes.create(product, name="HALF", offer_type="percent", amount_off=50.0)
    assert fake.requests[-1].form["amount_off"] == "50"
    await client.products.update(product, price=1200.0)
    assert fake.requests[-1].form["price"] == "1200"
    await client.sales.list(order_id=0).to_list()
    await client.sales.list(order_id=524459995).to_list()
    assert [r.query["order_id"] for r in fake.requests[-2:]] == ["0", "524459995"]
