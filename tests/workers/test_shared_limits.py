"""The per-token limits in Redis: concurrency cap, moving-window rate, shared back-off."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from aiohttp import web
from redis.asyncio import Redis

from gumroad_async import GumroadClient
from gumroad_async.testing import FakeGumroad
from gumroad_async.workers import SharedTokenLimits, TokenPolicy, limited_client, token_fingerprint


async def test_concurrency_cap_holds_across_limiters(redis: Redis, namespace: str) -> None:
    # Two limiter objects stand for two worker processes sharing one token.
    first = SharedTokenLimits(redis, prefix=namespace)
    second = SharedTokenLimits(redis, prefix=namespace)
    policy = TokenPolicy(concurrency=2)
    holding = 0
    most = 0

    async def use(limits: SharedTokenLimits) -> None:
        nonlocal holding, most
        slot = await limits.acquire("token-a", policy)
        holding += 1
        most = max(most, holding)
        await asyncio.sleep(0.02)
        holding -= 1
        await limits.release(slot)

    await asyncio.gather(*(use(first if i % 2 else second) for i in range(12)))
    assert most == 2


async def test_rate_limit_paces_requests_across_limiters(redis: Redis, namespace: str) -> None:
    # Three limiter objects stand for three worker processes sharing one token.
    fleet = [SharedTokenLimits(redis, prefix=namespace) for _ in range(3)]
    policy = TokenPolicy(rate_limit=10, concurrency=20)
    stamps: list[float] = []

    async def use(limits: SharedTokenLimits) -> None:
        slot = await limits.acquire("token-b", policy)
        stamps.append(time.time())
        await limits.release(slot)

    await asyncio.gather(*(use(fleet[i % 3]) for i in range(15)))
    per_second = Counter(int(t) for t in stamps)
    assert max(per_second.values()) <= 10, per_second
    # Paced, not bursty: the 15 grants spread over more than one second.
    assert stamps[-1] - stamps[0] > 1.0


async def test_a_429_makes_every_client_of_the_token_wait(redis: Redis, namespace: str) -> None:
    limits = SharedTokenLimits(redis, prefix=namespace)
    token = "shared-token"
    backoff_key = f"{namespace}:backoff:{token_fingerprint(token)}"
    seen_during_backoff: list[int] = []
    answered_429 = False

    async def handler(request: web.Request) -> web.Response:
        nonlocal answered_429
        if not answered_429:
            answered_429 = True
            return web.Response(status=429, text="Retry later", headers={"Retry-After": "0.3"})
        # Any request arriving while the back-off key lives broke the shared back-off.
        seen_during_backoff.append(await redis.pttl(backoff_key))
        return web.json_response({"success": True, "user": {"name": "x"}})

    app = web.Application()
    app.router.add_get("/v2/user", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        policy = TokenPolicy(concurrency=4)
        async with limited_client(token, limits, policy, base_url=url, backoff_base=0.01) as a, \
                limited_client(token, limits, policy, base_url=url) as b:
            first = asyncio.create_task(a.user.get())  # meets the 429, then retries
            for _ in range(5000):  # until the 429 has been seen and the back-off set
                if await redis.pttl(backoff_key) > 0:
                    break
                await asyncio.sleep(0.001)
            await asyncio.gather(first, b.user.get(), b.user.get())
    finally:
        await runner.cleanup()
    assert len(seen_during_backoff) == 3
    assert all(remaining <= 0 for remaining in seen_during_backoff)


async def test_token_never_reaches_redis(redis: Redis, namespace: str) -> None:
    limits = SharedTokenLimits(redis, prefix=namespace)
    token = "secret-token-value-123"
    async with FakeGumroad(token=token, rate_limit=100) as fake:
        fake.seed(1, sales=30)
        async with limited_client(token, limits, TokenPolicy(rate_limit=50),
                                  base_url=fake.url) as client:
            assert isinstance(client, GumroadClient)
            await client.sales.list().to_list()
    async for key in redis.scan_iter(match=f"*{namespace}*"):
        assert token.encode() not in key
        kind = await redis.type(key)
        if kind == b"string":
            assert token.encode() not in (await redis.get(key) or b"")
        elif kind == b"list":
            assert all(token.encode() not in v for v in await redis.lrange(key, 0, -1))
