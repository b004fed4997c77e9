"""Sales, subscribers and licenses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gumroad_async.records._base import extra_field, record
from gumroad_async.records.common import Affiliate, Card, SaleOfferCode

__all__ = ["License", "LicensePurchase", "ResourceSubscription", "Sale", "Subscriber"]


@record
class Sale:
    """A sale. ``price`` and ``gumroad_fee`` are cents; ``created_at`` is an aware datetime.

    ``timestamp`` and ``daystamp`` are the server's display strings, not times.
    """

    id: str | None = None
    email: str | None = None
    purchase_email: str | None = None
    full_name: str | None = None
    seller_id: str | None = None
    purchaser_id: str | None = None
    created_at: datetime | None = None
    timestamp: str | None = None
    daystamp: str | None = None
    order_id: int | None = None
    product_id: str | None = None
    product_name: str | None = None
    product_permalink: str | None = None
    product_has_variants: bool | None = None
    price: int | None = None
    gumroad_fee: int | None = None
    quantity: int | None = None
    currency_symbol: str | None = None
    formatted_display_price: str | None = None
    formatted_total_price: str | None = None
    amount_refundable_in_currency: str | None = None
    subscription_duration: str | None = None
    subscription_id: str | None = None
    is_recurring_billing: bool | None = None
    recurring_charge: bool | None = None
    cancelled: bool | None = None
    ended: bool | None = None
    paid: bool | None = None
    refunded: bool | None = None
    partially_refunded: bool | None = None
    chargedback: bool | None = None
    disputed: bool | None = None
    dispute_won: bool | None = None
    shipped: bool | None = None
    tracking_url: str | None = None
    street_address: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    country_iso2: str | None = None
    is_product_physical: bool | None = None
    has_variants: bool | None = None
    variants: Mapping[str, Any] | None = None
    variants_and_quantity: str | None = None
    has_custom_fields: bool | None = None
    custom_fields: Mapping[str, Any] | None = None
    can_contact: bool | None = None
    is_following: bool | None = None
    is_additional_contribution: bool | None = None
    discover_fee_charged: bool | None = None
    is_gift_sender_purchase: bool | None = None
    is_gift_receiver_purchase: bool | None = None
    referrer: str | None = None
    card: Card | None = None
    affiliate: Affiliate | None = None
    offer_code: SaleOfferCode | None = None
    product_rating: int | None = None
    reviews_count: int | None = None
    average_rating: float | None = None
    license_key: str | None = None
    license_id: str | None = None
    license_disabled: bool | None = None
    sku_id: str | None = None
    sku_external_id: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Subscriber:
    """A membership or subscription of one buyer to one product. ``status`` is e.g. ``alive``."""

    id: str | None = None
    product_id: str | None = None
    product_name: str | None = None
    user_id: str | None = None
    user_email: str | None = None
    purchase_ids: tuple[str, ...] | None = None
    created_at: datetime | None = None
    user_requested_cancellation_at: datetime | None = None
    charge_occurrence_count: int | None = None
    recurrence: str | None = None
    cancelled_at: datetime | None = None
    ended_at: datetime | None = None
    failed_at: datetime | None = None
    free_trial_ends_at: datetime | None = None
    license_key: str | None = None
    status: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class LicensePurchase:
    """The purchase a license key belongs to, as the license endpoints describe it."""

    id: str | None = None
    sale_id: str | None = None
    seller_id: str | None = None
    product_id: str | None = None
    product_name: str | None = None
    permalink: str | None = None
    product_permalink: str | None = None
    email: str | None = None
    price: int | None = None
    gumroad_fee: int | None = None
    currency: str | None = None
    quantity: int | None = None
    discover_fee_charged: bool | None = None
    can_contact: bool | None = None
    referrer: str | None = None
    card: Card | None = None
    order_number: int | None = None
    sale_timestamp: datetime | None = None
    created_at: datetime | None = None
    purchaser_id: str | None = None
    subscription_id: str | None = None
    variants: Any = None
    license_key: str | None = None
    is_multiseat_license: bool | None = None
    ip_country: str | None = None
    recurrence: str | None = None
    is_gift_receiver_purchase: bool | None = None
    refunded: bool | None = None
    disputed: bool | None = None
    dispute_won: bool | None = None
    chargebacked: bool | None = None
    custom_fields: Any = None
    subscription_ended_at: datetime | None = None
    subscription_cancelled_at: datetime | None = None
    subscription_failed_at: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class License:
    """The answer of the license endpoints: how often the key was used, and its purchase."""

    uses: int | None = None
    purchase: LicensePurchase | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class ResourceSubscription:
    """A webhook subscription: Gumroad POSTs ``resource_name`` events to ``post_url``."""

    id: str | None = None
    resource_name: str | None = None
    post_url: str | None = None
    extra: Mapping[str, Any] = extra_field()
