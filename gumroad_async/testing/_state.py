"""The fake's in-memory account: products, sales, subscribers, licenses and the rest.

Pure data and queries, no I/O, so that it can be seeded with hundreds of thousands of sales
and queried without scans: sales live in a ``SalesBook`` (compact rows, pages found by
bisection, JSON assembled from bytes); subscribers are kept in the server's order per
product.
"""

from __future__ import annotations

import base64
import random
import re
import secrets
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from gumroad_async.testing._sales import SALES_PER_PAGE, SELLER_ID, SaleRow, SalesBook
from gumroad_async.testing._subscribers import SUBSCRIBERS_PER_PAGE, Record, SubscriberBook
from gumroad_async.testing._tracked import Changes, TrackedDict
from gumroad_async.testing._wire import iso_utc

__all__ = [
    "SALES_PER_PAGE", "SELLER_ID", "SUBSCRIBERS_PER_PAGE", "Caller", "FakeState", "new_id",
    "timestamp",
]

_OFFER_CODE_NAME = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9_-]*")
_FIRST_NAMES = ("ada", "brook", "calvin", "dana", "eli", "fern", "gus", "hana", "ivo", "jun")
#: The token scopes that let `GET /v2/user` show the e-mail (`User::AsJson#valid_api_scope?`).
_EMAIL_SCOPES = frozenset({"edit_products", "view_sales", "revenue_share", "ifttt",
                           "view_profile", "account"})


#: Keys of ``Link#as_json_for_api`` shown only to a token with ``view_sales``.
_SALES_FIGURES = frozenset({"sales_count", "sales_usd_cents", "custom_delivery_url"})
#: ``Link#custom_field_descriptors`` (``app/models/link.rb:976``).
_FIELD_DESCRIPTOR = ("id", "type", "name", "required", "collect_per_product")
#: ``config/currencies.json`` ``min_price``, for the currencies the fake knows by name.
_MIN_PRICE = {"usd": 99, "gbp": 59, "eur": 79, "jpy": 99, "inr": 7300}


def _ppp_prices(price_cents: int, factors: dict[str, float], currency: str) -> dict[str, int]:
    """``Link#compute_ppp_prices``: each country's factor times the price, not below the
    currency's minimum; a free price stays 0."""
    least = _MIN_PRICE.get(currency, 99)
    # Ruby's Float#round rounds halves away from zero (Python's round would go to even).
    return {country: 0 if price_cents == 0 else int(max(factor * price_cents, least) + 0.5)
            for country, factor in factors.items()}


