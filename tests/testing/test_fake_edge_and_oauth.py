"""Edge faults, SKUs and the refresh-token grant, checked with a plain aiohttp client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from gumroad_async.testing import EDGE_FAULTS, FakeGumroad

REDIRECT = "https://app.example/callback"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, fake: FakeGumroad, method: str, path: str,
    token: str | None = None, **kwargs: Any,
) -> tuple[int, bytes, Any]:
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    async with http.request(method, fake.url + path, headers=headers, **kwargs) as response:
        return response.status, await response.read(), response.headers


@pytest.mark.parametrize(("edge", "status", "content_type"), [
    ("bad_gateway", 502, "text/html"),
    ("gateway_timeout", 504, "text/html"),
    ("service_unavailable", 503, "text/html"),
    ("rate_limited", 429, "text/plain"),
])
async def test_edge_faults_answer_as_the_proxy_does(
    fake: FakeGumroad, http: aiohttp.ClientSession, edge: str, status: int, content_type: str
) -> None:
    fake.inject(path="/v2/sales", edge=edge)
    got, body, headers = await call(http, fake, "GET", "/v2/sales")
    assert got == status and headers["Content-Type"].startswith(content_type)
    assert b"success" not in body and "Retry-After" not in headers
    assert body.decode() == EDGE_FAULTS[edge].body
    assert (await call(http, fake, "GET", "/v2/sales"))[0] == 200  # once only


async def test_an_edge_timeout_after_the_work_was_done(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    sid = fake.add_sale(price=1000)["id"]
    fake.inject(method="PUT", path="/v2/sales/*/refund", edge="gateway_timeout",
                after_handler=True)
    status, body, _ = await call(http, fake, "PUT", f"/v2/sales/{sid}/refund")
    assert status == 504 and body.startswith(b"<html>")
    assert fake.state.sale(sid)["refunded"] is True  # type: ignore[index]


async def test_unknown_edge_fault_is_refused(fake: FakeGumroad) -> None:
    with pytest.raises(ValueError, match="bad_gateway"):
        fake.inject(edge="teapot")


async def test_a_slow_answer_is_the_real_answer_late(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    fake.add_sale()
    fault = fake.inject(path="/v2/sales", stall=0.05)
    status, body, _ = await call(http, fake, "GET", "/v2/sales")
    assert status == 200 and b'"sales"' in body and fault.hits == 1


async def test_skus(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    plain = fake.add_product(name="Ebook")["id"]
    status, body, _ = await call(http, fake, "GET", f"/v2/products/{plain}/skus")
    assert (status, body) == (200, b'{"success":true,"skus":[]}')

    shirt = fake.add_product(name="Shirt")["id"]
    fake.add_sku(shirt, name="Default", default=True)
    only_default = (await call(http, fake, "GET", f"/v2/products/{shirt}/skus"))[1]
    assert [s["name"] for s in _json(only_default)["skus"]] == ["Default"]
    fake.add_sku(shirt, name="Small - Red")
    fake.add_sku(shirt, name="Large - Blue", custom_sku="LB-1", price_difference_cents=200)
    skus = _json((await call(http, fake, "GET", f"/v2/products/{shirt}/skus"))[1])["skus"]
    assert [s["name"] for s in skus] == ["Small - Red", "Large - Blue"]  # default left out
    assert "custom_sku" not in skus[0] and skus[1]["custom_sku"] == "LB-1"
    assert set(skus[0]) == {"id", "max_purchase_count", "name", "description",
                            "price_difference_cents"}

    mug = fake.add_product(name="Mug", is_physical=True)["id"]
    category = _json((await call(http, fake, "POST", f"/v2/products/{mug}/variant_categories",
                                 data={"title": "Colour"}))[1])["variant_category"]["id"]
    await call(http, fake, "POST", f"/v2/products/{mug}/variant_categories/{category}/variants",
               data={"name": "Red"})
    variants = _json((await call(http, fake, "GET", f"/v2/products/{mug}/skus"))[1])["skus"]
    assert [v["name"] for v in variants] == ["Red"]

    fake.add_token("public", scopes=["view_public"])  # any public scope reads SKUs
    assert (await call(http, fake, "GET", f"/v2/products/{shirt}/skus", token="public"))[0] == 200
    _, missing, _ = await call(http, fake, "GET", "/v2/products/nope/skus")
    assert _json(missing) == {"success": False, "message": "The product was not found."}


def _json(raw: bytes) -> Any:
    import json

    return json.loads(raw)


async def _grant(fake: FakeGumroad, http: aiohttp.ClientSession, scopes: list[str]
                 ) -> dict[str, Any]:
    fake.add_oauth_app("app", "secret", REDIRECT)
    code = fake.authorize("app", REDIRECT, scopes)
    async with http.post(fake.url + "/oauth/token", data={
        "code": code, "client_id": "app", "client_secret": "secret", "redirect_uri": REDIRECT,
        "grant_type": "authorization_code",
    }) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
    return body


async def _refresh(fake: FakeGumroad, http: aiohttp.ClientSession, refresh_token: str,
                   **extra: str) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": "app", "client_secret": "secret", **extra}
    async with http.post(fake.url + "/oauth/token", data=form) as response:
        return response.status, await response.json()


async def test_refresh_token_grant(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    first = await _grant(fake, http, ["view_sales", "view_profile"])
    assert first["token_type"] == "Bearer" and first["refresh_token"]
    status, second = await _refresh(fake, http, first["refresh_token"])
    assert status == 200 and second["scope"] == "view_sales view_profile"
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    # The new token works; the old access token and the used refresh token are revoked.
    assert (await call(http, fake, "GET", "/v2/sales", token=second["access_token"]))[0] == 200
    assert (await call(http, fake, "GET", "/v2/sales", token=first["access_token"]))[0] == 401
    status, again = await _refresh(fake, http, first["refresh_token"])
    assert status == 400 and again["error"] == "invalid_grant"
    # A narrower scope may be asked for, never a wider one.
    status, narrow = await _refresh(fake, http, second["refresh_token"], scope="view_profile")
    assert status == 200 and narrow["scope"] == "view_profile"
    status, wide = await _refresh(fake, http, narrow["refresh_token"], scope="refund_sales")
    assert status == 400 and wide["error"] == "invalid_scope"


async def test_refresh_token_refusals(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    first = await _grant(fake, http, ["view_sales"])
    status, body = await _refresh(fake, http, first["refresh_token"], client_secret="wrong")
    assert status == 401 and body["error"] == "invalid_client"
    fake.add_oauth_app("other", "secret2", REDIRECT)
    status, body = await _refresh(fake, http, first["refresh_token"], client_id="other",
                                  client_secret="secret2")
    assert status == 400 and body["error"] == "invalid_grant"  # issued to another client
    status, body = await _refresh(fake, http, "not-a-token")
    assert status == 400 and body["error"] == "invalid_grant"


async def test_the_request_log_can_be_bounded(http: aiohttp.ClientSession) -> None:
    async with FakeGumroad(request_log_limit=5) as fake:
        for _ in range(23):
            await call(http, fake, "GET", "/v2/user")
        assert 5 <= len(fake.requests) < 10  # the latest ones, cut in steps
        assert len(fake.requests_to("GET", "/v2/user")) == len(fake.requests)
