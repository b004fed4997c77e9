"""The documented example answers (``shared/gumroad-api/examples``), found from any checkout."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gumroad_async import (
    CustomField,
    License,
    OfferCode,
    Product,
    ResourceSubscription,
    Sale,
    Subscriber,
    User,
    Variant,
    VariantCategory,
)

__all__ = ["EXAMPLES", "EXAMPLE_RECORDS", "MESSAGE_ONLY", "example", "example_names"]


def _find() -> Path:
    configured = os.environ.get("GUMROAD_API_EXAMPLES")
    if configured:
        return Path(configured)
    # The repository may be a worktree nested deeper than the main checkout.
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "gumroad-api" / "examples"
        if candidate.is_dir():
            return candidate
    raise RuntimeError("shared/gumroad-api/examples not found; set GUMROAD_API_EXAMPLES")


EXAMPLES = _find()


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


def example_names() -> list[str]:
    return sorted(path.stem for path in EXAMPLES.glob("*.json"))


# The key under which each documented example holds its object(s), and the record type.
EXAMPLE_RECORDS: dict[str, tuple[str, type[Any]]] = {
    "custom_field": ("custom_field", CustomField),
    "custom_fields": ("custom_fields", CustomField),
    "disabled_product": ("product", Product),
    "license": ("", License),
    "offer_code": ("offer_code", OfferCode),
    "offer_codes": ("offer_codes", OfferCode),
    "product": ("product", Product),
    "products": ("products", Product),
    "resource_subscription": ("resource_subscription", ResourceSubscription),
    "resource_subscriptions": ("resource_subscriptions", ResourceSubscription),
    "sale": ("sale", Sale),
    "sale_refunded": ("sale", Sale),
    "sale_shipped": ("sale", Sale),
    "sales": ("sales", Sale),
    "subscriber": ("subscriber", Subscriber),
    "subscribers": ("subscribers", Subscriber),
    "update_offer_code": ("offer_code", OfferCode),
    "user": ("user", User),
    "variant": ("variant", Variant),
    "variant_categories": ("variant_categories", VariantCategory),
    "variant_category": ("variant_category", VariantCategory),
    "variants": ("variants", Variant),
}
# Answers that carry only a message (deletes): no record in them.
MESSAGE_ONLY = {
    "custom_field_deleted", "offer_code_deleted", "product_deleted",
    "resource_subscription_deleted", "variant_category_deleted", "variant_deleted",
}
