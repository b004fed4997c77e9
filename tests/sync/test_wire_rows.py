"""Rows made from the objects as sent equal the rows of the records made from them: columns,
record JSON (byte for byte) and digest, on every documented example, on the fake's sales
and subscribers, and on random objects (hypothesis), odd shapes and types included."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gumroad_async import GumroadClient
from gumroad_async._converter import structure
from gumroad_async._pagination import WireRecords
from gumroad_async.records import Sale, Subscriber
from gumroad_async.sync._rows import sale_row, subscriber_row
from gumroad_async.sync._wire_rows import SALE_ROWS, SUBSCRIBER_ROWS, WireRows, _Plan
from gumroad_async.testing import FakeGumroad

EXAMPLES = next(
    (parent / "shared" / "gumroad-api" / "examples" for parent in Path(__file__).resolve().parents
     if (parent / "shared" / "gumroad-api" / "examples").is_dir()),
    Path("/work/shared/gumroad-api/examples"),
)
NOW = datetime(2026, 11, 23, tzinfo=UTC)
MAKERS: dict[type[Any], tuple[WireRows, Any]] = {
    Sale: (SALE_ROWS, sale_row), Subscriber: (SUBSCRIBER_ROWS, subscriber_row)}


def record_path_row(raw: Any, cls: type[Any]) -> dict[str, Any] | None:
    record = structure(raw, cls)
    if record is None or record.id is None:
        return None
    _, make = MAKERS[cls]
    row: dict[str, Any] = make(record, "acct", "run1", NOW)
    return row


def outcome(make: Any, raw: Any, cls: type[Any]) -> Any:
    """The row, or the type of error raised (an integer beyond 64 bits cannot be encoded)."""
    try:
        return make(raw, cls)
    except TypeError as exc:
        return type(exc)


def assert_same_row(raw: Any, cls: type[Any]) -> None:
    maker, _ = MAKERS[cls]
    expected = outcome(record_path_row, raw, cls)
    # Twice: the first object of a shape makes its plan, the second uses it.
    for _ in range(2):
        got = outcome(lambda r, _cls: maker.row(r, "acct", "run1", NOW), raw, cls)
        assert got == expected
        if isinstance(got, dict) and isinstance(expected, dict):
            assert str.__str__(got["record"]) == str.__str__(expected["record"])
            assert sorted(got) == sorted(expected)


def documented(key_names: tuple[str, ...]) -> list[dict[str, Any]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        for key, value in json.loads(path.read_text()).items():
            if key in key_names:
                found += [v for v in (value if isinstance(value, list) else [value])]
    return found


def test_the_examples_hold_sales_and_subscribers() -> None:
    assert documented(("sale", "sales")) and documented(("subscriber", "subscribers"))


@pytest.mark.parametrize("raw", documented(("sale", "sales")), ids=lambda v: str(v)[:30])
def test_documented_sales(raw: dict[str, Any]) -> None:
    assert_same_row(raw, Sale)


@pytest.mark.parametrize("raw", documented(("subscriber", "subscribers")),
                         ids=lambda v: str(v)[:30])
def test_documented_subscribers(raw: dict[str, Any]) -> None:
    assert_same_row(raw, Subscriber)


async def test_the_fakes_objects_as_listed(fake: FakeGumroad, client: GumroadClient) -> None:
    product = fake.add_product(name="Membership")["id"]
    for number in range(12):
        fake.add_sale(product_id=product, email=f"b{number}@example.com", price=100 * number)
    fake.add_subscriber(product_id=product)
    listings = [(client.sales.list(), Sale), (client.subscribers.list(product), Subscriber)]
    for listing, cls in listings:
        seen = 0
        async for page in listing.wire_pages():
            assert isinstance(page.items, WireRecords)
            for raw in page.items.wire:
                assert_same_row(raw, cls)
                # A plain shape as listed: no record built on the way.
                plan = MAKERS[cls][0]._plan(tuple(raw), tuple(map(type, raw.values())))
                assert isinstance(plan, _Plan)
                seen += 1
        assert seen


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                               max_size=3),
    max_leaves=8,
)
odd_values = json_values | st.sampled_from(
    ["2024-05-05T05:05:05Z", "2024-05-05T05:05:05.123456+02:00", "2024-05-05 05:05:05",
     "2024-05-05", "1", "1.0", "false", "true", "", "3.5", "s1"])


def objects_of(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    names = [f.name for f in attrs.fields(cls) if f.name != "extra"]
    nested = st.dictionaries(st.sampled_from(["visual", "type", "name", "amount", "bin"]),
                             odd_values, max_size=3)
    return st.dictionaries(
        st.sampled_from([*names, "id", "id", "created_at", "currency", "timestamp", "extra"])
        | st.text(max_size=6),
        odd_values | nested, max_size=25)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects_of(Sale))
@example({"id": "s1", "created_at": "", "price": "3"})
@example({"id": 5, "refunded": "false", "card": {"visual": None}, "currency": "usd"})
@example({"timestamp": "now", "id": "s2", "average_rating": 4, "custom_fields": {}})
def test_random_sales(raw: dict[str, Any]) -> None:
    assert_same_row(raw, Sale)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects_of(Subscriber))
@example({"id": "x", "purchase_ids": ["a", 1], "cancelled_at": "2024-05-05"})
def test_random_subscribers(raw: dict[str, Any]) -> None:
    assert_same_row(raw, Subscriber)


def test_not_an_object_makes_no_row() -> None:
    assert SALE_ROWS.rows([[], "x", None, {"price": 3}], "acct", None, NOW) == []


def test_nested_records_equal_as_keys_but_not_as_json_are_told_apart() -> None:
    # 1 == True == 1.0 and 0.0 == -0.0 as dict keys; the remembered cards must not mix them.
    for values in ([1, True, 1.0, "1"], [0.0, -0.0, 0, False]):
        for number, value in enumerate(values):
            assert_same_row({"id": f"s{number}", "card": {"visual": value, "bin": value}}, Sale)


async def test_rows_for_the_writer_hold_the_same_text_and_escape_the_collector(
        fake: FakeGumroad, client: GumroadClient) -> None:
    # The walkers' rows carry the record as plain text: equal rows, and dicts the garbage
    # collector does not track (a str subclass instance would make each row tracked).
    product = fake.add_product(name="Membership")["id"]
    for number in range(5):
        fake.add_sale(product_id=product, email=f"c{number}@example.com", price=number)
    fake.add_subscriber(product_id=product)
    listings: list[tuple[Any, WireRows]] = [
        (client.sales.list(), SALE_ROWS), (client.subscribers.list(product), SUBSCRIBER_ROWS)]
    for listing, maker in listings:
        async for page in listing.wire_pages():
            assert isinstance(page.items, WireRecords)
            plain = maker.rows(page.items.wire, "acct", "run1", NOW, record_text=str)
            encoded = maker.rows(page.items.wire, "acct", "run1", NOW)
            assert plain == encoded and plain
            for row in plain:
                assert type(row["record"]) is str
                assert not gc.is_tracked(row)
