"""Offer codes: ``/v2/products/:product_id/offer_codes``.

Batches (``create_batch``/``delete_batch``) build on this service in ``_offer_code_batches``.
"""

from __future__ import annotations

from typing import Literal

from gumroad_async._arguments import (
    check_cents,
    check_count,
    check_flag,
    check_id,
    check_offer_code_name,
    check_percent,
)
from gumroad_async._pagination import Listing
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.errors import InvalidArgumentError
from gumroad_async.records import OfferCode
from gumroad_async.services._base import Service

__all__ = ["OfferCodesService", "OfferType", "offer_code_fields"]

OfferType = Literal["percent", "fixed"]


class OfferCodesService(Service):
    """Discount codes of a product (and universal ones, which apply to every product)."""

    def list(self, product_id: str) -> Listing[OfferCode]:
        """The product's offer codes and the universal ones."""
        return self._listing(
            _path(product_id), "offer_codes", OfferCode, scope=Scope.VIEW_PUBLIC
        )

    async def get(self, product_id: str, id: str) -> OfferCode:
        """One offer code."""
        path = _path(product_id, check_id("id", id))
        return await self._one("GET", path, "offer_code", OfferCode, scope=Scope.VIEW_PUBLIC)

    async def create(
        self,
        product_id: str,
        *,
        name: str,
        offer_type: OfferType | None = None,
        amount_off: int | float | None = None,
        amount_cents: int | None = None,
        universal: bool | None = None,
        max_purchase_count: int | None = None,
    ) -> OfferCode:
        """Create an offer code. Sent once: a create is never repeated blindly.

        ``percent`` takes ``amount_off`` (0-100); ``fixed`` (the default) takes
        ``amount_cents``, or ``amount_off`` in cents.
        """
        data = offer_code_fields(
            name=name,
            offer_type=offer_type,
            amount_off=amount_off,
            amount_cents=amount_cents,
            universal=universal,
            max_purchase_count=max_purchase_count,
        )
        return await self._create_from_fields(product_id, data)

    async def _create_from_fields(self, product_id: str, data: dict[str, str]) -> OfferCode:
        # Also the batch creator's single create (``_offer_code_batches``), fields checked.
        return await self._one(
            "POST", _path(product_id), "offer_code", OfferCode,
            scope=Scope.EDIT_PRODUCTS, data=data, repeatable=False,
        )

    async def update(self, product_id: str, id: str, *, max_purchase_count: int) -> OfferCode:
        """Change how often an offer code may be used."""
        path = _path(product_id, check_id("id", id))
        data = {"max_purchase_count": check_count("max_purchase_count", max_purchase_count)}
        return await self._one(
            "PUT", path, "offer_code", OfferCode, scope=Scope.EDIT_PRODUCTS,
            data=data, repeatable=True,
        )

    async def delete(self, product_id: str, id: str) -> None:
        """Delete an offer code."""
        await self._delete(_path(product_id, check_id("id", id)), scope=Scope.EDIT_PRODUCTS)


def offer_code_fields(
    *,
    name: str,
    offer_type: OfferType | None,
    amount_off: int | float | None,
    amount_cents: int | None,
    universal: bool | None,
    max_purchase_count: int | None,
) -> dict[str, str]:
    """The form fields of a new offer code, checked; shared with the batch creator."""
    data = {"name": check_offer_code_name("name", name)}
    if offer_type is None:
        offer_type = "fixed"
    if offer_type == "percent":
        if amount_cents is not None:
            raise InvalidArgumentError("amount_cents", "a percent offer takes amount_off")
        if amount_off is None:
            raise InvalidArgumentError("amount_off", "a percent offer needs amount_off (0-100)")
        data["offer_type"] = "percent"
        data["amount_off"] = check_percent("amount_off", amount_off)
    elif offer_type == "fixed":
        if amount_off is not None and amount_cents is not None and amount_off != amount_cents:
            raise InvalidArgumentError("amount_off", "give amount_cents or amount_off, not both")
        cents = amount_cents if amount_cents is not None else amount_off
        if cents is None:
            raise InvalidArgumentError("amount_cents", "a fixed offer needs amount_cents")
        data["offer_type"] = "cents"
        given = "amount_cents" if amount_cents is not None else "amount_off"
        data["amount_off"] = check_cents(given, cents, positive=True)
    else:
        raise InvalidArgumentError(
            "offer_type", f"must be 'percent' or 'fixed', got {offer_type!r}"
        )
    if universal is not None:
        data["universal"] = check_flag("universal", universal)
    if max_purchase_count is not None:
        data["max_purchase_count"] = check_count("max_purchase_count", max_purchase_count)
    return data


def _path(product_id: str, id: str | None = None) -> str:
    segments = ["products", check_id("product_id", product_id), "offer_codes"]
    if id is not None:
        segments.append(id)
    return api_path(*segments)
