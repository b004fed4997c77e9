"""The fake, checked with a plain aiohttp client (not our SDK), so that a misunderstanding
shared by the SDK and the fake cannot hide."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gumroad_async.testing import FakeGumroad

# The documented examples sit beside the repository (or beside the worktrees' parent).
EXAMPLES = next(
    (parent / "shared" / "gumroad-api" / "examples" for parent in Path(__file__).resolve().parents
     if (parent / "shared" / "gumroad-api" / "examples").is_dir()),
    Path("/work/shared/gumroad-api/examples"),
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, fake: FakeGumroad, method: str, path: str,
    token: str | None = "default", **kwargs: Any,
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    headers = {} if token is None else {
        "Authorization": f"Bearer {fake.token if token == 'default' else token}"
    }
    async with http.request(method, fake.url + path, headers=headers, **kwargs) as response:
        raw = await response.read()
        try:
            body: Any = json.loads(raw) if raw else raw
        except ValueError:
            body = raw.decode()
        return response.status, body, response.headers


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


@pytest.mark.parametrize(("name", "key", "path"), [
    ("user", "user", "/v2/user"),
    ("product", "product", "/v2/products/{pid}"),
    ("sale", "sale", "/v2/sales/{sid}"),
    ("subscriber", "subscriber", "/v2/subscribers/{sub}"),
])
async def test_answers_carry_the_documented_fields(
    fake: FakeGumroad, http: aiohttp.ClientSession, name: str, key: str, path: str
) -> None:
    pid = fake.add_product(name="Pencil", price=100)["id"]
    sid = fake.add_sale(product_id=pid)["id"]
    sub = fake.add_subscriber(product_id=pid)["id"]
    status, body, _ = await call(http, fake, "GET", path.format(pid=pid, sid=sid, sub=sub))
    assert status == 200 and body["success"] is True
    documented = set(example(name)[key])
    # The core of every documented record is there; the fake may leave out rare extras.
    core = {"id", "user_id", "name", "email", "price", "created_at", "product_id", "order_id",
            "user_email", "published", "currency", "recurrence", "status"}
    assert (documented & core) <= set(body[key])


async def test_sales_pages_newest_first(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    fake.seed(7, sales=25)
    seen: list[dict[str, Any]] = []
    path = "/v2/sales"
    pages = 0
    while True:
        status, body, _ = await call(http, fake, "GET", path)
        assert status == 200
        pages += 1
        seen += body["sales"]
        if "next_page_key" not in body:
            assert "next_page_url" not in body
            break
        assert body["next_page_url"].startswith("/v2/sales?")
        path = f"/v2/sales?page_key={body['next_page_key']}"
    assert pages == 3 and len(seen) == 25
    stamps = [(s["created_at"], s["id"]) for s in seen]
    assert stamps == sorted(stamps, reverse=True)


async def test_a_cursor_is_a_position(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    fake.seed(1, sales=30)
    _, first, _ = await call(http, fake, "GET", "/v2/sales")
    fake.add_sale()  # arrives during the walk, newer than everything
    _, second, _ = await call(http, fake, "GET", f"/v2/sales?page_key={first['next_page_key']}")
    assert first["sales"][-1]["created_at"] >= second["sales"][0]["created_at"]
    assert {s["id"] for s in first["sales"]}.isdisjoint(s["id"] for s in second["sales"])


async def test_date_window_after_inclusive_before_exclusive(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    for day in ("2024-01-01T00:00:00Z", "2024-01-02T12:00:00Z", "2024-01-03T00:00:00Z"):
        fake.add_sale(created_at=day)
    _, body, _ = await call(http, fake, "GET", "/v2/sales?after=2024-01-01&before=2024-01-03")
    assert [s["created_at"][:10] for s in body["sales"]] == ["2024-01-02", "2024-01-01"]


@pytest.mark.parametrize("query", ["after=2024-13-01", "before=yesterday", "page_key=%%%",
                                   "page_key=bm9wZQ", "page=0"])
async def test_bad_filters_answer_400_status_error(
    fake: FakeGumroad, http: aiohttp.ClientSession, query: str
) -> None:
    status, body, _ = await call(http, fake, "GET", f"/v2/sales?{query}")
    assert status == 400 and set(body) == {"status", "error"} and body["status"] == 400


async def test_filters(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    a = fake.add_product(name="A")["id"]
    b = fake.add_product(name="B")["id"]
    fake.add_sale(product_id=a, email="x@example.com")
    target = fake.add_sale(product_id=b, email="y@example.com")
    _, by_product, _ = await call(http, fake, "GET", f"/v2/sales?product_id={b}")
    _, by_email, _ = await call(http, fake, "GET", "/v2/sales", params={"email": "y@example.com"})
    _, by_order, _ = await call(http, fake, "GET", f"/v2/sales?order_id={target['order_id']}")
    for body in (by_product, by_email, by_order):
        assert [s["id"] for s in body["sales"]] == [target["id"]]


async def test_auth_shapes(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    status, body, headers = await call(http, fake, "GET", "/v2/user", token=None)
    assert (status, body) == (401, b"") and "WWW-Authenticate" in headers
    status, body, _ = await call(http, fake, "GET", "/v2/user", token="nope")
    assert (status, body) == (401, b"")
    fake.add_token("profile", scopes=["view_profile"])
    assert (await call(http, fake, "GET", "/v2/user", token="profile"))[0] == 200
    status, body, _ = await call(http, fake, "GET", "/v2/sales", token="profile")
    assert (status, body) == (403, b"")
    for answer in [await call(http, fake, "GET", "/v2/nowhere")]:
        assert answer[0] == 404 and answer[1] == {"success": False, "error": "Not found"}


async def test_missing_objects_answer_200_success_false(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    status, body, headers = await call(http, fake, "GET", "/v2/sales/missing")
    assert (status, body) == (200, {"success": False, "message": "The sale was not found."})
    assert headers["X-Request-Id"]


async def test_subscribers_all_at_once_unless_paginated(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    pid = fake.add_product(name="Club")["id"]
    for _ in range(150):
        fake.add_subscriber(product_id=pid)
    _, everything, _ = await call(http, fake, "GET", f"/v2/products/{pid}/subscribers")
    assert len(everything["subscribers"]) == 150 and "next_page_key" not in everything
    _, first, _ = await call(http, fake, "GET", f"/v2/products/{pid}/subscribers?paginated=true")
    assert len(first["subscribers"]) == 100 and first["next_page_key"]


async def test_licenses(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    pid = fake.add_product(name="App")["id"]
    key = fake.add_license(product_id=pid)["license_key"]
    form = {"product_id": pid, "license_key": key}

    async def verify(**extra: str) -> tuple[int, Any]:
        status, body, _ = await call(http, fake, "POST", "/v2/licenses/verify", token=None,
                                     data={**form, **extra})
        return status, body

    assert (await verify())[1]["uses"] == 1
    assert (await verify(increment_uses_count="False"))[1]["uses"] == 2  # only "false" stops it
    assert (await verify(increment_uses_count="false"))[1]["uses"] == 2
    status, _, _ = await call(http, fake, "PUT", "/v2/licenses/disable", data=form)
    assert status == 200
    status, body = await verify()
    assert status == 404 and body["message"] == "This license key has been disabled."
    status, body = await verify(license_key="unknown")
    assert status == 404 and body["success"] is False


async def test_refunds(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    sid = fake.add_sale(price=1000)["id"]
    _, partial, _ = await call(http, fake, "PUT", f"/v2/sales/{sid}/refund", data={"amount_cents": "300"})
    assert partial["sale"]["partially_refunded"] is True and partial["sale"]["refunded"] is False
    _, full, _ = await call(http, fake, "PUT", f"/v2/sales/{sid}/refund")
    assert full["sale"]["refunded"] is True
    _, again, _ = await call(http, fake, "PUT", f"/v2/sales/{sid}/refund")
    assert again == {"success": False, "message": "Purchase is already refunded."}


async def test_offer_codes_soft_delete_and_unique_names(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    pid = fake.add_product(name="Book")["id"]
    path = f"/v2/products/{pid}/offer_codes"
    _, made, _ = await call(http, fake, "POST", path,
                            data={"name": "TEN", "offer_type": "percent", "amount_off": "10"})
    assert made["offer_code"]["percent_off"] == 10
    _, twice, _ = await call(http, fake, "POST", path, data={"name": "TEN", "amount_cents": "5"})
    assert twice["success"] is False
    await call(http, fake, "DELETE", f"{path}/{made['offer_code']['id']}")
    _, listed, _ = await call(http, fake, "GET", path)
    assert listed["offer_codes"] == []
    assert fake.state.offer_codes[made["offer_code"]["id"]]["_deleted"] is True


@pytest.mark.parametrize("url", ["ftp://x.example", "http://localhost/hook",
                                 "https://127.0.0.1/x", "http://0.0.0.0/"])
async def test_resource_subscription_urls_are_checked(
    fake: FakeGumroad, http: aiohttp.ClientSession, url: str
) -> None:
    _, body, _ = await call(http, fake, "PUT", "/v2/resource_subscriptions",
                            data={"resource_name": "sale", "post_url": url})
    assert body["success"] is False


@pytest.mark.parametrize("retry_after", [None, 2])
async def test_rate_limit_answers_plain_text(
    fake: FakeGumroad, http: aiohttp.ClientSession, retry_after: int | None
) -> None:
    fake.rate_limit = 5
    fake.retry_after = retry_after
    answers = [await call(http, fake, "GET", "/v2/user") for _ in range(8)]
    limited = [a for a in answers if a[0] == 429]
    assert limited, "a burst over the limit is refused"
    _status, body, headers = limited[0]
    assert body == "Retry later\n" and headers["Content-Type"].startswith("text/plain")
    assert headers.get("Retry-After") == (None if retry_after is None else str(retry_after))


async def test_faults_and_request_log(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    fault = fake.inject(method="GET", path="/v2/user", times=2, status=503, body="<html>down</html>",
                        content_type="text/html")
    assert (await call(http, fake, "GET", "/v2/user"))[0] == 503
    assert (await call(http, fake, "GET", "/v2/user"))[0] == 503
    assert (await call(http, fake, "GET", "/v2/user"))[0] == 200
    assert (fault.hits, fault.remaining) == (2, 0)
    assert [r.fault is fault for r in fake.requests] == [True, True, False]

    fake.inject(path="/v2/user", drop=True, times=2)  # aiohttp itself retries a GET once
    with pytest.raises(aiohttp.ClientError):
        await call(http, fake, "GET", "/v2/user")

    fake.inject(path="/v2/user", stall=5)
    with pytest.raises(asyncio.TimeoutError):
        await call(http, fake, "GET", "/v2/user", timeout=aiohttp.ClientTimeout(total=0.2))


async def test_after_handler_faults_do_the_work(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    sid = fake.add_sale(price=1000)["id"]
    fake.inject(method="PUT", path="/v2/sales/*/refund", status=500, after_handler=True)
    status, _, _ = await call(http, fake, "PUT", f"/v2/sales/{sid}/refund")
    assert status == 500
    assert fake.state.sale(sid)["refunded"] is True  # type: ignore[index]


async def test_latency_and_in_flight(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    fake.latency = 0.05
    await asyncio.gather(*(call(http, fake, "GET", "/v2/user") for _ in range(6)))
    assert fake.max_in_flight == 6 and fake.in_flight == 0


async def test_seeding_is_deterministic() -> None:
    async with FakeGumroad() as one, FakeGumroad() as two:
        one.seed(42, sales=100, subscribers=10, licenses=3)
        two.seed(42, sales=100, subscribers=10, licenses=3)
        assert [s["id"] for s in one.state.iter_sales()] == [s["id"] for s in two.state.iter_sales()]
        assert list(one.state.products) == list(two.state.products)


async def test_pages_deep_in_a_large_account(
    fake: FakeGumroad, http: aiohttp.ClientSession
) -> None:
    fake.seed(5, sales=50_000)
    oldest = list(fake.state.sale_rows())[-1]
    from gumroad_async.testing._sales import cursor_of

    _, body, _ = await call(http, fake, "GET", f"/v2/sales?page_key={cursor_of(oldest)}")
    assert body["sales"] == []


async def test_oauth_token(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    fake.add_oauth_app("app", "secret", "https://app.example/callback")
    code = fake.authorize("app", "https://app.example/callback", ["view_sales"])
    form = {"code": code, "client_id": "app", "client_secret": "secret",
            "redirect_uri": "https://app.example/callback", "grant_type": "authorization_code"}
    status, body, _ = await call(http, fake, "POST", "/oauth/token", token=None, data=form)
    assert status == 200 and body["scope"] == "view_sales" and body["token_type"] == "Bearer"
    assert (await call(http, fake, "GET", "/v2/sales", token=body["access_token"]))[0] == 200
    status, again, _ = await call(http, fake, "POST", "/oauth/token", token=None, data=form)
    assert status == 400 and again["error"] == "invalid_grant"  # a code is used once


def test_pytest_plugin_gives_users_a_fixture(tmp_path: Path) -> None:
    (tmp_path / "test_user_side.py").write_text(textwrap.dedent("""
        from gumroad_async import GumroadClient

        async def test_with_the_fixture(fake_gumroad):
            fake_gumroad.add_sale(price=500)
            async with GumroadClient(fake_gumroad.token, base_url=fake_gumroad.url) as c:
                assert [s.price async for s in c.sales.list()] == [500]
    """))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "gumroad_async.testing.pytest_plugin",
         "-o", "asyncio_mode=auto", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def test_fake_server_command(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gumroad_async", "fake-server", "--port", "0", "--sales", "15",
         "--token", "cli-token"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "15 sales" in first
        url = first.split(" on ")[1].split()[0]
        assert "GUMROAD_BASE_URL=" + url in process.stdout.readline()
        assert "GUMROAD_ACCESS_TOKEN=cli-token" in process.stdout.readline()

        async def fetch() -> int:
            async with aiohttp.ClientSession() as session, session.get(
                url + "/v2/sales", headers={"Authorization": "Bearer cli-token"}
            ) as response:
                return len((await response.json())["sales"])

        assert asyncio.run(fetch()) == 10
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
