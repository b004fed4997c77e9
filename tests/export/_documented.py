"""The documented example answers and the record class under each of their top-level keys,
shared by the export's encoder tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gumroad_async import records

__all__ = ["CLASSES", "EXAMPLES"]

EXAMPLES = next(
    (parent / "shared" / "gumroad-api" / "examples" for parent in Path(__file__).resolve().parents
     if (parent / "shared" / "gumroad-api" / "examples").is_dir()),
    Path("/work/shared/gumroad-api/examples"),
)
#: The record class of each top-level key of the documented answers.
CLASSES: dict[str, type[Any]] = {
    "user": records.User, "product": records.Product, "products": records.Product,
    "sale": records.Sale, "sales": records.Sale, "subscriber": records.Subscriber,
    "subscribers": records.Subscriber, "offer_code": records.OfferCode,
    "offer_codes": records.OfferCode, "variant": records.Variant, "variants": records.Variant,
    "variant_category": records.VariantCategory,
    "variant_categories": records.VariantCategory, "custom_field": records.CustomField,
    "custom_fields": records.CustomField, "purchase": records.LicensePurchase,
    "resource_subscription": records.ResourceSubscription,
    "resource_subscriptions": records.ResourceSubscription,
}
