"""The fake's fast paths give what its general paths give: cursors, sales pages, the
low-level server against the application it stands for, and the lazily built request log."""

from __future__ import annotations

import json
import random
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from gumroad_async.testing import FakeGumroad
from gumroad_async.testing import _wire as wire
from gumroad_async.testing._sales import SalesBook
from gumroad_async.testing._server import _query
from gumroad_async.testing._subscribers import Record, SubscriberBook


def _general(key: str) -> tuple[float | None, int] | str:
    try:
        return wire._decode_any_page_key(key)
    except wire.PageKeyError:
        return "error"


def _decoded(key: str) -> tuple[float | None, int] | str:
    try:
        return wire.decode_page_key(key)
    except wire.PageKeyError:
        return "error"


@given(st.text("0123456789", min_size=20, max_size=20), st.text("0123456789", max_size=12))
def test_the_cursor_shortcut_reads_as_the_general_decoder(date: str, numeric: str) -> None:
    key = f"{date}-{numeric}"
    wire._ISSUED.clear()
    assert _decoded(key) == _general(key)


@given(st.integers(-(10**11), 3 * 10**11), st.integers(1, 10**9))
def test_issued_cursors_decode_as_they_read(epoch: int, number: int) -> None:
    key = wire.encode_page_key(epoch, number)
    strftime = time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch))
    assert key == f"{strftime}000000-{wire.encrypt_numeric(number)}"
    remembered = wire._ISSUED.get(key)
    wire._ISSUED.clear()
    if remembered is not None:
        assert remembered == _decoded(key) == (float(epoch), number)


def test_sales_pages_as_slices_equal_the_walk() -> None:
    rng = random.Random(3)
    book = SalesBook({}, lambda _: False)
    book.bulk_add((rng.randrange(1_600_000_000, 1_700_000_000), f"s{i}", f"p{i % 3}",
                   f"e{i}@x", 100) for i in range(400))
    assert book._in_order
    for _ in range(300):
        below = rng.choice((None, rng.randrange(-5, 420)))
        bound = None if below is None else (float(rng.randrange(1_600_000_000, 1_700_000_000)),
                                            below)
        query = {"low_epoch": rng.choice((None, 1_650_000_000)), "high_epoch": None,
                 "product_id": rng.choice((None, "p1")), "email": None, "number": None,
                 "bound": bound, "size": rng.choice((10, 30))}
        fast = book.page(**query)  # type: ignore[arg-type]
        book._in_order = False
        assert book.page(**query) == fast  # type: ignore[arg-type]
        book._in_order = True


@pytest.fixture
async def both() -> AsyncIterator[tuple[str, str]]:
    """The fake served directly, and its `app()` served by aiohttp's application runner."""
    async with FakeGumroad() as fake:
        fake.seed(0, sales=30)
        runner = web.AppRunner(fake.app(), handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            yield fake.url, f"http://127.0.0.1:{runner.addresses[0][1]}"
        finally:
            await runner.cleanup()


@pytest.mark.parametrize("path", [
    "/v2/sales", "/v2/sales/a%0Ab", "/v2/sales/a%0ab", "/v2/sales%0A", "/nowhere", "/v2/user?x=%0A",
])
async def test_the_direct_server_answers_as_the_application(
    both: tuple[str, str], path: str,
) -> None:
    answers = []
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer test-token"}) as http:
        for base in both:
            async with http.get(base + path) as response:
                body = await response.read()
                answers.append((response.status, response.content_type,
                                body.split(b'"timestamp"')[0]))
    assert answers[0] == answers[1]


async def test_expect_continue_is_answered_as_by_the_application(
    both: tuple[str, str],
) -> None:
    answers = []
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer test-token"}) as http:
        for base in both:
            for expect in (True, False):
                async with http.put(base + "/v2/licenses/enable", data={"license_key": "x"},
                                    expect100=expect) as response:
                    answers.append((response.status, await response.read()))
            async with http.put(base + "/v2/licenses/enable", data={"license_key": "x"},
                                headers={"Expect": "something-else"}) as response:
                answers.append((response.status, await response.read()))
    assert answers[:3] == answers[3:]
    assert answers[2][0] == 417


async def test_the_request_log_is_built_when_read() -> None:
    async with FakeGumroad(request_log_limit=3) as fake, aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {fake.token}"}) as http:
        for n in range(4):
            async with http.get(f"{fake.url}/v2/products/p%2F{n}?a=b") as response:
                await response.read()
        first = fake.requests
        assert [r.path for r in first] == ["/v2/products/p/0", "/v2/products/p/1",
                                           "/v2/products/p/2", "/v2/products/p/3"]
        assert first[-1].raw_path == "/v2/products/p%2F3" and first[-1].query == {"a": "b"}
        fake.requests.clear()
        async with http.get(f"{fake.url}/v2/user") as response:
            await response.read()
        assert [r.path for r in fake.requests] == ["/v2/user"]
        assert fake.requests is fake.requests


@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["a@x", "b@x"]),
                          st.booleans()), max_size=40),
       st.lists(st.tuples(st.one_of(st.none(), st.integers(-1, 32)), st.integers(-2, 45),
                          st.sampled_from([None, "a@x"]), st.sampled_from([None, 1, 7, 100])),
                max_size=12))
