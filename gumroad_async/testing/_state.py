"""The fake's in-memory account: products, sales, subscribers, licenses and the rest.

Pure data and queries, no I/O, so that it can be seeded with hundreds of thousands of sales
and queried without scans: sales are kept as compact rows in one list sorted by
``(created_at, id)`` (plus one list per product), and every page is found by bisection.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import random
import re
import secrets
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

__all__ = ["FakeState", "QueryTimeout", "new_id"]

SALES_PER_PAGE = 10
SUBSCRIBERS_PER_PAGE = 100
PRODUCTS_PER_PAGE = 10
SELLER_ID = "kL0paVL2SdmJSYsNs-OCMg=="
_OFFER_CODE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_FIRST_NAMES = ("ada", "brook", "calvin", "dana", "eli", "fern", "gus", "hana", "ivo", "jun")


class QueryTimeout(Exception):
    """The window asked for holds more sales than the fake's query-timeout threshold."""


class _SaleRow(NamedTuple):
    # Kept small on purpose: 200k rows of these are cheap; the full JSON is built per page.
    created_at: str
    id: str
    product_id: str
    email: str
    price: int
    order_id: int


def new_id(rng: random.Random | None = None) -> str:
    """An opaque id shaped like Gumroad's (base64 with ``-``, ``_`` and ``==``)."""
    raw = rng.randbytes(16) if rng is not None else secrets.token_bytes(16)
    return base64.urlsafe_b64encode(raw).decode()


