"""Receiving pings: check the secret, answer fast, handle each event once."""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from gumroad_async.client import GumroadClient
from gumroad_async.errors import InvalidArgumentError
from gumroad_async.records import Sale
from gumroad_async.webhooks._asgi import PingASGIApp
from gumroad_async.webhooks._events import SaleEvent, SubscriptionEvent
from gumroad_async.webhooks._parse import MAX_PING_BYTES, WebhookError, parse_ping
from gumroad_async.webhooks._store import Claim, EventStore, InMemoryEventStore, Key

__all__ = ["WebhookReceiver", "confirm_sale"]

logger = logging.getLogger("gumroad_async.webhooks")

Event = SaleEvent | SubscriptionEvent
Handler = Callable[[Event], Awaitable[None]]

#: Gumroad re-delivers after these statuses only (``ERROR_CODES_TO_RETRY`` in its
#: ``post_to_individual_ping_endpoint_worker.rb``): a 409 or 429 would never come back.
RETRYABLE = 503


class WebhookReceiver:
    """Turns Gumroad's pings into calls of your async ``handler``, each event once.

    Gumroad signs nothing: put a secret in the ``post_url`` you subscribe
    (``https://you.example/gumroad/ping?secret=...``) and give the same secret here; it is
    compared in constant time, and a ping without it is refused (403). ``secret=None``
    turns the check off (only behind your own authentication); an empty secret is refused.

    Answers: 200 once the handler succeeded, and to every later delivery of that event;
    503 while another delivery of the event is being handled, when the handler timed out
    (``handler_timeout``) or when the store is unreachable; 500 when the handler raised;
    400/413/415 for a body that is not a ping (the handler is not called). Gumroad sends a
    ping again (up to 3 more times, 1, 4 and 14 minutes later) only after a 5xx; after a 4xx,
    a timeout (it waits 5 seconds) or a refused connection it gives up.

    A handler that raises, times out or is cancelled releases its claim, so the next
    delivery runs it again; a claim left by a process that died is taken over after
    ``claim_lease`` seconds (keep it above ``handler_timeout`` and under Gumroad's first
    retry, a minute later).

    ``handle`` is framework-neutral; ``add_routes`` / ``aiohttp_handler`` mount it on an
    ``aiohttp.web`` application and ``asgi_app()`` on Starlette, FastAPI or any ASGI app.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        secret: str | None,
        store: EventStore | None = None,
        secret_param: str = "secret",
        handler_timeout: float | None = 4.0,
        claim_lease: float = 30.0,
    ) -> None:
        if secret is not None and (not isinstance(secret, str) or not secret.strip()):
            raise InvalidArgumentError(
                "secret", "an empty secret would accept any ping; pass a long random string"
            )
        if handler_timeout is not None and not (0 < handler_timeout < math.inf):
            raise InvalidArgumentError("handler_timeout", "must be a positive number of seconds")
        if not 0 < claim_lease < math.inf:
            raise InvalidArgumentError("claim_lease", "must be a positive number of seconds")
        if handler_timeout is not None and claim_lease <= handler_timeout:
            raise InvalidArgumentError(
                "claim_lease", "must exceed handler_timeout, or a running handler's event "
                "could be taken over by a re-delivery"
            )
        self._handler = handler
        self._secret = secret
        self._store: EventStore = store if store is not None else InMemoryEventStore()
        self._secret_param = secret_param
        self._handler_timeout = handler_timeout
        self._claim_lease = claim_lease

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
            # The sender's mistake, not ours: one line, no traceback.
            logger.warning("refused a ping: %s", exc)
            return exc.status, str(exc)
        key = event.dedup_key
        try:
            claim = await self._store.claim(key, self._claim_lease)
        except Exception:
            logger.exception("the event store failed for %s/%s; Gumroad will retry", *key)
            return RETRYABLE, "event store unavailable"
        if claim is Claim.DONE:
            logger.info("ping %s/%s already handled", *key)
            return 200, "duplicate"
        if claim is Claim.IN_PROGRESS:
            # Not a success yet: that run may still fail, so ask Gumroad to come back.
            logger.info("ping %s/%s is being handled by another delivery", *key)
            return RETRYABLE, "in progress"
        return await self._run(event, key)

    async def _run(self, event: Event, key: Key) -> tuple[int, str]:
        try:
            async with asyncio.timeout(self._handler_timeout):
                await self._handler(event)
        except TimeoutError:
            await self._release(key)
            logger.error("ping handler for %s/%s timed out; Gumroad will retry", *key)
            return RETRYABLE, "handler timed out"
        except Exception:
            await self._release(key)
            logger.exception("ping handler failed for %s/%s; Gumroad will retry", *key)
            return 500, "handler failed"
        except BaseException:
            # Cancelled (client gone, server shutting down): the same as a failure.
            await self._release(key)
            raise
        try:
            await self._store.complete(key)
        except Exception:
            # The handler ran but is not recorded: the retry (after the lease) runs it again.
            logger.exception("could not record ping %s/%s as handled", *key)
            return 500, "event store unavailable"
        return 200, "ok"

    async def _release(self, key: Key) -> None:
        try:
            # Shielded: a second cancellation must not leave the claim behind.
            await asyncio.shield(self._store.release(key))
        except Exception:
            logger.exception("could not release ping %s/%s; its lease will expire", *key)

    async def aiohttp_handler(self, request: web.Request) -> web.Response:
        """An ``aiohttp.web`` request handler for the ping URL."""
        if request.content_length is not None and request.content_length > MAX_PING_BYTES:
            return web.Response(status=413, text="ping body too large")
        body = bytearray()
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > MAX_PING_BYTES:
                return web.Response(status=413, text="ping body too large")
        status, text = await self.handle(
            bytes(body), request.headers.get("Content-Type", ""), request.query
        )
        return web.Response(status=status, text=text)

    def add_routes(self, app: web.Application, path: str = "/gumroad/ping") -> None:
        """Mount the receiver on ``app`` as ``POST path``."""
        app.router.add_post(path, self.aiohttp_handler)

    def asgi_app(self) -> PingASGIApp:
        """An ASGI application answering pings, for Starlette/FastAPI routes::

        Route("/gumroad/ping", receiver.asgi_app(), methods=["POST"])
        """
        return PingASGIApp(self.handle)


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
