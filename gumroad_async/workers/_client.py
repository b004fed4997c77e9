"""A ``GumroadClient`` whose every attempt goes through the token's shared Redis limits.

The hook is an aiohttp client middleware on a session the client borrows: it runs for each
attempt the transport makes (retries included), so the transport itself stays unaware of
Redis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from gumroad_async.client import GumroadClient
from gumroad_async.workers._limits import SharedTokenLimits, TokenPolicy, token_fingerprint

__all__ = ["limited_client", "shared_limits_middleware"]


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def shared_limits_middleware(
    limits: SharedTokenLimits, token_key: str, policy: TokenPolicy
) -> aiohttp.ClientMiddlewareType:
    """A middleware that waits for the token's back-off, slot and rate before each attempt,
    and starts a shared back-off when the server answers 429."""

    async def middleware(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        slot = await limits.acquire(token_key, policy)
        try:
            response = await handler(request)
        finally:
            await limits.release(slot)
        if response.status == 429:
            await limits.back_off(token_key, _retry_after(response))
        return response

    return middleware


@asynccontextmanager
async def limited_client(
    token: str,
    limits: SharedTokenLimits,
    policy: TokenPolicy,
    *,
    base_url: str | None = None,
    timeout: float = 30.0,  # noqa: ASYNC109 (the client's per-attempt timeout)
    max_retries: int = 4,
    backoff_base: float = 0.5,
) -> AsyncIterator[GumroadClient]:
    """A client for one account's token, limited fleet-wide by ``limits`` under ``policy``."""
    middleware = shared_limits_middleware(limits, token_fingerprint(token), policy)
    connector = aiohttp.TCPConnector(limit=policy.concurrency)
    session = aiohttp.ClientSession(connector=connector, middlewares=(middleware,))
    # The transport's own rate limiter stays off: the shared one is the only pace.
    client = GumroadClient(
        token, base_url=base_url, session=session, timeout=timeout,
        max_retries=max_retries, backoff_base=backoff_base, max_concurrency=policy.concurrency,
    )
    async with session, client:
        yield client
