"""OAuth 2.0 for apps that act for Gumroad sellers: the authorize URL, the code exchange and
the refresh of a token.

::

    url = authorize_url(CLIENT_ID, REDIRECT_URI, scopes=[Scope.VIEW_SALES], state=state)
    # ... the seller approves; Gumroad redirects to REDIRECT_URI?code=...&state=...
    token = await exchange_code(code, client_id=CLIENT_ID, client_secret=SECRET,
                                redirect_uri=REDIRECT_URI)
    async with GumroadClient(token.access_token) as gumroad: ...
    token = await refresh_access_token(token, client_id=CLIENT_ID, client_secret=SECRET)
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import attrs

from gumroad_async._arguments import check_text
from gumroad_async._scopes import Scope
from gumroad_async._transport import Transport
from gumroad_async.errors import APIError, AuthenticationError, InvalidArgumentError

__all__ = [
    "OAuthError",
    "OAuthToken",
    "Scope",
    "authorize_url",
    "exchange_code",
    "new_state",
    "refresh_access_token",
]

AUTHORIZE_BASE_URL = "https://gumroad.com"
TOKEN_PATH = "/oauth/token"


class OAuthError(AuthenticationError):
    """The token endpoint refused the exchange (``invalid_grant``, ``invalid_client``...)."""

    def __init__(self, message: str, *, error: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        #: The OAuth error code, e.g. ``"invalid_grant"``.
        self.error = error


@attrs.frozen
class OAuthToken:
    """What the token endpoint answers. ``repr`` and ``str`` never show the tokens.

    ``created_at`` is ``None`` when the server sent none or one that is not a plausible time;
    ``expires_in`` (seconds) is ``None`` for tokens that do not expire (Gumroad's default).
    """

    access_token: str = attrs.field(repr=False)
    token_type: str = "bearer"
    scopes: tuple[Scope | str, ...] = ()
    refresh_token: str | None = attrs.field(default=None, repr=False)
    created_at: datetime | None = None
    expires_in: int | None = None

    def __str__(self) -> str:
        return repr(self)


def new_state() -> str:
    """A fresh random ``state`` value: keep it in the user's session and compare it on the
    redirect, so that a forged redirect is refused."""
    return secrets.token_urlsafe(24)


def _scope(value: str) -> Scope | str:
    try:
        return Scope(value)
    except ValueError:
        return value  # a scope newer than this SDK: kept as text


def authorize_url(
    client_id: str,
    redirect_uri: str,
    scopes: Iterable[Scope | str] = (Scope.VIEW_PUBLIC,),
    *,
    state: str | None = None,
    base_url: str = AUTHORIZE_BASE_URL,
) -> str:
    """The URL to send a seller to so that they grant your app ``scopes``."""
    query = {
        "client_id": check_text("client_id", client_id),
        "redirect_uri": check_text("redirect_uri", redirect_uri),
        "scope": " ".join(str(scope) for scope in scopes),
        "response_type": "code",
    }
    if state is not None:
        query["state"] = check_text("state", state)
    return f"{base_url.rstrip('/')}/oauth/authorize?{urlencode(query)}"


async def exchange_code(
    code: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    base_url: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> OAuthToken:
    """Trade the ``code`` from the redirect for an access token (``POST /oauth/token``).

    Sent once (a code is single-use, so a blind retry could only fail). Raises
    :class:`OAuthError` when Gumroad refuses the code or the client credentials.
    """
    form = {
        "grant_type": "authorization_code",
        "code": check_text("code", code),
        "client_id": check_text("client_id", client_id),
        "client_secret": check_text("client_secret", client_secret),
        "redirect_uri": check_text("redirect_uri", redirect_uri),
    }
    answer = await _token_request(form, base_url=base_url, session=session)
    return _token_of(answer)


async def refresh_access_token(
    token: OAuthToken | str,
    *,
    client_id: str,
    client_secret: str,
    scopes: Iterable[Scope | str] | None = None,
    base_url: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> OAuthToken:
    """A new access token for ``token`` (an :class:`OAuthToken` or its refresh token), sent
    as ``grant_type=refresh_token``; ``scopes`` may narrow the new token's scopes.

    Gumroad revokes the old access and refresh tokens when it issues new ones, so keep the
    returned token (its ``refresh_token`` is the next one). Sent once, never retried by the
    SDK: had a lost answer been resent, the spent refresh token would be refused and the
    new token lost. After a timeout or a 5xx the old refresh token may or may not be spent:
    calling again tells (an :class:`OAuthError` ``invalid_grant`` means it is; ask the
    seller to authorize again).
    """
    if isinstance(token, OAuthToken):
        if token.refresh_token is None:
            raise InvalidArgumentError("token", "this token came without a refresh_token")
        value = token.refresh_token
    else:
        value = token
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError("token", "must be an OAuthToken or a refresh token string")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": value,
        "client_id": check_text("client_id", client_id),
        "client_secret": check_text("client_secret", client_secret),
    }
    if scopes is not None:
        form["scope"] = " ".join(check_text("scopes", str(scope)) for scope in scopes)
    answer = await _token_request(form, base_url=base_url, session=session)
    return _token_of(answer)


async def _token_request(
    form: dict[str, str], *, base_url: str | None, session: aiohttp.ClientSession | None
) -> dict[str, Any]:
    """``POST /oauth/token`` once; Doorkeeper's refusals become :class:`OAuthError`."""
    transport = Transport(None, base_url=base_url, session=session)
    try:
        return await transport.request(
            "POST", TOKEN_PATH, data=form, authenticated=False, repeatable=False,
            expect_success=False,
        )
    except APIError as exc:
        body = exc.body if isinstance(exc.body, dict) else {}
        if exc.status in (400, 401) and isinstance(body.get("error"), str):
            description = body.get("error_description") or body["error"]
            raise OAuthError(
                f"The token endpoint refused the request: {description}",
                error=str(body["error"]), status=exc.status, body=body,
                request_id=exc.request_id,
            ) from None
        raise
    finally:
        await transport.close()


#: Seconds since the epoch that make sense for a token: from Gumroad's start to year 9000.
_EARLIEST, _LATEST = 1_000_000_000, 221_845_392_000


def _created_at(value: object) -> datetime | None:
    """The token's ``created_at`` (epoch seconds); ``None`` for anything implausible,
    rather than an ``OverflowError`` from a number no clock can show."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(seconds) or not _EARLIEST <= seconds <= _LATEST:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _expires_in(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def _token_of(answer: Mapping[str, Any]) -> OAuthToken:
    """The token of a token endpoint answer, whatever shape its fields came in."""
    access_token = answer.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthError("The token endpoint answered without an access_token.", status=200)
    refresh = answer.get("refresh_token")
    scope = answer.get("scope")
    token_type = answer.get("token_type")
    return OAuthToken(
        access_token=access_token,
        token_type=token_type if isinstance(token_type, str) and token_type else "bearer",
        scopes=tuple(_scope(s) for s in scope.split()) if isinstance(scope, str) else (),
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        created_at=_created_at(answer.get("created_at")),
        expires_in=_expires_in(answer.get("expires_in")),
    )
