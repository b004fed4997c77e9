"""Every failure shape of the wire doc, over real HTTP, and the token never leaks."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gumroad_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    GumroadClient,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    UnprocessableEntityError,
)
from gumroad_async.testing import FakeGumroad


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "message"),
    [
        (200, {"success": False, "message": "The sale was not found."}, None, NotFoundError, "The sale was not found."),
        (200, {"success": False, "message": "The offer_code was unable to be modified."}, None,
         UnprocessableEntityError, "unable to be modified"),
        (400, {"status": 400, "error": "Invalid page_key."}, None, BadRequestError, "Invalid page_key."),
        (401, "", None, AuthenticationError, "token"),
        (403, "", None, PermissionDeniedError, "view_sales"),
        (404, {"success": False, "error": "Not found"}, None, NotFoundError, "Not found"),
        (404, "<html><h1>Not Found</h1></html>", "text/html", NotFoundError, "Not Found"),
        (422, {"message": "Invalid parameters"}, None, UnprocessableEntityError, "Invalid parameters"),
        (500, {"success": False, "message": "boom"}, None, ServerError, "boom"),
        (502, "<html>Bad Gateway</html>", "text/html", ServerError, "Bad Gateway"),
        (503, "", None, ServerError, "503"),
        (200, "<html>maintenance</html>", "text/html", APIError, "not a JSON object"),
        (200, "", None, APIError, "not a JSON object"),
    ],
)
async def test_error_shapes(
    fake: FakeGumroad,
    status: int,
    body: Any,
    content_type: str | None,
    error: type[APIError],
    message: str,
) -> None:
    fake.inject(path="/v2/sales/*", times=10, status=status, body=body, content_type=content_type,
                headers={"X-Request-Id": "rid-42"})
    async with GumroadClient(fake.token, base_url=fake.url, max_retries=0) as gumroad:
        with pytest.raises(error) as info:
            await gumroad.sales.get("s1")
    assert type(info.value) is error
    assert info.value.status == status
    assert message in str(info.value)
    assert info.value.request_id == "rid-42"


async def test_unknown_token_is_401(fake: FakeGumroad) -> None:
    async with GumroadClient("wrong-token", base_url=fake.url) as gumroad:
        with pytest.raises(AuthenticationError) as info:
            await gumroad.user.get()
    assert info.value.status == 401
    assert "wrong-token" not in str(info.value) and "wrong-token" not in repr(info.value)


async def test_missing_scope_names_it(fake: FakeGumroad) -> None:
    fake.add_token("profile-only", scopes=["view_profile"])
    async with GumroadClient("profile-only", base_url=fake.url) as gumroad:
        await gumroad.user.get()
        with pytest.raises(PermissionDeniedError) as info:
            await gumroad.sales.list().to_list()
    assert info.value.status == 403 and info.value.required_scope == "view_sales"


async def test_no_token_refused_before_sending(fake: FakeGumroad, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUMROAD_ACCESS_TOKEN", raising=False)
    async with GumroadClient(base_url=fake.url) as gumroad:
        with pytest.raises(AuthenticationError, match="GUMROAD_ACCESS_TOKEN"):
            await gumroad.user.get()
    assert fake.requests == []


async def test_token_from_environment(fake: FakeGumroad, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUMROAD_ACCESS_TOKEN", fake.token)
    monkeypatch.setenv("GUMROAD_BASE_URL", fake.url)
    async with GumroadClient() as gumroad:
        assert (await gumroad.user.get()).user_id


async def test_token_never_in_reprs_errors_or_logs(
    fake: FakeGumroad, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-token-value"
    fake.add_token(secret, scopes=["account"])
    caplog.set_level(logging.DEBUG, logger="gumroad_async")
    fake.inject(path="/v2/sales/*", times=10, status=500, body="oops")
    async with GumroadClient(secret, base_url=fake.url, backoff_base=0.001, max_retries=2) as gumroad:
        assert secret not in repr(gumroad) and secret not in repr(gumroad.transport)
        assert secret not in repr(gumroad.sales)
        with pytest.raises(ServerError) as info:
            await gumroad.sales.get("s1")
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert caplog.records, "expected log lines for each attempt"
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert all(secret not in r.raw_path and secret not in str(r.query) for r in fake.requests)
