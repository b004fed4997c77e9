"""Every Gumroad v2 method as a plain function of the fake's state: no HTTP in here.

A handler takes the state, the path's variable segments and the merged parameters, and
returns ``(status, body)``; answers follow Gumroad's server (``app/controllers/api/v2``),
odd shapes included: HTTP 200 with ``success: false`` for a missing object, 400
``{status, error}`` for a bad filter or cursor, 404 for a disabled license key, an HTML
500 where the server crashes. ``docs/fake-vs-server.md`` lists each answer and the server
line it follows. The caller's token (scopes, application) is ``state.caller``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from gumroad_async._json import dumps
from gumroad_async.testing._sales import SALES_PER_PAGE
from gumroad_async.testing._state import SUBSCRIBERS_PER_PAGE, FakeState, new_id
from gumroad_async.testing._wire import (
    PageKeyError,
    decode_page_key,
    decrypt_numeric,
    encode_page_key,
    external_id_decodes,
    format_money,
    midnight_epoch,
    refund_amount_cents,
)

__all__ = ["ROUTES", "JSONBytes", "Route", "match_route"]


class JSONBytes:
    """A body already encoded as JSON, in parts: joined once and sent as
    ``application/json``."""

    __slots__ = ("parts",)

    def __init__(self, *parts: bytes | memoryview) -> None:
        self.parts = parts

    def encode(self) -> bytes:
        return b"".join(self.parts)


class HTML(str):
    """A body that is an HTML page (what Rails renders for an unhandled exception)."""


Answer = tuple[int, Any]
Handler = Callable[[FakeState, dict[str, str], dict[str, str]], Answer]
RESOURCE_NAMES = (
    "sale", "refund", "dispute", "dispute_won", "cancellation",
    "subscription_updated", "subscription_ended", "subscription_restarted",
)
# public/500.html, trimmed: what an exception in a controller gives a client.
SERVER_ERROR_PAGE = HTML(
    "<!DOCTYPE html>\n<html lang=\"en\">\n  <head>\n    <title>Something broke (500) - "
    "Gumroad</title>\n  </head>\n  <body>\n    <h1>Something broke</h1>\n    <p>We're "
    "looking into what happened. Sorry about this!</p>\n  </body>\n</html>\n"
)


def ok(**fields: Any) -> Answer:
    return 200, {"success": True, **fields}


def failed(message: str, status: int = 200) -> Answer:
    return status, {"success": False, "message": message}


def bad_request(message: str) -> Answer:
    return 400, {"status": 400, "error": message}


def _int(value: str | None) -> int | None:
    """An integer column given a parameter, as ActiveRecord casts it (``"5.9"`` is 5)."""
    if value is None or value.strip() == "":
        return None
    found = re.match(r"\s*[-+]?\d+", value)
    return int(found.group()) if found else None


def _not_found(kind: str) -> Answer:
    # BaseController#error_with_object with no object.
    return failed(f"The {kind} was not found.")


# -- user and products --------------------------------------------------------------------
def get_user(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if "is_ifttt" in args:  # UsersController#show: any value, even "false", is truthy
        return ok(data=state.user_json(state.caller.scopes, ifttt=True))
    return ok(user=state.user_json(state.caller.scopes))


def list_products(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    # LinksController#index: every visible product at once, newest first, no cursor.
    scopes = state.caller.scopes
    return ok(products=[state.product_json(p, scopes) for p in state.products_newest_first()])


def _product_or_none(state: FakeState, path: dict[str, str]) -> dict[str, Any] | None:
    return state.product(path["product_id"])


def get_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    return ok(product=state.product_json(product, state.caller.scopes))


def list_skus(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    return ok(skus=state.product_skus(product["id"]))


def create_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    # Not in the 2025 snapshot (it answers 404); the live service takes it (Gumroad's CLI).
    if not args.get("name"):
        return failed("Name can't be blank")
    price = _int(args.get("price")) or 0
    extra: dict[str, Any] = {k: v for k, v in args.items() if k not in ("name", "price")}
    if "published" in extra:
        extra["published"] = extra["published"] == "true"
    product = state.add_product(name=args["name"], price=price, **extra)
    return ok(product=state.product_json(product, state.caller.scopes))


def update_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    for key, value in args.items():
        if key == "price":
            product["price"] = _int(value)
        elif key == "published":
            product["published"] = value == "true"
        elif key not in ("id", "product_id"):
            product[key] = value
    return ok(product=state.product_json(product, state.caller.scopes))


def _publisher(published: bool) -> Handler:
    def handler(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
        product = _product_or_none(state, path)
        if product is None:
            return _not_found("product")
        product["published"] = published
        return ok(product=state.product_json(product, state.caller.scopes))

    return handler


def delete_product(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    state.delete_product(product["id"])
    return ok(message="The product was deleted successfully.")


# -- variant categories and variants ------------------------------------------------------
def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _category(state: FakeState, product: dict[str, Any], category_id: str
              ) -> dict[str, Any] | None:
    category = state.variant_categories.get(category_id)
    if category is None or category["_product_id"] != product["id"]:
        return None
    return category


def list_categories(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    found = [c for c in state.variant_categories.values() if c["_product_id"] == product["id"]]
    return ok(variant_categories=[_public(c) for c in found])


def create_category(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    category = {"id": new_id(), "title": args.get("title"), "_product_id": product["id"]}
    state.variant_categories[category["id"]] = category
    return ok(variant_category=_public(category))


def _with_category(
    action: Callable[[FakeState, dict[str, Any], dict[str, str]], Answer],
) -> Handler:
    def handler(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
        product = _product_or_none(state, path)
        if product is None:
            return _not_found("product")
        category = _category(state, product, path["category_id"])
        if category is None:
            return _not_found("variant_category")
        return action(state, category, args)

    return handler


def _get_category(state: FakeState, category: dict[str, Any], args: dict[str, str]) -> Answer:
    return ok(variant_category=_public(category))


def _update_category(state: FakeState, category: dict[str, Any], args: dict[str, str]
                     ) -> Answer:
    if "title" in args:
        category["title"] = args["title"]
    return ok(variant_category=_public(category))


def _delete_category(state: FakeState, category: dict[str, Any], args: dict[str, str]
                     ) -> Answer:
    del state.variant_categories[category["id"]]
    return ok(message="The variant_category was deleted successfully.")


_VARIANT_INTS = ("price_difference_cents", "max_purchase_count")


def _variant_fields(args: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in ("name", "description", *_VARIANT_INTS):
        if key in args:
            fields[key] = _int(args[key]) if key in _VARIANT_INTS else args[key]
    return fields


def _with_variants(
    action: Callable[[FakeState, dict[str, Any], dict[str, str], dict[str, str]], Answer],
) -> Handler:
    def handler(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
        product = _product_or_none(state, path)
        if product is None:
            return _not_found("product")
        category = _category(state, product, path["category_id"])
        if category is None:
            # VariantsController#fetch_variant_category reads `@variant_category.variants`
            # before its nil check: NoMethodError, Rails' HTML 500 page.
            return 500, SERVER_ERROR_PAGE
        return action(state, category, path, args)

    return handler


def _variant(state: FakeState, category: dict[str, Any], variant_id: str
             ) -> dict[str, Any] | None:
    variant = state.variants.get(variant_id)
    if variant is None or variant["_category_id"] != category["id"]:
        return None
    return variant


def _list_variants(state: FakeState, category: dict[str, Any], path: dict[str, str],
                   args: dict[str, str]) -> Answer:
    found = [v for v in state.variants.values() if v["_category_id"] == category["id"]]
    return ok(variants=[_public(v) for v in found])


def _create_variant(state: FakeState, category: dict[str, Any], path: dict[str, str],
                    args: dict[str, str]) -> Answer:
    variant: dict[str, Any] = {"id": new_id(), "max_purchase_count": None, "name": None,
                               "description": None, "price_difference_cents": None,
                               "_category_id": category["id"]}
    variant.update(_variant_fields(args))
    state.variants[variant["id"]] = variant
    return ok(variant=_public(variant))


def _get_variant(state: FakeState, category: dict[str, Any], path: dict[str, str],
                 args: dict[str, str]) -> Answer:
    variant = _variant(state, category, path["variant_id"])
    return ok(variant=_public(variant)) if variant else _not_found("variant")


def _update_variant(state: FakeState, category: dict[str, Any], path: dict[str, str],
                    args: dict[str, str]) -> Answer:
    variant = _variant(state, category, path["variant_id"])
    if variant is None:
        return _not_found("variant")
    variant.update(_variant_fields(args))
    return ok(variant=_public(variant))


def _delete_variant(state: FakeState, category: dict[str, Any], path: dict[str, str],
                    args: dict[str, str]) -> Answer:
    variant = _variant(state, category, path["variant_id"])
    if variant is None:
        return _not_found("variant")
    del state.variants[variant["id"]]
    return ok(message="The variant was deleted successfully.")


# -- offer codes --------------------------------------------------------------------------
def _visible_codes(state: FakeState, product_id: str) -> list[dict[str, Any]]:
    return [
        c for c in state.offer_codes.values()
        if not c["_deleted"] and (c["_product_id"] == product_id or c["_universal"])
    ]


def _with_offer_code(
    action: Callable[[FakeState, dict[str, Any], dict[str, str]], Answer],
) -> Handler:
    def handler(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
        product = _product_or_none(state, path)
        if product is None:
            return _not_found("product")
        code = state.offer_codes.get(path["offer_code_id"])
        if code is None or code["_deleted"] or (
            code["_product_id"] != product["id"] and not code["_universal"]
        ):
            return _not_found("offer_code")  # fetch_offer_code, before update/destroy
        return action(state, code, args)

    return handler


def list_offer_codes(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    return ok(offer_codes=[_public(c) for c in _visible_codes(state, product["id"])])


MISSING_OFFER_CODE_PARAMETERS = (
    "You are missing required offer code parameters. Please refer to "
    "https://gumroad.com/api#offer-codes for the correct parameters."
)


def create_offer_code(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    # check_offer_code_params runs before fetch_product.
    if not args.get("amount_off", "").strip() and not args.get("amount_cents", "").strip():
        return failed(MISSING_OFFER_CODE_PARAMETERS)
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    percent = args.get("offer_type") == "percent"
    amount: int | None
    if percent:
        amount = _int(args.get("amount_off")) or 0  # `params[:amount_off].to_i`
    else:
        amount = _int(args.get("amount_cents") or args.get("amount_off"))
    try:
        code = state.add_offer_code(
            product_id=product["id"],
            name=args.get("name", ""),
            offer_type="percent" if percent else "cents",
            amount=amount,
            universal=args.get("universal") == "true",
            max_purchase_count=_int(args.get("max_purchase_count")),
        )
    except ValueError as exc:
        return failed(str(exc))
    return ok(offer_code=_public(code))


def _get_offer_code(state: FakeState, code: dict[str, Any], args: dict[str, str]) -> Answer:
    return ok(offer_code=_public(code))


def _update_offer_code(state: FakeState, code: dict[str, Any], args: dict[str, str]
                       ) -> Answer:
    if "max_purchase_count" in args:
        code["max_purchase_count"] = _int(args["max_purchase_count"])
    return ok(offer_code=_public(code))


def _delete_offer_code(state: FakeState, code: dict[str, Any], args: dict[str, str]
                       ) -> Answer:
    code["_deleted"] = True  # soft delete: `update(deleted_at: Time.current)`
    return ok(message="The offer_code was deleted successfully.")


# -- custom fields ------------------------------------------------------------------------
def list_custom_fields(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    return ok(custom_fields=state.custom_fields.setdefault(product["id"], []))


def create_custom_field(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    name = args.get("name") or args.get("url") or args.get("label")
    if not name or not name.strip():
        return failed("The custom_field was unable to be created.")
    # CustomField#as_json; names may repeat (no uniqueness validation), `required` is a
    # boolean column set by `params[:required] == "true"`.
    field = {"id": new_id(), "type": args.get("type") or "text", "name": name,
             "required": args.get("required") == "true", "global": False,
             "collect_per_product": False, "products": [product["id"]]}
    state.custom_fields.setdefault(product["id"], []).append(field)
    return ok(custom_field=field)


def _custom_field(state: FakeState, path: dict[str, str]
                  ) -> tuple[dict[str, Any] | None, Answer | None]:
    product = _product_or_none(state, path)
    if product is None:
        return None, _not_found("product")
    named = [f for f in state.custom_fields.setdefault(product["id"], [])
             if f["name"] == path["name"]]
    if not named:
        return None, _not_found("custom_field")
    return named[-1], None  # `@custom_fields.where(name: params[:id]).last`


def update_custom_field(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    field, refusal = _custom_field(state, path)
    if field is None:
        return refusal or _not_found("custom_field")
    if "required" in args:
        field["required"] = args["required"] == "true"
    return ok(custom_field=field)


def delete_custom_field(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    field, refusal = _custom_field(state, path)
    if field is None:
        return refusal or _not_found("custom_field")
    for fields in state.custom_fields.values():
        if field in fields:
            fields.remove(field)
    return ok(message="The custom_field was deleted successfully.")


# -- sales --------------------------------------------------------------------------------
def _date(args: dict[str, str], name: str) -> date | None:
    # `Date.strptime(params[:x], "%Y-%m-%d")`: lenient about digits, strict about dates.
    value = args.get(name)
    if value is None:
        return None
    found = re.fullmatch(r"([-+]?\d+)-(\d{1,2})-(\d{1,2})", value)
    try:
        if found is None:
            raise ValueError
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise ValueError(f"Invalid date format provided in field '{name}'. Dates must be in "
                         "the format YYYY-MM-DD.") from None


DEPRECATED_PAGE = ("The 'page' parameter is deprecated. Please use 'page_key' instead: "
                   "https://gumroad.com/api#sales")


_CURSOR_ONLY = frozenset({"page_key"})


def _page_bound(args: dict[str, str]
                ) -> tuple[tuple[float | None, int] | None, Answer | None]:
    """The position a ``page_key`` names (``None`` without one), or the 400 that a
    malformed key gets."""
    if not args.get("page_key"):
        return None, None
    try:
        return decode_page_key(args["page_key"]), None
    except PageKeyError as exc:
        return None, bad_request(str(exc))


def list_sales(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    # sales_controller.rb#index, in its order: page number, before, after, email,
    # product_id, order_id, page or page_key.
    if args.keys() <= _CURSOR_ONLY:
        # No filter to check (a walk's every request): what the lines below do for it.
        bound, refused = _page_bound(args)
        if refused is not None:
            return refused
        rows, more = state.sales.page(low_epoch=None, high_epoch=None, product_id=None,
                                      email=None, number=None, bound=bound)
        return _sales_answer(state, rows, more, args)
    page_number = None
    if "page" in args:
        page_number = _int(args["page"]) or 0
        if page_number <= 0:
            return bad_request("Invalid page number. Page numbers start at 1.")
    try:
        before = _date(args, "before")
        after = _date(args, "after")
    except ValueError as exc:
        return bad_request(str(exc))
    email = args.get("email", "").strip().lower() or None
    product_id = args.get("product_id") or None
    if product_id is not None:
        product = state.products.get(product_id)
        if product is None and not external_id_decodes(product_id):
            return bad_request("Invalid product ID.")
    number = None
    order_id = args.get("order_id") or None
    if order_id is not None:
        if _int(order_id) is None or str(_int(order_id)) != order_id:
            return bad_request("Invalid order ID.")
        number = decrypt_numeric(int(order_id))
    query: dict[str, Any] = {
        "low_epoch": None if after is None else midnight_epoch(after),
        "high_epoch": None if before is None else midnight_epoch(before),
        "product_id": product_id, "email": email, "number": number,
    }
    if page_number is not None:
        if page_number > 10 and state.throttle_deep_pages(time.monotonic()):
            # config/initializers/rack_attack.rb: page > 10 is held to 10 requests/s.
            return 429, "Retry later\n"
        return _deprecated_page(state, page_number, query, args)
    bound, refused = _page_bound(args)
    if refused is not None:
        return refused
    rows, more = state.sales.page(bound=bound, **query)
    return _sales_answer(state, rows, more, args)


def _deprecated_page(state: FakeState, page_number: int, query: dict[str, Any],
                     args: dict[str, str]) -> Answer:
    # The deprecated `page=N`: OFFSET paging (slow on large accounts; the server's own
    # query timeout then answers 400 DEPRECATED_PAGE). Served, never sent by the SDK.
    size = page_number * SALES_PER_PAGE
    rows, more = state.sales.page(bound=None, size=size, **query)
    return _sales_answer(state, rows[size - SALES_PER_PAGE:], more, args)


def _sales_answer(state: FakeState, numbers: list[int], more: bool, args: dict[str, str]
                  ) -> Answer:
    end = b"]}"
    if more:
        end = b"]" + _cursor_fields("/v2/sales", args, state.sales.cursor(numbers[-1])) + b"}"
    return 200, JSONBytes(state.sales.page_json(numbers, b'{"success":true,"sales":[', end))


_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")
_NOT_CARRIED = frozenset({"access_token", "page", "page_key"})


def _cursor_fields(path: str, args: dict[str, str], cursor: str) -> bytes:
    """``,"next_page_key":…,"next_page_url":…`` for a page that ends at ``cursor``."""
    return (b',"next_page_key":' + dumps(cursor) + b',"next_page_url":'
            + dumps(_next_page_url(path, args, cursor)))


def _next_page_url(path: str, args: dict[str, str], cursor: str) -> str:
    # BaseController#next_page_url: the request's query without access_token, page and
    # page_key, then page_key.
    if args.keys() <= _NOT_CARRIED and _URL_SAFE.fullmatch(cursor):
        return f"{path}?page_key={cursor}"  # what the lines below give for this query
    query = {k: v for k, v in args.items() if k not in _NOT_CARRIED}
    query["page_key"] = cursor
    # Every key and value is URL-safe when all of them, run together, are.
    if _URL_SAFE.fullmatch("".join(query)) and _URL_SAFE.fullmatch("".join(query.values())):
        return f"{path}?" + "&".join([f"{k}={v}" for k, v in query.items()])
    return f"{path}?{urlencode(query)}"


def get_sale(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    sale = state.sale(path["sale_id"])
    return ok(sale=sale) if sale else _not_found("sale")


def mark_as_shipped(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    sale = state.sale(path["sale_id"])
    if sale is None:
        return _not_found("sale")
    fields: dict[str, Any] = {"shipped": True, "tracking_url": sale.get("tracking_url")}
    if "tracking_url" in args:
        fields["tracking_url"] = args["tracking_url"]
    return ok(sale=state.update_sale(path["sale_id"], **fields))


def refund_sale(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    # sales_controller.rb#refund and Purchase::Refundable#refund!.
    row = state.sales.row(path["sale_id"])
    if row is None:
        return _not_found("sale")
    sale = state.sales.sale_json(row)
    if sale.get("refunded"):
        return failed("Purchase is already refunded.")
    product = state.products.get(row.product_id)
    currency = product.get("currency", "usd") if product else "usd"
    already = state.sales.refunded_cents.get(row.id, 0)
    refundable = row.price - already
    if args.get("amount_cents", "").strip():
        amount = refund_amount_cents(args["amount_cents"], currency)
        if amount > refundable:
            return failed("Refund amount cannot be greater than the purchase price.")
        if amount <= 0:
            # refund_and_save! gets nothing to refund: false, with no error of its own.
            return failed("The sale was unable to be modified.")
        if amount in (row.price, refundable):
            amount = refundable  # "short-circuit": a full refund
    else:
        amount = refundable
    if refundable <= 0:
        return failed("The sale was unable to be modified.")
    refunded = already + amount
    state.sales.refunded_cents[row.id] = refunded
    full = refunded >= row.price
    return ok(sale=state.update_sale(
        row.id, refunded=full, partially_refunded=not full,
        amount_refundable_in_currency=format_money(row.price - refunded, currency),
    ))


def resend_receipt(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    if state.sale(path["sale_id"]) is None:
        return _not_found("sale")
    state.receipts_sent[path["sale_id"]] = state.receipts_sent.get(path["sale_id"], 0) + 1
    return ok()


# -- subscribers --------------------------------------------------------------------------
def list_subscribers(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    # subscribers_controller.rb#index.
    product = _product_or_none(state, path)
    if product is None:
        return _not_found("product")
    email = args.get("email", "").strip().lower() or None
    bound, refused = _page_bound(args)
    if refused is not None:
        return refused
    if args.get("paginated") not in ("1", "true") and bound is None:
        rows, _ = state.subscriptions.joined_page(product["id"], email)
        return _subscribers_answer(rows, b"")
    rows, last = state.subscriptions.joined_page(product["id"], email, bound,
                                                 SUBSCRIBERS_PER_PAGE)
    if last is None:
        return _subscribers_answer(rows, b"")
    where = f"/v2/products/{path['product_id']}/subscribers"
    return _subscribers_answer(rows, _cursor_fields(where, args, encode_page_key(*last)))


def _subscribers_answer(rows: bytes | memoryview, tail: bytes) -> Answer:
    # The rows are a slice of the product's listing, joined once (until it changes): the
    # body is that slice in its envelope, one copy.
    return 200, JSONBytes(b'{"success":true,"subscribers":[', rows, b"]", tail, b"}")


def get_subscriber(state: FakeState, path: dict[str, str], args: dict[str, str]) -> Answer:
    subscriber = state.subscribers.get(path["subscriber_id"])
    return ok(subscriber=subscriber) if subscriber else _not_found("subscriber")


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
        return failed("Valid resource_name parameter required")
    found = [_public(s) for s in state.resource_subscriptions.values()
             if s["resource_name"] == name]
    return ok(resource_subscriptions=found)


def _valid_post_url(url: str) -> bool:
    # ResourceSubscription.valid_post_url?: URI::HTTP(S), host not a loopback name.
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.hostname not in (
        None, "localhost", "127.0.0.1", "0.0.0.0"
    )


def create_resource_subscription(
    state: FakeState, path: dict[str, str], args: dict[str, str]
) -> Answer:
    url = args.get("post_url", "")
    if not _valid_post_url(url):
        return failed(f"Invalid post URL '{url}'")
    name = args.get("resource_name", "")
    if name not in RESOURCE_NAMES:
        # The controller interpolates the (still nil) subscription, not the name.
        return failed("Unable to subscribe to ''.")
    # ResourceSubscription.create! every time: the same URL twice means two pings.
    subscription: dict[str, Any] = {"id": new_id(), "resource_name": name, "post_url": url,
                    "_app": state.caller.app}
    state.resource_subscriptions[subscription["id"]] = subscription
    return ok(resource_subscription=_public(subscription))


def delete_resource_subscription(
    state: FakeState, path: dict[str, str], args: dict[str, str]
) -> Answer:
    subscription = state.resource_subscriptions.get(path["subscription_id"])
    # Only the application that created it may delete it.
    if subscription is None or subscription.get("_app") != state.caller.app:
        return _not_found("resource_subscription")
    del state.resource_subscriptions[path["subscription_id"]]
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
    Route("GET", _C, _READ, _with_category(_get_category)),
    Route("PUT", _C, _EDIT, _with_category(_update_category)),
    Route("DELETE", _C, _EDIT, _with_category(_delete_category)),
    Route("GET", f"{_C}/variants", _READ, _with_variants(_list_variants)),
    Route("POST", f"{_C}/variants", _EDIT, _with_variants(_create_variant)),
    Route("GET", f"{_C}/variants/:variant_id", _READ, _with_variants(_get_variant)),
    Route("PUT", f"{_C}/variants/:variant_id", _EDIT, _with_variants(_update_variant)),
    Route("DELETE", f"{_C}/variants/:variant_id", _EDIT,
          _with_variants(_delete_variant)),
    Route("GET", f"{_P}/offer_codes", _READ, list_offer_codes),
    Route("POST", f"{_P}/offer_codes", _EDIT, create_offer_code),
    Route("GET", f"{_P}/offer_codes/:offer_code_id", _READ, _with_offer_code(_get_offer_code)),
    Route("PUT", f"{_P}/offer_codes/:offer_code_id", _EDIT,
          _with_offer_code(_update_offer_code)),
    Route("DELETE", f"{_P}/offer_codes/:offer_code_id", _EDIT,
          _with_offer_code(_delete_offer_code)),
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


_STATIC: dict[tuple[str, tuple[str, ...]], Route] = {}
# Routes with variables, by method, length and last segment (":" when it is a variable).
_BY_SHAPE: dict[tuple[str, int, str], list[Route]] = {}
for _route in ROUTES:
    if any(s.startswith(":") for s in _route.segments):
        last = _route.segments[-1]
        shape = (_route.method, len(_route.segments), ":" if last.startswith(":") else last)
        _BY_SHAPE.setdefault(shape, []).append(_route)
    else:
        _STATIC[(_route.method, _route.segments)] = _route


def match_route(method: str, segments: tuple[str, ...]) -> tuple[Route, dict[str, str]] | None:
    """The route for a request, and its path variables; ``None`` when nothing matches."""
    static = _STATIC.get((method, segments))
    if static is not None:
        return static, {}
    size = len(segments)
    for last in (segments[-1] if segments else "", ":"):
        for route in _BY_SHAPE.get((method, size, last), ()):
            found = route.match(segments)
            if found is not None:
                return route, found
    return None
