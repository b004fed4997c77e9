"""Receiving pings: check the secret, answer fast, handle each event once."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from gumroad_async.client import GumroadClient
from gumroad_async.records import Sale
from gumroad_async.webhooks._events import SaleEvent, SubscriptionEvent
from gumroad_async.webhooks._parse import WebhookError, parse_ping
from gumroad_async.webhooks._store import EventStore, InMemoryEventStore

__all__ = ["WebhookReceiver", "confirm_sale"]

logger = logging.getLogger("gumroad_async.webhooks")

Event = SaleEvent | SubscriptionEvent
Handler = Callable[[Event], Awaitable[None]]


class WebhookReceiver:
    """Turns Gumroad's pings into calls of your async ``handler``, each event once.

    Gumroad signs nothing: put a secret in the ``post_url`` you subscribe
    (``https://you.example/gumroad/ping?secret=...``) and give the same secret here; it is
    compared in constant time, and a ping without it is refused (403). A ping already
    handled (Gumroad re-delivers until it gets a 2xx, adding ``retry_count``) answers 200
    without calling the handler again. A handler that raises answers 500, and its claim is
    released so that the re-delivery is handled. Gumroad waits about 5 seconds: keep the
    handler short (queue the slow work).

    ``handle`` is framework-neutral (for Starlette, FastAPI or any ASGI app);
    ``aiohttp_handler`` and ``add_routes`` mount it on an ``aiohttp.web`` application.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        secret: str | None = None,
        store: EventStore | None = None,
        secret_param: str = "secret",
    ) -> None:
        self._handler = handler
        self._secret = secret
        self._store: EventStore = store if store is not None else InMemoryEventStore()
        self._secret_param = secret_param

    @property
    def store(self) -> EventStore:
        return self._store

    def _secret_ok(self, query: Mapping[str, str]) -> bool:
        if self._secret is None:
            return True
        given = query.get(self._secret_param, "")
        return hmac.compare_digest(given.encode(), self._secret.encode())

    async def handle(
        self, body: bytes | str, content_type: str, query: Mapping[str, str]
    ) -> tuple[int, str]:
        """Process one delivery; returns the HTTP status and a short text to answer."""
        if not self._secret_ok(query):
            return 403, "forbidden"
        try:
            event = parse_ping(body, content_type)
        except WebhookError as exc:
            logger.warning("refused a ping: %s", exc)
            return 400, str(exc)
        key = event.dedup_key
        if not await self._store.claim(key):
            logger.info("ping %s/%s already handled or in progress", *key)
            return 200, "duplicate"
        try:
            await self._handler(event)
        except Exception:
            await self._store.release(key)
            logger.exception("ping handler failed for %s/%s; Gumroad will retry", *key)
            return 500, "handler failed"
        await self._store.complete(key)
        return 200, "ok"

    async def aiohttp_handler(self, request: web.Request) -> web.Response:
        """An ``aiohttp.web`` request handler for the ping URL."""
        status, text = await self.handle(
            await request.read(), request.headers.get("Content-Type", ""), request.query
        )
        return web.Response(status=status, text=text)

    def add_routes(self, app: web.Application, path: str = "/gumroad/ping") -> None:
        """Mount the receiver on ``app`` as ``POST path``."""
        app.router.add_post(path, self.aiohttp_handler)


async def confirm_sale(client: GumroadClient, event: SaleEvent) -> Sale:
    """Re-fetch the sale a ping names and check it matches, before trusting the ping.

    Pings carry no signature; the API answer does come from Gumroad. Raises
    :class:`WebhookError` when the sale's product or buyer differ from the ping's, and the
    usual API errors (``NotFoundError``...) when the sale cannot be read.
    """
    if not event.sale_id:
        raise WebhookError("the ping names no sale_id")
    sale = await client.sales.get(event.sale_id)
    mismatched: list[str] = []
    pairs: list[tuple[str, Any, Any]] = [
        ("product_id", event.product_id, sale.product_id),
        ("email", event.email, sale.email),
    ]
    for name, pinged, actual in pairs:
        if pinged is not None and actual is not None and pinged != actual:
            mismatched.append(name)
    if mismatched:
        raise WebhookError(
            f"the ping does not match sale {event.sale_id}: {', '.join(mismatched)} differ"
        )
    return sale
