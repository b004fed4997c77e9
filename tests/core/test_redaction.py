"""Credentials in a ``post_url`` never show: not in a repr, not in any error message."""

from __future__ import annotations

import pytest

from gumroad_async import (
    GumroadClient,
    InvalidArgumentError,
    ResourceSubscription,
    UnprocessableEntityError,
)
from gumroad_async._converter import structure
from gumroad_async._redaction import redact_url
from gumroad_async.testing import FakeGumroad

SECRET = "s3cr3t-VALUE-42"


@pytest.mark.parametrize("url", [
    f"https://hooks.example/gumroad?secret={SECRET}",
    f"https://hooks.example/gumroad?a=1&token={SECRET}&b=2",
    f"https://hooks.example/gumroad?API_KEY={SECRET}",
    f"https://hooks.example/gumroad?password={SECRET}",
    f"https://hooks.example/gumroad?signature={SECRET}",
    f"https://hooks.example/gumroad?access_token={SECRET}",
    f"https://hooks.example/gumroad?x=1#sig={SECRET}",
    f"https://user:{SECRET}@hooks.example/gumroad",
    f"https://hooks.example/gumroad?client%5Fsecret={SECRET}",
])
def test_credentials_are_redacted(url: str) -> None:
    shown = redact_url(url)
    assert SECRET not in shown and "***" in shown
    assert shown.startswith("https://") and "hooks.example/gumroad" in shown
    record = ResourceSubscription(id="r1", resource_name="sale", post_url=url)
    assert SECRET not in repr(record) and SECRET not in str(record)
    assert record.post_url == url  # the value itself is intact
    built = structure({"id": "r1", "resource_name": "sale", "post_url": url},
                      ResourceSubscription)
    assert built is not None and SECRET not in repr(built)


def test_other_parameters_are_kept() -> None:
    url = "https://hooks.example/gumroad?source=gumroad&v=2"
    assert redact_url(url) == url
    assert redact_url("not a url at all") == "not a url at all"


@pytest.mark.parametrize("url", [
    f"ftp://hooks.example/x?secret={SECRET}",
    f"https://localhost/x?secret={SECRET}",
    f"http://127.0.0.1:8080/x?token={SECRET}",
    f"http://[::1/x?secret={SECRET}",  # not even a URL: still a clear, redacted refusal
    f"/relative?secret={SECRET}",
])
async def test_argument_errors_redact(fake: FakeGumroad, client: GumroadClient, url: str) -> None:
    for call in (
        lambda: client.resource_subscriptions.create("sale", url),
        lambda: client.resource_subscriptions.subscribe_all(url),
    ):
        with pytest.raises(InvalidArgumentError) as info:
            await call()
        assert info.value.argument == "post_url"
        assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert fake.requests == []


async def test_server_refusals_echoing_the_url_are_redacted(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    url = f"https://hooks.example/gumroad?secret={SECRET}"
    fake.inject(method="PUT", path="/v2/resource_subscriptions", status=200,
                body={"success": False, "message": f"Invalid post URL '{url}'"})
    with pytest.raises(UnprocessableEntityError) as info:
        await client.resource_subscriptions.create("sale", url)
    error = info.value
    assert "Invalid post URL 'https://hooks.example/gumroad?secret=***'" in str(error)
    assert SECRET not in str(error) and SECRET not in repr(error)
    assert SECRET not in str(error.body) and SECRET not in str(error.args)
    # What was sent is the real URL.
    (request,) = fake.requests_to("PUT", "/v2/resource_subscriptions")
    assert request.form["post_url"] == url
