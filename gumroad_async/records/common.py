"""Small records nested in several answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gumroad_async.records._base import extra_field, record

__all__ = ["Affiliate", "Card", "SaleOfferCode"]


@record
class Card:
    """The payment card of a sale (``visual`` is masked, e.g. ``**** **** **** 4242``)."""

    visual: str | None = None
    type: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class Affiliate:
    """The affiliate credited on a sale; ``amount`` is a display string such as ``$2.50``."""

    email: str | None = None
    amount: str | None = None
    extra: Mapping[str, Any] = extra_field()


@record
class SaleOfferCode:
    """The offer code used on a sale."""

    name: str | None = None
    displayed_amount_off: str | None = None
    extra: Mapping[str, Any] = extra_field()
