"""Resource subscriptions (webhooks): ``/v2/resource_subscriptions``."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from gumroad_async._arguments import (
    RESOURCE_NAMES,
    check_id,
    check_post_url,
    check_resource_name,
)
from gumroad_async._pagination import Listing
from gumroad_async._redaction import redact_text
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.errors import APIError
from gumroad_async.records import ResourceSubscription
from gumroad_async.services._base import Service

__all__ = ["ResourceSubscriptionsService"]


def _redact_error(error: APIError, url: str) -> None:
    error.message = redact_text(error.message, url)
    error.args = (error.message,)
    if isinstance(error.body, dict):
        error.body = {k: redact_text(v, url) if isinstance(v, str) else v
                      for k, v in error.body.items()}
    elif isinstance(error.body, str):
        error.body = redact_text(error.body, url)


class ResourceSubscriptionsService(Service):
    """Ask Gumroad to POST pings (sale, refund, ...) to a URL of yours."""

    def list(self, resource_name: str) -> Listing[ResourceSubscription]:
        """The subscriptions for one resource name (``sale``, ``refund``, ...)."""
        params = {"resource_name": check_resource_name("resource_name", resource_name)}
        return self._listing(
            api_path("resource_subscriptions"), "resource_subscriptions", ResourceSubscription,
            scope=Scope.VIEW_SALES, params=params,
        )

    async def create(self, resource_name: str, post_url: str) -> ResourceSubscription:
        """Subscribe ``post_url`` to ``resource_name`` pings. Sent once."""
        data = {
            "resource_name": check_resource_name("resource_name", resource_name),
            "post_url": check_post_url("post_url", post_url),
        }
        try:
            return await self._one(
                "PUT", api_path("resource_subscriptions"), "resource_subscription",
                ResourceSubscription, scope=Scope.VIEW_SALES, data=data, repeatable=False,
            )
        except APIError as error:
            # The server echoes the URL in its refusals ("Invalid post URL '...'").
            _redact_error(error, post_url)
            raise

    async def delete(self, id: str) -> None:
        """Remove a subscription (only the app that created it may)."""
        await self._delete(
            api_path("resource_subscriptions", check_id("id", id)), scope=Scope.VIEW_SALES
        )

    async def subscribe_all(
        self, post_url: str, resource_names: Iterable[str] = RESOURCE_NAMES
    ) -> builtins.list[ResourceSubscription]:
        """Subscribe ``post_url`` to every resource name (all eight by default).

        Names already subscribed with this exact URL are not created again, so calling it
        twice is harmless. Returns the subscriptions for ``post_url``, one per name.
        """
        check_post_url("post_url", post_url)
        names = [check_resource_name("resource_names", name) for name in resource_names]
        result = []
        for name in names:
            existing = [s async for s in self.list(name) if s.post_url == post_url]
            result.append(existing[0] if existing else await self.create(name, post_url))
        return result
