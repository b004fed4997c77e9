"""Checks of the caller's arguments, made before anything is sent.

Each check returns the value as it travels on the wire (a string) or raises
:class:`~gumroad_async.errors.InvalidArgumentError`, which names the argument.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from gumroad_async._redaction import redact_url
from gumroad_async.errors import InvalidArgumentError

__all__ = [
    "RESOURCE_NAMES",
    "check_cents",
    "check_count",
    "check_day",
    "check_flag",
    "check_id",
    "check_offer_code_name",
    "check_order_id",
    "check_percent",
    "check_positive_number",
    "check_post_url",
    "check_resource_name",
    "check_text",
    "check_whole_number",
    "form_fields",
]

RESOURCE_NAMES = (
    "sale",
    "refund",
    "dispute",
    "dispute_won",
    "cancellation",
    "subscription_updated",
    "subscription_ended",
    "subscription_restarted",
)

_OFFER_CODE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_ORDER_ID = re.compile(r"0|[1-9][0-9]*")
#: Gumroad keeps counts and amounts in 32-bit integer columns (``db/schema.rb``): a larger
#: value makes the server fail with a 500 after it may have done part of the work.
INT_COLUMN_MAX = 2**31 - 1
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOCAL_HOSTS = frozenset({"localhost", "0.0.0.0"})


def check_id(name: str, value: object) -> str:
    """An object id (or a custom field name): any non-empty text, sent as one path segment."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(name, f"must be a non-empty string, got {value!r}")
    return value


def check_text(name: str, value: object) -> str:
    """Any non-empty text."""
    return check_id(name, value)


def check_day(name: str, value: object) -> str:
    """A ``datetime.date`` or a ``YYYY-MM-DD`` string, as ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        raise InvalidArgumentError(
            name, "must be a date, not a datetime: Gumroad filters by whole days (use .date())"
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise InvalidArgumentError(name, f"must be a datetime.date or 'YYYY-MM-DD', got {value!r}")


def check_flag(name: str, value: object) -> str:
    """A ``bool``, as ``"true"``/``"false"``."""
    if not isinstance(value, bool):
        raise InvalidArgumentError(name, f"must be True or False, got {value!r}")
    return "true" if value else "false"


def check_cents(name: str, value: object, *, positive: bool = False) -> str:
    """An amount of money in integer cents (Gumroad truncates ``12.5`` to ``12``, so a
    fraction of a cent is refused rather than changed)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if positive else 0):
        need = "a positive" if positive else "a non-negative"
        raise InvalidArgumentError(name, f"must be {need} integer number of cents, got {value!r}")
    if value > INT_COLUMN_MAX:
        raise InvalidArgumentError(name, f"must be at most {INT_COLUMN_MAX} cents, got {value}")
    return str(value)


def check_count(name: str, value: object) -> str:
    """A positive whole number that fits Gumroad's integer columns."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(name, f"must be a positive integer, got {value!r}")
    if value > INT_COLUMN_MAX:
        raise InvalidArgumentError(name, f"must be at most {INT_COLUMN_MAX}, got {value}")
    return str(value)


def check_order_id(name: str, value: object) -> str:
    """An order number: digits only, without leading zeros (the server compares
    ``order_id.to_i.to_s`` with what was sent and answers 400 otherwise)."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _ORDER_ID.fullmatch(text):
        raise InvalidArgumentError(
            name, f"must be a number without leading zeros or signs, got {value!r}"
        )
    return text


def check_positive_number(name: str, value: object) -> float:
    """A number above zero (seconds, a rate)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidArgumentError(name, f"must be a positive number, got {value!r}")
    return float(value)


def check_whole_number(name: str, value: object, *, minimum: int) -> int:
    """An ``int`` of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(name, f"must be a whole number >= {minimum}, got {value!r}")
    return value


def check_percent(name: str, value: object) -> str:
    """A whole percentage from 0 to 100 (the server reads it with ``to_i``: ``12.5`` would
    silently become ``12``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise InvalidArgumentError(name, f"must be a percentage from 0 to 100, got {value!r}")
    if not float(value).is_integer():
        raise InvalidArgumentError(
            name, f"must be a whole percentage: Gumroad would truncate {value!r} to {int(value)}"
        )
    return str(int(value))


def check_offer_code_name(name: str, value: object) -> str:
    """An offer code: letters, digits, ``-`` and ``_`` only."""
    if not isinstance(value, str) or not _OFFER_CODE_NAME.fullmatch(value):
        raise InvalidArgumentError(
            name, f"must be letters, digits, '-' or '_' only, got {value!r}"
        )
    return value


def check_resource_name(name: str, value: object) -> str:
    """One of the eight resource names Gumroad sends pings for."""
    if value not in RESOURCE_NAMES:
        names = ", ".join(RESOURCE_NAMES)
        raise InvalidArgumentError(name, f"must be one of {names}; got {value!r}")
    return str(value)


def check_post_url(name: str, value: object) -> str:
    """An http(s) URL Gumroad can reach: not localhost or a loopback/unspecified address.

    Messages show the URL with its credentials (``?secret=...``) redacted.
    """
    if not isinstance(value, str):
        raise InvalidArgumentError(name, f"must be an http(s) URL, got {type(value).__name__}")
    shown = redact_url(value)
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise InvalidArgumentError(name, f"must be an http(s) URL, got {shown!r}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidArgumentError(name, f"must be an http(s) URL, got {shown!r}")
    local = host in _LOCAL_HOSTS
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        local = local or address.is_loopback or address.is_unspecified
    if local:
        raise InvalidArgumentError(name, f"must be reachable by Gumroad, not local: {shown!r}")
    return value


def _whole_number(name: str, value: int | float) -> str:
    # Gumroad's numeric product fields are integers (cents, counts) read with ``to_i``:
    # ``9.99`` would become ``9``. A whole float is sent as the integer it is.
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidArgumentError(
                name, f"must be a whole number (cents, counts): Gumroad would truncate {value!r}"
            )
        value = int(value)
    if abs(value) > INT_COLUMN_MAX:
        raise InvalidArgumentError(name, f"must be within ±{INT_COLUMN_MAX}, got {value}")
    return str(value)


def form_fields(name: str, fields: Mapping[str, Any]) -> dict[str, str]:
    """Free-form fields (``products.create(**fields)``) as form values; ``None`` is left out."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            out[key] = _whole_number(f"{name}[{key!r}]", value)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise InvalidArgumentError(
                f"{name}[{key!r}]", f"must be a string, number or bool, got {type(value).__name__}"
            )
    return out
