"""The fake's sales: compact rows, the server's page selection, and JSON built from bytes.

Rows stay small (200,000 of them are cheap to hold and seed); a page is found by bisection
and its JSON is assembled from bytes: per product, the fields every sale of it shares are
encoded once; per row, only the fields of its own are encoded when it is served. A sale
that a test changed (refund, shipping, license, extra fields) takes the generic path, a
dict merged and encoded whole, which gives the same keys and values.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any, NamedTuple

from gumroad_async._json import dumps, loads
from gumroad_async.testing._tracked import Versioned
from gumroad_async.testing._wire import (
    daystamp,
    distance_text,
    encode_page_key,
    encrypt_numeric,
    format_money,
    iso_utc,
    march_year,
    time_ago_in_words,
)

__all__ = ["SALES_PER_PAGE", "SELLER_ID", "SaleRow", "SalesBook"]

SALES_PER_PAGE = 10  # sales_controller.rb RESULTS_PER_PAGE
SELLER_ID = "kL0paVL2SdmJSYsNs-OCMg=="
_CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹", "aud": "A$",
                     "cad": "C$"}
_CARD = {"visual": None, "type": None, "bin": None, "expiry_month": None, "expiry_year": None}
_ID_MASK = (1 << 32) - 1
_EPOCH_SHIFT = 1 << 40  # keeps keys positive for times before 1970


# A product's encoded shared fields, its currency, that currency's money cache, and its
# sales' money and shared fields together, by price.
_Tail = tuple[bytes, str, dict[int, bytes], dict[int, bytes]]


def _key(epoch: int, number: int) -> int:
    return ((epoch + _EPOCH_SHIFT) << 32) | number


class SaleRow(NamedTuple):
    """One sale as stored: ``number`` is its database id (the cursor's ``id < ?``)."""

    epoch: int
    number: int
    id: str
    product_id: str
    email: str
    price: int


class SalesBook:
    """Every sale of the account, ordered as the server orders them.

    Columns are lists indexed by the database id (``number``), which keeps 200,000 sales
    small; ``_own`` holds each sale's own fields pre-encoded at insertion (all but
    ``timestamp``, which moves with the clock, and the money strings, which follow the
    product's currency).
    """

    def __init__(self, products: Mapping[str, dict[str, Any]],
                 physical: Callable[[str], bool], changes: Versioned | None = None) -> None:
        """``changes``: a counter bumped whenever a product changes (``TrackedDict``
        products); without it, each page checks the fields of the products it shows."""
        self._products = products
        self._physical = physical
        self._changes = changes
        self._index: dict[str, int] = {}
        self._epoch: list[int] = [0]
        self._id: list[str] = [""]
        self._product: list[str] = [""]
        self._email: list[str] = [""]
        self._price: list[int] = [0]
        self._own: list[bytes] = [b""]
        # Each sale's (product, price) as a small number: its money and shared fields are
        # then one cached piece (`_suffixes`), looked up for a whole page at once.
        self._kind: list[int] = [0]
        self._kinds: dict[tuple[str, int], int] = {}
        self._suffixes: dict[int, bytes] = {}
        # Sort keys as plain ints, `(created_at, id)` packed (ints cost the garbage
        # collector nothing, where 200,000 tuples would be walked on every full collection).
        self._order: list[int] = []
        # Whether ids rise with `(created_at, id)` order (as when sales are added in time
        # order): then `id < ?` is a bound on the position, and a page is a slice.
        self._in_order = True
        self._by_product: dict[str, list[int]] = {}
        # Product id -> (the product's fields that its sales show, the encoded shared
        # fields with the currency and its money cache); checked on each page.
        self._shared: dict[str, tuple[tuple[Any, ...] | None, _Tail]] = {}
        # The same for the products of the pages since `changes` last moved.
        self._tails: dict[str, _Tail] = {}
        self._tails_version = -1
        # Currency -> price (or -1 - refundable cents) -> the encoded money fields.
        self._money: dict[str, dict[int, bytes]] = {}
        # "N ago" by age bucket, for this minute: as JSON, and as a row's opening bytes
        # (`,{"timestamp":…,`), those of sales older than 30 days also by day.
        self._ago: dict[tuple[int, int], bytes | None] = {}
        self._openings: dict[tuple[int, int], bytes] = {}
        self._openings_by_day: dict[int, bytes] = {}
        self._ago_minute = -1
        self._to_year = 0
        #: Sale id -> fields a test or a write changed (refund, shipping, license ...).
        self.overlay: dict[str, dict[str, Any]] = {}
        #: Sale id -> cents refunded so far.
        self.refunded_cents: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, sale_id: object) -> bool:
        return sale_id in self._index

    def _row(self, number: int) -> SaleRow:
        return SaleRow(self._epoch[number], number, self._id[number], self._product[number],
                       self._email[number], self._price[number])

    def row(self, sale_id: str) -> SaleRow | None:
        number = self._index.get(sale_id)
        return None if number is None else self._row(number)

    # -- writing ----------------------------------------------------------------------
    def add(self, epoch: int, sale_id: str, product_id: str, email: str, price: int) -> SaleRow:
        """Insert one sale; it takes the next database id, whatever its ``created_at``."""
        if sale_id in self._index:
            raise ValueError(f"a sale with id {sale_id!r} already exists")
        number = self._store(epoch, sale_id, product_id, email, price)
        key = _key(epoch, number)
        position = bisect.bisect_right(self._order, key)
        self._order.insert(position, key)
        if position != len(self._order) - 1:
            self._in_order = False  # an older sale with the newest id
        bisect.insort(self._by_product.setdefault(product_id, []), key)
        return self._row(number)

    def bulk_add(self, sales: Iterable[tuple[int, str, str, str, int]]) -> None:
        """Insert many ``(epoch, id, product_id, email, price)`` at once, numbered in time
        order as a live account's ids are, with one sort instead of one insertion each."""
        order, by_product = self._order, self._by_product
        newest = order[-1] if order else -1
        first = None
        for epoch, sale_id, product_id, email, price in sorted(sales):
            key = _key(epoch, self._store(epoch, sale_id, product_id, email, price))
            first = key if first is None else first
            order.append(key)
            by_product.setdefault(product_id, []).append(key)
        # The new sales are in order among themselves and their ids are the highest: the
        # whole stays in order unless the oldest of them is older than the newest before.
        if first is not None and first < newest:
            self._in_order = False
        order.sort()
        for keys in by_product.values():
            keys.sort()

    def _store(self, epoch: int, sale_id: str, product_id: str, email: str, price: int) -> int:
        number = len(self._id)
        self._index[sale_id] = number
        self._epoch.append(epoch)
        self._id.append(sale_id)
        self._product.append(product_id)
        self._email.append(email)
        self._price.append(price)
        kinds = self._kinds
        self._kind.append(kinds.setdefault((product_id, price), len(kinds)))
        # The sale's own fields, encoded once (`%` on bytes: cheap for 200,000 sales).
        self._own.append(
            b'"id":%b,"email":%b,"daystamp":"%b","created_at":"%b","price":%d,'
            b'"gumroad_fee":%d,"purchase_email":%b,"paid":%b,"order_id":%d,'
            b'"purchaser_id":"%d"' % (
                dumps(sale_id), dumps(email), daystamp(epoch).encode(), iso_utc(epoch).encode(),
                price, price // 10, dumps(email), b"true" if price != 0 else b"false",
                encrypt_numeric(number), 5_000_000_000 + number,
            )
        )
        return number

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
    ) -> tuple[list[int], bool]:
        """``size`` sales (their numbers), newest first (``created_at desc, id desc``), and
        whether more follow.

        ``bound`` is a decoded cursor; it selects ``created_at <= ? and id < ?`` exactly as
        the server does, so a row older than the bound but with a higher id is left out.
        """
        keys = self._order if product_id is None else self._by_product.get(product_id, [])
        low = 0 if low_epoch is None else bisect.bisect_left(keys, _key(low_epoch, 0))
        high = len(keys) if high_epoch is None else bisect.bisect_left(keys, _key(high_epoch, 0))
        below = None
        if bound is not None:
            bound_time, below = bound
            if bound_time is None:
                return [], False  # created_at <= NULL
            # created_at <= the bound: whole seconds here, so up to its floor (`_key`
            # written out: this is on every page).
            cut = bisect.bisect_right(
                keys, ((math.floor(bound_time) + _EPOCH_SHIFT) << 32) | _ID_MASK)
            if cut < high:
                high = cut
        if number is not None:
            if not 0 < number < len(self._id):
                return [], False
            key = _key(self._epoch[number], number)
            position = bisect.bisect_left(keys, key)
            hit = (low <= position < high and keys[position] == key
                   and (below is None or number < below)
                   and (email is None or self._email[number].lower() == email))
            return ([number] if hit else []), False
        if email is None and self._in_order:
            return self._slice(keys, low, high, below, size)
        emails = self._email
        found: list[int] = []
        index = high - 1
        while index >= low:
            candidate = keys[index] & _ID_MASK
            index -= 1
            if below is not None and candidate >= below:
                continue
            if email is not None and emails[candidate].lower() != email:
                continue
            if len(found) == size:
                return found, True
            found.append(candidate)
        return found, False

    def _slice(self, keys: list[int], low: int, high: int, below: int | None, size: int
               ) -> tuple[list[int], bool]:
        # `page` when ids rise with time and no e-mail filter skips rows: the rows before
        # sale `below` in time order are exactly those of a lower id, so a page is a slice.
        if below is not None and below < len(self._id):
            cut = bisect.bisect_left(
                keys, ((self._epoch[below] + _EPOCH_SHIFT) << 32) | below) if below > 0 else 0
            if cut < high:
                high = cut
        start = high - size
        if start < low:
            start = low
        found = [key & _ID_MASK for key in keys[start:high]]
        found.reverse()
        return found, start > low

    def newest_first(self) -> Iterator[SaleRow]:
        for key in reversed(self._order):
            yield self._row(key & _ID_MASK)

    # -- JSON -------------------------------------------------------------------------
    def sale_json(self, row: SaleRow, now: float | None = None) -> dict[str, Any]:
        """The sale as ``Purchase#as_json(version: 2)`` shows it."""
        now = time.time() if now is None else now
        product = self._products.get(row.product_id)
        currency = product.get("currency", "usd") if product else "usd"
        sale = {"timestamp": loads(self._timestamp(row.epoch, now)),
                **loads(b"{" + self._own[row.number] + self._money_bytes(row.number, currency)
                        + b"}"),
                **self._shared_fields(row.product_id, product)}
        overlay = self.overlay.get(row.id)
        if overlay:
            sale.update(overlay)
            # `delete_if { |_, v| v.nil? }`: a field a test cleared is left out.
            sale = {k: v for k, v in sale.items() if v is not None or k in _KEPT_NULLS}
        return sale

    def page_json(self, numbers: list[int], head: bytes, end: bytes,
                  now: float | None = None) -> bytes:
        """A page's JSON: ``head``, the sales' objects (a JSON array's items), ``end``.

        ``numbers`` are newest first, as ``page`` gives them; ``now``: the clock's time.
        """
        now = time.time() if now is None else now
        if now // 60 != self._ago_minute:
            self._timestamp(int(now), now)  # renews the cached texts on a new minute
        changes = self._changes
        if changes is None or changes.version != self._tails_version:
            self._tails.clear()  # a product changed (or cannot tell): check them again
            self._suffixes.clear()
            self._tails_version = -1 if changes is None else changes.version
        count = len(numbers)
        if count < 2:
            return self._page_json_rows(numbers, head, end, now)
        # The whole page at once, in C where it can be (item getters, maps and slice
        # assignments): a Python loop over the rows is this page's main cost otherwise.
        pick = itemgetter(*numbers)
        if (self.overlay or self.refunded_cents) and not (
                self.overlay.keys().isdisjoint(pick(self._id))
                and self.refunded_cents.keys().isdisjoint(pick(self._id))):
            return self._page_json_rows(numbers, head, end, now)
        epochs = pick(self._epoch)
        openings = self._openings_of(epochs, now)
        kinds = pick(self._kind)
        cache = self._suffixes
        try:
            suffixes = list(map(cache.__getitem__, kinds))
        except KeyError:
            for number, kind in zip(numbers, kinds, strict=True):
                if kind not in cache:
                    product_id = self._product[number]
                    tail = self._tails.get(product_id) or self._remember_tail(product_id)
                    cache[kind] = tail[3].get(self._price[number]) or self._suffix(number, tail)
            suffixes = list(map(cache.__getitem__, kinds))
        size = 3 * count
        parts = [head] * (size + 2)
        parts[1:size + 1:3] = openings
        parts[2:size + 2:3] = pick(self._own)
        parts[3:size + 3:3] = suffixes
        parts[1] = parts[1][1:]  # no comma before the first row
        parts[-1] = end
        return b"".join(parts)

    def _openings_of(self, epochs: tuple[int, ...], now: float) -> list[bytes]:
        # The rows' openings, newest first. Ages only grow down a page: when the first and
        # the last row are in the same cached day, every row between is too.
        first = round((now - epochs[0]) / 60)
        last = round((now - epochs[-1]) / 60)
        if first >= 43200 and first // 1440 == last // 1440 and epochs[0] >= epochs[-1]:
            opening = self._openings_by_day.get(first // 1440)
            if opening is not None:
                return [opening] * len(epochs)
        by_day = self._openings_by_day
        openings = []
        for epoch in epochs:
            minutes = round((now - epoch) / 60)
            openings.append((by_day.get(minutes // 1440) if minutes >= 43200 else None)
                            or self._opening(epoch, now))
        return openings

    def _page_json_rows(self, numbers: list[int], head: bytes, end: bytes, now: float
                        ) -> bytes:
        """``page_json`` row by row (any page; sales a test changed are made whole)."""
        tails = self._tails
        parts: list[bytes] = [head]
        add = parts.extend
        overlay, refunded, by_day = self.overlay, self.refunded_cents, self._openings_by_day
        own, products, epochs, prices = self._own, self._product, self._epoch, self._price
        for number in numbers:
            if (overlay or refunded) and self._changed(number):
                # A sale a test changed or refunded: made whole, by the general path.
                add((b",", dumps(self.sale_json(self._row(number), now))))
                continue
            tail = tails.get(products[number]) or self._remember_tail(products[number])
            suffix = tail[3].get(prices[number]) or self._suffix(number, tail)
            epoch = epochs[number]
            minutes = round((now - epoch) / 60)
            opening = (by_day.get(minutes // 1440) if minutes >= 43200 else None
                       ) or self._opening(epoch, now)
            add((opening, own[number], suffix))
        if len(parts) > 1:
            parts[1] = parts[1][1:]  # no comma before the first row
        parts.append(end)
        return b"".join(parts)

    def _changed(self, number: int) -> bool:
        sale_id = self._id[number]
        return sale_id in self.overlay or sale_id in self.refunded_cents

    def _suffix(self, number: int, tail: _Tail) -> bytes:
        # The money of a sale at its product's price and the product's shared fields, one
        # piece, kept per price.
        suffix = self._money_bytes(number, tail[1]) + tail[0]
        tail[3][self._price[number]] = suffix
        return suffix

    def cursor(self, number: int) -> str:
        """The ``next_page_key`` of a page whose last sale is ``number``."""
        return encode_page_key(self._epoch[number], number)

    def _opening(self, epoch: int, now: float) -> bytes:
        # `,{"timestamp":"N ago",`: cached with the text, by the same buckets.
        minutes = round((now - epoch) / 60)
        span = 1 if minutes < 2880 else 60 if minutes < 43200 else 1440
        key = (span, minutes // span)
        opening = self._openings.get(key)
        if opening is None:
            opening = b',{"timestamp":' + self._timestamp(epoch, now) + b","
            if self._ago.get(key) is not None:  # the text holds for the whole bucket
                self._openings[key] = opening
                if span == 1440:
                    self._openings_by_day[key[1]] = opening
        return opening

    def _timestamp(self, epoch: int, now: float) -> bytes:
        # "N ago" moves with the clock, so it is made when served. Ages are bucketed (by
        # the hour under 30 days, by the day above) and a bucket's text is cached when its
        # first and last minute give the same text; otherwise it is made exactly.
        minute_now = int(now // 60)
        if minute_now != self._ago_minute:
            self._ago.clear()
            self._openings.clear()
            self._openings_by_day.clear()
            self._ago_minute = minute_now
            self._to_year = march_year(now) - 1
        minutes = round((now - epoch) / 60)
        if minutes < 2880:
            span, bucket = 1, minutes
        else:
            span = 60 if minutes < 43200 else 1440
            bucket = minutes // span
        key = (span, bucket)
        if key in self._ago:
            text = self._ago[key]
        elif span == 1:
            text = self._ago[key] = dumps(time_ago_in_words(epoch, now))
        else:
            low, high = bucket * span, bucket * span + span - 1
            # The leap-day count past a year: the same for the whole bucket, or no cache.
            years = {march_year(now - (low + 0.5) * 60), march_year(now - (high + 0.5) * 60)}
            first = distance_text(low, min(years), self._to_year)
            last = distance_text(high, min(years), self._to_year)
            text = dumps(first) if first == last and len(years) == 1 else None
            self._ago[key] = text
        if text is None:
            return dumps(time_ago_in_words(epoch, now))
        return text

    def _money_bytes(self, number: int, currency: str) -> bytes:
        price = self._price[number]
        left = price - self.refunded_cents.get(self._id[number], 0)
        key = price if left == price else -1 - left
        cache = self._money.setdefault(currency, {})
        encoded = cache.get(key)
        if encoded is None:
            symbol = _CURRENCY_SYMBOLS.get(currency, "$")
            shown = format_money(price, currency, symbol=symbol)
            encoded = dumps({
                "formatted_display_price": shown, "formatted_total_price": shown,
                "amount_refundable_in_currency": format_money(left, currency),
            })[:-1].replace(b"{", b",", 1)
            if left == price:
                cache[key] = encoded
        return encoded

    def _remember_tail(self, product_id: str) -> _Tail:
        tail = self._tails[product_id] = self._tail(product_id)
        return tail

    def _tail(self, product_id: str) -> _Tail:
        # A product's shared fields, encoded once and kept while the product shows the
        # same values; checked once per page and product.
        product = self._products.get(product_id)
        shown = None if product is None else (
            product.get("name"), product.get("currency"), product.get("short_url"),
            product.get("is_recurring_billing"), self._physical(product_id))
        kept = self._shared.get(product_id)
        if kept is not None and kept[0] == shown:
            return kept[1]
        currency = product.get("currency", "usd") if product else "usd"
        tail: _Tail = (b"," + dumps(self._shared_fields(product_id, product))[1:], currency,
                self._money.setdefault(currency, {}), {})
        self._shared[product_id] = (shown, tail)
        return tail

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
