"""Records to table rows: the queryable columns, the full record as JSON, and its digest."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from gumroad_async._json import dumps
from gumroad_async.export._encode import wire_dict
from gumroad_async.records import Sale, Subscriber

__all__ = ["EncodedJSON", "sale_row", "subscriber_row"]


class EncodedJSON(str):
    """A record already encoded as JSON text: the JSON column stores it as it is, so each
    record is encoded once (for its digest and its row), not twice."""

    __slots__ = ()


#: Display strings the server computes from the clock at each request ("3 days ago"): stale
#: once stored, and they would make every re-sync see a change that is not one.
_VOLATILE = ("timestamp",)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _record(record: Any) -> tuple[EncodedJSON, str]:
    wire = wire_dict(record)
    for key in _VOLATILE:
        wire.pop(key, None)
    encoded = dumps(wire)
    # The digest is of the record as the server sent it; equal content, equal digest.
    return EncodedJSON(encoded.decode()), hashlib.blake2b(encoded, digest_size=16).hexdigest()


def sale_row(sale: Sale, account: str, run_id: str | None, now: datetime) -> dict[str, Any]:
    wire, digest = _record(sale)
    return {
        "account": account, "id": sale.id, "created_at": _utc(sale.created_at),
        "product_id": sale.product_id, "product_name": sale.product_name,
        "email": sale.email, "order_id": sale.order_id, "price": sale.price,
        "gumroad_fee": sale.gumroad_fee, "quantity": sale.quantity,
        "currency": _text(sale.extra.get("currency")), "currency_symbol": sale.currency_symbol,
        "refunded": sale.refunded, "partially_refunded": sale.partially_refunded,
        "chargedback": sale.chargedback, "disputed": sale.disputed,
        "dispute_won": sale.dispute_won, "shipped": sale.shipped,
        "subscription_id": sale.subscription_id, "purchaser_id": sale.purchaser_id,
        "record": wire, "digest": digest, "seen_run": run_id, "synced_at": now,
    }


def subscriber_row(
    subscriber: Subscriber, account: str, run_id: str | None, now: datetime
) -> dict[str, Any]:
    wire, digest = _record(subscriber)
    return {
        "account": account, "id": subscriber.id, "product_id": subscriber.product_id,
        "product_name": subscriber.product_name, "user_id": subscriber.user_id,
        "user_email": subscriber.user_email, "status": subscriber.status,
        "recurrence": subscriber.recurrence,
        "charge_occurrence_count": subscriber.charge_occurrence_count,
        "created_at": _utc(subscriber.created_at), "cancelled_at": _utc(subscriber.cancelled_at),
        "ended_at": _utc(subscriber.ended_at), "failed_at": _utc(subscriber.failed_at),
        "record": wire, "digest": digest, "seen_run": run_id, "synced_at": now,
    }
