"""Gumroad pings (webhooks): typed events, and a receiver that handles each one once.

::

    receiver = WebhookReceiver(on_event, secret="long-random-string")
    receiver.add_routes(app)            # aiohttp.web
    Route("/gumroad/ping", receiver.asgi_app(), methods=["POST"])   # Starlette / FastAPI

Stores must pass the contract in :mod:`gumroad_async.webhooks.store_contract`.
"""

from gumroad_async.webhooks._asgi import PingASGIApp
from gumroad_async.webhooks._events import (
    SALE_RESOURCES,
    SUBSCRIPTION_RESOURCES,
    SaleEvent,
    SubscriptionEvent,
)
from gumroad_async.webhooks._parse import MAX_PING_BYTES, WebhookError, nest_form, parse_ping
from gumroad_async.webhooks._receiver import WebhookReceiver, confirm_sale
from gumroad_async.webhooks._store import Claim, EventStore, InMemoryEventStore

__all__ = [
    "MAX_PING_BYTES",
    "SALE_RESOURCES",
    "SUBSCRIPTION_RESOURCES",
    "Claim",
    "EventStore",
    "InMemoryEventStore",
    "PingASGIApp",
    "SaleEvent",
    "SubscriptionEvent",
    "WebhookError",
    "WebhookReceiver",
    "confirm_sale",
    "nest_form",
    "parse_ping",
]
