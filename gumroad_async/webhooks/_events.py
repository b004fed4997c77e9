"""Typed ping events: what Gumroad POSTs to a resource subscription's ``post_url``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gumroad_async._converter import to_wire_dict
from gumroad_async.records._base import extra_field, record

__all__ = ["SALE_RESOURCES", "SUBSCRIPTION_RESOURCES", "SaleEvent", "SubscriptionEvent"]

#: Resource names whose pings describe a sale.
SALE_RESOURCES = frozenset({"sale", "refund", "dispute", "dispute_won"})
#: Resource names whose pings describe a membership.
SUBSCRIPTION_RESOURCES = frozenset({
    "cancellation", "subscription_updated", "subscription_ended", "subscription_restarted",
})


def _form_pairs(value: Any, name: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _form_pairs(item, f"{name}[{key}]" if name else str(key), out)
    elif isinstance(value, list | tuple):
        if not value:
            out.append((f"{name}[]", ""))
        for item in value:
            _form_pairs(item, f"{name}[]", out)
    elif isinstance(value, bool):
        out.append((name, "true" if value else "false"))
    else:
        out.append((name, "" if value is None else str(value)))


def content_digest(event: SaleEvent | SubscriptionEvent) -> str:
    """A digest of a ping's content, the same for every delivery of it: ``retry_count`` is
    left out, and values are compared as form text, so a JSON and a form delivery agree."""
    content = {k: v for k, v in to_wire_dict(event).items() if k != "retry_count"}
    pairs: list[tuple[str, str]] = []
    _form_pairs(content, "", pairs)
    canonical = json.dumps(sorted(pairs), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


@record
class SaleEvent:
    """A ``sale``, ``refund``, ``dispute`` or ``dispute_won`` ping (a ping without a
    ``resource_name`` is a sale). Money is in cents; each custom field also arrives as a
    top-level key of its own name, kept in ``extra``."""

    resource_name: str | None = None
    sale_id: str | None = None
    sale_timestamp: datetime | None = None
    order_number: int | None = None
    seller_id: str | None = None
    product_id: str | None = None
    product_permalink: str | None = None
    short_product_id: str | None = None
    product_name: str | None = None
    email: str | None = None
    full_name: str | None = None
    purchaser_id: str | None = None
    subscription_id: str | None = None
    ip_country: str | None = None
    price: int | None = None
    gumroad_fee: int | None = None
    currency: str | None = None
    quantity: int | None = None
    recurrence: str | None = None
    variants: Mapping[str, Any] | None = None
    offer_code: str | None = None
    test: bool | None = None
    custom_fields: Mapping[str, Any] | None = None
    shipping_information: Mapping[str, Any] | None = None
    url_params: Mapping[str, Any] | None = None
    is_recurring_charge: bool | None = None
    is_preorder_authorization: bool | None = None
    license_key: str | None = None
    is_multiseat_license: bool | None = None
    shipping_rate: int | None = None
    affiliate: str | None = None
    affiliate_credit_amount_cents: int | None = None
    is_gift_receiver_purchase: bool | None = None
    gifter_email: str | None = None
    gift_price: int | None = None
    refunded: bool | None = None
    disputed: bool | None = None
    dispute_won: bool | None = None
    discover_fee_charged: bool | None = None
    can_contact: bool | None = None
    referrer: str | None = None
    card: Mapping[str, Any] | None = None
    #: Set by Gumroad on re-deliveries of a ping that did not get a 2xx.
    retry_count: int | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def kind(self) -> str:
        return self.resource_name or "sale"

    @property
    def event_id(self) -> str:
        """Identifies the event across re-deliveries.

        A ``sale`` is one event per sale: the ``sale_id``. Gumroad's ``refund``, ``dispute``
        and ``dispute_won`` pings carry no id of their own (a sale can be refunded in
        parts): ``sale_id#digest``, the digest being of the whole ping but ``retry_count``,
        so pings that show the sale in another state (partly, then fully refunded) are two
        events while re-deliveries, which repeat the ping, are one.
        """
        if self.kind == "sale":
            return self.sale_id or ""
        return f"{self.sale_id or ''}#{content_digest(self)}"

    @property
    def dedup_key(self) -> tuple[str, str]:
        """``(resource_name, event_id)``: the same for every delivery of one event."""
        return (self.kind, self.event_id)


@record
class SubscriptionEvent:
    """A ``cancellation``, ``subscription_updated``, ``subscription_ended`` or
    ``subscription_restarted`` ping about a membership."""

    resource_name: str | None = None
    subscription_id: str | None = None
    product_id: str | None = None
    product_name: str | None = None
    user_id: str | None = None
    user_email: str | None = None
    purchase_ids: tuple[str, ...] | None = None
    created_at: datetime | None = None
    charge_occurrence_count: int | None = None
    recurrence: str | None = None
    free_trial_ends_at: datetime | None = None
    custom_fields: Mapping[str, Any] | None = None
    license_key: str | None = None
    cancelled: bool | None = None
    cancelled_at: datetime | None = None
    cancelled_by_buyer: bool | None = None
    cancelled_by_seller: bool | None = None
    cancelled_by_admin: bool | None = None
    cancelled_due_to_payment_failures: bool | None = None
    ended_at: datetime | None = None
    ended_reason: str | None = None
    retry_count: int | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def kind(self) -> str:
        return self.resource_name or "subscription_updated"

    @property
    def event_id(self) -> str:
        """Identifies the event across re-deliveries: ``subscription_id#digest``, the
        digest being of the whole ping but ``retry_count`` (a membership can be cancelled,
        restarted and cancelled again; each ping carries its moment: ``cancelled_at``,
        ``ended_at``, ``restarted_at``, ``effective_as_of`` and the plans)."""
        return f"{self.subscription_id or ''}#{content_digest(self)}"

    @property
    def dedup_key(self) -> tuple[str, str]:
        return (self.kind, self.event_id)