def _ruby_time(value: datetime | str) -> str:
    """``Time#to_s`` in UTC, as ``release_at.to_s`` writes it: ``2025-01-05 19:38:56 UTC``."""
    return datetime.fromtimestamp(_epoch(value), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _ruby_epoch(value: str) -> int:
    return _epoch(value.replace(" UTC", "Z").replace(" ", "T", 1))


class Caller(NamedTuple):
    """Who makes the request being answered: its token's scopes and OAuth application."""

    scopes: frozenset[str]
    app: str | None = None


def new_id(rng: random.Random | None = None) -> str:
    """An opaque id shaped like Gumroad's (base64 with ``-``, ``_`` and ``==``)."""
    raw = rng.randbytes(16) if rng is not None else secrets.token_bytes(16)
    return base64.urlsafe_b64encode(raw).decode()


def _epoch(value: datetime | str | None) -> int:
    if value is None:
        return int(time.time())
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def timestamp(value: datetime | str | None) -> str:
    """ISO 8601 UTC with a ``Z``, to the second, as the server's JSON writes times."""
    return iso_utc(_epoch(value))


class FakeState:
    """Everything the fake account holds. Methods return JSON-ready dicts."""

    def __init__(self) -> None:
        self.user: dict[str, Any] = {
            "name": "Fake Seller",
            "bio": "a seller made for tests",
            "twitter_handle": None,
            "currency_type": "usd",
            "id": "1234567890123",
            "user_id": "G_-mnBf9b1j9A7a4ub4nFQ==",
            "url": "https://fake-seller.gumroad.com",
            "profile_url": "https://public-files.gumroad.com/fake-avatar.png",
            "email": "seller@example.com",
            "display_name": "Fake Seller",
        }
        #: The caller of the request being answered (handlers run one at a time, unawaited).
        self.caller = Caller(frozenset({"account"}))
        # Products (and the mapping of them) say when they change: sales pages keep their
        # products' encoded fields until then.
        self._product_changes = Changes()
        self.products: dict[str, dict[str, Any]] = TrackedDict().watched_by(
            self._product_changes)
        self.permalinks: dict[str, str] = {}
        #: Products that ship (``is_physical``): without SKUs, their variants are the SKUs.
        self.physical_products: set[str] = set()
        self.sales = SalesBook(self.products, self.physical_products.__contains__,
                               self._product_changes)
        self.subscriptions = SubscriberBook()
        self.subscribers: dict[str, Record] = self.subscriptions.records
        self.licenses: dict[str, dict[str, Any]] = {}
        self.offer_codes: dict[str, dict[str, Any]] = {}
        self.variant_categories: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, dict[str, Any]] = {}
        #: Product id -> its custom fields, in creation order (names may repeat).
        self.custom_fields: dict[str, list[dict[str, Any]]] = {}
        self.resource_subscriptions: dict[str, dict[str, Any]] = {}
        self.receipts_sent: dict[str, int] = {}
        self.oauth_apps: dict[str, dict[str, str]] = {}
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        #: Refresh token -> the grant it renews (access token, client, scopes).
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self._deep_pages: deque[float] = deque()
        #: Product id -> country -> purchasing power parity factor (PPP enabled).
        self.ppp_factors: dict[str, dict[str, float]] = {}
        #: Product id -> its SKUs (``_default`` marks the product's default SKU).
        self.skus: dict[str, list[dict[str, Any]]] = {}

    # -- user -------------------------------------------------------------------------
    def user_json(self, scopes: frozenset[str], *, ifttt: bool = False) -> dict[str, Any]:
        """``User::AsJson``: the e-mail (and a few more) only with a scope beyond
        ``view_public``; ``display_name`` only with ``view_profile``; nil left out then.
        ``ifttt``: ``UsersController#show`` first gives a blank name the e-mail."""
        user = dict(self.user)
        user.setdefault("links", self.user_links())
        if ifttt and not user.get("name"):
            user["name"] = user.get("email")
        if scopes & _EMAIL_SCOPES:
            shown = {k: user.get(k) for k in ("name", "bio", "twitter_handle", "currency_type",
                                              "id", "user_id", "url", "links", "profile_url",
                                              "email")}
        else:
            shown = {k: user[k] for k in ("name", "bio", "twitter_handle") if user.get(k)
                     is not None}
            shown.update({k: user.get(k) for k in ("id", "user_id", "url", "links")})
        if scopes & {"view_profile", "account"}:
            shown["display_name"] = user.get("display_name")
        return shown

    def user_links(self) -> list[str] | None:
        """``links.presence && links.alive.map(&:general_permalink)``: nil without products."""
        if not self.products:
            return None
        permalinks = {pid: link for link, pid in self.permalinks.items()}
        return [p.get("custom_permalink") or permalinks[pid] for pid, p in self.products.items()]

    def throttle_deep_pages(self, now: float) -> bool:
        """Rack::Attack's one v2 throttle: ``page`` > 10 on sales, 10 requests a second."""
        hits = self._deep_pages
        while hits and hits[0] <= now - 1.0:
            hits.popleft()
        if len(hits) >= 10:
            return True
        hits.append(now)
        return False

    # -- products ---------------------------------------------------------------------
    def add_product(
        self, *, name: str = "Product", price: int = 100, id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        product_id = id or new_id()
        if fields.pop("is_physical", False):
            self.physical_products.add(product_id)
        permalink = fields.pop("permalink", None) or _permalink(product_id, self.permalinks)
        factors = fields.pop("ppp_factors", None)
        if factors:
            self.ppp_factors[product_id] = dict(factors)
        if fields.get("release_at") is not None:  # a preorder (``preorder_link``)
            fields["release_at"] = _ruby_time(fields["release_at"])
            fields["is_preorder"] = True
        product: dict[str, Any] = TrackedDict({
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
        }).watched_by(self._product_changes)
        product.update(fields)
        self.products[product_id] = product
        self.permalinks[permalink] = product_id
        self.custom_fields.setdefault(product_id, [])
        return product

    def product(self, product_id: str) -> dict[str, Any] | None:
        """A product by its id or by its permalink (``BaseController#fetch_product``)."""
        found = self.products.get(product_id)
        if found is None and product_id in self.permalinks:
            found = self.products.get(self.permalinks[product_id])
        return found

    def product_json(self, product: dict[str, Any], scopes: frozenset[str]) -> dict[str, Any]:
        """``Link#as_json_for_api`` (``app/models/link.rb:1353``): every key, nil kept; the
        product's custom fields and variant categories as they stand; preorder keys for a
        preorder, PPP prices with PPP factors, sales figures only with ``view_sales``."""
        shown = {k: v for k, v in product.items() if k not in _SALES_FIGURES}
        pid = product["id"]
        fields = self.custom_fields.get(pid)
        if fields:  # custom_field_descriptors: no `global`, no `products`
            shown["custom_fields"] = [{k: f[k] for k in _FIELD_DESCRIPTOR} for f in fields]
        factors = self.ppp_factors.get(pid)
        price = product.get("price") or 0
        currency = str(product.get("currency") or "usd")
        categories = [c for c in self.variant_categories.values() if c["_product_id"] == pid]
        if categories:
            shown["variants"] = [
                {"title": c["title"], "options": [
                    self._variant_option(v, price, currency, factors)
                    for v in self.variants.values() if v["_category_id"] == c["id"]]}
                for c in categories
            ]
        if product.get("is_preorder"):
            shown["is_in_preorder_state"] = _ruby_epoch(product["release_at"]) > time.time()
        if factors:
            shown["purchasing_power_parity_prices"] = _ppp_prices(price, factors, currency)
        if scopes & {"view_sales", "account"}:
            shown["custom_delivery_url"] = None  # deprecated, always nil
            shown["sales_count"] = product.get("sales_count", 0)
            shown["sales_usd_cents"] = product.get("sales_usd_cents", 0)
        return shown

    @staticmethod
    def _variant_option(variant: dict[str, Any], price: int, currency: str,
                        factors: dict[str, float] | None) -> dict[str, Any]:
        """One entry of a product's ``variants[].options`` (``link.rb:1380``)."""
        difference = variant.get("price_difference_cents")
        option: dict[str, Any] = {
            "name": variant.get("name"), "price_difference": difference,
            "is_pay_what_you_want": bool(variant.get("is_customizable_price")),
            "recurrence_prices": None, "url": None,
        }
        if factors:
            option["purchasing_power_parity_prices"] = (
                None if difference is None
                else _ppp_prices(difference + price, factors, currency))
        return option

    def products_newest_first(self) -> list[dict[str, Any]]:
        """``LinksController#index``: every visible product, ``created_at desc``, no pages."""
        return list(reversed(self.products.values()))

    def delete_product(self, product_id: str) -> None:
        product = self.products.pop(product_id)
        self.permalinks = {k: v for k, v in self.permalinks.items() if v != product["id"]}

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
        """Add one sale (a product is made when none is named) and return its JSON.

        It takes the next database id whatever its ``created_at``: a backdated sale has
        an older time and a higher id than its neighbours, which the server's cursor
        selection skips (as it does on the live service).
        """
        product = self._product_for_sale(product_id)
        row = self.sales.add(
            _epoch(created_at), id or new_id(), product["id"],
            email or f"buyer{len(self.sales)}@example.com",
            product["price"] if price is None else int(price),
        )
        if fields:
            self.sales.overlay[row.id] = dict(fields)
        return self.sales.sale_json(row)

    def _product_for_sale(self, product_id: str | None) -> dict[str, Any]:
        if product_id is None:
            if not self.products:
                return self.add_product(name="Default product", price=1000)
            return next(iter(self.products.values()))
        product = self.product(product_id)
        if product is None:
            product = self.add_product(name=f"Product {product_id}", id=product_id)
        return product

    @property
    def sale_count(self) -> int:
        return len(self.sales)

    def sale(self, sale_id: str) -> dict[str, Any] | None:
        row = self.sales.row(sale_id)
        return None if row is None else self.sales.sale_json(row)

    def update_sale(self, sale_id: str, **fields: Any) -> dict[str, Any]:
        self.sales.overlay.setdefault(sale_id, {}).update(fields)
        return self.sale(sale_id) or {}

    def iter_sales(self) -> Iterator[dict[str, Any]]:
        """Every sale, newest first (``created_at desc, id desc``)."""
        now = time.time()
        for row in self.sales.newest_first():
            yield self.sales.sale_json(row, now)

    def sale_rows(self) -> Iterator[SaleRow]:
        """Every stored sale row, newest first."""
        return self.sales.newest_first()

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
        """Add a subscription of a product (active unless ``cancelled_at``/``ended_at``/
        ``failed_at`` say otherwise); ``email`` is its purchases' e-mail."""
        product = self._product_for_sale(product_id)
        subscriber_id = id or new_id()
        epoch = _epoch(created_at)
        number = len(self.subscribers) + 1
        email = user_email or f"member{len(self.subscribers)}@example.com"
        subscriber = Record({
            "id": subscriber_id,
            "email": fields.pop("email", email),
            "product_id": product["id"],
            "product_name": product["name"],
            "user_id": str(1_000_000_000 + number),
            "user_email": email,
            "purchase_ids": [],
            "created_at": iso_utc(epoch),
            "user_requested_cancellation_at": None,
            "charge_occurrence_count": None,
            "recurrence": "monthly",
            "cancelled_at": None,
            "ended_at": None,
            "failed_at": None,
            "free_trial_ends_at": None,
            "status": "alive",
        })
        subscriber.update(fields)
        if subscriber.get("license_key") is None:
            subscriber.pop("license_key", None)  # Subscription#as_json: only when present
        self.subscriptions.add(subscriber, product["id"], epoch)
        return subscriber

    # -- licenses ---------------------------------------------------------------------
    def add_license(
        self, *, product_id: str | None = None, uses: int = 0, license_key: str | None = None,
        sale_id: str | None = None,
    ) -> dict[str, Any]:
        product = self._product_for_sale(product_id)
        key = license_key or "-".join(secrets.token_hex(4).upper() for _ in range(4))
        license_id = new_id()
        if sale_id is None:
            sale_id = self.add_sale(product_id=product["id"])["id"]
        # Purchase#license_json: a sale with a license shows these four.
        self.update_sale(sale_id, license_key=key, license_id=license_id,
                         license_disabled=False, is_multiseat_license=False)
        record = {
            "license_key": key, "product_id": product["id"], "sale_id": sale_id,
            "uses": int(uses), "disabled": False, "id": license_id,
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
        """Add an offer code; ``ValueError`` (with Gumroad's wording) when it is refused.

        The texts are ``OfferCode``'s validations (``full_messages.to_sentence``).
        """
        if not name:
            raise ValueError("Code can't be blank")
        if not _OFFER_CODE_NAME.fullmatch(name):
            raise ValueError("Code can only contain numbers, letters, dashes, and underscores.")
        for existing in self.offer_codes.values():
            if existing["_deleted"]:
                continue
            # validates_uniqueness_of (a case-insensitive MySQL column) for universal codes;
            # code_validation (Ruby ==, case-sensitive) among one product's codes.
            if universal and existing["_universal"] and existing["name"].lower() == name.lower():
                raise ValueError("Code must be unique.")
            if not universal and existing["name"] == name and (
                existing["_universal"] or existing["_product_id"] == product_id
            ):
                raise ValueError("Discount code must be unique.")
        amount = amount or 0
        if amount < 0:
            raise ValueError("Please enter a positive discount amount.")
        if offer_type == "percent" and amount > 100:
            raise ValueError("Please enter a discount amount that is 100% or less.")
        code: dict[str, Any] = {"id": new_id(), "name": name}
        if offer_type == "percent":
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
        origin = int(datetime.combine(start, datetime.min.time(), tzinfo=UTC).timestamp())
        spread, choose, pick = max(span, 1), rng.random, rng.choice
        rows = [
            (origin + int(choose() * spread), new_id(rng), product["id"],
             f"{pick(_FIRST_NAMES)}{int(choose() * 100_000)}@example.com", product["price"])
            for product in (made[int(choose() * len(made))] for _ in range(sales))
        ]
        licensed = []
        for i in range(licenses):
            product = made[i % len(made)]
            rows.append((origin + int(choose() * spread), new_id(rng), product["id"],
                         f"licensee{i}@example.com", product["price"]))
            licensed.append((rows[-1][1], product["id"],
                             "-".join(f"{rng.getrandbits(32):08X}" for _ in range(4))))
        # Inserted in time order, so that ids rise with created_at as on a live account
        # (the server's cursor selection skips a record with an older time and higher id).
        self.sales.bulk_add(rows)
        for sale_id, product_id, key in licensed:
            self.add_license(product_id=product_id, license_key=key, sale_id=sale_id)
        members = sorted(
            (origin + int(choose() * spread), i, new_id(rng)) for i in range(subscribers))
        for epoch, i, subscriber_id in members:
            self.add_subscriber(product_id=made[i % len(made)]["id"], id=subscriber_id,
                                user_email=f"member{i}@example.com",
                                created_at=datetime.fromtimestamp(epoch, UTC))


def _permalink(product_id: str, taken: dict[str, str]) -> str:
    # A short unique permalink derived from the id (letters only, like Gumroad's).
    base = "".join(c for c in product_id if c.isalpha())[:5] or "prod"
    permalink, n = base, 1
    while permalink in taken:
        n += 1
        permalink = f"{base}{n}"
    return permalink
