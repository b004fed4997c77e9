"""The per-call fast paths agree with the generic ones they skip.

A single call takes shortcuts the generic path does not: a query of plain text joined by
hand instead of by yarl, a JSON object that does not say it failed returned without
``decode_answer``, a list of plain items copied without a hook call per item, a builtin in
place of a lenient hook for a value of a known type, and a counting semaphore whose free
slot costs no call. Each must give exactly what the generic path gives.
"""

from __future__ import annotations

import asyncio
import string
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from gumroad_async import (
    APIConnectionError,
    APIError,
    GumroadClient,
    GumroadError,
    LicensePurchase,
    Sale,
    Subscriber,
    _converter,
)
from gumroad_async._converter import _FOR_TYPE, _hook_for, record_structurer
from gumroad_async._responses import decode_answer
from gumroad_async._slots import Slots
from gumroad_async._transport import Transport, api_path
from gumroad_async.testing import FakeGumroad

# -- the query string --------------------------------------------------------------------

_PLAIN = string.ascii_letters + string.digits + "_.~-"
# Plain text most of the time (the fast path), with now and then a character yarl quotes.
_QUERY_TEXT = st.one_of(
    st.text(_PLAIN, max_size=12),
    st.text(_PLAIN + " +&=?#/%@:;,é\x00\n☃", max_size=12),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=6),
)


@settings(max_examples=400)
@given(
    base=st.sampled_from(["http://127.0.0.1:8080", "https://api.example.com/prefix/",
                          "http://[::1]:99/a%20b"]),
    segments=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3),
    params=st.dictionaries(_QUERY_TEXT, _QUERY_TEXT, min_size=1, max_size=4),
)
def test_the_hand_joined_query_is_the_one_yarl_builds(
    base: str, segments: list[str], params: dict[str, str]
) -> None:
    transport = Transport("t", base_url=base, allow_insecure_http=True)
    path = api_path(*segments)
    url, left = transport._url(path, params)
    sent = url.extend_query(left) if left else url  # what aiohttp adds to it
    root = URL(transport.base_url)
    generic = root.with_path(root.raw_path.rstrip("/") + path, encoded=True).extend_query(params)
    assert sent == generic
    assert str(sent) == str(generic)
    assert sent.query == params


def test_a_query_with_a_lone_surrogate_is_refused() -> None:
    transport = Transport("t", base_url="http://127.0.0.1:1")
    with pytest.raises(GumroadError, match="email"):
        transport._url("/v2/sales", {"email": "a\ud800b"})


async def test_filters_reach_the_server_as_sent(fake: FakeGumroad) -> None:
    fake.add_sale(email="a+b c@example.com", price=100)
    fake.add_sale(email="plain@example.com", price=100)
    async with GumroadClient(fake.token, base_url=fake.url) as gumroad:
        for email in ("a+b c@example.com", "plain@example.com"):
            sales = await gumroad.sales.list(email=email, after="2000-01-01").to_list()
            assert [sale.email for sale in sales] == [email]


# -- the answer ----------------------------------------------------------------------------

ANSWERS = [
    b'{"success": true, "user": {"name": "x"}}',
    b'{"user": {"name": "x"}}',
    b'{"success": false, "message": "Nope"}',
    b'{"success": false, "message": "That license does not exist, not found"}',
    b'{"success": "false"}',
    b'{"success": "true", "user": {}}',
    b'{"success": 1, "user": {}}',
    b'{"success": null, "user": {}}',
    b"[]",
    b'"text"',
    b"not json",
    b"",
]


def _outcome(call: Any) -> Any:
    try:
        return ("value", call())
    except APIError as error:
        return (type(error), str(error), error.status, error.body, error.request_id)


@pytest.mark.parametrize("expect_success", [True, False])
@pytest.mark.parametrize("body", ANSWERS)
async def test_an_answer_reads_as_decode_answer_reads_it(
    fake: FakeGumroad, body: bytes, expect_success: bool
) -> None:
    fake.inject(method="GET", path="/v2/user", status=200, body=body,
                content_type="application/json", headers={"X-Request-Id": "rid-1"})
    transport = Transport(fake.token, base_url=fake.url, max_retries=0)
    try:
        try:
            got = ("value", await transport.request(
                "GET", "/v2/user", expect_success=expect_success
            ))
        except APIError as error:
            got = (type(error), str(error), error.status, error.body, error.request_id)
    finally:
        await transport.close()
    expected = _outcome(lambda: decode_answer(
        200, {"X-Request-Id": "rid-1"}, body, expect_success=expect_success
    ))
    assert got == expected


