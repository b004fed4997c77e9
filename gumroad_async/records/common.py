"""Small records nested in several answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gumroad_async.records._base import extra_field, record

__all__ = ["Affiliate", "Card", "PurchasingPowerParity", "SaleOfferCode", "Upsell"]


@record
class Card:
    """The payment card of a sale (``visual`` is masked, e.g. ``**** **** **** 4242``)."""

    visual: str | None = None
    type: str | None = None
    # Legacy keys the server still sends, always null (``purchase.rb`` ``as_json``).
    bin: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Affiliate:
    """The affiliate credited on a sale; ``amount`` is a display string such as ``$2.50``."""

    email: str | None = None
    amount: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class SaleOfferCode:
    """The offer code used on a sale: ``code`` (``name`` is its older spelling, still sent)
    and ``displayed_amount_off`` as a display string such as ``$5`` or ``50%``."""

    code: str | None = None
    name: str | None = None
    displayed_amount_off: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class PurchasingPowerParity:
    """The purchasing power parity discount of a sale: ``country`` and ``discount`` (``"40%"``)."""

    country: str | None = None
    discount: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Upsell:
    """The upsell or cross-sell a sale came through (display names, not ids)."""

    name: str | None = None
    discount: str | None = None
    selected_product: str | None = None
    selected_version: str | None = None
    extra: Mapping[str, Any] = extra_field()
