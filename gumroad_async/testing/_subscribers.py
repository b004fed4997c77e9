"""The fake's subscribers: kept in the server's order per product, listed from bytes.

Each subscriber is a ``Record`` (a dict that keeps its JSON encoding until one of its keys
changes). Per product, the listing of active subscribers is built once and kept until a
subscriber changes, one is added, or a pending cancellation comes due; a page is then a
slice of pre-encoded rows, found by bisection, unless a filter or an out-of-order id makes
the server's ``created_at <= ? and id < ?`` selection skip rows (then rows are walked).
"""

from __future__ import annotations

import bisect
import math
import time
from typing import Any

from gumroad_async._json import dumps
from gumroad_async.testing._tracked import TrackedDict
from gumroad_async.testing._wire import iso_utc, parse_timestamp

__all__ = ["SUBSCRIBERS_PER_PAGE", "Record", "SubscriberBook"]

SUBSCRIBERS_PER_PAGE = 100  # subscribers_controller.rb RESULTS_PER_PAGE
_ID_MASK = (1 << 32) - 1
_EPOCH_SHIFT = 1 << 40


def _key(epoch: int, number: int) -> int:
    return ((epoch + _EPOCH_SHIFT) << 32) | number


class Record(TrackedDict):
    """A JSON object that keeps its encoding until one of its keys is set or removed.

    (Assign a field to change it: a nested list changed in place is not seen.)
    """

    __slots__ = ("_encoded",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._encoded: bytes | None = None

    def encoded(self) -> bytes:
        if self._encoded is None:
            self._encoded = dumps(dict(self))
        return self._encoded

    def _changed(self) -> None:
        self._encoded = None
        super()._changed()


class _Listing:
    """One product's active subscribers, in ``(created_at, id)`` order, pre-encoded."""

    __slots__ = ("emails", "encoded", "expires", "in_order", "joined", "keys", "numbers",
                 "starts", "version")

    def __init__(self, version: int, expires: float) -> None:
        self.version, self.expires = version, expires
        self.keys: list[int] = []
        self.numbers: list[int] = []
        self.encoded: list[bytes] = []
        self.emails: list[str] = []
        self.in_order = True
        # The rows joined newest first with commas, once, and where each row starts in
        # them: a page is then one slice (built when a page is first asked for).
        self.joined: memoryview | None = None
        self.starts: list[int] = []

    def joined_rows(self, low: int, high: int) -> memoryview:
        """Rows ``low..high-1`` newest first, comma-joined: a view into ``joined``."""
        joined = self.joined
        if joined is None:
            encoded = self.encoded
            self.joined = joined = memoryview(b",".join(reversed(encoded)))
            starts = [0] * len(encoded)
            position = 0
            for index in range(len(encoded) - 1, -1, -1):
                starts[index] = position
                position += len(encoded[index]) + 1
            self.starts = starts
        if low >= high:
            return joined[:0]
        starts = self.starts
        return joined[starts[high - 1]:starts[low] + len(self.encoded[low])]


class SubscriberBook:
    """Every subscription of the account, by id, and per product in the server's order."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self._keys: dict[str, int] = {}
        self._by_product: dict[str, list[tuple[int, str]]] = {}
        self._listings: dict[str, _Listing] = {}
        #: Bumped whenever a subscriber is added or changed: listings are rebuilt then.
        self.version = 0

    def add(self, record: Record, product_id: str, epoch: int) -> None:
        number = len(self._keys) + 1
        key = _key(epoch, number)
        record.watched_by(self)
        self.records[record["id"]] = record
        self._keys[record["id"]] = key
        bisect.insort(self._by_product.setdefault(product_id, []), (key, record["id"]))
        self.version += 1

    def page(
        self, product_id: str, email: str | None,
        bound: tuple[float | None, int] | None = None, size: int | None = None,
    ) -> tuple[list[bytes], tuple[int, int] | None]:
        """Active subscribers (their JSON), ``created_at desc, id desc``, below a decoded
        cursor; with ``size``, one page and the ``(epoch, id)`` of its last row when more
        follow."""
        listing = self._listing(product_id)
        high, below = _below(listing, bound)
        if email is None and below is None:
            low = 0 if size is None else max(0, high - size)
            found = listing.encoded[low:high]
            found.reverse()
            more = size is not None and low > 0
            return found, (_unkey(listing.keys[low]) if more else None)
        return self._walk(listing, high, email, below, size)

    def joined_page(
        self, product_id: str, email: str | None,
        bound: tuple[float | None, int] | None = None, size: int | None = None,
    ) -> tuple[bytes | memoryview, tuple[int, int] | None]:
        """``page``, its rows comma-joined: a slice of the listing joined once, when the
        page is a run of it."""
        listing = self._listing(product_id)
        high, below = _below(listing, bound)
        if email is None and below is None:
            low = 0 if size is None else max(0, high - size)
            more = size is not None and low > 0
            return listing.joined_rows(low, high), (_unkey(listing.keys[low]) if more else None)
        found, last = self._walk(listing, high, email, below, size)
        return b",".join(found), last

    def _walk(self, listing: _Listing, high: int, email: str | None, below: int | None,
              size: int | None) -> tuple[list[bytes], tuple[int, int] | None]:
        found: list[bytes] = []
        numbers, emails, encoded = listing.numbers, listing.emails, listing.encoded
        last = -1
        for index in range(high - 1, -1, -1):
            if below is not None and numbers[index] >= below:
                continue
            if email is not None and emails[index] != email:
                continue
            if size is not None and len(found) == size:
                return found, _unkey(listing.keys[last])
            found.append(encoded[index])
            last = index
        return found, None

    def _listing(self, product_id: str) -> _Listing:
        listing = self._listings.get(product_id)
        now = time.time()
        if listing is not None and listing.version == self.version and now < listing.expires:
            return listing
        # Subscription.active: not failed, not ended, not cancelled (or cancelled from a
        # later time on, which is when this listing expires).
        expires = math.inf
        listing = _Listing(self.version, expires)
        now_text = iso_utc(int(now))
        for key, subscriber_id in self._by_product.get(product_id, []):
            record = self.records[subscriber_id]
            if record.get("failed_at") or record.get("ended_at"):
                continue
            cancelled = record.get("cancelled_at")
            if cancelled:
                when = parse_timestamp(cancelled)
                if iso_utc(int(when)) <= now_text:
                    continue
                expires = min(expires, when)
            number = key & _ID_MASK
            if listing.numbers and number < listing.numbers[-1]:
                listing.in_order = False
            listing.keys.append(key)
            listing.numbers.append(number)
            listing.encoded.append(record.encoded())
            listing.emails.append(str(record.get("email") or "").lower())
        listing.expires = expires
        self._listings[product_id] = listing
        return listing


def _below(listing: _Listing, bound: tuple[float | None, int] | None) -> tuple[int, int | None]:
    """Where a decoded cursor cuts the listing: rows before ``high`` qualify, those of
    them with an id below ``below`` (``None``: all of them)."""
    if bound is None:
        return len(listing.keys), None
    bound_time, below = bound
    if bound_time is None:
        return 0, None  # created_at <= NULL
    high = bisect.bisect_right(listing.keys, _key(math.floor(bound_time), _ID_MASK))
    if listing.in_order:
        # Ids rise with created_at here, so `id < ?` is a bound on the position.
        return min(high, bisect.bisect_left(listing.numbers, below)), None
    return high, below


def _unkey(key: int) -> tuple[int, int]:
    return (key >> 32) - _EPOCH_SHIFT, key & _ID_MASK