# -- lists of plain items, and builtins in place of hooks ----------------------------------

_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=4), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@given(
    kind=st.sampled_from([str, int, float, bool, Any]),
    value=st.one_of(st.lists(_VALUES, max_size=6), st.lists(st.text(max_size=3), max_size=6),
                    st.lists(st.integers(), max_size=6), _VALUES),
)
def test_a_list_of_plain_items_is_what_the_item_hook_makes(kind: Any, value: Any) -> None:
    hook = _hook_for(tuple[kind, ...])
    item = _hook_for(kind)
    expected = (
        tuple(v if v is None else item(v) for v in value)
        if isinstance(value, list | tuple) else None
    )
    got = hook(value)
    assert got == expected
    if got is not None and expected is not None:
        assert [type(v) for v in got] == [type(v) for v in expected]


@pytest.mark.parametrize(("hook", "kind"), list(_FOR_TYPE))
@given(data=st.data())
def test_a_builtin_converts_as_the_hook_does(hook: Any, kind: type, data: st.DataObject) -> None:
    value = data.draw(st.from_type(kind).filter(lambda v: type(v) is kind))
    assert type(value) is kind
    expected = hook(value)
    got = _FOR_TYPE[hook, kind](value)
    assert got is not None
    assert (type(got), got) == (type(expected), expected)


# -- the slots -----------------------------------------------------------------------------


async def _hold(slots: Slots, name: int, held: list[int], order: list[int],
                hold: asyncio.Event) -> None:
    if slots.free:
        slots.free -= 1
    else:
        await slots.wait()
    held.append(name)
    order.append(name)
    try:
        await hold.wait()
    finally:
        held.remove(name)
        slots.release()


async def test_slots_cap_holders_and_serve_waiters_in_arrival_order() -> None:
    slots, held, order, hold = Slots(3), [], [], asyncio.Event()
    tasks = [asyncio.create_task(_hold(slots, n, held, order, hold)) for n in range(10)]
    await asyncio.sleep(0.01)
    assert sorted(held) == [0, 1, 2] and slots.free == 0
    hold.set()
    await asyncio.gather(*tasks)
    assert order == list(range(10))
    assert slots.free == 3 and not held


async def test_a_cancelled_waiter_loses_no_slot() -> None:
    slots, held, order, hold = Slots(1), [], [], asyncio.Event()
    first = asyncio.create_task(_hold(slots, 0, held, order, hold))
    second = asyncio.create_task(_hold(slots, 1, held, order, hold))
    third = asyncio.create_task(_hold(slots, 2, held, order, hold))
    await asyncio.sleep(0.01)
    second.cancel()  # while it waits
    await asyncio.sleep(0.01)
    hold.set()
    await asyncio.gather(first, third)
    assert second.cancelled()
    assert order == [0, 2] and slots.free == 1


async def test_a_slot_handed_to_a_task_being_cancelled_passes_on() -> None:
    slots = Slots(1)
    slots.free = 0  # held by the test itself
    waiter = asyncio.create_task(slots.wait())
    other = asyncio.create_task(slots.wait())
    await asyncio.sleep(0)
    slots.release()  # handed to ``waiter``...
    waiter.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await asyncio.wait_for(other, 1)  # the slot went on to the next waiter
    assert slots.free == 0
    slots.release()
    assert slots.free == 1


# -- aiohttp's resend, off in our own session and stopped by the middleware in a borrowed one


