"""Variants: ``/v2/products/:product_id/variant_categories/:category_id/variants``."""

from __future__ import annotations

from gumroad_async._arguments import check_cents, check_count, check_id, check_text
from gumroad_async._pagination import Listing
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.errors import InvalidArgumentError
from gumroad_async.records import Variant
from gumroad_async.services._base import Service

__all__ = ["VariantsService"]


class VariantsService(Service):
    """The variants within a product's variant category (``red``, ``XL``)."""

    def list(self, product_id: str, variant_category_id: str) -> Listing[Variant]:
        """Every variant of a category."""
        path = _path(product_id, variant_category_id)
        return self._listing(path, "variants", Variant, scope=Scope.VIEW_PUBLIC)

    async def get(self, product_id: str, variant_category_id: str, id: str) -> Variant:
        """One variant."""
        path = _path(product_id, variant_category_id, check_id("id", id))
        return await self._one("GET", path, "variant", Variant, scope=Scope.VIEW_PUBLIC)

    async def create(
        self,
        product_id: str,
        variant_category_id: str,
        *,
        name: str,
        price_difference_cents: int | None = None,
        max_purchase_count: int | None = None,
        description: str | None = None,
    ) -> Variant:
        """Add a variant; ``price_difference_cents`` is added to the product's price. Sent once."""
        data = _fields(name, price_difference_cents, max_purchase_count, description)
        return await self._one(
            "POST", _path(product_id, variant_category_id), "variant", Variant,
            scope=Scope.EDIT_PRODUCTS, data=data, repeatable=False,
        )

    async def update(
        self,
        product_id: str,
        variant_category_id: str,
        id: str,
        *,
        name: str | None = None,
        price_difference_cents: int | None = None,
        max_purchase_count: int | None = None,
        description: str | None = None,
    ) -> Variant:
        """Change the given fields of a variant."""
        data = _fields(name, price_difference_cents, max_purchase_count, description)
        if not data:
            raise InvalidArgumentError("fields", "name at least one field to change")
        path = _path(product_id, variant_category_id, check_id("id", id))
        return await self._one(
            "PUT", path, "variant", Variant, scope=Scope.EDIT_PRODUCTS, data=data, repeatable=True
        )

    async def delete(self, product_id: str, variant_category_id: str, id: str) -> None:
        """Delete a variant."""
        path = _path(product_id, variant_category_id, check_id("id", id))
        await self._delete(path, scope=Scope.EDIT_PRODUCTS)


def _path(product_id: str, variant_category_id: str, id: str | None = None) -> str:
    segments = [
        "products", check_id("product_id", product_id),
        "variant_categories", check_id("variant_category_id", variant_category_id),
        "variants",
    ]
    if id is not None:
        segments.append(id)
    return api_path(*segments)


def _fields(
    name: str | None,
    price_difference_cents: int | None,
    max_purchase_count: int | None,
    description: str | None,
) -> dict[str, str]:
    data: dict[str, str] = {}
    if name is not None:
        data["name"] = check_text("name", name)
    if price_difference_cents is not None:
        # The server refuses a negative difference ("equal to or greater than the price").
        data["price_difference_cents"] = check_cents(
            "price_difference_cents", price_difference_cents
        )
    if max_purchase_count is not None:
        data["max_purchase_count"] = check_count("max_purchase_count", max_purchase_count)
    if description is not None:
        data["description"] = str(description)
    return data
