"""Which deliveries are one event: the key of every resource name, from pings built as the
server builds them."""

from __future__ import annotations

import aiohttp
import pytest
from _ping_wire import (
    FORM,
    JSON,
    form_body,
    json_body,
    redelivery,
    sale_params,
    subscription_params,
)
from conftest import Serve

from gumroad_async.webhooks import (
    SaleEvent,
    SubscriptionEvent,
    WebhookError,
    WebhookReceiver,
    parse_ping,
)

SECRET = "a-long-random-secret"
SALE_TYPES = ["sale", "refund", "dispute", "dispute_won"]
SUBSCRIPTION_TYPES = [
    "cancellation", "subscription_updated", "subscription_ended", "subscription_restarted"]


def key(params: dict[str, object], as_json: bool = False) -> tuple[str, str]:
    if as_json:
        return parse_ping(json_body(params), JSON).dedup_key
    return parse_ping(form_body(params), FORM).dedup_key


@pytest.mark.parametrize("resource", SALE_TYPES)
def test_redeliveries_of_a_sale_type_ping_share_its_key(resource: str) -> None:
    params = sale_params("s1", resource, refunded=resource == "refund")
    first = key(params)
    assert first[0] == resource
    assert all(key(redelivery(params, n)) == first for n in (1, 2, 3))
    # One subscription as JSON, another as a form: the same event.
    assert key(params, as_json=True) == first


@pytest.mark.parametrize("resource", SUBSCRIPTION_TYPES)
def test_redeliveries_of_a_subscription_ping_share_its_key(resource: str) -> None:
    params = subscription_params("sub1", resource)
    first = key(params)
    assert first[0] == resource and first[1].startswith("sub1#")
    assert all(key(redelivery(params, n)) == first for n in (1, 2, 3))
    assert key(params, as_json=True) == first


def test_a_sale_is_one_event_whatever_its_ping_says() -> None:
    first = key(sale_params("s1"))
    assert first == ("sale", "s1")
    # A later rebuild of the ping (a field changed meanwhile) is still that sale.
    assert key(sale_params("s1", email="new@example.com", refunded=True)) == first
    assert key(sale_params("s2")) != first


def test_a_partial_and_then_a_full_refund_are_two_events() -> None:
    partial = key(sale_params("s1", "refund", refunded=False))
    full = key(sale_params("s1", "refund", refunded=True))
    assert partial != full
    assert partial[1].startswith("s1#") and full[1].startswith("s1#")
    assert key(sale_params("s2", "refund", refunded=True)) != full


def test_two_disputes_of_one_sale_are_two_events() -> None:
    dispute = key(sale_params("s1", "dispute", disputed=True))
    won = key(sale_params("s1", "dispute_won", disputed=True, dispute_won=True))
    # Disputed again after winning: the ping shows dispute_won.
    again = key(sale_params("s1", "dispute", disputed=True, dispute_won=True))
    assert len({dispute, won, again}) == 3


def test_membership_events_at_other_moments_are_other_events() -> None:
    cancelled = key(subscription_params("m", "cancellation"))
    cancelled_later = key(subscription_params("m", "cancellation",
                                              cancelled_at="2024-12-01T00:00:00Z"))
    restarted = key(subscription_params("m", "subscription_restarted"))
    restarted_later = key(subscription_params("m", "subscription_restarted",
                                              restarted_at="2025-01-01T00:00:00Z"))
    assert len({cancelled, cancelled_later, restarted, restarted_later}) == 4
    upgrade = subscription_params("m", "subscription_updated")
    other_plan = subscription_params("m", "subscription_updated")
    other_plan["new_plan"] = {**other_plan["new_plan"], "quantity": 2}  # type: ignore[dict-item]
    assert key(upgrade) != key(other_plan)


@pytest.mark.parametrize("resource", SALE_TYPES)
def test_a_sale_type_ping_without_sale_id_has_no_key_to_share(resource: str) -> None:
    for params in (sale_params("", resource), {"resource_name": resource, "price": "1"}):
        with pytest.raises(WebhookError, match="sale_id"):
            parse_ping(form_body(params))


@pytest.mark.parametrize("resource", SUBSCRIPTION_TYPES)
def test_a_subscription_ping_without_subscription_id_is_refused(resource: str) -> None:
    params = subscription_params("", resource)
    with pytest.raises(WebhookError, match="subscription_id"):
        parse_ping(form_body(params))


async def test_the_receiver_handles_each_refund_once(serve: Serve) -> None:
    events: list[SaleEvent | SubscriptionEvent] = []

    async def handler(event: SaleEvent | SubscriptionEvent) -> None:
        events.append(event)

    pings = [
        sale_params("s1"), redelivery(sale_params("s1"), 1),
        sale_params("s1", "refund"), redelivery(sale_params("s1", "refund"), 1),
        sale_params("s1", "refund", refunded=True),
        redelivery(sale_params("s1", "refund", refunded=True), 2),
        {"price": "100"}, {"price": "200"},  # no sale_id: refused, never merged
    ]
    async with serve(WebhookReceiver(handler, secret=SECRET)) as url, \
            aiohttp.ClientSession() as http:
        statuses = []
        for params in pings:
            async with http.post(f"{url}?secret={SECRET}", data=form_body(params),
                                 headers={"Content-Type": FORM}) as response:
                statuses.append(response.status)
    assert statuses == [200, 200, 200, 200, 200, 200, 400, 400]
    assert [(e.kind, isinstance(e, SaleEvent) and e.refunded) for e in events] == [
        ("sale", False), ("refund", False), ("refund", True)]
