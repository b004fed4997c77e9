"""Ping bodies to events: form-encoded with bracket keys (``card[visual]``) or JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from gumroad_async._converter import structure
from gumroad_async.errors import GumroadError
from gumroad_async.webhooks._events import SUBSCRIPTION_RESOURCES, SaleEvent, SubscriptionEvent

__all__ = ["WebhookError", "nest_form", "parse_ping"]

_MAX_BODY = 1024 * 1024
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
Event = SaleEvent | SubscriptionEvent


class WebhookError(GumroadError, ValueError):
    """A ping body that cannot be read (wrong content type, not a form or JSON object)."""


def nest_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs with bracket keys as nested values: ``card[visual]=x`` becomes
    ``{"card": {"visual": "x"}}`` and ``purchase_ids[]=a&purchase_ids[]=b`` a list."""
    out: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if match is None:
            out[raw_key] = value  # not bracket syntax: keep it as it came
            continue
        head, rest = match.group(1), _PART.findall(match.group(2))
        if not rest:
            out[head] = value
            continue
        node: Any = out
        path = [head, *rest]
        for index, part in enumerate(path[:-1]):
            follows_list = path[index + 1] == ""
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict | list):
                child = [] if follows_list else {}
                if isinstance(node, dict):
                    node[part] = child
                else:
                    node.append(child)
            node = child
        last = path[-1]
        if isinstance(node, list):
            node.append(value)
        elif last == "":
            node.setdefault("", value)
        else:
            node[last] = value
    return out


def _decode(body: bytes | str | Mapping[str, Any], content_type: str) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    if len(body) > _MAX_BODY:
        raise WebhookError(f"ping body larger than {_MAX_BODY} bytes")
    kind = content_type.split(";", 1)[0].strip().lower()
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if kind == "application/json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise WebhookError(f"ping body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise WebhookError("ping body is JSON but not an object")
        return data
    if kind in ("application/x-www-form-urlencoded", ""):
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
        except ValueError as exc:
            raise WebhookError(f"ping body is not form-encoded: {exc}") from None
        return nest_form(pairs)
    raise WebhookError(
        f"unexpected ping content type {content_type!r} (form-encoded or JSON expected)"
    )


def parse_ping(
    body: bytes | str | Mapping[str, Any],
    content_type: str = "application/x-www-form-urlencoded",
) -> SaleEvent | SubscriptionEvent:
    """Read a ping body into a :class:`SaleEvent` or a :class:`SubscriptionEvent`.

    The class follows ``resource_name``; a ping without one is a sale. Booleans
    (``"true"``), numbers (``"1000"``, ``"1.0"``) and timestamps are decoded leniently;
    keys the event does not declare are kept in ``.extra``. Raises :class:`WebhookError`
    for a body that is not a form or a JSON object.
    """
    data = _decode(body, content_type)
    if not data:
        raise WebhookError("empty ping body")
    name = data.get("resource_name")
    cls: type[Event] = SubscriptionEvent if name in SUBSCRIPTION_RESOURCES else SaleEvent
    event = structure(data, cls)
    if event is None:  # pragma: no cover - data is a dict
        raise WebhookError("ping body is not an object")
    return event
