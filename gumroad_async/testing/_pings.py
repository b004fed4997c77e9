"""Pings as Gumroad sends them: form fields with bracket keys, POSTed to a ``post_url``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from gumroad_async._json import dumps

__all__ = [
    "encode_brackets", "flatten_form", "sale_ping_fields", "send_ping", "subscription_ping_fields",
]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def encode_brackets(key: object) -> str:
    """``encode_brackets`` of Gumroad's ping worker: ``[``/``]`` inside a field name become
    ``%5B``/``%5D`` (before form-encoding escapes the ``%``), so ``Size [EU]`` cannot be
    taken for a nested key."""
    return str(key).replace("[", "%5B").replace("]", "%5D")


def flatten_form(fields: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested values as bracket keys: ``{"card": {"visual": "x"}}`` -> ``card[visual]=x``.

    Each name has its brackets escaped first (``deep_transform_keys { encode_brackets }`` in
    ``app/sidekiq/post_to_individual_ping_endpoint_worker.rb``), as Gumroad sends them.
    """
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        name = f"{prefix}[{encode_brackets(key)}]" if prefix else encode_brackets(key)
        if isinstance(value, Mapping):
            pairs += flatten_form(value, name)
        elif isinstance(value, list | tuple):
            pairs += [(f"{name}[]", _text(item)) for item in value]
        else:
            pairs.append((name, _text(value)))
    return pairs


def sale_ping_fields(
    sale: Mapping[str, Any], resource_name: str = "sale", **overrides: Any
) -> dict[str, Any]:
    """The fields of a sale-type ping for a sale (as the fake or the API shows it)."""
    custom_fields = dict(sale.get("custom_fields") or {})
    fields: dict[str, Any] = {
        "seller_id": sale.get("seller_id"),
        "product_id": sale.get("product_id"),
        "product_name": sale.get("product_name"),
        "permalink": sale.get("product_permalink"),
        "product_permalink": f"https://fake-seller.gumroad.com/l/{sale.get('product_permalink')}",
        "short_product_id": sale.get("product_permalink"),
        "email": sale.get("email"),
        "price": sale.get("price"),
        "gumroad_fee": sale.get("gumroad_fee"),
        "currency": "usd",
        "quantity": sale.get("quantity", 1),
        "discover_fee_charged": False,
        "can_contact": sale.get("can_contact", True),
        "referrer": sale.get("referrer", "direct"),
        "card": {k: v for k, v in (sale.get("card") or {}).items() if v is not None},
        "order_number": sale.get("order_id"),
        "sale_id": sale.get("id"),
        "sale_timestamp": sale.get("created_at"),
        "purchaser_id": sale.get("purchaser_id"),
        "subscription_id": sale.get("subscription_id"),
        "variants": sale.get("variants") or {},
        "license_key": sale.get("license_key"),
        "is_multiseat_license": False,
        "ip_country": "United States",
        "is_gift_receiver_purchase": False,
        "refunded": sale.get("refunded", False),
        "disputed": sale.get("disputed", False),
        "dispute_won": sale.get("dispute_won", False),
        "test": False,
        "custom_fields": custom_fields,
        "url_params": {},
        "resource_name": resource_name,
    }
    fields.update(custom_fields)  # Gumroad repeats each custom field as a top-level key
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def subscription_ping_fields(
    subscriber: Mapping[str, Any], resource_name: str = "cancellation", **overrides: Any
) -> dict[str, Any]:
    """The fields of a subscription-type ping for a subscriber."""
    fields: dict[str, Any] = {
        "subscription_id": subscriber.get("id"),
        "product_id": subscriber.get("product_id"),
        "product_name": subscriber.get("product_name"),
        "user_id": subscriber.get("user_id"),
        "user_email": subscriber.get("user_email"),
        "purchase_ids": list(subscriber.get("purchase_ids") or []),
        "created_at": subscriber.get("created_at"),
        "charge_occurrence_count": subscriber.get("charge_occurrence_count"),
        "recurrence": subscriber.get("recurrence"),
        "free_trial_ends_at": subscriber.get("free_trial_ends_at"),
        "license_key": subscriber.get("license_key"),
        "custom_fields": {},
        "resource_name": resource_name,
    }
    if resource_name == "cancellation":
        fields.update(cancelled=True, cancelled_at=subscriber.get("cancelled_at")
                      or "2024-06-01T12:00:00Z", cancelled_by_buyer=True)
    elif resource_name == "subscription_ended":
        fields.update(ended_at=subscriber.get("ended_at") or "2024-07-01T12:00:00Z",
                      ended_reason="cancelled")
    elif resource_name == "subscription_restarted":
        fields.update(restarted_at="2024-08-01T12:00:00Z")
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


async def send_ping(
    url: str,
    fields: Mapping[str, Any],
    *,
    json: bool = False,
    deliveries: int = 1,
    session: aiohttp.ClientSession | None = None,
) -> list[int]:
    """POST a ping ``deliveries`` times, as Gumroad re-delivers (each retry carries
    ``retry_count``); returns the status of each delivery."""
    statuses: list[int] = []
    own = session is None
    http = aiohttp.ClientSession() if session is None else session
    try:
        for attempt in range(deliveries):
            payload = dict(fields)
            if attempt:
                payload["retry_count"] = attempt
            if json:
                kwargs: dict[str, Any] = {
                    "data": dumps(payload), "headers": {"Content-Type": "application/json"}}
            else:
                kwargs = {"data": flatten_form(payload)}
            async with http.post(url, **kwargs) as response:
                await response.read()
                statuses.append(response.status)
    finally:
        if own:
            await http.close()
    return statuses
