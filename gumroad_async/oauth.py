"""OAuth 2.0 for apps that act for Gumroad sellers: the authorize URL and the code exchange.

::

    url = authorize_url(CLIENT_ID, REDIRECT_URI, scopes=[Scope.VIEW_SALES], state=state)
    # ... the seller approves; Gumroad redirects to REDIRECT_URI?code=...&state=...
    token = await exchange_code(code, client_id=CLIENT_ID, client_secret=SECRET,
                                redirect_uri=REDIRECT_URI)
    async with GumroadClient(token.access_token) as gumroad: ...
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import attrs

from gumroad_async._arguments import check_text
from gumroad_async._scopes import Scope
from gumroad_async._transport import Transport
from gumroad_async.errors import APIError, AuthenticationError

__all__ = ["OAuthError", "OAuthToken", "Scope", "authorize_url", "exchange_code", "new_state"]

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
    """What the token endpoint answers. ``repr`` and ``str`` never show the tokens."""

    access_token: str = attrs.field(repr=False)
    token_type: str = "bearer"
    scopes: tuple[Scope | str, ...] = ()
    refresh_token: str | None = attrs.field(default=None, repr=False)
    created_at: datetime | None = None

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
    transport = Transport(None, base_url=base_url, session=session)
    try:
        answer = await transport.request(
            "POST", TOKEN_PATH, data=form, authenticated=False, repeatable=False,
            expect_success=False,
        )
    except APIError as exc:
        body = exc.body if isinstance(exc.body, dict) else {}
        if exc.status in (400, 401) and "error" in body:
            description = body.get("error_description") or body["error"]
            raise OAuthError(
                f"The token exchange was refused: {description}", error=str(body["error"]),
                status=exc.status, body=body, request_id=exc.request_id,
            ) from None
        raise
    finally:
        await transport.close()
    access_token = answer.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthError("The token endpoint answered without an access_token.", status=200)
    created = answer.get("created_at")
    return OAuthToken(
        access_token=access_token,
        token_type=str(answer.get("token_type") or "bearer"),
        scopes=tuple(_scope(s) for s in str(answer.get("scope") or "").split()),
        refresh_token=answer.get("refresh_token") or None,
        created_at=datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
    )
