"""Typed records of the Gumroad API's objects: frozen, slotted attrs classes.

Fields are named as on the wire; a documented field the server did not send reads ``None``;
fields the record does not declare are kept in ``.extra`` (a read-only mapping).
"""

from gumroad_async.records.common import (
    Affiliate,
    Card,
    PurchasingPowerParity,
    SaleOfferCode,
    Upsell,
)
from gumroad_async.records.products import (
    CustomField,
    OfferCode,
    Product,
    ProductVariant,
    ProductVariantOption,
    RecurrencePrice,
    Sku,
    Variant,
    VariantCategory,
)
from gumroad_async.records.sales import (
    License,
    LicensePurchase,
    ResourceSubscription,
    Sale,
    Subscriber,
)
from gumroad_async.records.user import User

__all__ = [
    "Affiliate",
    "Card",
    "CustomField",
    "License",
    "LicensePurchase",
    "OfferCode",
    "Product",
    "ProductVariant",
    "ProductVariantOption",
    "PurchasingPowerParity",
    "RecurrencePrice",
    "ResourceSubscription",
    "Sale",
    "SaleOfferCode",
    "Sku",
    "Subscriber",
    "Upsell",
    "User",
    "Variant",
    "VariantCategory",
]
