"""Products: ``/v2/products``."""

from __future__ import annotations

from typing import Any

from gumroad_async._arguments import check_id, form_fields
from gumroad_async._pagination import Listing
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.errors import InvalidArgumentError
from gumroad_async.records import Product, Sku
from gumroad_async.services._base import Service

__all__ = ["ProductsService"]


class ProductsService(Service):
    """List, read, create, change, publish and delete products; list their SKUs."""

    def list(self, *, page_key: str | None = None) -> Listing[Product]:
        """Every product; follows ``next_page_key`` where the server paginates."""
        return self._listing(
            api_path("products"), "products", Product, scope=Scope.VIEW_PUBLIC, page_key=page_key
        )

    async def get(self, id: str) -> Product:
        """One product by id."""
        path = api_path("products", check_id("id", id))
        return await self._one("GET", path, "product", Product, scope=Scope.VIEW_PUBLIC)

    async def create(self, **fields: Any) -> Product:
        """Create a product from wire fields (``name``, ``price`` in cents, ...). Sent once."""
        data = form_fields("fields", fields)
        if "name" not in data:
            raise InvalidArgumentError("name", "a new product needs a name")
        return await self._one(
            "POST", api_path("products"), "product", Product,
            scope=Scope.EDIT_PRODUCTS, data=data, repeatable=False,
        )

    async def update(self, id: str, **fields: Any) -> Product:
        """Change the given fields of a product."""
        path = api_path("products", check_id("id", id))
        data = form_fields("fields", fields)
        if not data:
            raise InvalidArgumentError("fields", "name at least one field to change")
        return await self._one(
            "PUT", path, "product", Product, scope=Scope.EDIT_PRODUCTS, data=data, repeatable=True
        )

    def skus(self, product_id: str) -> Listing[Sku]:
        """The product's SKUs (``GET /v2/products/:id/skus``); a physical product without
        SKUs answers its variants, and a digital one an empty list."""
        path = api_path("products", check_id("product_id", product_id), "skus")
        return self._listing(path, "skus", Sku, scope=Scope.VIEW_PUBLIC)

    async def delete(self, id: str) -> None:
        """Delete a product."""
        await self._delete(api_path("products", check_id("id", id)), scope=Scope.EDIT_PRODUCTS)

    async def enable(self, id: str) -> Product:
        """Publish a product."""
        return await self._toggle(id, "enable")

    async def disable(self, id: str) -> Product:
        """Unpublish a product."""
        return await self._toggle(id, "disable")

    async def _toggle(self, id: str, action: str) -> Product:
        path = api_path("products", check_id("id", id), action)
        return await self._one(
            "PUT", path, "product", Product, scope=Scope.EDIT_PRODUCTS, repeatable=True
        )
