"""OAuth scopes of the Gumroad API; every service method knows the one it needs."""

from __future__ import annotations

import enum

__all__ = ["Scope"]


class Scope(enum.StrEnum):
    """A Gumroad OAuth scope. ``ACCOUNT`` grants everything."""

    VIEW_PROFILE = "view_profile"
    VIEW_PUBLIC = "view_public"
    EDIT_PRODUCTS = "edit_products"
    VIEW_SALES = "view_sales"
    MARK_SALES_AS_SHIPPED = "mark_sales_as_shipped"
    REFUND_SALES = "refund_sales"
    EDIT_SALES = "edit_sales"
    ACCOUNT = "account"

