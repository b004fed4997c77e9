"""Whatever arrives, the parser returns an event or raises WebhookError, and the receiver
answers 4xx without a traceback and without calling the handler."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
from _ping_wire import FORM, JSON, form_body, sale_params, subscription_params
from conftest import Serve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gumroad_async.webhooks import (
    MAX_PING_BYTES,
    SaleEvent,
    SubscriptionEvent,
    WebhookError,
    WebhookReceiver,
    parse_ping,
)

SECRET = "a-long-random-secret"

BAD_BODIES = [
    pytest.param(b"resource_name[]=sale&sale_id=s1", FORM, 400, id="array resource_name"),
    pytest.param(b"resource_name[x]=sale&sale_id=s1", FORM, 400, id="bracketed resource_name"),
    pytest.param(b"resource_name=sale&resource_name[]=refund&sale_id=s1", FORM, 400,
                 id="resource_name both ways"),
    pytest.param(b"resource_name=Sale%0A&sale_id=s1", FORM, 400, id="odd resource_name"),
    pytest.param(b'[{"sale_id": "s1"}]', JSON, 400, id="JSON list"),
    pytest.param(b'{"resource_name": ["sale"], "sale_id": "s1"}', JSON, 400,
                 id="JSON array resource_name"),
    pytest.param(b'{"resource_name": 7, "sale_id": "s1"}', JSON, 400, id="JSON number name"),
    pytest.param(b"resource_name=refund&price=100", FORM, 400, id="refund without sale_id"),
    pytest.param(b"price=100&email=a%40b.c", FORM, 400, id="sale without sale_id"),
    pytest.param(b'{"sale_id": ["s1"]}', JSON, 400, id="array sale_id"),
    pytest.param(b"resource_name=cancellation&user_id=1", FORM, 400,
                 id="cancellation without subscription_id"),
    pytest.param(b"[" * 200_000, JSON, 400, id="deep JSON list"),
    pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, JSON, 400, id="deep JSON object"),
    pytest.param(b'{"sale_id": "s1", "x": ' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"}", JSON,
                 400, id="JSON deeper than a ping"),
    pytest.param(b"sale_id=s1&a" + b"[b]" * 5000 + b"=1", FORM, 400, id="deep bracket key"),
    pytest.param(b"sale_id=s1&a" + b"[]" * 5000 + b"=1", FORM, 400, id="deep list key"),
    pytest.param(b"sale_id=s1\xff\xfe&price=1", FORM, 400, id="non-UTF-8 form"),
    pytest.param(b"sale_id=s1%FF&price=1", FORM, 400, id="non-UTF-8 escape"),
    pytest.param(b'{"sale_id": "s1\xff"}', JSON, 400, id="non-UTF-8 JSON"),
    pytest.param(b'{"sale_id": "s1", "price": NaN}', JSON, 400, id="JSON NaN"),
    pytest.param(b'{"sale_id": "s1", "price": 1' + b"0" * 5000 + b"}", JSON, 400,
                 id="JSON huge integer"),
    pytest.param(b"a=1&&&=", FORM, 400, id="not a form"),
    pytest.param(b"", FORM, 400, id="empty"),
    pytest.param(b"sale_id=s1", "text/xml", 415, id="content type"),
    pytest.param(b"sale_id=s1&pad=" + b"x" * MAX_PING_BYTES, FORM, 413, id="huge body"),
]


@pytest.mark.parametrize(("body", "content_type", "status"), BAD_BODIES)
async def test_a_body_that_is_not_a_ping_answers_4xx_quietly(
    serve: Serve, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str,
    status: int,
) -> None:
    calls: list[object] = []

    async def handler(event: SaleEvent | SubscriptionEvent) -> None:
        calls.append(event)

    caplog.set_level(logging.DEBUG)
    async with (
        serve(WebhookReceiver(handler, secret=SECRET)) as url,
        aiohttp.ClientSession() as http,
        http.post(f"{url}?secret={SECRET}", data=io.BytesIO(body),
                  headers={"Content-Type": content_type}) as response,
    ):
        assert response.status == status
        assert len(await response.read()) < 200
    assert calls == []
    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert tracebacks == []


async def test_a_huge_body_without_a_length_is_cut_off(serve: Serve) -> None:
    calls: list[object] = []

    async def handler(event: SaleEvent | SubscriptionEvent) -> None:
        calls.append(event)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"sale_id=s1&pad="
        for _ in range(40):  # 2.5 MiB, sent chunked: no Content-Length to refuse up front
            yield b"x" * 65536

    async with serve(WebhookReceiver(handler, secret=SECRET)) as url, \
            aiohttp.ClientSession() as http:
        try:
            async with http.post(f"{url}?secret={SECRET}", data=chunks(),
                                 headers={"Content-Type": FORM}) as response:
                assert response.status == 413
        except aiohttp.ClientOSError:
            pass  # the server answered 413 and closed while we were still sending
    assert calls == []


@pytest.mark.parametrize(("body", "content_type", "status"), BAD_BODIES)
def test_parse_ping_refuses_it_with_webhook_error(
    body: bytes, content_type: str, status: int
) -> None:
    with pytest.raises(WebhookError) as info:
        parse_ping(body, content_type)
    assert info.value.status == status


def _is_total(body: bytes | str, content_type: str) -> None:
    try:
        event = parse_ping(body, content_type)
    except WebhookError:
        return
    assert isinstance(event, SaleEvent | SubscriptionEvent)
    kind, event_id = event.dedup_key
    # The id part is never empty: an event without one would share its key with others.
    own_id = event_id if kind == "sale" else event_id.rpartition("#")[0]
    assert kind and own_id


CONTENT_TYPES = st.sampled_from([
    FORM, JSON, "", "application/json; charset=latin-1", "text/plain", "APPLICATION/JSON"])
TOTALITY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@TOTALITY
@given(st.binary(max_size=3000), CONTENT_TYPES)
def test_parse_ping_is_total_over_bytes(body: bytes, content_type: str) -> None:
    _is_total(body, content_type)


_NAMES = st.sampled_from([
    "sale_id", "subscription_id", "resource_name", "price", "card", "custom_fields",
    "variants", "purchase_ids", "retry_count", "sale_timestamp", "cancelled_at", "refunded",
    "Size %5BEU%5D", "", "x"])
_KEYS = st.builds(
    lambda head, parts: head + "".join(parts),
    _NAMES | st.text(max_size=8),
    st.lists(st.sampled_from(["[]", "[a]", "[visual]", "[", "]", "[Size %5BEU%5D]", "%5B"])
             | st.text(alphabet="[]%5BDab", max_size=4), max_size=6),
)
_VALUES = st.sampled_from([
    "", "s1", "sale", "refund", "cancellation", "subscription_updated", "true", "1.0",
    "2024-01-01T00:00:00Z", "NaN", "1e999"]) | st.text(max_size=12)


@TOTALITY
@given(st.lists(st.tuples(_KEYS, _VALUES), max_size=25), st.booleans())
def test_parse_ping_is_total_over_form_bodies(
    pairs: list[tuple[str, str]], as_bytes: bool
) -> None:
    body = urlencode(pairs)
    _is_total(body.encode() if as_bytes else body, FORM)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _VALUES,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(_NAMES | st.text(max_size=6), children, max_size=6),
    max_leaves=40,
)


@TOTALITY
@given(st.dictionaries(_NAMES, _JSON, max_size=12) | _JSON)
def test_parse_ping_is_total_over_json_documents(document: object) -> None:
    _is_total(json.dumps(document).encode(), JSON)


@TOTALITY
@given(st.sampled_from(["sale", "refund", "dispute", "dispute_won"]),
       st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=4))
def test_any_valid_ping_with_any_custom_fields_is_read(
    resource: str, custom_fields: dict[str, str]
) -> None:
    # A custom field named like a ping field would replace it at the top level.
    custom_fields = {k: v for k, v in custom_fields.items() if k not in sale_params("s1")}
    params = sale_params("s1", resource, custom_fields=custom_fields)
    event = parse_ping(form_body(params))
    assert isinstance(event, SaleEvent) and event.sale_id == "s1"


def test_subscription_pings_built_by_the_server_are_read() -> None:
    for resource in ("cancellation", "subscription_updated", "subscription_ended",
                     "subscription_restarted"):
        event = parse_ping(form_body(subscription_params("m1", resource)))
        assert isinstance(event, SubscriptionEvent) and event.kind == resource
