"""Products and what hangs off them: variants, offer codes, custom fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gumroad_async.records._base import extra_field, record, wire_field

__all__ = [
    "CustomField",
    "OfferCode",
    "Product",
    "ProductVariant",
    "ProductVariantOption",
    "RecurrencePrice",
    "Sku",
    "Variant",
    "VariantCategory",
]


@record
class RecurrencePrice:
    """The price of a membership tier for one recurrence (``monthly``, ``yearly`` ...)."""

    price_cents: int | None = None
    suggested_price_cents: int | None = None
    purchasing_power_parity_prices: Mapping[str, int] | None = None
    # Sent by the variant endpoints (``recurrence_price_values(for_edit: true)``).
    enabled: bool | None = None
    price: str | None = None
    suggested_price: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class ProductVariantOption:
    """One option of a product's variant (a tier, a size) as nested in a product."""

    name: str | None = None
    price_difference: int | None = None
    purchasing_power_parity_prices: Mapping[str, int] | None = None
    is_pay_what_you_want: bool | None = None
    recurrence_prices: Mapping[str, RecurrencePrice] | None = None
    url: str | None = None  # deprecated, always null
    extra: Mapping[str, Any] = extra_field()


@record
class ProductVariant:
    """A variant group nested in a product: a ``title`` and its ``options``."""

    title: str | None = None
    options: tuple[ProductVariantOption, ...] | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Product:
    """A product. Money is in cents (``price``); ``sales_usd_cents`` too.

    ``sales_count`` and ``sales_usd_cents`` come only with the ``view_sales`` scope.
    """

    id: str | None = None
    external_id: str | None = None
    name: str | None = None
    description: str | None = None
    price: int | None = None
    currency: str | None = None
    formatted_price: str | None = None
    customizable_price: bool | None = None
    published: bool | None = None
    deleted: bool | None = None
    require_shipping: bool | None = None
    max_purchase_count: int | None = None
    url: str | None = None
    short_url: str | None = None
    preview_url: str | None = None
    thumbnail_url: str | None = None
    custom_permalink: str | None = None
    custom_receipt: str | None = None
    custom_summary: str | None = None
    custom_fields: tuple[Any, ...] | None = None
    subscription_duration: str | None = None
    is_tiered_membership: bool | None = None
    recurrences: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    file_info: Mapping[str, Any] | None = None
    purchasing_power_parity_prices: Mapping[str, int] | None = None
    view_count: int | None = None
    sales_count: int | None = None
    sales_usd_cents: int | None = None
    variants: tuple[ProductVariant, ...] | None = None
    recommendable: bool | None = None
    rated_as_adult: bool | None = None
    is_preorder: bool | None = None
    is_in_preorder_state: bool | None = None
    release_at: str | None = None
    custom_delivery_url: str | None = None  # deprecated, always null
    extra: Mapping[str, Any] = extra_field()


@record
class VariantCategory:
    """A variant category of a product (``colors``)."""

    id: str | None = None
    title: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Variant:
    """A variant within a category (``red``); ``price_difference_cents`` is in cents."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    price_difference_cents: int | None = None
    max_purchase_count: int | None = None
    #: Sent for variants of memberships and products with recurring prices.
    is_customizable_price: bool | None = None
    recurrence_price_values: Mapping[str, RecurrencePrice] | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Sku:
    """A SKU of a product (``GET /v2/products/:id/skus``): one combination of variants.

    Physical products without SKUs answer their variants here, in the same shape.
    ``custom_sku`` is the seller's own code, when set.
    """

    id: str | None = None
    name: str | None = None
    description: str | None = None
    price_difference_cents: int | None = None
    max_purchase_count: int | None = None
    custom_sku: str | None = None
    is_customizable_price: bool | None = None
    recurrence_price_values: Mapping[str, RecurrencePrice] | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class OfferCode:
    """A discount code: ``amount_cents`` (fixed) or ``percent_off`` (percent) is set."""

    id: str | None = None
    name: str | None = None
    code: str | None = None
    amount_cents: int | None = None
    percent_off: int | None = None
    max_purchase_count: int | None = None
    universal: bool | None = None
    times_used: int | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class CustomField:
    """A checkout field of a product; its ``name`` is its id. ``required`` arrives as a string."""

    name: str | None = None
    required: bool | None = None
    type: str | None = None
    id: str | None = None
    #: Whether the field is shared by every product of the seller.
    global_: bool | None = wire_field("global")
    collect_per_product: bool | None = None
    products: tuple[str, ...] | None = None
    extra: Mapping[str, Any] = extra_field()
