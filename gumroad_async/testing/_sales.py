"""The fake's sales: compact rows, the server's page selection, and JSON built from bytes.

Rows stay small (200,000 of them are cheap to hold and seed); a page is found by bisection
and its JSON is assembled from bytes: per product, the fields every sale of it shares are
encoded once; per row, only the fields of its own are encoded when it is served. A sale
that a test changed (refund, shipping, license, extra fields) takes the generic path, a
dict merged and encoded whole, which gives the same keys and values.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from gumroad_async._json import dumps
from gumroad_async.testing._wire import (
    daystamp,
    encode_page_key,
    encrypt_numeric,
    format_money,
    iso_utc,
    time_ago_in_words,
)

__all__ = ["SALES_PER_PAGE", "SELLER_ID", "SaleRow", "SalesBook"]

SALES_PER_PAGE = 10  # sales_controller.rb RESULTS_PER_PAGE
SELLER_ID = "kL0paVL2SdmJSYsNs-OCMg=="
_CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹", "aud": "A$",
                     "cad": "C$"}
_CARD = {"visual": None, "type": None, "bin": None, "expiry_month": None, "expiry_year": None}
_NOT_BEFORE = float("inf")


class SaleRow(NamedTuple):
    """One sale as stored: ``number`` is its database id (the cursor's ``id < ?``)."""

    epoch: int
    number: int
    id: str
    product_id: str
    email: str
    price: int


class SalesBook:
    """Every sale of the account, ordered as the server orders them."""

    def __init__(self, products: Mapping[str, dict[str, Any]],
                 physical: Callable[[str], bool]) -> None:
        self._products = products
        self._physical = physical
        self._rows: dict[str, SaleRow] = {}
        self._by_number: dict[int, SaleRow] = {}
        self._order: list[tuple[int, int]] = []
        self._by_product: dict[str, list[tuple[int, int]]] = {}
        self._next_number = 1
        self._shared: dict[tuple[Any, ...], bytes] = {}
        #: Sale id -> fields a test or a write changed (refund, shipping, license ...).
        self.overlay: dict[str, dict[str, Any]] = {}
        #: Sale id -> cents refunded so far.
        self.refunded_cents: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, sale_id: object) -> bool:
        return sale_id in self._rows

    def row(self, sale_id: str) -> SaleRow | None:
        return self._rows.get(sale_id)

    # -- writing ----------------------------------------------------------------------
    def add(self, epoch: int, sale_id: str, product_id: str, email: str, price: int) -> SaleRow:
        """Insert one sale; it takes the next database id, whatever its ``created_at``."""
        if sale_id in self._rows:
            raise ValueError(f"a sale with id {sale_id!r} already exists")
        row = SaleRow(epoch, self._take_number(), sale_id, product_id, email, price)
        self._store(row)
        key = (row.epoch, row.number)
        bisect.insort(self._order, key)
        bisect.insort(self._by_product.setdefault(product_id, []), key)
        return row

    def bulk_add(self, sales: Iterable[tuple[int, str, str, str, int]]) -> None:
        """Insert many ``(epoch, id, product_id, email, price)`` at once, numbered in time
        order as a live account's ids are, with one sort instead of one insertion each."""
        for epoch, sale_id, product_id, email, price in sorted(sales):
            row = SaleRow(epoch, self._take_number(), sale_id, product_id, email, price)
            self._store(row)
            self._order.append((row.epoch, row.number))
            self._by_product.setdefault(product_id, []).append((row.epoch, row.number))
        self._order.sort()
        for keys in self._by_product.values():
            keys.sort()

    def _take_number(self) -> int:
        number = self._next_number
        self._next_number += 1
        return number

    def _store(self, row: SaleRow) -> None:
        self._rows[row.id] = row
        self._by_number[row.number] = row

    def next_order_id(self) -> int:
        """The ``order_id`` the next sale will get."""
        return encrypt_numeric(self._next_number)

    # -- reading ----------------------------------------------------------------------
    def page(
        self,
        *,
        low_epoch: int | None,
        high_epoch: int | None,
        product_id: str | None,
        email: str | None,
        number: int | None,
        bound: tuple[float | None, int] | None,
        size: int = SALES_PER_PAGE,
    ) -> tuple[list[SaleRow], bool]:
        """``size`` rows newest first (``created_at desc, id desc``) and whether more follow.

        ``bound`` is a decoded cursor; it selects ``created_at <= ? and id < ?`` exactly as
        the server does, so a row older than the bound but with a higher id is left out.
        """
        keys = self._order if product_id is None else self._by_product.get(product_id, [])
        low = 0 if low_epoch is None else bisect.bisect_left(keys, (low_epoch,))
        high = len(keys) if high_epoch is None else bisect.bisect_left(keys, (high_epoch,))
        below = None
        if bound is not None:
            bound_time, below = bound
            if bound_time is None:
                return [], False  # created_at <= NULL
            high = min(high, bisect.bisect_right(keys, (bound_time, _NOT_BEFORE)))
        if number is not None:
            row = self._by_number.get(number)
            if row is None:
                return [], False
            position = bisect.bisect_left(keys, (row.epoch, row.number))
            hit = (low <= position < high and keys[position] == (row.epoch, row.number)
                   and (below is None or row.number < below)
                   and (email is None or row.email.lower() == email))
            return ([row] if hit else []), False
        by_number = self._by_number
        rows: list[SaleRow] = []
        index = high - 1
        while index >= low:
            row = by_number[keys[index][1]]
            index -= 1
            if below is not None and row.number >= below:
                continue
            if email is not None and row.email.lower() != email:
                continue
            if len(rows) == size:
                return rows, True
            rows.append(row)
        return rows, False

    def newest_first(self) -> Iterator[SaleRow]:
        by_number = self._by_number
        for _, number in reversed(self._order):
            yield by_number[number]

    # -- JSON -------------------------------------------------------------------------
    def sale_json(self, row: SaleRow, now: float | None = None) -> dict[str, Any]:
        """The sale as ``Purchase#as_json(version: 2)`` shows it."""
        now = time.time() if now is None else now
        product = self._products.get(row.product_id)
        sale = {**self._own_fields(row, now), **self._shared_fields(row.product_id, product)}
        overlay = self.overlay.get(row.id)
        if overlay:
            sale.update(overlay)
            # `delete_if { |_, v| v.nil? }`: a field a test cleared is left out.
            sale = {k: v for k, v in sale.items() if v is not None or k in _KEPT_NULLS}
        return sale

    def page_bytes(self, rows: list[SaleRow]) -> bytes:
        """The JSON array of a page, assembled from pre-encoded bytes where it can be."""
        now = time.time()
        parts: list[bytes] = []
        overlay = self.overlay
        for row in rows:
            if row.id in overlay:
                parts.append(dumps(self.sale_json(row, now)))
                continue
            head = dumps(self._own_fields(row, now))
            parts.append(head[:-1] + b"," + self._shared_bytes(row.product_id) + b"}")
        return b"[" + b",".join(parts) + b"]"

    def _own_fields(self, row: SaleRow, now: float) -> dict[str, Any]:
        product = self._products.get(row.product_id)
        currency = product.get("currency", "usd") if product else "usd"
        symbol = _CURRENCY_SYMBOLS.get(currency, "$")
        price = format_money(row.price, currency, symbol=symbol)
        refunded = self.refunded_cents.get(row.id, 0)
        order_id = encrypt_numeric(row.number)
        return {
            "id": row.id,
            "email": row.email,
            "timestamp": time_ago_in_words(row.epoch, now),
            "daystamp": daystamp(row.epoch),
            "created_at": iso_utc(row.epoch),
            "price": row.price,
            "gumroad_fee": row.price // 10,
            "formatted_display_price": price,
            "formatted_total_price": price,
            "amount_refundable_in_currency": format_money(row.price - refunded, currency),
            "purchase_email": row.email,
            "paid": row.price != 0,
            "order_id": order_id,
            "purchaser_id": str(5_000_000_000 + row.number),
        }

    def _shared_bytes(self, product_id: str) -> bytes:
        product = self._products.get(product_id)
        key = (product_id, None if product is None else (
            product.get("name"), product.get("currency"), product.get("short_url"),
            product.get("is_recurring_billing"), self._physical(product_id)))
        encoded = self._shared.get(key)
        if encoded is None:
            encoded = dumps(self._shared_fields(product_id, product))[1:-1]
            self._shared[key] = encoded
        return encoded

    def _shared_fields(self, product_id: str, product: Mapping[str, Any] | None
                       ) -> dict[str, Any]:
        # The fields every sale of one product shows alike, in the presenter's order.
        currency = product.get("currency", "usd") if product else "usd"
        permalink = product_id[:5]
        if product and product.get("short_url"):
            permalink = str(product["short_url"]).rsplit("/", 1)[-1]
        return {
            "seller_id": SELLER_ID,
            "product_name": product["name"] if product else "Deleted product",
            "product_has_variants": False,
            "is_bundle_purchase": False,
            "is_bundle_product_purchase": False,
            "currency_symbol": _CURRENCY_SYMBOLS.get(currency, "$"),
            "product_id": product_id,
            "product_permalink": permalink,
            "refunded": False,
            "partially_refunded": False,
            "chargedback": False,
            "has_variants": False,
            "variants_and_quantity": "",
            "has_custom_fields": False,
            "custom_fields": {},
            "is_product_physical": self._physical(product_id),
            "is_recurring_billing": bool(product and product.get("is_recurring_billing")),
            "can_contact": True,
            "is_following": False,
            "disputed": False,
            "dispute_won": False,
            "is_additional_contribution": False,
            "discover_fee_charged": False,
            "is_upgrade_purchase": False,
            "is_more_like_this_recommended": False,
            "is_gift_sender_purchase": False,
            "is_gift_receiver_purchase": False,
            "referrer": "direct",
            "paypal_refund_expired": False,
            "card": _CARD,
            "product_rating": None,
            "reviews_count": 0,
            "average_rating": 0,
            "quantity": 1,
        }


# Set after the `delete_if` in Purchase#as_json, so sent as null: never left out.
_KEPT_NULLS = frozenset({"product_rating", "tracking_url", "card"})


def cursor_of(row: SaleRow) -> str:
    """The ``next_page_key`` of a page whose last sale is ``row``."""
    return encode_page_key(row.epoch, row.number)
