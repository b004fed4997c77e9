"""Sales: ``/v2/sales``."""

from __future__ import annotations

from datetime import date

from gumroad_async._arguments import (
    check_cents,
    check_day,
    check_id,
    check_order_id,
    check_text,
)
from gumroad_async._pagination import Listing
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.errors import InvalidArgumentError
from gumroad_async.records import Sale
from gumroad_async.services._base import Service, record_of

__all__ = ["SalesService", "sales_filters"]


class SalesService(Service):
    """List and read sales; refund, ship and re-send receipts."""

    def list(
        self,
        *,
        after: date | str | None = None,
        before: date | str | None = None,
        email: str | None = None,
        product_id: str | None = None,
        order_id: int | str | None = None,
        page_key: str | None = None,
    ) -> Listing[Sale]:
        """Sales, newest first, 10 per page, fetched lazily.

        ``after`` is inclusive and ``before`` exclusive (whole days, ``date`` or
        ``YYYY-MM-DD``). ``page_key`` resumes a walk from a saved ``next_page_key`` (pass
        the same filters).
        """
        params = sales_filters(
            after=after, before=before, email=email, product_id=product_id, order_id=order_id
        )
        if page_key is not None:
            check_text("page_key", page_key)
        return self._listing(
            api_path("sales"), "sales", Sale, scope=Scope.VIEW_SALES, params=params,
            page_key=page_key,
        )

    async def get(self, id: str) -> Sale:
        """One sale by id."""
        # The transport directly (as _one would): a web service's hot call, one coroutine less.
        payload = await self._transport.request(
            "GET", api_path("sales", check_id("id", id)), scope=Scope.VIEW_SALES
        )
        return record_of(payload, "sale", Sale)

    async def refund(self, id: str, amount_cents: int | None = None) -> Sale:
        """Refund a sale in full, or ``amount_cents`` of it. Sent once, never retried blindly:
        a partial refund repeated would refund twice. After a timeout or dropped connection
        read the sale back (``get``) to learn whether it went through."""
        path = api_path("sales", check_id("id", id), "refund")
        data = {} if amount_cents is None else {
            "amount_cents": check_cents("amount_cents", amount_cents, positive=True)
        }
        return await self._one(
            "PUT", path, "sale", Sale, scope=Scope.REFUND_SALES, data=data, repeatable=False
        )

    async def mark_as_shipped(self, id: str, tracking_url: str | None = None) -> Sale:
        """Mark a sale as shipped, with an optional tracking URL."""
        path = api_path("sales", check_id("id", id), "mark_as_shipped")
        data = {} if tracking_url is None else {"tracking_url": check_text(
            "tracking_url", tracking_url
        )}
        return await self._one(
            "PUT", path, "sale", Sale, scope=Scope.MARK_SALES_AS_SHIPPED, data=data,
            repeatable=True,
        )

    async def resend_receipt(self, id: str) -> None:
        """E-mail the buyer their receipt again. Sent once."""
        path = api_path("sales", check_id("id", id), "resend_receipt")
        await self._call("POST", path, scope=Scope.VIEW_SALES, repeatable=False)


def sales_filters(
    *,
    after: date | str | None = None,
    before: date | str | None = None,
    email: str | None = None,
    product_id: str | None = None,
    order_id: int | str | None = None,
) -> dict[str, str]:
    """The query of a sales listing, checked; shared with the export engine."""
    params: dict[str, str] = {}
    if after is not None:
        params["after"] = check_day("after", after)
    if before is not None:
        params["before"] = check_day("before", before)
    if "after" in params and "before" in params and params["after"] >= params["before"]:
        raise InvalidArgumentError(
            "before", f"must be later than after ({params['after']}): before is exclusive"
        )
    if email is not None:
        params["email"] = check_text("email", email)
    if product_id is not None:
        params["product_id"] = check_id("product_id", product_id)
    if order_id is not None:
        params["order_id"] = check_order_id("order_id", order_id)
    return params
