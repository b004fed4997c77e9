"""Custom fields: ``/v2/products/:product_id/custom_fields``; a field's name is its id."""

from __future__ import annotations

from gumroad_async._arguments import check_flag, check_id, check_text
from gumroad_async._pagination import Listing
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.records import CustomField
from gumroad_async.services._base import Service

__all__ = ["CustomFieldsService"]


class CustomFieldsService(Service):
    """The checkout fields of a product, addressed by name."""

    def list(self, product_id: str) -> Listing[CustomField]:
        """Every custom field of a product."""
        return self._listing(
            _path(product_id), "custom_fields", CustomField, scope=Scope.VIEW_PUBLIC
        )

    async def create(
        self, product_id: str, *, name: str, required: bool = False, type: str | None = None
    ) -> CustomField:
        """Add a custom field. Sent once."""
        data = {"name": check_text("name", name), "required": check_flag("required", required)}
        if type is not None:
            data["type"] = check_text("type", type)
        return await self._one(
            "POST", _path(product_id), "custom_field", CustomField,
            scope=Scope.EDIT_PRODUCTS, data=data, repeatable=False,
        )

    async def update(self, product_id: str, name: str, *, required: bool) -> CustomField:
        """Make a custom field required or optional."""
        return await self._one(
            "PUT", _path(product_id, check_id("name", name)), "custom_field", CustomField,
            scope=Scope.EDIT_PRODUCTS, data={"required": check_flag("required", required)},
            repeatable=True,
        )

    async def delete(self, product_id: str, name: str) -> None:
        """Delete a custom field."""
        await self._delete(_path(product_id, check_id("name", name)), scope=Scope.EDIT_PRODUCTS)


def _path(product_id: str, name: str | None = None) -> str:
    segments = ["products", check_id("product_id", product_id), "custom_fields"]
    if name is not None:
        segments.append(name)
    return api_path(*segments)