async def test_a_dropped_connection_reads_the_same_in_an_owned_and_a_borrowed_session(
    fake: FakeGumroad,
) -> None:
    messages = []
    async with aiohttp.ClientSession() as borrowed:
        for session in (None, borrowed):
            async with GumroadClient(fake.token, base_url=fake.url, session=session,
                                     max_retries=0) as gumroad:
                await gumroad.user.get()  # a kept-alive connection, which aiohttp would retry
                fake.clear_requests()
                fake.inject(method="GET", path="/v2/user", drop=True, times=10)
                with pytest.raises(APIConnectionError) as info:
                    await gumroad.user.get()
                assert len(fake.requests_to("GET", "/v2/user")) == 1
                messages.append(str(info.value))
                fake.clear_faults()
    assert messages[0] == messages[1]


# -- timestamps read inline by the per-types functions -------------------------------------

_TIMESTAMPS = st.one_of(
    st.sampled_from(["", "2021-01-05T19:38:56Z", "2021-01-05", "2021-01-05T19:38:56+02:00",
                     "2021-01-05T19:38:56.123456", "2021-02-30T00:00:00Z", "not a date", " ",
                     "2021-01-05T19:38:56\x00"]),
    st.text(max_size=12),
)


@settings(max_examples=200)
@given(stamps=st.lists(_TIMESTAMPS, min_size=1, max_size=5), cls_index=st.integers(0, 2))
def test_timestamps_read_inline_as_the_hook_reads_them(stamps: list[str], cls_index: int) -> None:
    cls = (Sale, Subscriber, LicensePurchase)[cls_index]
    structure = record_structurer(cls)
    generic = _converter._GENERIC_HOOKS[cls]
    # One key order, all strings: the first object makes the per-types function, the
    # others go through it.
    for stamp in stamps:
        data = {"id": "x", "created_at": stamp}
        fast, slow = structure(data), generic(data)
        assert (type(fast.created_at), fast.created_at) == (
            type(slow.created_at), slow.created_at
        )
        assert dict(fast.extra) == dict(slow.extra)


# -- the path --------------------------------------------------------------------------------


@given(st.lists(st.one_of(st.text(_PLAIN, max_size=6), st.text(max_size=6)), max_size=4))
def test_a_path_of_plain_segments_is_joined_as_segment_by_segment(segments: list[str]) -> None:
    def one(segment: str) -> str:
        if segment and all(c in _PLAIN and c != "." for c in segment):
            return segment
        return quote(segment, safe="").replace(".", "%2E")

    try:
        expected = "/v2" + "".join("/" + one(segment) for segment in segments)
    except UnicodeEncodeError:
        with pytest.raises(GumroadError):
            api_path(*segments)
        return
    assert api_path(*segments) == expected


def test_remembered_urls_stay_bounded_and_right() -> None:
    transport = Transport("t", base_url="https://api.example.com/base/")
    for n in range(3000):
        path = api_path("sales", f"s{n}")
        url = transport._urls.get(path) or transport._path_url(path)
        assert str(url) == f"https://api.example.com/base/v2/sales/s{n}"
        assert len(transport._urls) <= 1024


# -- headers: our own session's defaults, or every one per request on a borrowed session ----


async def test_the_same_headers_reach_the_server_from_an_owned_and_a_borrowed_session(
    fake: FakeGumroad,
) -> None:
    product = fake.add_product(name="Book", price=100)
    key = fake.add_license(product_id=product["id"])["license_key"]
    seen = []
    async with aiohttp.ClientSession() as borrowed:
        for session in (None, borrowed):
            async with GumroadClient(fake.token, base_url=fake.url, session=session,
                                     user_agent="app/1") as gumroad:
                await gumroad.user.get()
                await gumroad.licenses.verify(product["id"], key, increment_uses_count=False)
            wanted = ("User-Agent", "Accept", "Authorization")
            seen.append([[(name, request.headers.get(name)) for name in wanted]
                         for request in fake.requests[-2:]])
    assert seen[0] == seen[1]
    authenticated, anonymous = (dict(headers) for headers in seen[0])
    assert authenticated["Authorization"] == f"Bearer {fake.token}"
    assert anonymous["Authorization"] is None  # a verify sends no token
    for headers in (authenticated, anonymous):
        assert headers["Accept"] == "application/json"
        assert headers["User-Agent"].startswith("gumroad-async/")
        assert headers["User-Agent"].endswith(" app/1")
