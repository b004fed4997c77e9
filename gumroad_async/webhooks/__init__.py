"""Gumroad pings (webhooks): typed events, and a receiver that handles each one once.

::

    receiver = WebhookReceiver(on_event, secret="long-random-string")
    receiver.add_routes(app)            # aiohttp.web; or call receiver.handle(...) from ASGI
"""

from gumroad_async.webhooks._events import (
    SALE_RESOURCES,
    SUBSCRIPTION_RESOURCES,
    SaleEvent,
    SubscriptionEvent,
)
from gumroad_async.webhooks._parse import WebhookError, nest_form, parse_ping
from gumroad_async.webhooks._receiver import WebhookReceiver, confirm_sale
from gumroad_async.webhooks._store import EventStore, InMemoryEventStore

__all__ = [
    "SALE_RESOURCES",
    "SUBSCRIPTION_RESOURCES",
    "EventStore",
    "InMemoryEventStore",
    "SaleEvent",
    "SubscriptionEvent",
    "WebhookError",
    "WebhookReceiver",
    "confirm_sale",
    "nest_form",
    "parse_ping",
]