def test_subscriber_pages_as_joined_slices_equal_the_rows(
    subscribers: list[tuple[int, str, bool]],
    asks: list[tuple[int | None, int, str | None, int | None]],
) -> None:
    book = SubscriberBook()
    for number, (epoch, email, ended) in enumerate(subscribers):
        record = Record(id=f"s{number}", email=email, created_at=epoch)
        if ended:
            record["ended_at"] = "2020-01-01T00:00:00Z"
        book.add(record, "p", 1_600_000_000 + epoch)
    for when, below, wanted, size in asks:
        bound = None if when is None and below < 0 else (
            None if when is None else float(1_600_000_000 + when), below)
        rows, last = book.page("p", wanted, bound, size)
        joined, joined_last = book.joined_page("p", wanted, bound, size)
        assert (bytes(joined), joined_last) == (b",".join(rows), last)


@given(st.text("abc019=&-._~%+#;/?", max_size=30))
def test_a_plain_query_split_by_hand_reads_as_through_yarl(query_string: str) -> None:
    url = URL.build(path="/v2/sales", query_string=query_string, encoded=True)

    class Request:
        query = url.query

    assert _query(query_string, Request()) == dict(url.query)  # type: ignore[arg-type]


def _book(rng: random.Random, now: int) -> SalesBook:
    products = {f"p{i}": {"name": f"P{i}", "currency": ("usd", "eur", "jpy")[i]}
                for i in range(3)}
    book = SalesBook(products, lambda product_id: product_id == "p2")
    # Ages from seconds to years, and runs of sales close together (pages within one day).
    ages = [rng.choice((rng.randrange(0, 3_000), rng.randrange(0, 90_000),
                        rng.randrange(0, 5_000_000), rng.randrange(0, 120_000_000),
                        40_000_000 + rng.randrange(0, 2_000)))
            for _ in range(300)]
    book.bulk_add((now - age, f"s{i}", f"p{i % 3}", f"e{i}@x", rng.choice((100, 250, 999)))
                  for i, age in enumerate(ages))
    return book


@given(st.integers(0, 2**32), st.integers(1_700_000_000, 1_800_000_000),
       st.floats(0, 59.99), st.lists(st.integers(0, 3), max_size=3))
def test_sales_pages_at_once_equal_the_rows(seed: int, minute: int, second: float,
                                            changes: list[int]) -> None:
    rng = random.Random(seed)
    now = minute - minute % 60 + second
    book = _book(rng, int(now))
    ids = [f"s{n}" for n in range(300)]
    for change in changes:
        if change == 1:
            book.overlay[rng.choice(ids)] = {"shipped": True}
        elif change == 2:
            book.refunded_cents[rng.choice(ids)] = 50
    for _ in range(20):
        size = rng.choice((1, 2, 10, 30))
        bound = rng.choice((None, (float(now - rng.randrange(0, 120_000_000)), 10**6)))
        numbers, _ = book.page(low_epoch=None, high_epoch=None, product_id=None, email=None,
                               number=None, bound=bound, size=size)
        whole = book.page_json(numbers, b'{"sales":[', b"]}", now)
        assert whole == book._page_json_rows(numbers, b'{"sales":[', b"]}", now)
        assert json.loads(whole)["sales"] == [
            book.sale_json(book._row(number), now) for number in numbers]
