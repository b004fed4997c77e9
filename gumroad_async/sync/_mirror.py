"""A ready ping handler that keeps the mirror current between syncs."""

from __future__ import annotations

import logging

from gumroad_async.client import GumroadClient
from gumroad_async.errors import NotFoundError
from gumroad_async.sync._runner import DEFAULT_ACCOUNT
from gumroad_async.sync._store import SyncStore, UpsertCounts
from gumroad_async.webhooks import SaleEvent, SubscriptionEvent, confirm_sale

__all__ = ["MirrorHandler"]

logger = logging.getLogger("gumroad_async.sync")


class MirrorHandler:
    """Applies pings to the mirror: give it to a ``WebhookReceiver`` as its handler.

    Sale, refund, dispute and dispute_won pings re-read the sale with ``sales.get`` (the
    ping itself is unsigned; the API's answer is authoritative, and it carries the refund
    and dispute flags as they are now) and upsert it. Cancellation and subscription pings
    re-read the subscriber with ``subscribers.get``. A sale or subscriber the API no
    longer knows is logged and skipped, so that Gumroad does not retry forever.
    """

    def __init__(self, client: GumroadClient, store: SyncStore, *,
                 account: str = DEFAULT_ACCOUNT) -> None:
        self.client = client
        self.store = store
        self.account = account

    async def __call__(self, event: SaleEvent | SubscriptionEvent) -> None:
        try:
            if isinstance(event, SaleEvent):
                sale = await confirm_sale(self.client, event)
                counts = await self.store.write("sales", self.account, [sale])
            elif event.subscription_id:
                subscriber = await self.client.subscribers.get(event.subscription_id)
                counts = await self.store.write("subscribers", self.account, [subscriber])
            else:
                logger.warning("%s ping without a subscription_id: nothing to mirror",
                               event.kind)
                return
        except NotFoundError as exc:
            logger.warning("%s ping names a record the API does not know: %s",
                           event.kind, exc)
            return
        self._log(event, counts)

    def _log(self, event: SaleEvent | SubscriptionEvent, counts: UpsertCounts) -> None:
        change = "inserted" if counts.inserted else "updated" if counts.updated else "unchanged"
        logger.info("%s ping applied to account %r: %s", event.kind, self.account, change)
