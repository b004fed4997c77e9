"""Subscribers: ``/v2/products/:product_id/subscribers`` and ``/v2/subscribers/:id``."""

from __future__ import annotations

from gumroad_async._arguments import check_id, check_text
from gumroad_async._pagination import Listing
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.records import Subscriber
from gumroad_async.services._base import Service

__all__ = ["SubscribersService"]


class SubscribersService(Service):
    """The members and subscribers of a product."""

    def list(
        self, product_id: str, *, email: str | None = None, page_key: str | None = None
    ) -> Listing[Subscriber]:
        """A product's active subscribers, 100 per page (``paginated=true`` is always sent,
        so that a large product is never answered in one huge response)."""
        params = {"paginated": "true"}
        if email is not None:
            params["email"] = check_text("email", email)
        if page_key is not None:
            check_text("page_key", page_key)
        path = api_path("products", check_id("product_id", product_id), "subscribers")
        return self._listing(
            path, "subscribers", Subscriber, scope=Scope.VIEW_SALES, params=params,
            page_key=page_key,
        )

    async def get(self, id: str) -> Subscriber:
        """One subscriber by id."""
        path = api_path("subscribers", check_id("id", id))
        return await self._one("GET", path, "subscriber", Subscriber, scope=Scope.VIEW_SALES)
