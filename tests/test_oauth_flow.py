"""The OAuth flow against the fake: authorize URL, code exchange, scopes on the token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web

from gumroad_async import GumroadClient, InvalidArgumentError, PermissionDeniedError, ServerError
from gumroad_async.oauth import (
    OAuthError,
    OAuthToken,
    Scope,
    authorize_url,
    exchange_code,
    new_state,
    refresh_access_token,
)
from gumroad_async.testing import FakeGumroad

REDIRECT = "https://app.example/gumroad/callback"


def test_authorize_url() -> None:
    url = authorize_url("my-app", REDIRECT, [Scope.VIEW_SALES, "edit_products"], state="xyz")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "gumroad.com", "/oauth/authorize")
    assert parse_qs(parts.query) == {
        "client_id": ["my-app"], "redirect_uri": [REDIRECT],
        "scope": ["view_sales edit_products"], "response_type": ["code"], "state": ["xyz"],
    }
    assert "scope=view_public" in authorize_url("my-app", REDIRECT)
    assert new_state() != new_state() and len(new_state()) >= 32


async def test_exchange_code_and_use_the_token(fake: FakeGumroad) -> None:
    fake.add_oauth_app("my-app", "app-secret", REDIRECT)
    code = fake.authorize("my-app", REDIRECT, ["view_profile"])
    token = await exchange_code(code, client_id="my-app", client_secret="app-secret",
                                redirect_uri=REDIRECT, base_url=fake.url)
    assert token.scopes == (Scope.VIEW_PROFILE,) and token.token_type.lower() == "bearer"
    assert token.refresh_token and token.created_at is not None
    assert token.access_token not in repr(token) and token.access_token not in str(token)
    assert token.refresh_token not in repr(token)
    (request,) = fake.requests_to("POST", "/oauth/token")
    assert request.form["grant_type"] == "authorization_code"
    assert "Authorization" not in request.headers

    async with GumroadClient(token.access_token, base_url=fake.url) as gumroad:
        assert (await gumroad.user.get()).user_id
        with pytest.raises(PermissionDeniedError) as info:
            await gumroad.sales.list().to_list()
    assert info.value.required_scope == "view_sales"


async def test_a_used_or_wrong_code_is_refused(fake: FakeGumroad) -> None:
    fake.add_oauth_app("my-app", "app-secret", REDIRECT)
    code = fake.authorize("my-app", REDIRECT)
    await exchange_code(code, client_id="my-app", client_secret="app-secret",
                        redirect_uri=REDIRECT, base_url=fake.url)
    with pytest.raises(OAuthError) as info:
        await exchange_code(code, client_id="my-app", client_secret="app-secret",
                            redirect_uri=REDIRECT, base_url=fake.url)
    assert info.value.error == "invalid_grant" and info.value.status == 400
    with pytest.raises(OAuthError) as wrong_secret:
        await exchange_code(fake.authorize("my-app", REDIRECT), client_id="my-app",
                            client_secret="nope", redirect_uri=REDIRECT, base_url=fake.url)
    assert wrong_secret.value.error == "invalid_client" and "nope" not in str(wrong_secret.value)
    assert len(fake.requests_to("POST", "/oauth/token")) == 3  # each sent once


async def test_exchange_is_never_retried(fake: FakeGumroad) -> None:
    fake.add_oauth_app("my-app", "app-secret", REDIRECT)
    fake.inject(method="POST", path="/oauth/token", status=503, times=3)
    with pytest.raises(Exception, match="503"):
        await exchange_code(fake.authorize("my-app", REDIRECT), client_id="my-app",
                            client_secret="app-secret", redirect_uri=REDIRECT, base_url=fake.url)
    assert len(fake.requests_to("POST", "/oauth/token")) == 1


async def test_refresh_gives_a_new_token_and_spends_the_old(fake: FakeGumroad) -> None:
    fake.add_oauth_app("my-app", "app-secret", REDIRECT)
    first = await exchange_code(fake.authorize("my-app", REDIRECT, ["view_profile", "view_sales"]),
                                client_id="my-app", client_secret="app-secret",
                                redirect_uri=REDIRECT, base_url=fake.url)
    second = await refresh_access_token(first, client_id="my-app", client_secret="app-secret",
                                        base_url=fake.url)
    assert isinstance(second, OAuthToken) and type(second) is type(first)
    assert second.access_token != first.access_token
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert set(second.scopes) == {Scope.VIEW_PROFILE, Scope.VIEW_SALES}
    (request,) = fake.requests_to("POST", "/oauth/token")[1:]
    assert request.form["grant_type"] == "refresh_token"
    assert request.form["refresh_token"] == first.refresh_token
    assert "Authorization" not in request.headers
    async with GumroadClient(second.access_token, base_url=fake.url) as gumroad:
        assert (await gumroad.user.get()).user_id
    # Doorkeeper revoked the old refresh token: using it again is refused, sent once.
    with pytest.raises(OAuthError) as info:
        await refresh_access_token(first.refresh_token or "", client_id="my-app",
                                   client_secret="app-secret", base_url=fake.url)
    assert info.value.error == "invalid_grant" and info.value.status == 400
    assert first.refresh_token not in str(info.value)
    # A narrower scope may be asked for; the refresh token may be given as text.
    third = await refresh_access_token(second.refresh_token or "", client_id="my-app",
                                       client_secret="app-secret", scopes=[Scope.VIEW_SALES],
                                       base_url=fake.url)
    assert third.scopes == (Scope.VIEW_SALES,)
    assert len(fake.requests_to("POST", "/oauth/token")) == 4


async def test_refresh_is_never_retried(fake: FakeGumroad) -> None:
    fake.add_oauth_app("my-app", "app-secret", REDIRECT)
    token = await exchange_code(fake.authorize("my-app", REDIRECT), client_id="my-app",
                                client_secret="app-secret", redirect_uri=REDIRECT,
                                base_url=fake.url)
    fake.inject(method="POST", path="/oauth/token", status=503, times=3)
    with pytest.raises(ServerError):
        await refresh_access_token(token, client_id="my-app", client_secret="app-secret",
                                   base_url=fake.url)
    assert len(fake.requests_to("POST", "/oauth/token")) == 2


def test_refresh_refuses_a_token_without_refresh_token() -> None:
    with pytest.raises(InvalidArgumentError, match="refresh_token"):
        asyncio.run(refresh_access_token(OAuthToken(access_token="a"), client_id="c",
                                         client_secret="s"))
    with pytest.raises(InvalidArgumentError):
        asyncio.run(refresh_access_token("  ", client_id="c", client_secret="s"))


@pytest.mark.parametrize("created_at", [
    10**30, -(10**30), 10**12 * 10**6, 1e308, "1e999", "NaN", "soon", True, [1], {"a": 1},
    None, -5, 0,
])
async def test_an_absurd_created_at_is_none_never_an_overflow(created_at: object) -> None:
    """A token answer with a time no clock can show: a token with ``created_at=None``."""

    async def token(request: web.Request) -> web.Response:
        return web.Response(
            text='{"access_token": "A", "token_type": "Bearer", "scope": "view_sales", '
                 f'"refresh_token": "R", "created_at": {json.dumps(created_at)}, "expires_in": "x"}}',
            content_type="application/json")

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    async with _serve(app) as url:
        exchanged = await exchange_code("c", client_id="a", client_secret="s",
                                        redirect_uri=REDIRECT, base_url=url)
        refreshed = await refresh_access_token("R", client_id="a", client_secret="s",
                                               base_url=url)
    for got in (exchanged, refreshed):
        assert got.access_token == "A" and got.created_at is None and got.expires_in is None
        assert got.scopes == (Scope.VIEW_SALES,)


async def test_a_plausible_created_at_is_read() -> None:
    async def token(request: web.Request) -> web.Response:
        return web.json_response({"access_token": "A", "created_at": 1_700_000_000.5,
                                  "refresh_token": 7, "expires_in": 7200})

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    async with _serve(app) as url:
        got = await refresh_access_token("R", client_id="a", client_secret="s", base_url=url)
    assert got.created_at == datetime.fromtimestamp(1_700_000_000.5, UTC)
    assert got.refresh_token is None and got.expires_in == 7200  # 7 is not a token


@asynccontextmanager
async def _serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
