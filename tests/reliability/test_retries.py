"""Reads survive 429s and flaky proxies; retry counts and waits are bounded."""

from __future__ import annotations

import time

import pytest

from gumroad_async import APIConnectionError, GumroadClient, RateLimitError, ServerError
from gumroad_async.testing import FakeGumroad


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "0.05"}])
async def test_get_survives_plain_text_429(
    fake: FakeGumroad, client: GumroadClient, headers: dict[str, str]
) -> None:
    fake.add_sale(price=100)
    fake.inject(method="GET", path="/v2/sales", times=2, status=429, body="Retry later",
                content_type="text/plain", headers=headers)
    assert len(await client.sales.list().to_list()) == 1
    assert len(fake.requests_to("GET", "/v2/sales")) == 3


async def test_get_survives_html_502(fake: FakeGumroad, client: GumroadClient) -> None:
    sid = fake.add_sale(price=100)["id"]
    fake.inject(method="GET", path="/v2/sales/*", times=2, status=502,
                body="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    assert (await client.sales.get(sid)).id == sid


async def test_get_survives_a_dropped_connection(fake: FakeGumroad, client: GumroadClient) -> None:
    sid = fake.add_sale(price=100)["id"]
    fake.inject(method="GET", path="/v2/sales/*", drop=True)
    assert (await client.sales.get(sid)).id == sid


async def test_server_rate_limit_is_absorbed(fake: FakeGumroad) -> None:
    for _ in range(30):
        fake.add_sale(price=100)
    fake.rate_limit = 20.0
    fake.retry_after = None
    async with GumroadClient(fake.token, base_url=fake.url, backoff_base=0.05, max_retries=8) as c:
        sales = [s async for s in c.sales.list()]
        for _ in range(20):
            await c.user.get()
    assert len(sales) == 30


async def test_max_retries_bounds_the_attempts(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", times=100, status=500)
    async with GumroadClient(fake.token, base_url=fake.url, max_retries=2, backoff_base=0.001) as c:
        with pytest.raises(ServerError):
            await c.user.get()
    assert len(fake.requests_to("GET", "/v2/user")) == 3


async def test_zero_retries(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", times=100, status=503)
    async with GumroadClient(fake.token, base_url=fake.url, max_retries=0) as c:
        with pytest.raises(ServerError):
            await c.user.get()
    assert len(fake.requests_to("GET", "/v2/user")) == 1


async def test_long_retry_after_raises_instead_of_sleeping(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", status=429, body="Retry later",
                content_type="text/plain", headers={"Retry-After": "3600"})
    async with GumroadClient(fake.token, base_url=fake.url, max_retry_after=5) as c:
        started = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            await c.user.get()
    assert info.value.retry_after == 3600.0
    assert time.monotonic() - started < 5
    assert len(fake.requests_to("GET", "/v2/user")) == 1


async def test_retry_after_is_honoured(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", status=429, body="Retry later",
                content_type="text/plain", headers={"Retry-After": "0.3"})
    async with GumroadClient(fake.token, base_url=fake.url, backoff_base=0.001) as c:
        started = time.monotonic()
        await c.user.get()
    assert time.monotonic() - started >= 0.25  # a lower bound only: never a speed claim


async def test_max_retry_time_bounds_the_call(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", times=1000, status=500)
    async with GumroadClient(fake.token, base_url=fake.url, max_retries=1000, backoff_base=0.05,
                             max_retry_time=0.5) as c:
        started = time.monotonic()
        with pytest.raises(ServerError):
            await c.user.get()
    assert time.monotonic() - started < 5


async def test_unreachable_server_is_a_connection_error() -> None:
    # Port 9 on loopback: nothing listens; the connection is refused before anything is sent,
    # so even a create may be retried.
    async with GumroadClient("t", base_url="http://127.0.0.1:9", max_retries=2,
                             backoff_base=0.001) as c:
        with pytest.raises(APIConnectionError) as info:
            await c.offer_codes.create("p", name="X", amount_cents=1)
    assert info.value.sent is False
