"""``GumroadClient``: the entry point."""

from __future__ import annotations

import os
from collections.abc import Iterable
from types import TracebackType

import aiohttp

from gumroad_async import _constants as defaults
from gumroad_async._transport import Transport
from gumroad_async.services import (
    BatchOfferCodesService,
    CustomFieldsService,
    LicensesService,
    ProductsService,
    ResourceSubscriptionsService,
    SalesService,
    SubscribersService,
    UserService,
    VariantCategoriesService,
    VariantsService,
)

__all__ = ["GumroadClient"]


class GumroadClient:
    """An asyncio client of the Gumroad API v2.

    ``access_token`` defaults to ``$GUMROAD_ACCESS_TOKEN``; ``base_url`` to
    ``$GUMROAD_BASE_URL``, then ``https://api.gumroad.com``. ``timeout`` is seconds per
    attempt; ``max_retries`` counts retries after the first attempt, waiting up to
    ``backoff_base`` seconds before the first and twice as long before each next (full
    jitter), or what ``Retry-After`` says when that is at most ``max_retry_after``; a longer
    wait raises ``RateLimitError`` instead; ``max_retry_time`` bounds all attempts and waits
    of one call together; ``max_concurrency``
    caps requests in flight across every task sharing the client; ``rate_limit`` smooths
    requests to at most that many per second. A ``session`` passed in is borrowed and never
    closed. Use ``async with`` or ``await client.close()``.
    """

    def __init__(
        self,
        access_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = defaults.DEFAULT_TIMEOUT,
        connect_timeout: float = defaults.DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = defaults.DEFAULT_MAX_RETRIES,
        max_retry_time: float = defaults.DEFAULT_MAX_RETRY_TIME,
        max_retry_after: float = defaults.DEFAULT_MAX_RETRY_AFTER,
        backoff_base: float = defaults.DEFAULT_BACKOFF_BASE,
        max_concurrency: int = defaults.DEFAULT_MAX_CONCURRENCY,
        rate_limit: float | None = None,
        session: aiohttp.ClientSession | None = None,
        user_agent: str | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int = defaults.DEFAULT_MAX_RESPONSE_BYTES,
        trace_configs: Iterable[aiohttp.TraceConfig] | None = None,
    ) -> None:
        if access_token is None:
            access_token = os.environ.get(defaults.ACCESS_TOKEN_ENV) or None
        self._transport = Transport(
            access_token,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            max_retry_time=max_retry_time,
            max_retry_after=max_retry_after,
            backoff_base=backoff_base,
            max_concurrency=max_concurrency,
            rate_limit=rate_limit,
            session=session,
            user_agent=user_agent,
            allow_insecure_http=allow_insecure_http,
            max_response_bytes=max_response_bytes,
            trace_configs=trace_configs,
        )
        transport = self._transport
        self.user = UserService(transport)
        self.products = ProductsService(transport)
        self.variant_categories = VariantCategoriesService(transport)
        self.variants = VariantsService(transport)
        self.offer_codes = BatchOfferCodesService(transport)
        self.custom_fields = CustomFieldsService(transport)
        self.sales = SalesService(transport)
        self.subscribers = SubscribersService(transport)
        self.licenses = LicensesService(transport)
        self.resource_subscriptions = ResourceSubscriptionsService(transport)

    @property
    def transport(self) -> Transport:
        """The HTTP layer (limits, retries); shared by every service of this client."""
        return self._transport

    def __repr__(self) -> str:
        token = "set" if self._transport.has_token else "none"
        return f"<GumroadClient {self._transport.base_url} token={token}>"

    async def close(self) -> None:
        """Close the client's own HTTP session (a borrowed session is left open)."""
        await self._transport.close()

    async def __aenter__(self) -> GumroadClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
