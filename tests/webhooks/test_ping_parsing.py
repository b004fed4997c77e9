"""Ping bodies of every event type, form-encoded and JSON, into typed events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from gumroad_async.testing._pings import flatten_form, sale_ping_fields, subscription_ping_fields
from gumroad_async.webhooks import (
    SaleEvent,
    SubscriptionEvent,
    WebhookError,
    nest_form,
    parse_ping,
)

SALE = {
    "id": "FO8TXN-dvxYabdavG97Y-Q==", "seller_id": "kL0paVL2SdmJSYsNs-OCMg==",
    "product_id": "32-nPainqpLj1B_WIwVlMw==", "product_name": "Pencil Icon PSD",
    "product_permalink": "XCBbJ", "email": "calvin@gumroad.com", "price": 1000,
    "gumroad_fee": 60, "order_id": 524459995, "created_at": "2021-01-05T19:38:56Z",
    "variants": {"Tier": "Premium", "Size": "L"}, "custom_fields": {"Company": "ACME"},
    "card": {"visual": "**** 4242", "type": "visa"}, "license_key": "83DB262A-C19D3B06",
    "purchaser_id": "5530311507811",
}
SUBSCRIBER = {
    "id": "P5ppE6H8XIjy2JSCgUhbAw==", "product_id": "0ssD7adjRklGBjS5cwlWPq==",
    "product_name": "Club", "user_id": "3523953790232", "user_email": "calvin@gumroad.com",
    "purchase_ids": ["O4pjE6H8XNjy2JSCgKhbAw==", "X1"], "created_at": "2015-06-30T17:38:04Z",
    "recurrence": "monthly", "charge_occurrence_count": 3,
}


def form_body(fields: dict[str, object]) -> bytes:
    return urlencode(flatten_form(fields)).encode()


@pytest.mark.parametrize("resource", ["sale", "refund", "dispute", "dispute_won"])
@pytest.mark.parametrize("as_json", [False, True])
def test_sale_type_pings(resource: str, as_json: bool) -> None:
    fields = sale_ping_fields(SALE, resource, refunded=resource == "refund",
                              url_params={"source": "newsletter"},
                              shipping_information={"city": "Paris", "zip_code": "75001"})
    body = json.dumps(fields).encode() if as_json else form_body(fields)
    event = parse_ping(body, "application/json" if as_json else
                       "application/x-www-form-urlencoded; charset=utf-8")
    assert isinstance(event, SaleEvent) and event.kind == resource
    assert event.sale_id == SALE["id"] and event.price == 1000 and event.gumroad_fee == 60
    assert event.order_number == 524459995
    assert event.sale_timestamp == datetime(2021, 1, 5, 19, 38, 56, tzinfo=UTC)
    assert event.variants == {"Tier": "Premium", "Size": "L"}
    assert event.card == {"visual": "**** 4242", "type": "visa"}
    assert event.custom_fields == {"Company": "ACME"}
    assert event.url_params == {"source": "newsletter"}
    assert event.shipping_information == {"city": "Paris", "zip_code": "75001"}
    assert event.refunded is (resource == "refund") and event.test is False
    assert event.extra["Company"] == "ACME"  # the custom field's top-level copy is kept
    if resource == "sale":
        assert event.dedup_key == ("sale", SALE["id"])
    else:
        assert event.dedup_key[0] == resource
        assert event.dedup_key[1].startswith(SALE["id"] + "#")


@pytest.mark.parametrize("resource", ["cancellation", "subscription_updated",
                                      "subscription_ended", "subscription_restarted"])
@pytest.mark.parametrize("as_json", [False, True])
def test_subscription_type_pings(resource: str, as_json: bool) -> None:
    fields = subscription_ping_fields(SUBSCRIBER, resource)
    body = json.dumps(fields) if as_json else form_body(fields).decode()
    event = parse_ping(body, "application/json" if as_json else "application/x-www-form-urlencoded")
    assert isinstance(event, SubscriptionEvent) and event.kind == resource
    assert event.subscription_id == SUBSCRIBER["id"]
    assert event.purchase_ids == ("O4pjE6H8XNjy2JSCgKhbAw==", "X1")
    assert event.charge_occurrence_count == 3
    assert event.created_at == datetime(2015, 6, 30, 17, 38, 4, tzinfo=UTC)
    if resource == "cancellation":
        assert event.cancelled is True and event.cancelled_by_buyer is True
        assert event.cancelled_at is not None
    if resource == "subscription_ended":
        assert event.ended_reason == "cancelled" and event.ended_at is not None


def test_retries_share_the_dedup_key_and_events_do_not() -> None:
    first = parse_ping(form_body(subscription_ping_fields(SUBSCRIBER, "subscription_updated")))
    again = parse_ping(form_body({**subscription_ping_fields(SUBSCRIBER, "subscription_updated"),
                                  "retry_count": "1"}))
    other = parse_ping(form_body(subscription_ping_fields(SUBSCRIBER, "subscription_updated",
                                                          recurrence="yearly")))
    assert again.retry_count == 1
    assert first.dedup_key == again.dedup_key != other.dedup_key


def test_a_ping_without_resource_name_is_a_sale() -> None:
    event = parse_ping("sale_id=abc&price=1.0&can_contact=false")
    assert isinstance(event, SaleEvent) and event.kind == "sale"
    assert event.price == 1 and event.can_contact is False


def test_drifted_values_do_not_break_the_event() -> None:
    event = parse_ping("sale_id=s&price=lots&sale_timestamp=&quantity=2.0&brand_new=1")
    assert isinstance(event, SaleEvent)
    assert event.price is None and event.extra["price"] == "lots"
    assert event.sale_timestamp is None and event.quantity == 2
    assert event.extra["brand_new"] == "1"


def test_nest_form() -> None:
    pairs = [("a[b]", "1"), ("a[c]", "2"), ("ids[]", "x"), ("ids[]", "y"), ("plain", "p"),
             ("odd]key", "k"), ("deep[x][y]", "z")]
    assert nest_form(pairs) == {"a": {"b": "1", "c": "2"}, "ids": ["x", "y"], "plain": "p",
                                "odd]key": "k", "deep": {"x": {"y": "z"}}}


@pytest.mark.parametrize(("body", "content_type", "problem"), [
    (b"[1, 2]", "application/json", "not an object"),
    (b"{nope", "application/json", "not valid JSON"),
    (b"<xml/>", "text/xml", "content type"),
    (b"", "application/x-www-form-urlencoded", "empty"),
    (b"a=1&&&=", "application/x-www-form-urlencoded", "form"),
])
def test_malformed_bodies_raise_a_clear_error(body: bytes, content_type: str, problem: str) -> None:
    with pytest.raises(WebhookError, match=problem) as info:
        parse_ping(body, content_type)
    assert isinstance(info.value, ValueError)
