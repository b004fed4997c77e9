"""Concurrency and rate limits, timeouts, cancellation, cleanup, safety caps, observability."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import warnings
from contextlib import aclosing
from types import SimpleNamespace

import aiohttp
import pytest

from gumroad_async import APIError, APITimeoutError, GumroadClient
from gumroad_async.testing import FakeGumroad


async def test_max_concurrency_caps_requests_in_flight(fake: FakeGumroad) -> None:
    fake.latency = 0.02
    async with GumroadClient(fake.token, base_url=fake.url, max_concurrency=5) as c:
        await asyncio.gather(*(c.user.get() for _ in range(50)))
    assert fake.max_in_flight <= 5
    assert fake.max_in_flight >= 2  # it did run concurrently


async def test_concurrency_is_shared_by_every_task_of_a_client(fake: FakeGumroad) -> None:
    fake.latency = 0.02
    for _ in range(40):
        fake.add_sale(price=100)
    async with GumroadClient(fake.token, base_url=fake.url, max_concurrency=3) as c:
        async def walk() -> int:
            return len(await c.sales.list().to_list())

        results = await asyncio.gather(*(walk() for _ in range(6)), *(c.user.get() for _ in range(10)))
    assert results[:6] == [40] * 6
    assert fake.max_in_flight <= 3


async def test_rate_limit_smooths_requests(fake: FakeGumroad) -> None:
    async with GumroadClient(fake.token, base_url=fake.url, rate_limit=40) as c:
        started = time.monotonic()
        await asyncio.gather(*(c.user.get() for _ in range(30)))
        elapsed = time.monotonic() - started
    # 30 requests at 40/s with a burst of 4 need at least ~0.65 s; a generous lower bound.
    assert elapsed >= 0.4


async def test_stalled_server_times_out(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", stall=10, times=5)
    async with GumroadClient(fake.token, base_url=fake.url, timeout=0.3, max_retries=1,
                             backoff_base=0.001) as c:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await c.user.get()
    assert time.monotonic() - started < 5
    assert len(fake.requests_to("GET", "/v2/user")) == 2


def collect_resource_warnings() -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    return [str(w.message) for w in caught if "Unclosed" in str(w.message)]


async def test_cancelling_mid_request_leaves_nothing_open(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", stall=10)
    async with GumroadClient(fake.token, base_url=fake.url) as c:
        task = asyncio.create_task(c.user.get())
        for _ in range(500):
            if fake.in_flight:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await c.user.get()).user_id  # the client is still usable
    for _ in range(100):
        if fake.in_flight == 0:
            break
        await asyncio.sleep(0.02)
    assert fake.in_flight == 0
    assert collect_resource_warnings() == []


async def test_breaking_out_of_a_listing_leaves_nothing_open(fake: FakeGumroad) -> None:
    for _ in range(30):
        fake.add_sale(price=100)
    async with (
        GumroadClient(fake.token, base_url=fake.url) as c,
        aclosing(c.sales.list().__aiter__()) as sales,
    ):
        async for _ in sales:
            break
    assert fake.in_flight == 0
    assert len(fake.requests_to("GET", "/v2/sales")) == 1
    assert collect_resource_warnings() == []


async def test_cancelling_a_listing_task(fake: FakeGumroad) -> None:
    for _ in range(30):
        fake.add_sale(price=100)
    fake.latency = 0.05
    async with GumroadClient(fake.token, base_url=fake.url) as c:
        async def consume() -> None:
            async for _ in c.sales.list():
                pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.08)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.1)
    assert fake.in_flight == 0
    assert collect_resource_warnings() == []


async def test_closing_leaves_a_borrowed_session_usable(fake: FakeGumroad) -> None:
    async with aiohttp.ClientSession() as session:
        async with GumroadClient(fake.token, base_url=fake.url, session=session) as c:
            await c.user.get()
        assert not session.closed
        async with session.get(f"{fake.url}/v2/user", headers={"Authorization": f"Bearer {fake.token}"}) as r:
            assert r.status == 200


async def test_closed_client_refuses_calls(fake: FakeGumroad) -> None:
    c = GumroadClient(fake.token, base_url=fake.url)
    await c.user.get()
    await c.close()
    with pytest.raises(Exception, match="closed"):
        await c.user.get()


async def test_oversized_answer_is_refused(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", status=200,
                body={"success": True, "user": {"bio": "x" * 5000}})
    async with GumroadClient(fake.token, base_url=fake.url, max_response_bytes=1000) as c:
        with pytest.raises(APIError, match="larger than 1000 bytes"):
            await c.user.get()


async def test_redirects_are_not_followed(fake: FakeGumroad) -> None:
    fake.inject(method="GET", path="/v2/user", status=302,
                headers={"Location": "http://127.0.0.2:9/steal"})
    async with GumroadClient(fake.token, base_url=fake.url) as c:
        with pytest.raises(APIError, match="not followed"):
            await c.user.get()
    assert len(fake.requests) == 1


async def test_log_lines(fake: FakeGumroad, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="gumroad_async")
    fake.inject(method="GET", path="/v2/user", status=503)
    async with GumroadClient(fake.token, base_url=fake.url, backoff_base=0.001) as c:
        await c.user.get()
    messages = [r.getMessage() for r in caplog.records]
    assert any("GET /v2/user -> 503" in m for m in messages)
    assert any("GET /v2/user -> 200" in m for m in messages)
    assert any("retrying GET /v2/user" in m and "attempt 1" in m for m in messages)


async def test_trace_configs_see_every_request(fake: FakeGumroad) -> None:
    seen: list[str] = []

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        seen.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with GumroadClient(fake.token, base_url=fake.url, trace_configs=[trace]) as c:
        await c.user.get()
    assert seen == ["/v2/user"]
