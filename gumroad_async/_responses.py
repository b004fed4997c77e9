"""Turning an HTTP answer into a payload or an exception. No I/O here.

Gumroad fails in many shapes: ``200`` with ``{"success": false}``, ``400`` with
``{"status": 400, "error": ...}``, empty ``401``/``403``, ``429`` in plain text, HTML from
proxies. Every one of them becomes an exception of :mod:`gumroad_async.errors`, and a body
that is not JSON never escapes as a raw decoding error.
"""

from __future__ import annotations

import email.utils
import reprlib
import time
from collections.abc import Mapping
from typing import Any

from gumroad_async import _json
from gumroad_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)

__all__ = ["decode_answer", "parse_retry_after"]

_STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_DEFAULT_MESSAGES = {
    401: "Authentication failed: the access token is missing, invalid or revoked.",
    403: "Permission denied: the access token lacks the scope this call needs.",
    404: "Not found.",
    429: "Rate limited by Gumroad.",
}

_SNIPPET = 200

# Bounded in depth and breadth: a payload nested a thousand levels deep must not raise
# RecursionError while an error message is being written about it.
_SNIPPET_REPR = reprlib.Repr()
_SNIPPET_REPR.maxlevel = 3
_SNIPPET_REPR.maxstring = _SNIPPET
_SNIPPET_REPR.maxother = _SNIPPET


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; ``None`` if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _message_of(payload: Any) -> str | None:
    if isinstance(payload, Mapping):
        for key in ("message", "error_description", "error"):
            value = payload.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _error_class(status: int) -> type[APIError]:
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]
    if status >= 500:
        return ServerError
    return APIError


def decode_answer(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    expect_success: bool = True,
    required_scope: str | None = None,
) -> dict[str, Any]:
    """The decoded JSON object of a successful answer, or raise the matching ``APIError``."""
    request_id = headers.get("X-Request-Id")
    payload: Any = None
    text: str | None = None
    if body:
        try:
            payload = _json.loads(body)
        except ValueError:
            text = body.decode("utf-8", errors="replace")

    if 200 <= status < 300:
        if not isinstance(payload, dict):
            shown = text if text is not None else payload
            raise APIError(
                f"The answer was not a JSON object: {_snippet(shown)}",
                status=status,
                body=shown,
                request_id=request_id,
            )
        success = payload.get("success", True)
        if expect_success and (success is False or success == "false"):
            message = _message_of(payload) or "The request failed."
            error = NotFoundError if "not found" in message.lower() else UnprocessableEntityError
            raise error(message, status=status, body=payload, request_id=request_id)
        return payload

    error_class = _error_class(status)
    message = _message_of(payload) or ""
    if not message:
        message = _DEFAULT_MESSAGES.get(status) or f"HTTP {status} from the server."
        if text and text.strip():
            message += f" The body was not JSON: {_snippet(text)}"
    if 300 <= status < 400:
        message = (
            f"Redirect to {headers.get('Location', '?')!r} not followed: "
            "the access token must not travel to another address."
        )
    kwargs: dict[str, Any] = {
        "status": status,
        "body": payload if payload is not None else text,
        "request_id": request_id,
    }
    if error_class is RateLimitError:
        kwargs["retry_after"] = parse_retry_after(headers.get("Retry-After"))
    if error_class is PermissionDeniedError and required_scope is not None:
        kwargs["required_scope"] = required_scope
        message += f" This call needs the {required_scope!r} scope (or 'account')."
    raise error_class(message, **kwargs)


def _snippet(value: Any) -> str:
    shown = _SNIPPET_REPR.repr(value) if not isinstance(value, str) else value.strip()
    shown = " ".join(shown.split())
    return shown if len(shown) <= _SNIPPET else shown[:_SNIPPET] + "…"
