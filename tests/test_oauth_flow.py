"""The OAuth flow against the fake: authorize URL, code exchange, scopes on the token."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from gumroad_async import GumroadClient, PermissionDeniedError
from gumroad_async.oauth import OAuthError, Scope, authorize_url, exchange_code, new_state
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
