"""OAuth scopes of the Gumroad API; every service method knows the one it needs."""

from __future__ import annotations

import enum

__all__ = ["Scope"]


class Scope(enum.StrEnum):
    """A Gumroad OAuth scope (``config/initializers/doorkeeper.rb`` of the server).

    ``VIEW_PUBLIC`` is the default; reads of products, the user, offer codes, custom
    fields, variant categories, variants and SKUs accept any public scope. ``ACCOUNT`` is
    the broad legacy scope of Gumroad's CLI.
    """

    VIEW_PUBLIC = "view_public"
    VIEW_PROFILE = "view_profile"
    EDIT_PRODUCTS = "edit_products"
    VIEW_SALES = "view_sales"
    MARK_SALES_AS_SHIPPED = "mark_sales_as_shipped"
    REFUND_SALES = "refund_sales"
    REVENUE_SHARE = "revenue_share"
    IFTTT = "ifttt"
    ACCOUNT = "account"

