"""Variant categories: ``/v2/products/:product_id/variant_categories``."""

from __future__ import annotations

from gumroad_async._arguments import check_id, check_text
from gumroad_async._pagination import Listing
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.records import VariantCategory
from gumroad_async.services._base import Service

__all__ = ["VariantCategoriesService"]

_KEY = "variant_category"


class VariantCategoriesService(Service):
    """The variant categories of a product (``colors``, ``sizes``)."""

    def list(self, product_id: str) -> Listing[VariantCategory]:
        """Every variant category of a product."""
        path = api_path("products", check_id("product_id", product_id), "variant_categories")
        return self._listing(path, "variant_categories", VariantCategory, scope=Scope.VIEW_PUBLIC)

    async def get(self, product_id: str, id: str) -> VariantCategory:
        """One variant category."""
        return await self._one(
            "GET", _path(product_id, id), _KEY, VariantCategory, scope=Scope.VIEW_PUBLIC
        )

    async def create(self, product_id: str, *, title: str) -> VariantCategory:
        """Add a variant category. Sent once."""
        path = api_path("products", check_id("product_id", product_id), "variant_categories")
        return await self._one(
            "POST", path, _KEY, VariantCategory, scope=Scope.EDIT_PRODUCTS,
            data={"title": check_text("title", title)}, repeatable=False,
        )

    async def update(self, product_id: str, id: str, *, title: str) -> VariantCategory:
        """Rename a variant category."""
        return await self._one(
            "PUT", _path(product_id, id), _KEY, VariantCategory, scope=Scope.EDIT_PRODUCTS,
            data={"title": check_text("title", title)}, repeatable=True,
        )

    async def delete(self, product_id: str, id: str) -> None:
        """Delete a variant category."""
        await self._delete(_path(product_id, id), scope=Scope.EDIT_PRODUCTS)


def _path(product_id: str, id: str) -> str:
    return api_path(
        "products", check_id("product_id", product_id), "variant_categories", check_id("id", id)
    )
