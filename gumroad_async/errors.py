"""Every error the SDK raises, in one hierarchy.

```
GumroadError
├── APIError                   .status (the real HTTP status), .message, .body, .request_id
│   ├── BadRequestError          400
│   ├── AuthenticationError      401 (or a call that needs a token on a client without one)
│   ├── PermissionDeniedError    403 (.required_scope names the scope the call needs)
│   ├── NotFoundError            404, or success:false "... was not found."
│   ├── UnprocessableEntityError 422, or any other success:false
│   ├── RateLimitError           429 (.retry_after in seconds when known)
│   └── ServerError              5xx
├── APIConnectionError         the request did not get an answer (network failure)
│   └── APITimeoutError          no answer within the timeout
├── PaginationError            a listing's cursor came back twice
└── InvalidArgumentError       refused before sending; also a ValueError (.argument)
```
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "GumroadError",
    "InvalidArgumentError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "UnprocessableEntityError",
]


class GumroadError(Exception):
    """Base class of every error raised by gumroad_async."""


class APIError(GumroadError):
    """The server answered, and the answer was a failure.

    ``status`` is the real HTTP status (200 for Gumroad's ``success: false`` answers),
    ``message`` the server's own words when it sent any, ``body`` the decoded JSON body
    (or the raw text when it was not JSON), ``request_id`` the ``X-Request-Id`` header.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status}")
            parts[-1] += f", request id {self.request_id})" if self.request_id else ")"
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"request_id={self.request_id!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (type(self), self.message, dict(self.__dict__)),
        )


def _rebuild(cls: type[APIError], message: str, state: dict[str, Any]) -> APIError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class BadRequestError(APIError):
    """HTTP 400: a bad filter, date or cursor (``Invalid page_key.``, ``Invalid product ID.``)."""


class AuthenticationError(APIError):
    """HTTP 401: the token is missing, invalid or revoked."""


class PermissionDeniedError(APIError):
    """HTTP 403: the token lacks the scope the call needs (``required_scope``)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        request_id: str | None = None,
        required_scope: str | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body, request_id=request_id)
        self.required_scope = required_scope


class NotFoundError(APIError):
    """HTTP 404, or a ``success: false`` answer saying the object was not found."""


class UnprocessableEntityError(APIError):
    """HTTP 422, or any other ``success: false`` answer (not modifiable, invalid values)."""


class RateLimitError(APIError):
    """HTTP 429. ``retry_after`` is the server's requested wait in seconds, or ``None``."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body, request_id=request_id)
        self.retry_after = retry_after


class ServerError(APIError):
    """HTTP 5xx: the service or a proxy in front of it failed."""


class APIConnectionError(GumroadError):
    """No answer came back: the connection failed, dropped or was refused.

    ``sent`` tells whether the request may have reached the server (``False`` only when
    the connection could not even be opened).
    """

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.sent = sent


class APITimeoutError(APIConnectionError):
    """No answer within the configured timeout."""


class PaginationError(GumroadError):
    """A listing's server sent a cursor it had already sent: stopping instead of looping."""


class InvalidArgumentError(GumroadError, ValueError):
    """An argument was refused before anything was sent. ``argument`` names it."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"{argument}: {problem}")
        self.argument = argument
        self.problem = problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.argument, self.problem))