def timestamp(value: datetime | str | None) -> str:
    """ISO 8601 UTC with a ``Z``, the one format the fake stores (so strings sort by time)."""
    if value is None:
        value = datetime.now(UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("\x1f".join(parts).encode()).decode()


def decode_cursor(key: str, size: int) -> list[str]:
    try:
        parts = base64.urlsafe_b64decode(key.encode()).decode().split("\x1f")
    except (binascii.Error, UnicodeError, ValueError):
        raise ValueError("Invalid page_key.") from None
    if len(parts) != size:
        raise ValueError("Invalid page_key.")
    return parts


class FakeState:
    """Everything the fake account holds. Methods return JSON-ready dicts."""

    def __init__(self) -> None:
        self.user: dict[str, Any] = {
            "user_id": "G_-mnBf9b1j9A7a4ub4nFQ==",
            "name": "Fake Seller",
            "email": "seller@example.com",
            "bio": "a seller made for tests",
            "twitter_handle": None,
            "url": "https://fake-seller.gumroad.com",
        }
        self.products: dict[str, dict[str, Any]] = {}
        self._product_seq: dict[str, int] = {}
        self._sales: dict[str, _SaleRow] = {}
        self._sale_keys: list[tuple[str, str]] = []
        self._product_sale_keys: dict[str, list[tuple[str, str]]] = {}
        self._sale_overlay: dict[str, dict[str, Any]] = {}
        self._next_order_id = 100_000_000
        self.subscribers: dict[str, dict[str, Any]] = {}
        self.licenses: dict[str, dict[str, Any]] = {}
        self.offer_codes: dict[str, dict[str, Any]] = {}
        self.variant_categories: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, dict[str, Any]] = {}
        self.custom_fields: dict[str, dict[str, dict[str, Any]]] = {}
        self.resource_subscriptions: dict[str, dict[str, Any]] = {}
        self.receipts_sent: dict[str, int] = {}
        self.oauth_apps: dict[str, dict[str, str]] = {}
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        #: Refresh token -> the grant it renews (access token, client, scopes).
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        #: Product id -> its SKUs (``_default`` marks the product's default SKU).
        self.skus: dict[str, list[dict[str, Any]]] = {}
        #: Products that ship (``is_physical``): without SKUs, their variants are the SKUs.
        self.physical_products: set[str] = set()
        self.query_timeout_threshold: int | None = None

    # -- products ---------------------------------------------------------------------
    def add_product(
        self, *, name: str = "Product", price: int = 100, id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        product_id = id or new_id()
        if fields.pop("is_physical", False):
            self.physical_products.add(product_id)
        permalink = product_id[:5].replace("-", "x").replace("_", "y")
        product: dict[str, Any] = {
            "id": product_id,
            "name": name,
            "price": int(price),
            "currency": "usd",
            "description": "",
            "custom_permalink": None,
            "custom_receipt": None,
            "custom_summary": None,
            "custom_fields": [],
            "customizable_price": None,
            "deleted": False,
            "max_purchase_count": None,
            "preview_url": None,
            "require_shipping": False,
            "subscription_duration": None,
            "published": True,
            "url": None,
            "short_url": f"https://fake-seller.gumroad.com/l/{permalink}",
            "thumbnail_url": None,
            "tags": [],
            "formatted_price": f"${int(price) / 100:g}",
            "file_info": {},
            "sales_count": 0,
            "sales_usd_cents": 0,
            "is_tiered_membership": False,
            "recurrences": None,
            "variants": [],
        }
        product.update(fields)
        self.products[product_id] = product
        self._product_seq[product_id] = len(self._product_seq)
        self.custom_fields.setdefault(product_id, {})
        return product

    def product(self, product_id: str) -> dict[str, Any] | None:
        return self.products.get(product_id)

    def products_page(self, page_key: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """All products at once while there are few; pages of 10 once there are more."""
        ordered = list(self.products.values())
        if len(ordered) <= PRODUCTS_PER_PAGE and page_key is None:
            return ordered, None
        start = 0
        if page_key is not None:
            (position,) = decode_cursor(page_key, 1)
            if not position.isdigit():
                raise ValueError("Invalid page_key.")
            start = int(position)
        chunk = ordered[start : start + PRODUCTS_PER_PAGE]
        end = start + len(chunk)
        return chunk, encode_cursor(str(end)) if end < len(ordered) else None

    def delete_product(self, product_id: str) -> None:
        del self.products[product_id]

    def add_sku(
        self, product_id: str, *, name: str, price_difference_cents: int = 0,
        max_purchase_count: int | None = None, description: str | None = None,
        custom_sku: str | None = None, default: bool = False, id: str | None = None,
    ) -> dict[str, Any]:
        """Add a SKU to a product, which then has SKUs enabled."""
        sku: dict[str, Any] = {
            "id": id or new_id(), "max_purchase_count": max_purchase_count, "name": name,
            "description": description, "price_difference_cents": price_difference_cents,
        }
        if custom_sku:  # app/models/sku.rb: the key only when the SKU has one
            sku["custom_sku"] = custom_sku
        sku["_default"] = default
        self.skus.setdefault(product_id, []).append(sku)
        return sku

    def product_skus(self, product_id: str) -> list[dict[str, Any]]:
        """``Api::V2::SkusController#index``: the SKUs, else a physical product's variants."""
        if product_id in self.skus:
            skus = self.skus[product_id]
            chosen = [s for s in skus if not s["_default"]] or [s for s in skus if s["_default"]]
            return [{k: v for k, v in s.items() if not k.startswith("_")} for s in chosen]
        if product_id in self.physical_products:
            categories = {c for c, category in self.variant_categories.items()
                          if category["_product_id"] == product_id}
            return [
                {k: v.get(k) for k in ("id", "max_purchase_count", "name", "description",
                                        "price_difference_cents")}
                for v in self.variants.values() if v["_category_id"] in categories
            ]
        return []

    # -- sales ------------------------------------------------------------------------
    def add_sale(
        self,
        *,
        product_id: str | None = None,
        created_at: datetime | str | None = None,
        email: str | None = None,
        price: int | None = None,
        id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add one sale (a product is made when none is named) and return its JSON."""
        product = self._product_for_sale(product_id)
        row = _SaleRow(
            created_at=timestamp(created_at),
            id=id or new_id(),
            product_id=product["id"],
            email=email or f"buyer{len(self._sales)}@example.com",
            price=product["price"] if price is None else int(price),
            order_id=self._take_order_id(),
        )
        self._insert_sale(row)
        if fields:
            self._sale_overlay[row.id] = dict(fields)
        return self.sale(row.id) or {}

    def _product_for_sale(self, product_id: str | None) -> dict[str, Any]:
        if product_id is None:
            if not self.products:
                return self.add_product(name="Default product", price=1000)
            return next(iter(self.products.values()))
        product = self.products.get(product_id)
        if product is None:
            product = self.add_product(name=f"Product {product_id}", id=product_id)
        return product

    def _take_order_id(self) -> int:
        self._next_order_id += 1
        return self._next_order_id

    def _insert_sale(self, row: _SaleRow) -> None:
        if row.id in self._sales:
            raise ValueError(f"a sale with id {row.id!r} already exists")
        self._sales[row.id] = row
        key = (row.created_at, row.id)
        bisect.insort(self._sale_keys, key)
        bisect.insort(self._product_sale_keys.setdefault(row.product_id, []), key)

    def bulk_add_sales(self, rows: Iterable[_SaleRow]) -> None:
        """Add many sales at once: one sort instead of one insertion each."""
        for row in rows:
            self._sales[row.id] = row
            self._sale_keys.append((row.created_at, row.id))
            self._product_sale_keys.setdefault(row.product_id, []).append((row.created_at, row.id))
        self._sale_keys.sort()
        for keys in self._product_sale_keys.values():
            keys.sort()

    @property
    def sale_count(self) -> int:
        return len(self._sales)

    def sale(self, sale_id: str) -> dict[str, Any] | None:
        row = self._sales.get(sale_id)
        return None if row is None else self._sale_json(row)

    def update_sale(self, sale_id: str, **fields: Any) -> dict[str, Any]:
        self._sale_overlay.setdefault(sale_id, {}).update(fields)
        return self.sale(sale_id) or {}

    def _sale_json(self, row: _SaleRow) -> dict[str, Any]:
        product = self.products.get(row.product_id)
        product_name = product["name"] if product else "Deleted product"
        sale: dict[str, Any] = {
            "id": row.id,
            "email": row.email,
            "purchase_email": row.email,
            "seller_id": SELLER_ID,
            "created_at": row.created_at,
            "timestamp": row.created_at,
            "product_id": row.product_id,
            "product_name": product_name,
            "product_permalink": row.product_id[:5],
            "price": row.price,
            "gumroad_fee": row.price // 10,
            "currency_symbol": "$",
            "formatted_display_price": f"${row.price / 100:.2f}",
            "formatted_total_price": f"${row.price / 100:.2f}",
            "order_id": row.order_id,
            "quantity": 1,
            "paid": True,
            "refunded": False,
            "partially_refunded": False,
            "amount_refundable_in_currency": f"{row.price / 100:.2f}",
            "chargedback": False,
            "disputed": False,
            "dispute_won": False,
            "shipped": False,
            "tracking_url": None,
            "variants": {},
            "custom_fields": {},
            "has_custom_fields": False,
            "referrer": "direct",
            "can_contact": True,
            "card": {"visual": None, "type": None},
            "license_key": None,
            "is_recurring_billing": False,
            "subscription_id": None,
            # The rest of the documented field set, so that answers weigh what real ones do.
            "daystamp": row.created_at[:10],
            "product_has_variants": False,
            "has_variants": False,
            "variants_and_quantity": "",
            "subscription_duration": None,
            "zip_code": None,
            "is_product_physical": False,
            "purchaser_id": str(5_000_000_000 + row.order_id),
            "is_following": False,
            "is_additional_contribution": False,
            "discover_fee_charged": False,
            "is_gift_sender_purchase": False,
            "is_gift_receiver_purchase": False,
            "product_rating": None,
            "reviews_count": 0,
            "average_rating": 0,
            "cancelled": False,
            "ended": False,
            "recurring_charge": False,
            "license_id": None,
            "license_disabled": False,
            "affiliate": None,
            "offer_code": None,
        }
        overlay = self._sale_overlay.get(row.id)
        if overlay:
            sale.update(overlay)
        return sale

    def sales_page(
        self,
        *,
        after: date | None = None,
        before: date | None = None,
        product_id: str | None = None,
        email: str | None = None,
        order_id: str | None = None,
        page_key: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of sales, newest first, and the cursor of the next page (if any)."""
        keys = self._sale_keys
        if product_id is not None:
            keys = self._product_sale_keys.get(product_id, [])
        low = 0 if after is None else bisect.bisect_left(keys, (after.isoformat(),))
        high = len(keys) if before is None else bisect.bisect_left(keys, (before.isoformat(),))
        threshold = self.query_timeout_threshold
        if threshold is not None and high - low > threshold:
            raise QueryTimeout
        if page_key is not None:
            created_at, sale_id = decode_cursor(page_key, 2)
            # A position, not a snapshot: sales added since do not shift it.
            high = min(high, bisect.bisect_left(keys, (created_at, sale_id)))
        found: list[_SaleRow] = []
        index = high - 1
        more = False
        while index >= low:
            row = self._sales[keys[index][1]]
            index -= 1
            if email is not None and row.email != email:
                continue
            if order_id is not None and str(row.order_id) != order_id:
                continue
            if len(found) == SALES_PER_PAGE:
                more = True
                break
            found.append(row)
        cursor = encode_cursor(found[-1].created_at, found[-1].id) if more else None
        return [self._sale_json(row) for row in found], cursor

    def iter_sales(self) -> Iterator[dict[str, Any]]:
        """Every sale, newest first."""
        for _, sale_id in reversed(self._sale_keys):
            yield self._sale_json(self._sales[sale_id])

    # -- subscribers ------------------------------------------------------------------
    def add_subscriber(
        self,
        *,
        product_id: str | None = None,
        user_email: str | None = None,
        created_at: datetime | str | None = None,
        id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        product = self._product_for_sale(product_id)
        subscriber_id = id or new_id()
        subscriber: dict[str, Any] = {
            "id": subscriber_id,
            "product_id": product["id"],
            "product_name": product["name"],
            "user_id": str(1_000_000_000 + len(self.subscribers)),
            "user_email": user_email or f"member{len(self.subscribers)}@example.com",
            "purchase_ids": [],
            "created_at": timestamp(created_at),
            "user_requested_cancellation_at": None,
            "charge_occurrence_count": None,
            "recurrence": "monthly",
            "cancelled_at": None,
            "ended_at": None,
            "failed_at": None,
            "free_trial_ends_at": None,
            "license_key": None,
            "status": "alive",
        }
        subscriber.update(fields)
        self.subscribers[subscriber_id] = subscriber
        return subscriber

    def product_subscribers(self, product_id: str, email: str | None) -> list[dict[str, Any]]:
        return [
            s
            for s in self.subscribers.values()
            if s["product_id"] == product_id and (email is None or s["user_email"] == email)
        ]

    # -- licenses ---------------------------------------------------------------------
    def add_license(
        self, *, product_id: str | None = None, uses: int = 0, license_key: str | None = None,
        sale_id: str | None = None,
    ) -> dict[str, Any]:
        product = self._product_for_sale(product_id)
        key = license_key or "-".join(secrets.token_hex(4).upper() for _ in range(4))
        if sale_id is None:
            sale_id = self.add_sale(product_id=product["id"], license_key=key)["id"]
        else:
            self.update_sale(sale_id, license_key=key)
        record = {
            "license_key": key, "product_id": product["id"], "sale_id": sale_id,
            "uses": int(uses), "disabled": False,
        }
        self.licenses[key] = record
        return dict(record)

    def license_answer(self, record: dict[str, Any]) -> dict[str, Any]:
        sale = self.sale(record["sale_id"]) or {}
        purchase = {
            "seller_id": SELLER_ID,
            "product_id": record["product_id"],
            "product_name": sale.get("product_name"),
            "permalink": sale.get("product_permalink"),
            "email": sale.get("email"),
            "price": sale.get("price"),
            "gumroad_fee": sale.get("gumroad_fee"),
            "currency": "usd",
            "quantity": 1,
            "order_number": sale.get("order_id"),
            "sale_id": record["sale_id"],
            "sale_timestamp": sale.get("created_at"),
            "license_key": record["license_key"],
            "is_multiseat_license": False,
            "refunded": sale.get("refunded", False),
            "disputed": False,
            "dispute_won": False,
            "id": record["sale_id"],
            "created_at": sale.get("created_at"),
            "custom_fields": [],
            "chargebacked": False,
        }
        return {"success": True, "uses": record["uses"], "purchase": purchase}

    # -- offer codes, variants, custom fields, resource subscriptions ---------------------
    def add_offer_code(
        self,
        *,
        product_id: str,
        name: str,
        offer_type: str | None = None,
        amount: int | None = None,
        universal: bool = False,
        max_purchase_count: int | None = None,
    ) -> dict[str, Any]:
        """Add an offer code; ``ValueError`` (with Gumroad's wording) when it is refused."""
        if not _OFFER_CODE_NAME.match(name):
            raise ValueError("Offer code names can only contain letters, numbers, - and _.")
        for existing in self.offer_codes.values():
            if existing["_deleted"] or existing["name"].lower() != name.lower():
                continue
            if universal or existing["_universal"] or existing["_product_id"] == product_id:
                raise ValueError("An offer code with this name already exists.")
        if amount is None:
            raise ValueError("An offer code needs an amount.")
        code: dict[str, Any] = {"id": new_id(), "name": name}
        if offer_type == "percent":
            if not 0 <= amount <= 100:
                raise ValueError("Percent off must be between 0 and 100.")
            code["percent_off"] = amount
        else:
            code["amount_cents"] = amount
        code.update(
            max_purchase_count=max_purchase_count, universal=universal, times_used=0,
            _product_id=product_id, _universal=universal, _deleted=False,
        )
        self.offer_codes[code["id"]] = code
        return code

    # -- seeding ----------------------------------------------------------------------
    def seed(
        self,
        *,
        seed: int = 0,
        products: int = 5,
        sales: int = 0,
        subscribers: int = 0,
        licenses: int = 0,
        start: date = date(2023, 1, 1),
        end: date = date(2025, 1, 1),
    ) -> None:
        """Fill the account with deterministic data: the same ``seed`` gives the same ids."""
        rng = random.Random(seed)
        made = [
            self.add_product(name=f"Product {i + 1}", price=rng.choice((500, 1000, 2500, 9900)),
                             id=new_id(rng))
            for i in range(products)
        ]
        if not made and (sales or subscribers or licenses):
            made = [self.add_product(name="Product 1", price=1000, id=new_id(rng))]
        span = int((datetime.combine(end, datetime.min.time()) -
                    datetime.combine(start, datetime.min.time())).total_seconds())
        origin = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
        rows = []
        for _ in range(sales):
            product = made[rng.randrange(len(made))]
            moment = origin + timedelta(seconds=rng.randrange(max(span, 1)))
            rows.append(_SaleRow(
                created_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                id=new_id(rng),
                product_id=product["id"],
                email=f"{rng.choice(_FIRST_NAMES)}{rng.randrange(100_000)}@example.com",
                price=product["price"],
                order_id=self._take_order_id(),
            ))
        self.bulk_add_sales(rows)
        for i in range(subscribers):
            moment = origin + timedelta(seconds=rng.randrange(max(span, 1)))
            self.add_subscriber(product_id=made[i % len(made)]["id"], id=new_id(rng),
                                user_email=f"member{i}@example.com", created_at=moment)
        for i in range(licenses):
            product_id = made[i % len(made)]["id"]
            moment = origin + timedelta(seconds=rng.randrange(max(span, 1)))
            sale = self.add_sale(product_id=product_id, created_at=moment, id=new_id(rng))
            key = "-".join(f"{rng.getrandbits(32):08X}" for _ in range(4))
            self.add_license(product_id=product_id, license_key=key, sale_id=sale["id"])
