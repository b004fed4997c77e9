"""Ping bodies built the way Gumroad's server builds them, independently of the fake.

- The params: ``Purchase#payload_for_ping_notification`` (app/modules/purchase/
  ping_notification.rb) and ``Subscription#payload_for_ping_notification``
  (app/modules/subscription/ping_notification.rb).
- The form body: ``PostToIndividualPingEndpointWorker`` (app/sidekiq/
  post_to_individual_ping_endpoint_worker.rb) escapes ``[``/``]`` in every key with
  ``encode_brackets`` (``deep_transform_keys``), then HTTParty form-encodes the hash
  (``HashConversions.normalize_keys``, each key and value through ``ERB::Util.url_encode``).
  A re-delivery is the same params plus ``retry_count``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def encode_brackets(key: str) -> str:
    return key.replace("[", "%5B").replace("]", "%5D")


def _transform_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {encode_brackets(str(k)): _transform_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_transform_keys(v) for v in value]
    return value


def _ruby_to_s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _normalize(key: str, value: Any, nested: bool = False) -> list[tuple[str, str]]:
    if isinstance(value, list):
        if not value:
            # HTTParty sends `key[]=` for an empty top-level array, nothing for a nested one.
            return [] if nested else [(f"{key}[]", "")]
        return [pair for item in value for pair in _normalize(f"{key}[]", item, True)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _normalize(f"{key}[{k}]", v, True)]
    return [(key, _ruby_to_s(value))]


def form_body(params: dict[str, Any]) -> bytes:
    """The body Gumroad POSTs for ``params`` with the form content type."""
    pairs = [pair for k, v in _transform_keys(params).items() for pair in _normalize(k, v)]
    # ERB::Util.url_encode escapes everything but [a-zA-Z0-9_.~-]; so does quote(safe="").
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs).encode()


def json_body(params: dict[str, Any]) -> bytes:
    """The body Gumroad POSTs for ``params`` with the JSON content type (keys as they are)."""
    return json.dumps(params).encode()


def redelivery(params: dict[str, Any], retry_count: int) -> dict[str, Any]:
    return {**params, "retry_count": retry_count}


def sale_params(sale_id: str, resource_name: str = "sale", **overrides: Any) -> dict[str, Any]:
    """A sale-type ping's params, with the keys and types the server puts in them."""
    custom_fields = overrides.pop("custom_fields", {"Company": "ACME"})
    params: dict[str, Any] = {
        "seller_id": "kL0paVL2SdmJSYsNs-OCMg==",
        "product_id": "32-nPainqpLj1B_WIwVlMw==",
        "product_name": "Pencil Icon PSD",
        "permalink": "XCBbJ",
        "product_permalink": "https://seller.gumroad.com/l/XCBbJ",
        "short_product_id": "XCBbJ",
        "email": "buyer@example.com",
        "price": 1000,
        "gumroad_fee": 60,
        "currency": "usd",
        "quantity": 1,
        "discover_fee_charged": False,
        "can_contact": True,
        "referrer": "direct",
        "card": {"visual": "**** 4242", "type": "visa", "bin": None, "expiry_month": None,
                 "expiry_year": None},
        "order_number": 524459995,
        "sale_id": sale_id,
        "sale_timestamp": "2021-01-05T19:38:56Z",
        "purchaser_id": "5530311507811",
        "variants": {"Tier": "Premium"},
        **custom_fields,  # each custom field is also a top-level key of its own name
        "custom_fields": custom_fields,
        "license_key": "83DB262A-C19D3B06",
        "ip_country": "France",
        "is_gift_receiver_purchase": False,
        "refunded": False,
        "resource_name": resource_name,
        "disputed": False,
        "dispute_won": False,
    }
    params.update(overrides)
    return params


def subscription_params(
    subscription_id: str, resource_name: str, **overrides: Any
) -> dict[str, Any]:
    """A subscription-type ping's params (``additional_params`` go in ``overrides``)."""
    params: dict[str, Any] = {
        "subscription_id": subscription_id,
        "product_id": "0ssD7adjRklGBjS5cwlWPq==",
        "product_name": "Club",
        "user_id": "3523953790232",
        "user_email": "member@example.com",
        "purchase_ids": ["O4pjE6H8XNjy2JSCgKhbAw=="],
        "created_at": "2015-06-30T17:38:04Z",
        "charge_occurrence_count": 3,
        "recurrence": "monthly",
        "free_trial_ends_at": None,
        "resource_name": resource_name,
    }
    if resource_name == "cancellation":
        params.update(cancelled=True, cancelled_at="2024-06-01T12:00:00Z",
                      cancelled_by_buyer=True)
    elif resource_name == "subscription_ended":
        params.update(ended_at="2024-07-01T12:00:00Z", ended_reason="cancelled")
    elif resource_name == "subscription_restarted":
        params.update(restarted_at="2024-08-01T12:00:00Z")
    elif resource_name == "subscription_updated":
        params.update(
            type="upgrade", effective_as_of="2024-09-01T12:00:00Z",
            old_plan={"tier": {"id": "t1", "name": "Basic"}, "recurrence": "monthly",
                      "price_cents": 500, "quantity": 1},
            new_plan={"tier": {"id": "t2", "name": "Pro"}, "recurrence": "monthly",
                      "price_cents": 1500, "quantity": 1},
        )
    params.update(overrides)
    return params
