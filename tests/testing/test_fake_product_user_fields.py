"""The fake's product and user JSON carry every key Gumroad's server sends, and no other.

Read on the wire with bare aiohttp; the key lists are the server's (antiwork/gumroad, the
2025 snapshot), with the file and line each came from. The SDK's records built from these
answers keep nothing in ``.extra``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from gumroad_async import Product, User
from gumroad_async._converter import structure
from gumroad_async.testing import FakeGumroad


def _words(text: str) -> set[str]:
    return set(text.split())


# app/models/link.rb:1353-1402 `as_json_for_api`: the `keep` columns and the merged keys.
PRODUCT_ALWAYS = _words("""
name description require_shipping preview_url custom_receipt customizable_price
custom_permalink subscription_duration id url price currency short_url thumbnail_url tags
formatted_price published file_info max_purchase_count deleted custom_fields custom_summary
is_tiered_membership recurrences variants
""")
# link.rb:1403-1409: only for a product with a `preorder_link`.
PRODUCT_PREORDER = _words("is_preorder is_in_preorder_state release_at")
# link.rb:1411-1413: only when purchasing power parity is on.
PRODUCT_PPP = {"purchasing_power_parity_prices"}
# link.rb:1415-1419: only for a token with `view_sales`.
PRODUCT_VIEW_SALES = _words("custom_delivery_url sales_count sales_usd_cents")
# link.rb:1383-1390 each option of `variants`; link.rb:1391-1399 the PPP merge.
VARIANT_OPTION = _words("name price_difference is_pay_what_you_want recurrence_prices url")
# link.rb:976-984 `custom_field_descriptors`.
FIELD_DESCRIPTOR = _words("id type name required collect_per_product")
# app/models/concerns/user/as_json.rb:9-11 with a scope of `valid_api_scope?` (:34), the
# common fields at :42-48; :13-15 `.compact` otherwise; :18-20 `display_name`.
USER_WIDE = _words("name bio twitter_handle currency_type id user_id url links profile_url email")
USER_PUBLIC = _words("name bio id user_id url links")  # twitter_handle nil: compacted away


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(http: aiohttp.ClientSession, fake: FakeGumroad, method: str, path: str,
               token: str, **kwargs: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.request(method, fake.url + path, headers=headers, **kwargs) as response:
        assert response.status == 200, path
        body: dict[str, Any] = json.loads(await response.read())
        assert body["success"] is True, body
        return body


def _no_extra(data: dict[str, Any], cls: type[Any]) -> None:
    record = structure(data, cls)
    assert record is not None
    assert dict(record.extra) == {}
    for variant in record.variants or () if cls is Product else ():
        assert dict(variant.extra) == {}
        for option in variant.options or ():
            assert dict(option.extra) == {}


async def _product_with_parts(fake: FakeGumroad, http: aiohttp.ClientSession) -> str:
    fake.add_token("editor", ["edit_products"])
    pid: str = fake.add_product(name="Book", price=1000)["id"]
    base = f"/v2/products/{pid}"
    category = await call(http, fake, "POST", f"{base}/variant_categories", "editor",
                          data={"title": "Size"})
    cid = category["variant_category"]["id"]
    await call(http, fake, "POST", f"{base}/variant_categories/{cid}/variants", "editor",
               data={"name": "Large", "price_difference_cents": "250"})
    await call(http, fake, "POST", f"{base}/custom_fields", "editor",
               data={"name": "Company", "required": "true"})
    return pid


async def test_product_keys_by_scope(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    pid = await _product_with_parts(fake, http)
    fake.add_token("public", ["view_public"])
    fake.add_token("sales", ["view_sales"])
    for token, expected in (("public", PRODUCT_ALWAYS), ("editor", PRODUCT_ALWAYS),
                            ("sales", PRODUCT_ALWAYS | PRODUCT_VIEW_SALES)):
        listed = (await call(http, fake, "GET", "/v2/products", token))["products"]
        shown = (await call(http, fake, "GET", f"/v2/products/{pid}", token))["product"]
        assert set(listed[0]) == set(shown) == expected, token
        assert listed[0] == shown
        _no_extra(shown, Product)
    assert shown["custom_delivery_url"] is None
    [size] = shown["variants"]
    assert size["title"] == "Size" and set(size) == {"title", "options"}
    [large] = size["options"]
    assert set(large) == VARIANT_OPTION
    assert large["name"] == "Large" and large["price_difference"] == 250
    assert large["is_pay_what_you_want"] is False and large["url"] is None
    [company] = shown["custom_fields"]
    assert set(company) == FIELD_DESCRIPTOR
    assert company["name"] == "Company" and company["required"] is True


async def test_product_writes_answer_the_same_keys(fake: FakeGumroad,
                                                   http: aiohttp.ClientSession) -> None:
    pid = await _product_with_parts(fake, http)
    base = f"/v2/products/{pid}"
    answers = [
        await call(http, fake, "PUT", f"{base}/disable", "editor"),
        await call(http, fake, "PUT", f"{base}/enable", "editor"),
        await call(http, fake, "PUT", base, "editor", data={"name": "Book 2"}),
        await call(http, fake, "POST", "/v2/products", "editor", data={"name": "New"}),
    ]
    for answer in answers:
        assert set(answer["product"]) == PRODUCT_ALWAYS
        _no_extra(answer["product"], Product)
    assert answers[0]["product"]["published"] is False
    assert answers[1]["product"]["published"] is True


async def test_preorder_and_ppp_keys(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    pid = await _product_with_parts(fake, http)
    later = fake.add_product(name="Soon", price=500, release_at="2999-01-05T19:38:56Z",
                             ppp_factors={"IN": 0.35, "BR": 0.5})["id"]
    shown = (await call(http, fake, "GET", f"/v2/products/{later}", "editor"))["product"]
    assert set(shown) == PRODUCT_ALWAYS | PRODUCT_PREORDER | PRODUCT_PPP
    assert shown["is_preorder"] is True and shown["is_in_preorder_state"] is True
    assert shown["release_at"] == "2999-01-05 19:38:56 UTC"  # `release_at.to_s`
    # `compute_ppp_prices`: factor x price, not below the currency's min_price (99 cents).
    assert shown["purchasing_power_parity_prices"] == {"IN": 175, "BR": 250}
    _no_extra(shown, Product)
    past = fake.add_product(name="Out", release_at="2020-01-01T00:00:00Z")["id"]
    shown = (await call(http, fake, "GET", f"/v2/products/{past}", "editor"))["product"]
    assert shown["is_in_preorder_state"] is False
    # Without a preorder or PPP those keys are absent, not null.
    shown = (await call(http, fake, "GET", f"/v2/products/{pid}", "editor"))["product"]
    assert not (PRODUCT_PREORDER | PRODUCT_PPP) & set(shown)


async def test_variant_options_carry_ppp_prices(fake: FakeGumroad,
                                                http: aiohttp.ClientSession) -> None:
    fake.add_token("editor", ["edit_products"])
    pid = fake.add_product(name="Tee", price=1000, ppp_factors={"IN": 0.05})["id"]
    base = f"/v2/products/{pid}/variant_categories"
    cid = (await call(http, fake, "POST", base, "editor",
                      data={"title": "Size"}))["variant_category"]["id"]
    await call(http, fake, "POST", f"{base}/{cid}/variants", "editor",
               data={"name": "XL", "price_difference_cents": "1000"})
    shown = (await call(http, fake, "GET", f"/v2/products/{pid}", "editor"))["product"]
    [option] = shown["variants"][0]["options"]
    assert set(option) == VARIANT_OPTION | PRODUCT_PPP
    assert option["purchasing_power_parity_prices"] == {"IN": 100}  # 0.05 x 2000
    assert shown["purchasing_power_parity_prices"] == {"IN": 99}  # the minimum
    _no_extra(shown, Product)


async def test_user_keys_by_scope(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    fake.add_token("public", ["view_public"])
    fake.add_token("editor", ["edit_products"])
    fake.add_token("profile", ["view_profile"])
    expected = {"public": USER_PUBLIC, "editor": USER_WIDE, "profile": USER_WIDE | {"display_name"}}
    for token, keys in expected.items():
        user = (await call(http, fake, "GET", "/v2/user", token))["user"]
        assert set(user) == keys, token
        _no_extra(user, User)
    # `links.presence && ...general_permalink`: nil without products, then their permalinks.
    assert user["links"] is None
    fake.add_product(name="Book", permalink="book")
    fake.add_product(name="Zine", permalink="zine", custom_permalink="my-zine")
    user = (await call(http, fake, "GET", "/v2/user", "public"))["user"]
    assert user["links"] == ["book", "my-zine"]


async def test_user_for_ifttt(fake: FakeGumroad, http: aiohttp.ClientSession) -> None:
    # users_controller.rb:7-11: `data`, and a blank name becomes the e-mail.
    fake.state.user["name"] = None
    body = await call(http, fake, "GET", "/v2/user?is_ifttt=false", fake.token)
    assert "user" not in body
    assert body["data"]["name"] == body["data"]["email"] == "seller@example.com"
