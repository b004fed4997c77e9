"""Every Gumroad v2 method as a plain function of the fake's state: no HTTP in here.

A handler takes the state, the path's variable segments and the merged parameters, and
returns ``(status, body)``; answers follow ``gumroad-api/README.md``, odd shapes included
(HTTP 200 with ``success: false`` for a missing object, 400 ``{status, error}`` for a bad
filter or cursor, 404 for a disabled license key).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from gumroad_async.testing._state import (
    SUBSCRIBERS_PER_PAGE,
    FakeState,
    QueryTimeout,
    decode_cursor,
    encode_cursor,
    new_id,
)

__all__ = ["ROUTES", "Route", "match_route"]

Answer = tuple[int, Any]
Handler = Callable[[FakeState, dict[str, str], dict[str, str]], Answer]
RESOURCE_NAMES = (
    "sale", "refund", "dispute", "dispute_won", "cancellation",
    "subscription_updated", "subscription_ended", "subscription_restarted",
)
QUERY_TIMEOUT_MESSAGE = (
    "Query timed out. Try narrowing your date range with 'after'/'before' "
    "or filtering by product_id."
)


def ok(**fields: Any) -> Answer:
    return 200, {"success": True, **fields}


def failed(message: str, status: int = 200) -> Answer:
    return status, {"success": False, "message": message}


def bad_request(message: str) -> Answer:
    return 400, {"status": 400, "error": message}


def _flag(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1", "yes")


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    return int(float(value))


# -- user and products --------------------------------------------------------------------
def get_user(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    return ok(user=state.user)


def list_products(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    try:
        products, cursor = state.products_page(args.get("page_key"))
    except ValueError as exc:
        return bad_request(str(exc))
    return ok(products=products, **_cursor_fields(cursor, "/v2/products", args))


def _product_or_none(state: FakeState, path: dict[str, str]) -> dict[str, Any] | None:
    return state.product(path["product_id"])


PRODUCT_NOT_FOUND = "The product was not found."


def get_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    return ok(product=product) if product else failed(PRODUCT_NOT_FOUND)


def create_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if not args.get("name"):
        return failed("Name can't be blank")
    try:
        price = _int(args.get("price")) or 0
    except ValueError:
        return failed("Price is invalid")
    extra: dict[str, Any] = {k: v for k, v in args.items() if k not in ("name", "price")}
    if "published" in extra:
        extra["published"] = _flag(extra["published"])
    return ok(product=state.add_product(name=args["name"], price=price, **extra))


def update_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return failed(PRODUCT_NOT_FOUND)
    for key, value in args.items():
        if key == "price":
            product["price"] = _int(value)
        elif key == "published":
            product["published"] = _flag(value)
        else:
            product[key] = value
    return ok(product=product)


def _publisher(published: bool) -> Handler:
    def handler(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
        product = _product_or_none(state, path)
        if product is None:
            return failed(PRODUCT_NOT_FOUND)
        product["published"] = published
        return ok(product=product)

    return handler


def list_skus(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _product_or_none(state, path) is None:
        return failed(PRODUCT_NOT_FOUND)
    return ok(skus=state.product_skus(path["product_id"]))


def delete_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _product_or_none(state, path) is None:
        return failed(PRODUCT_NOT_FOUND)
    state.delete_product(path["product_id"])
    return ok(message="The product has been deleted successfully.")


# -- variant categories and variants ------------------------------------------------------
def _categories_of(state: FakeState, product_id: str) -> list[dict[str, Any]]:
    return [c for c in state.variant_categories.values() if c["_product_id"] == product_id]


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _category(state: FakeState, path: dict[str, str]) -> dict[str, Any] | None:
    category = state.variant_categories.get(path["category_id"])
    if category is None or category["_product_id"] != path["product_id"]:
        return None
    return category


def list_categories(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _product_or_none(state, path) is None:
        return failed(PRODUCT_NOT_FOUND)
    return ok(variant_categories=[_public(c) for c in _categories_of(state, path["product_id"])])


def create_category(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _product_or_none(state, path) is None:
        return failed(PRODUCT_NOT_FOUND)
    category = {"id": new_id(), "title": args.get("title", ""), "_product_id": path["product_id"]}
    state.variant_categories[category["id"]] = category
    return ok(variant_category=_public(category))


def get_category(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    category = _category(state, path)
    if category is None:
        return failed("The variant_category was not found.")
    return ok(variant_category=_public(category))


def update_category(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    category = _category(state, path)
    if category is None:
        return failed("The variant_category was not found.")
    if "title" in args:
        category["title"] = args["title"]
    return ok(variant_category=_public(category))


def delete_category(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _category(state, path) is None:
        return failed("The variant_category was not found.")
    del state.variant_categories[path["category_id"]]
    return ok(message="The variant_category was deleted successfully.")


_VARIANT_INTS = ("price_difference_cents", "max_purchase_count")


def _variant_fields(args: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in ("name", "description", *_VARIANT_INTS):
        if key in args:
            fields[key] = _int(args[key]) if key in _VARIANT_INTS else args[key]
    return fields


def _variant(state: FakeState, path: dict[str, str]) -> dict[str, Any] | None:
    variant = state.variants.get(path["variant_id"])
    if variant is None or variant["_category_id"] != path["category_id"]:
        return None
    return variant


def list_variants(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _category(state, path) is None:
        return failed("The variant_category was not found.")
    found = [v for v in state.variants.values() if v["_category_id"] == path["category_id"]]
    return ok(variants=[_public(v) for v in found])


def create_variant(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _category(state, path) is None:
        return failed("The variant_category was not found.")
    variant: dict[str, Any] = {"id": new_id(), "name": None, "price_difference_cents": 0,
               "max_purchase_count": None, "_category_id": path["category_id"]}
    variant.update(_variant_fields(args))
    state.variants[variant["id"]] = variant
    return ok(variant=_public(variant))


def get_variant(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    variant = _variant(state, path)
    return ok(variant=_public(variant)) if variant else failed("The variant was not found.")


def update_variant(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    variant = _variant(state, path)
    if variant is None:
        return failed("The variant was not found.")
    variant.update(_variant_fields(args))
    return ok(variant=_public(variant))


def delete_variant(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _variant(state, path) is None:
        return failed("The variant was not found.")
    del state.variants[path["variant_id"]]
    return ok(message="The variant was deleted successfully.")


# -- offer codes --------------------------------------------------------------------------
def _visible_codes(state: FakeState, product_id: str) -> list[dict[str, Any]]:
    return [
        c for c in state.offer_codes.values()
        if not c["_deleted"] and (c["_product_id"] == product_id or c["_universal"])
    ]


def _offer_code(state: FakeState, path: dict[str, str]) -> dict[str, Any] | None:
    code = state.offer_codes.get(path["offer_code_id"])
    if code is None or code["_deleted"]:
        return None
    if code["_product_id"] != path["product_id"] and not code["_universal"]:
        return None
    return code


def list_offer_codes(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _product_or_none(state, path) is None:
        return failed(PRODUCT_NOT_FOUND)
    return ok(offer_codes=[_public(c) for c in _visible_codes(state, path["product_id"])])


def get_offer_code(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    code = _offer_code(state, path)
    return ok(offer_code=_public(code)) if code else failed("The offer_code was not found.")


def create_offer_code(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _product_or_none(state, path) is None:
        return failed(PRODUCT_NOT_FOUND)
    try:
        code = state.add_offer_code(
            product_id=path["product_id"],
            name=args.get("name", ""),
            offer_type=args.get("offer_type"),
            amount=_int(args.get("amount_off", args.get("amount_cents"))),
            universal=_flag(args.get("universal")),
            max_purchase_count=_int(args.get("max_purchase_count")),
        )
    except ValueError as exc:
        return failed(str(exc))
    return ok(offer_code=_public(code))


def update_offer_code(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    code = _offer_code(state, path)
    if code is None:
        return failed("The offer_code was unable to be modified.")
    if "max_purchase_count" in args:
        code["max_purchase_count"] = _int(args["max_purchase_count"])
    return ok(offer_code=_public(code))


def delete_offer_code(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    code = _offer_code(state, path)
    if code is None:
        return failed("The offer_code was not found.")
    code["_deleted"] = True  # soft delete, as Gumroad does
    return ok(message="The offer_code was deleted successfully.")


# -- custom fields ------------------------------------------------------------------------
def _fields_of(state: FakeState, path: dict[str, str]) -> dict[str, dict[str, Any]] | None:
    if _product_or_none(state, path) is None:
        return None
    return state.custom_fields.setdefault(path["product_id"], {})


def _required(value: str | None) -> str:
    # Gumroad answers the flag as a string; keep that drift so decoders meet it.
    return "true" if _flag(value) else "false"


def list_custom_fields(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    fields = _fields_of(state, path)
    if fields is None:
        return failed(PRODUCT_NOT_FOUND)
    return ok(custom_fields=list(fields.values()))


def create_custom_field(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    fields = _fields_of(state, path)
    if fields is None:
        return failed(PRODUCT_NOT_FOUND)
    name = args.get("name", "")
    if not name:
        return failed("Name can't be blank")
    if name in fields:
        return failed("A custom field with this name already exists.")
    field = {"name": name, "required": _required(args.get("required"))}
    if "type" in args:
        field["type"] = args["type"]
    fields[name] = field
    return ok(custom_field=field)


def update_custom_field(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    fields = _fields_of(state, path)
    field = None if fields is None else fields.get(path["name"])
    if field is None:
        return failed("The custom_field was not found.")
    if "required" in args:
        field["required"] = _required(args["required"])
    return ok(custom_field=field)


def delete_custom_field(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    fields = _fields_of(state, path)
    if fields is None or path["name"] not in fields:
        return failed("The custom_field was not found.")
    del fields[path["name"]]
    return ok(message="The custom_field was deleted successfully.")


# -- sales --------------------------------------------------------------------------------
def _date(args: dict[str, str], name: str) -> date | None:
    value = args.get(name)
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"Invalid date for '{name}': {value}.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Invalid date for '{name}': {value}.") from None


def list_sales(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if "page" in args:
        # The deprecated page number; the SDK must never send it.
        return bad_request("The 'page' parameter is deprecated; use page_key.")
    product_id = args.get("product_id")
    if product_id is not None and state.product(product_id) is None:
        return bad_request("Invalid product ID.")
    try:
        sales, cursor = state.sales_page(
            after=_date(args, "after"),
            before=_date(args, "before"),
            product_id=product_id,
            email=args.get("email"),
            order_id=args.get("order_id"),
            page_key=args.get("page_key"),
        )
    except QueryTimeout:
        return bad_request(QUERY_TIMEOUT_MESSAGE)
    except ValueError as exc:
        return bad_request(str(exc))
    return ok(sales=sales, **_cursor_fields(cursor, "/v2/sales", args))


def _cursor_fields(cursor: str | None, path: str, args: dict[str, str]) -> dict[str, str]:
    if cursor is None:
        return {}
    query = {k: v for k, v in args.items() if k != "page_key"}
    query["page_key"] = cursor
    return {"next_page_key": cursor, "next_page_url": f"{path}?{urlencode(query)}"}


SALE_NOT_FOUND = "The sale was not found."


def get_sale(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    sale = state.sale(path["sale_id"])
    return ok(sale=sale) if sale else failed(SALE_NOT_FOUND)


def mark_as_shipped(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if state.sale(path["sale_id"]) is None:
        return failed(SALE_NOT_FOUND)
    fields: dict[str, Any] = {"shipped": True}
    if "tracking_url" in args:
        fields["tracking_url"] = args["tracking_url"]
    return ok(sale=state.update_sale(path["sale_id"], **fields))


def refund_sale(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    sale = state.sale(path["sale_id"])
    if sale is None:
        return failed(SALE_NOT_FOUND)
    if sale["refunded"]:
        return failed("Purchase is already refunded.")
    refunded = int(sale.get("amount_refunded_cents") or 0)
    remaining = sale["price"] - refunded
    try:
        amount = _int(args.get("amount_cents"))
    except ValueError:
        return failed("The amount_cents is invalid.")
    if amount is None or amount >= remaining:
        refunded = sale["price"]
    elif amount <= 0:
        return failed("The amount_cents is invalid.")
    else:
        refunded += amount
    full = refunded >= sale["price"]
    updated = state.update_sale(
        path["sale_id"],
        refunded=full,
        partially_refunded=not full,
        amount_refunded_cents=refunded,
        amount_refundable_in_currency=f"{(sale['price'] - refunded) / 100:.2f}",
    )
    return ok(sale=updated)


def resend_receipt(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if state.sale(path["sale_id"]) is None:
        return failed(SALE_NOT_FOUND)
    sent = state.receipts_sent.get(path["sale_id"], 0) + 1
    state.receipts_sent[path["sale_id"]] = sent
    return ok()


# -- subscribers --------------------------------------------------------------------------
def list_subscribers(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if _product_or_none(state, path) is None:
        return failed(PRODUCT_NOT_FOUND)
    found = state.product_subscribers(path["product_id"], args.get("email"))
    if not _flag(args.get("paginated")) and "page_key" not in args:
        return ok(subscribers=found)
    start = 0
    if "page_key" in args:
        try:
            (position,) = decode_cursor(args["page_key"], 1)
            start = int(position)
        except ValueError:
            return bad_request("Invalid page_key.")
    chunk = found[start : start + SUBSCRIBERS_PER_PAGE]
    end = start + len(chunk)
    cursor = encode_cursor(str(end)) if end < len(found) else None
    where = f"/v2/products/{path['product_id']}/subscribers"
    return ok(subscribers=chunk, **_cursor_fields(cursor, where, args))


def get_subscriber(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    subscriber = state.subscribers.get(path["subscriber_id"])
    return ok(subscriber=subscriber) if subscriber else failed("The subscriber was not found.")


# -- licenses -----------------------------------------------------------------------------
def _license(state: FakeState, args: dict[str, str]) -> tuple[dict[str, Any] | None, Answer]:
    record = state.licenses.get(args.get("license_key", ""))
    product_id = args.get("product_id") or args.get("product_permalink")
    if record is None or (product_id is not None and record["product_id"] != product_id):
        return None, failed("That license does not exist for the provided product.", 404)
    return record, (200, None)


def verify_license(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    record, missing = _license(state, args)
    if record is None:
        return missing
    if record["disabled"]:
        return failed("This license key has been disabled.", 404)
    # Only the exact string "false" turns counting off, as on the real service.
    if args.get("increment_uses_count") != "false":
        record["uses"] += 1
    return 200, state.license_answer(record)


def _license_change(change: Callable[[dict[str, Any]], None]) -> Handler:
    def handler(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
        record, missing = _license(state, args)
        if record is None:
            return missing
        change(record)
        return 200, state.license_answer(record)

    return handler


def _enable(record: dict[str, Any]) -> None:
    record["disabled"] = False


def _disable(record: dict[str, Any]) -> None:
    record["disabled"] = True


def _decrement(record: dict[str, Any]) -> None:
    record["uses"] = max(0, record["uses"] - 1)


# -- resource subscriptions ---------------------------------------------------------------
def list_resource_subscriptions(
    state: FakeState, path: dict[str, str], args: dict[str, str]
) -> Answer:
    name = args.get("resource_name")
    if name not in RESOURCE_NAMES:
        return failed("Invalid resource_name.")
    found = [s for s in state.resource_subscriptions.values() if s["resource_name"] == name]
    return ok(resource_subscriptions=found)


def create_resource_subscription(
    state: FakeState, path: dict[str, str], args: dict[str, str]
) -> Answer:
    name = args.get("resource_name")
    url = args.get("post_url", "")
    if name not in RESOURCE_NAMES:
        return failed("Invalid resource_name.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname in (
        None, "localhost", "127.0.0.1", "0.0.0.0"
    ):
        return failed("Invalid post_url.")
    for existing in state.resource_subscriptions.values():
        if existing["resource_name"] == name and existing["post_url"] == url:
            return ok(resource_subscription=existing)
    subscription = {"id": new_id(), "resource_name": name, "post_url": url}
    state.resource_subscriptions[subscription["id"]] = subscription
    return ok(resource_subscription=subscription)


def delete_resource_subscription(
    state: FakeState, path: dict[str, str], args: dict[str, str]
) -> Answer:
    if state.resource_subscriptions.pop(path["subscription_id"], None) is None:
        return failed("The resource_subscription was not found.")
    return ok(message="The resource_subscription was deleted successfully.")


# -- the table ----------------------------------------------------------------------------
class Route:
    """A method and a path pattern (``:name`` segments are variables), the scopes that
    may call it (any one of them; ``None``: no token needed), and its handler."""

    __slots__ = ("handler", "method", "scope", "segments")

    def __init__(self, method: str, pattern: str, scope: frozenset[str] | None,
                 handler: Handler) -> None:
        self.method = method
        self.segments = tuple(pattern.strip("/").split("/"))
        self.scope = scope
        self.handler = handler

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        if len(segments) != len(self.segments):
            return None
        found: dict[str, str] = {}
        for want, got in zip(self.segments, segments, strict=True):
            if want.startswith(":"):
                found[want[1:]] = got
            elif want != got:
                return None
        return found


_P = "/v2/products/:product_id"
_C = f"{_P}/variant_categories/:category_id"
# config/initializers/doorkeeper.rb: the public scopes; reads take any of them or the
# default view_public (`doorkeeper_authorize!(*public_scopes.concat([:view_public]))`).
PUBLIC_SCOPES = frozenset({
    "view_public", "edit_products", "view_sales", "mark_sales_as_shipped", "refund_sales",
    "revenue_share", "ifttt", "view_profile",
})
_READ = PUBLIC_SCOPES
_EDIT = frozenset({"edit_products"})
_SALES = frozenset({"view_sales"})

ROUTES: tuple[Route, ...] = (
    Route("GET", "/v2/user", _READ, get_user),
    Route("GET", "/v2/products", _READ, list_products),
    Route("POST", "/v2/products", _EDIT, create_product),
    Route("PUT", f"{_P}/enable", _EDIT, _publisher(True)),
    Route("PUT", f"{_P}/disable", _EDIT, _publisher(False)),
    Route("GET", _P, _READ, get_product),
    Route("GET", f"{_P}/skus", _READ, list_skus),
    Route("PUT", _P, _EDIT, update_product),
    Route("DELETE", _P, _EDIT, delete_product),
    Route("GET", f"{_P}/variant_categories", _READ, list_categories),
    Route("POST", f"{_P}/variant_categories", _EDIT, create_category),
    Route("GET", _C, _READ, get_category),
    Route("PUT", _C, _EDIT, update_category),
    Route("DELETE", _C, _EDIT, delete_category),
    Route("GET", f"{_C}/variants", _READ, list_variants),
    Route("POST", f"{_C}/variants", _EDIT, create_variant),
    Route("GET", f"{_C}/variants/:variant_id", _READ, get_variant),
    Route("PUT", f"{_C}/variants/:variant_id", _EDIT, update_variant),
    Route("DELETE", f"{_C}/variants/:variant_id", _EDIT, delete_variant),
    Route("GET", f"{_P}/offer_codes", _READ, list_offer_codes),
    Route("POST", f"{_P}/offer_codes", _EDIT, create_offer_code),
    Route("GET", f"{_P}/offer_codes/:offer_code_id", _READ, get_offer_code),
    Route("PUT", f"{_P}/offer_codes/:offer_code_id", _EDIT, update_offer_code),
    Route("DELETE", f"{_P}/offer_codes/:offer_code_id", _EDIT, delete_offer_code),
    Route("GET", f"{_P}/custom_fields", _READ, list_custom_fields),
    Route("POST", f"{_P}/custom_fields", _EDIT, create_custom_field),
    Route("PUT", f"{_P}/custom_fields/:name", _EDIT, update_custom_field),
    Route("DELETE", f"{_P}/custom_fields/:name", _EDIT, delete_custom_field),
    Route("GET", "/v2/sales", _SALES, list_sales),
    Route("GET", "/v2/sales/:sale_id", _SALES, get_sale),
    Route("PUT", "/v2/sales/:sale_id/mark_as_shipped", frozenset({"mark_sales_as_shipped"}),
          mark_as_shipped),
    Route("PUT", "/v2/sales/:sale_id/refund", frozenset({"refund_sales"}), refund_sale),
    # Not in the 2025 server snapshot; Gumroad's 2026 CLI POSTs it (scope unverified).
    Route("POST", "/v2/sales/:sale_id/resend_receipt", _SALES, resend_receipt),
    Route("GET", f"{_P}/subscribers", _SALES, list_subscribers),
    Route("GET", "/v2/subscribers/:subscriber_id", _SALES, get_subscriber),
    Route("POST", "/v2/licenses/verify", None, verify_license),
    Route("PUT", "/v2/licenses/enable", _EDIT, _license_change(_enable)),
    Route("PUT", "/v2/licenses/disable", _EDIT, _license_change(_disable)),
    Route("PUT", "/v2/licenses/decrement_uses_count", _EDIT, _license_change(_decrement)),
    Route("GET", "/v2/resource_subscriptions", _SALES, list_resource_subscriptions),
    Route("PUT", "/v2/resource_subscriptions", _SALES, create_resource_subscription),
    Route("DELETE", "/v2/resource_subscriptions/:subscription_id", _SALES,
          delete_resource_subscription),
)


def match_route(method: str, segments: tuple[str, ...]) -> tuple[Route, dict[str, str]] | None:
    """The route for a request, and its path variables; ``None`` when nothing matches."""
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.match(segments)
        if found is not None:
            return route, found
    return None

