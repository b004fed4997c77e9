"""Sales, subscribers and licenses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from gumroad_async._redaction import redact_url
from gumroad_async.records._base import extra_field, record
from gumroad_async.records.common import (
    Affiliate,
    Card,
    PurchasingPowerParity,
    SaleOfferCode,
    Upsell,
)

__all__ = ["License", "LicensePurchase", "ResourceSubscription", "Sale", "Subscriber"]


def _redacted_url(url: str | None) -> str:
    return repr(url if url is None else redact_url(url))


@record
class Sale:
    """A sale. ``price`` and ``gumroad_fee`` are cents; ``created_at`` is an aware datetime.

    ``timestamp`` and ``daystamp`` are the server's display strings, not times; so is
    ``free_trial_ends_on``. Fields follow ``Purchase#as_json`` (version 2) of the server.
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
    is_bundle_purchase: bool | None = None
    is_bundle_product_purchase: bool | None = None
    transaction_url_for_seller: str | None = None
    giftee_email: str | None = None
    gifter_email: str | None = None
    is_upgrade_purchase: bool | None = None
    ppp: PurchasingPowerParity | None = None
    is_more_like_this_recommended: bool | None = None
    can_revoke_access: bool | None = None
    can_undo_revoke_access: bool | None = None
    can_update: bool | None = None
    upsell: Upsell | None = None
    paypal_refund_expired: bool | None = None
    paypal_email: str | None = None
    dead: bool | None = None
    free_trial_ended: bool | None = None
    free_trial_ends_on: str | None = None
    preorder_cancelled: bool | None = None
    is_preorder_authorization: bool | None = None
    is_in_preorder_state: bool | None = None
    is_multiseat_license: bool | None = None
    discover_fee_percentage: int | None = None
    formatted_shipping_amount: str | None = None
    receipt_url: str | None = None
    can_ping: bool | None = None
    message: Any = None
    # Version-1 names the server still fills in some answers.
    link_name: str | None = None
    link_id: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Subscriber:
    """A membership or subscription of one buyer to one product. ``status`` is e.g. ``alive``."""

    id: str | None = None
    email: str | None = None
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
    """The purchase a license key belongs to, as the license endpoints describe it.

    The server merges its ping payload with the version-1 ``as_json`` of the purchase:
    ``variants`` is then a display string and ``custom_fields`` a list of ``"name: value"``
    strings, and each custom field may also arrive as a top-level key (kept in ``extra``).
    """

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
    short_product_id: str | None = None
    full_name: str | None = None
    affiliate_credit_amount_cents: int | None = None
    affiliate: Any = None
    url_params: Mapping[str, Any] | None = None
    offer_code: Any = None
    test: bool | None = None
    is_recurring_charge: bool | None = None
    is_preorder_authorization: bool | None = None
    shipping_information: Mapping[str, Any] | None = None
    name: str | None = None
    street_address: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    shipping_rate: int | None = None
    gift_price: int | None = None
    gifter_email: str | None = None
    sku_id: str | None = None
    original_sku_id: str | None = None
    resource_name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class License:
    """The answer of the license endpoints: how often the key was used, and its purchase."""

    uses: int | None = None
    purchase: LicensePurchase | None = None
    #: A customer imported from another platform, when the key belongs to one.
    imported_customer: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class ResourceSubscription:
    """A webhook subscription: Gumroad POSTs ``resource_name`` events to ``post_url``.

    ``repr`` shows ``post_url`` with credential-looking parameters (``secret``...) redacted.
    """

    id: str | None = None
    resource_name: str | None = None
    post_url: str | None = attrs.field(default=None, repr=_redacted_url)
    extra: Mapping[str, Any] = extra_field()
