"""The per-token limits in Redis: concurrency cap, paced rate, shared back-off; and the
pacing grid itself."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from typing import Any

import pytest
from aiohttp import web
from redis.asyncio import Redis

from gumroad_async import GumroadClient
from gumroad_async.testing import FakeGumroad
from gumroad_async.workers import (
    PacingGrid,
    SharedTokenLimits,
    TokenPolicy,
    limited_client,
    token_fingerprint,
)
from gumroad_async.workers._limits import RATE_GUARD
from tests.workers.conftest import REDIS_URL


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


def _slots_in(grid: PacingGrid, start: float, end: float) -> list[float]:
    """Opening times of the grid's slots in ``[start, end)``."""
    first = grid.slot_at(start)
    times = []
    slot = first if grid.time_of(first) >= start else first + 1
    while grid.time_of(slot) < end:
        times.append(grid.time_of(slot))
        slot += 1
    return times


@pytest.mark.parametrize("rate", [1, 2, 7, 20, 50, 100])
def test_pacing_uses_the_whole_limit_and_keeps_a_guard_before_each_second(rate: int) -> None:
    grid = PacingGrid.for_rate(rate)
    base = 1_800_000_000.0
    for second in range(5):
        opening = _slots_in(grid, base + second, base + second + 1)
        # All of R in every calendar second (a whole request of headroom wasted 5% at 20/s).
        assert len(opening) == rate
        # ... each opening early enough that a request sent up to the guard late still
        # arrives within its own second.
        assert max(opening) + RATE_GUARD <= base + second + 1 + 1e-9


@pytest.mark.parametrize("rate", [1, 7, 20, 50])
@pytest.mark.parametrize("offset", [0.0, 0.013, 0.37, 0.9, 0.95])
def test_no_one_second_span_holds_more_than_the_limit(rate: int, offset: float) -> None:
    # Whatever the offset between our clock and the server's.
    grid = PacingGrid.for_rate(rate)
    base = 1_800_000_000.0 + offset
    for second in range(3):
        assert len(_slots_in(grid, base + second, base + second + 1)) <= rate


@pytest.mark.parametrize(("rate", "window"), [(0.5, 2.0), (0.3, 4.0), (0.1, 10.0)])
def test_a_limit_under_one_per_second_spaces_requests_seconds_apart(
    rate: float, window: float
) -> None:
    grid = PacingGrid.for_rate(rate)
    base = 1_800_000_000.0
    opening = _slots_in(grid, base, base + 40)
    gaps = [b - a for a, b in itertools.pairwise(opening)]
    assert min(gaps) >= window - 1e-9
    assert len(opening) <= rate * 40 + 1


def test_a_slot_is_never_before_the_moment_asked_by_more_than_one_spacing() -> None:
    grid = PacingGrid.for_rate(20)
    base = 1_800_000_000.0
    for step in range(200):
        moment = base + step * 0.0137
        slot = grid.slot_at(moment)
        assert moment - grid.spacing < grid.time_of(slot)
        assert grid.time_of(slot) <= moment + RATE_GUARD + 1e-9


class _CountingRedis(Redis):
    """A real Redis client that counts the commands it sends, by name."""

    sent: Counter[str]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent[str(args[0]).upper()] += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


async def test_waiters_for_a_concurrency_slot_queue_in_process_not_on_redis(
    redis: Redis, namespace: str
) -> None:
    counting = _CountingRedis.from_url(REDIS_URL)
    counting.sent = Counter()
    limits = SharedTokenLimits(counting, prefix=namespace)
    policy = TokenPolicy(concurrency=2)

    async def use() -> None:
        slot = await limits.acquire("token-c", policy)
        await asyncio.sleep(0.05)
        await limits.release(slot)

    try:
        await asyncio.gather(*(use() for _ in range(20)))
    finally:
        await counting.aclose()
    # One try per grant, give or take a few: 18 waiters each polling both slots every
    # 10-20 ms would send hundreds.
    assert counting.sent["SET"] <= 3 * 20, counting.sent


@pytest.mark.parametrize("rate", [0.5, 1, 20, 50])
def test_a_request_woken_late_gives_up_its_slot_before_the_guard_is_used_up(
    rate: float,
) -> None:
    grid = PacingGrid.for_rate(rate)
    base = 1_800_000_000.0
    first = grid.slot_at(base)
    for slot in range(first, first + 3 * grid.per_window):
        window_ends = (slot // grid.per_window + 1) * grid.window
        # Sent on time (within its spacing) it goes; woken later than half the guard
        # before its second ends, it takes another slot rather than spill into the next.
        assert grid.send_by(slot) >= grid.time_of(slot) + grid.spacing - 1e-9
        assert grid.send_by(slot) <= window_ends - grid.guard / 2 + 1e-9
