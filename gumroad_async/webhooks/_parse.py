"""Ping bodies to events: form-encoded with bracket keys (``card[visual]``) or JSON.

``parse_ping`` is total: whatever the bytes, it returns an event or raises
:class:`WebhookError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import parse_qsl

from gumroad_async._converter import structure
from gumroad_async.errors import GumroadError
from gumroad_async.webhooks._events import SUBSCRIPTION_RESOURCES, SaleEvent, SubscriptionEvent

__all__ = ["MAX_PING_BYTES", "WebhookError", "nest_form", "parse_ping"]

#: The largest ping body read (real pings are a few kilobytes).
MAX_PING_BYTES = 1024 * 1024
#: Nesting deeper than this (JSON or bracket keys) is not a ping; Gumroad's go 3 deep.
_MAX_DEPTH = 16
_MAX_FIELDS = 5000
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
# Gumroad escapes brackets inside names (``encode_brackets`` in its ping worker) so that
# ``Size [EU]`` survives bracket syntax as ``Size %5BEU%5D``.
_ESCAPED_BRACKET = re.compile(r"%5[bBdD]")
_RESOURCE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
Event = SaleEvent | SubscriptionEvent


class WebhookError(GumroadError, ValueError):
    """A ping body that cannot be read (wrong content type, not a form or JSON object, not
    a ping). ``status`` is what a receiver answers: 400, 413 (too large) or 415."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _refuse(message: str, status: int = 400) -> NoReturn:
    raise WebhookError(message, status=status)


def _unescape(name: str) -> str:
    return _ESCAPED_BRACKET.sub(lambda m: "[" if m.group(0)[2] in "bB" else "]", name)


def nest_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs with bracket keys as nested values: ``card[visual]=x`` becomes
    ``{"card": {"visual": "x"}}`` and ``purchase_ids[]=a&purchase_ids[]=b`` a list.

    Brackets that Gumroad escaped inside a name (``%5B``/``%5D``) come back as ``[``/``]``:
    ``custom_fields[Size %5BEU%5D]`` is ``{"custom_fields": {"Size [EU]": ...}}``. Raises
    :class:`WebhookError` for keys nested deeper than 16 levels.
    """
    out: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if match is None:
            out[_unescape(raw_key)] = value  # not bracket syntax: keep it as it came
            continue
        head = _unescape(match.group(1))
        rest = [_unescape(part) for part in _PART.findall(match.group(2))]
        if len(rest) > _MAX_DEPTH:
            _refuse(f"form key nested deeper than {_MAX_DEPTH} levels")
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


def _reject_constant(name: str) -> NoReturn:
    _refuse(f"ping body is JSON with {name}, which is not a number")


def _too_deep(data: Any) -> bool:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def _decode(body: bytes | str | Mapping[str, Any], content_type: str) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    if len(body) > MAX_PING_BYTES:
        _refuse(f"ping body larger than {MAX_PING_BYTES} bytes", 413)
    kind = content_type.split(";", 1)[0].strip().lower()
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            _refuse("ping body is not UTF-8")
    else:
        text = body
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            _refuse("ping body is not UTF-8")
    if kind == "application/json":
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            _refuse("ping body is JSON nested too deeply")
        except WebhookError:
            raise
        except ValueError as exc:
            # Only the position: the body itself is the sender's, not for our logs.
            _refuse(f"ping body is not valid JSON (line {getattr(exc, 'lineno', '?')})")
        if not isinstance(data, dict):
            _refuse("ping body is JSON but not an object")
        return data
    if kind in ("application/x-www-form-urlencoded", ""):
        try:
            pairs = parse_qsl(
                text, keep_blank_values=True, strict_parsing=bool(text), encoding="utf-8",
                errors="strict", max_num_fields=_MAX_FIELDS,
            )
        except UnicodeDecodeError:
            _refuse("ping body is form-encoded but a percent-escape is not UTF-8")
        except ValueError as exc:
            _refuse(f"ping body is not form-encoded: {str(exc)[:80]}")
        return nest_form(pairs)
    _refuse(
        f"unexpected ping content type {kind[:80]!r} (form-encoded or JSON expected)", 415
    )


def parse_ping(
    body: bytes | str | Mapping[str, Any],
    content_type: str = "application/x-www-form-urlencoded",
) -> SaleEvent | SubscriptionEvent:
    """Read a ping body into a :class:`SaleEvent` or a :class:`SubscriptionEvent`.

    The class follows ``resource_name``; a ping without one is a sale. Booleans
    (``"true"``), numbers (``"1000"``, ``"1.0"``) and timestamps are decoded leniently;
    keys the event does not declare are kept in ``.extra``. Total: raises
    :class:`WebhookError` for anything that is not a ping (not UTF-8, not a form or a JSON
    object, nested too deeply, larger than :data:`MAX_PING_BYTES`, a ``resource_name`` that
    is not one name, a sale-type ping without ``sale_id`` or a subscription-type one without
    ``subscription_id``), and never anything else.
    """
    data = _decode(body, content_type)
    if not data:
        _refuse("empty ping body")
    if _too_deep(data):
        _refuse(f"ping body nested deeper than {_MAX_DEPTH} levels")
    name = data.get("resource_name")
    if name is not None and not (isinstance(name, str) and _RESOURCE_NAME.fullmatch(name)):
        _refuse("resource_name is not one name such as 'sale'")
    if name in SUBSCRIPTION_RESOURCES:
        subscription = structure(data, SubscriptionEvent)
        if subscription is None or not subscription.subscription_id:
            _refuse(f"a {name} ping without subscription_id")
        return subscription
    sale = structure(data, SaleEvent)
    if sale is None or not sale.sale_id:
        _refuse(f"a {name or 'sale'} ping without sale_id")
    return sale
