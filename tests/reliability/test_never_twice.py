"""Calls that move money or count uses reach the server once, whatever the failure.

The drop happens after the server has done the work (``after_handler=True``) on a kept-alive
connection: exactly the case where aiohttp itself would resend a PUT (RFC 9112 retrying),
below the SDK's own retry loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from gumroad_async import APIConnectionError, APITimeoutError, GumroadClient, ServerError
from gumroad_async.testing import FakeGumroad


@pytest.fixture(params=["own session", "borrowed session"])
async def gumroad(request: pytest.FixtureRequest, fake: FakeGumroad) -> AsyncIterator[GumroadClient]:
    if request.param == "own session":
        async with GumroadClient(fake.token, base_url=fake.url, backoff_base=0.001,
                                 max_retries=3, timeout=2) as client:
            yield client
    else:
        async with aiohttp.ClientSession() as session:
            async with GumroadClient(fake.token, base_url=fake.url, backoff_base=0.001,
                                     max_retries=3, timeout=2, session=session) as client:
                yield client
            assert not session.closed  # a borrowed session stays open


def count(fake: FakeGumroad, method: str, path: str) -> int:
    return len(fake.requests_to(method, path))


async def warm_up(client: GumroadClient) -> None:
    """Leave a kept-alive connection in the pool, so the next call reuses it."""
    await client.user.get()


async def test_refund_under_dropped_connection_is_sent_once(
    fake: FakeGumroad, gumroad: GumroadClient
) -> None:
    sid = fake.add_sale(price=1000)["id"]
    await warm_up(gumroad)
    fake.inject(method="PUT", path="/v2/sales/*/refund", drop=True, after_handler=True)
    with pytest.raises(APIConnectionError) as info:
        await gumroad.sales.refund(sid, amount_cents=300)
    assert info.value.sent
    assert count(fake, "PUT", f"/v2/sales/{sid}/refund") == 1
    assert (await gumroad.sales.get(sid)).partially_refunded is True


async def test_refund_under_500_is_sent_once(fake: FakeGumroad, gumroad: GumroadClient) -> None:
    sid = fake.add_sale(price=1000)["id"]
    fake.inject(method="PUT", path="/v2/sales/*/refund", status=500, times=5)
    with pytest.raises(ServerError):
        await gumroad.sales.refund(sid)
    assert count(fake, "PUT", f"/v2/sales/{sid}/refund") == 1


async def test_refund_under_timeout_is_sent_once(fake: FakeGumroad) -> None:
    sid = fake.add_sale(price=1000)["id"]
    fake.inject(method="PUT", path="/v2/sales/*/refund", stall=3)
    async with GumroadClient(fake.token, base_url=fake.url, timeout=0.3, backoff_base=0.001) as c:
        with pytest.raises(APITimeoutError):
            await c.sales.refund(sid)
    assert count(fake, "PUT", f"/v2/sales/{sid}/refund") == 1


async def test_decrement_uses_under_dropped_connection_is_sent_once(
    fake: FakeGumroad, gumroad: GumroadClient
) -> None:
    pid = fake.add_product(name="App", price=100)["id"]
    key = fake.add_license(product_id=pid, uses=5)["license_key"]
    await warm_up(gumroad)
    fake.inject(method="PUT", path="/v2/licenses/decrement_uses_count", drop=True, after_handler=True)
    with pytest.raises(APIConnectionError):
        await gumroad.licenses.decrement_uses_count(pid, key)
    assert count(fake, "PUT", "/v2/licenses/decrement_uses_count") == 1
    assert (await gumroad.licenses.verify(pid, key, increment_uses_count=False)).uses == 4


@pytest.mark.parametrize("fault", [{"status": 502, "body": "<html>bad gateway</html>"},
                                   {"drop": True, "after_handler": True}])
async def test_counting_verify_is_sent_once(fake: FakeGumroad, fault: dict[str, object]) -> None:
    pid = fake.add_product(name="App", price=100)["id"]
    key = fake.add_license(product_id=pid)["license_key"]
    fake.inject(method="POST", path="/v2/licenses/verify", **fault)  # type: ignore[arg-type]
    async with GumroadClient(base_url=fake.url, backoff_base=0.001) as anonymous:
        with pytest.raises((ServerError, APIConnectionError)):
            await anonymous.licenses.verify(pid, key)
    assert count(fake, "POST", "/v2/licenses/verify") == 1


async def test_create_under_dropped_connection_is_sent_once(
    fake: FakeGumroad, gumroad: GumroadClient
) -> None:
    pid = fake.add_product(name="Book", price=100)["id"]
    await warm_up(gumroad)
    fake.inject(method="POST", path="/v2/products/*/offer_codes", drop=True, after_handler=True)
    with pytest.raises(APIConnectionError):
        await gumroad.offer_codes.create(pid, name="ONCE", amount_cents=100)
    assert count(fake, "POST", f"/v2/products/{pid}/offer_codes") == 1


async def test_resend_receipt_under_500_is_sent_once(
    fake: FakeGumroad, gumroad: GumroadClient
) -> None:
    sid = fake.add_sale(price=1000)["id"]
    fake.inject(method="POST", path="/v2/sales/*/resend_receipt", status=503, times=5)
    with pytest.raises(ServerError):
        await gumroad.sales.resend_receipt(sid)
    assert count(fake, "POST", f"/v2/sales/{sid}/resend_receipt") == 1


# The same faults on calls that are safe to repeat: retried, and they succeed. (These show
# that the tests above can fail: the fault itself is recoverable.)


async def test_mark_as_shipped_is_retried_after_a_drop(
    fake: FakeGumroad, gumroad: GumroadClient
) -> None:
    sid = fake.add_sale(price=1000)["id"]
    await warm_up(gumroad)
    fake.inject(method="PUT", path="/v2/sales/*/mark_as_shipped", drop=True, after_handler=True)
    shipped = await gumroad.sales.mark_as_shipped(sid)
    assert shipped.shipped is True
    assert count(fake, "PUT", f"/v2/sales/{sid}/mark_as_shipped") == 2


async def test_verify_without_counting_is_retried(fake: FakeGumroad) -> None:
    pid = fake.add_product(name="App", price=100)["id"]
    key = fake.add_license(product_id=pid, uses=2)["license_key"]
    fake.inject(method="POST", path="/v2/licenses/verify", status=502, times=2)
    async with GumroadClient(base_url=fake.url, backoff_base=0.001) as anonymous:
        result = await anonymous.licenses.verify(pid, key, increment_uses_count=False)
    assert result.uses == 2
    assert count(fake, "POST", "/v2/licenses/verify") == 3


async def test_create_is_retried_after_429(fake: FakeGumroad, gumroad: GumroadClient) -> None:
    # A 429 means the request was turned away before any work: safe for every method.
    pid = fake.add_product(name="Book", price=100)["id"]
    fake.inject(method="POST", path="/v2/products/*/offer_codes", status=429, body="Retry later",
                content_type="text/plain", headers={"Retry-After": "0"})
    created = await gumroad.offer_codes.create(pid, name="AFTER429", amount_cents=100)
    assert created.name == "AFTER429"
    assert count(fake, "POST", f"/v2/products/{pid}/offer_codes") == 2
