"""CSV rows written straight from the objects as sent are the record path's, byte for byte:
on every documented example, on the fake's sales (in a real export, page by page) and on
random objects with odd values (hypothesis), alone and mixed in one page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from _documented import CLASSES, EXAMPLES
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gumroad_async import GumroadClient, records
from gumroad_async._converter import record_structurer, structure
from gumroad_async._pagination import WireRecords
from gumroad_async.export import (
    CSVSink,
    ExportEncodingError,
    _wire_csv,
    export_sales,
    export_subscribers,
)
from gumroad_async.export._encode import csv_rows
from gumroad_async.export._wire_csv import _MAX_TYPINGS, wire_csv_rows
from gumroad_async.testing import FakeGumroad


def fields_of(cls: type[Any]) -> list[str]:
    return [f.name for f in attrs.fields(cls) if f.name != "extra"]


def record_path(cls: type[Any], columns: Sequence[str], objects: Sequence[Any]) -> bytes:
    built = [structure(o, cls) for o in objects]
    return csv_rows(built, columns)


def assert_same_rows(cls: type[Any], objects: Sequence[dict[str, Any]],
                     columns: Sequence[str] | None = None) -> None:
    """The wire rows of ``objects`` are the record rows, for the record's columns, a few
    of them, and reversed; and a sink writes the same bytes either way."""
    _wire_csv._rows.clear()  # every example on fresh caches, far from their bounds
    fields = fields_of(cls)
    for cols in ([*fields], fields[::-1], fields[:2]) if columns is None else (columns,):
        expected = record_path(cls, cols, objects)
        written = wire_csv_rows(cls, cols, objects)
        assert written is not None
        assert written == expected, (written, expected)
    sink = CSVSink("unused.csv", record_type=cls)
    page = WireRecords(list(objects), record_structurer(cls))
    assert sink._encode(page) == record_path(cls, sink.columns, objects)


def documented() -> dict[type[Any], list[dict[str, Any]]]:
    found: dict[type[Any], list[dict[str, Any]]] = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        for key, value in json.loads(path.read_text()).items():
            cls = CLASSES.get(key)
            for item in value if isinstance(value, list) else [value]:
                if cls is not None and isinstance(item, dict):
                    found.setdefault(cls, []).append(item)
    return found


DOCUMENTED = documented()


def test_the_examples_cover_sales_and_subscribers() -> None:
    assert {records.Sale, records.Subscriber} <= set(DOCUMENTED)


@pytest.mark.parametrize("cls", list(DOCUMENTED), ids=lambda c: c.__name__)
def test_documented_examples(cls: type[Any]) -> None:
    objects = DOCUMENTED[cls]
    for one in objects:  # each alone (its own shape), then all in one page
        assert_same_rows(cls, [one])
    assert_same_rows(cls, objects)


# -- odd objects ----------------------------------------------------------------------

texts = st.text(max_size=8) | st.sampled_from(
    ['a,b', 'say "hi"', "two\nlines", "cr\rhere", "", " ", "{}", "é,ü", "\u2028", "\x00"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                               max_size=3),
    max_leaves=8,
)
wire_values = json_values | st.sampled_from([
    "2024-05-05T05:05:05Z", "2024-05-05T05:05:05.123456+02:00", "2024-05-05T05:05:05",
    "2024-02-30T05:05:05Z", "0999-05-05T05:05:05Z", "2024-W52-1T05:05:05Z", "1", "false",
    "", "3.5", 0, 1, 1.0, -0.0, True])
sale_fields = fields_of(records.Sale)
nested = st.dictionaries(
    st.sampled_from(["visual", "type", "bin", "expiry_month", "name", "amount", "x"]),
    wire_values, max_size=4)
wire_sales = st.dictionaries(
    st.sampled_from(sale_fields) | st.text(max_size=6), wire_values | nested, max_size=25)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wire_sales)
@example({"id": "{", "email": "[x"})
@example({"created_at": "2024-05-05T05:05:05Z", "average_rating": 0, "card": {}})
@example({"full_name": "Ada, Countess", "product_name": 'The "Book"', "referrer": "a\nb"})
def test_random_sales(raw: dict[str, Any]) -> None:
    assert_same_rows(records.Sale, [raw])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(wire_sales, min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_random_pages_of_one_shape(objects: list[dict[str, Any]], rng: Any) -> None:
    # The same keys in the same order with other values: one key order, several typings
    # (past the cache's bound too), as a page of a real export.
    keys = sorted({k for o in objects for k in o}, key=str)
    page = [{k: o.get(k, rng.choice([None, "x", 1, {}])) for k in keys} for o in objects]
    assert_same_rows(records.Sale, page)
    assert_same_rows(records.Sale, page * (_MAX_TYPINGS + 2))


TIMES = ["2024-05-05T05:05:05Z", "2024-05-05T05:05:05.000Z", "2024-05-05T05:05:05+00:00",
         "2024-05-05T05:05:05", "2024-05-05T05:05:05+02:00", "2024-02-30T05:05:05Z",
         "2024-05-05T24:05:05Z", "0999-05-05T05:05:05Z", "0000-05-05T05:05:05Z",
         "2024-W52-1T05:05:05Z", "2024-123T05:05:05Z", "2024-05-05 05:05:05Z",
         "\uff12024-05-05T05:05:05Z", "2024-05-05", "", "x", "2024-05-05T05:05:05Z "]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(TIMES) | st.text(alphabet="0123456789-T:Z.+W ", max_size=26))
@example("2024-W52-1T05:05:05Z")
def test_times_sent_as_text(text: str) -> None:
    page = [{"id": "1", "created_at": text}, {"id": "2", "created_at": "2024-05-05T05:05:05Z"}]
    assert_same_rows(records.Sale, page)
    assert_same_rows(records.Sale, page[::-1])


def test_many_typings_of_one_key_order() -> None:
    values: list[Any] = [None, "7", 7, 7.0, True, "", {}, [], "a,b", 2**70]
    page = [{"id": str(i), "price": v, "email": v, "card": v, "paid": v} for i, v in
            enumerate(values * 2)]
    assert_same_rows(records.Sale, page)


def test_bool_fields_sent_as_other_values() -> None:
    # The first object's line function (a bool) meets numbers equal to a bool, and others.
    values: list[Any] = [True, 1, 0, 1.0, 0.0, -0.0, 2, 0.5, "true", "no", None, [], {}]
    page = [{"id": str(i), "paid": v, "refunded": False} for i, v in enumerate(values)]
    assert_same_rows(records.Sale, page)


def test_nested_objects_with_equal_but_different_values() -> None:
    # Remembered cells must not mix up values Python holds equal: 1, 1.0, True; 0.0, -0.0.
    values: list[Any] = [1, True, 1.0, "1", 0, False, 0.0, -0.0, None, "", [1], {"a": 1}]
    page = [{"id": str(i), "card": {"visual": v, "expiry_month": v}, "custom_fields": {"n": v},
             "variants": {"n": v}} for i, v in enumerate(values * 2)]
    assert_same_rows(records.Sale, page)
    assert_same_rows(records.Sale, page[::-1])


def test_cells_are_those_the_csv_writer_spells() -> None:
    objects = [{"id": "1", "full_name": 'a "b", c', "product_name": "x\ny", "card":
                {"visual": "**** 4242", "type": "visa"}, "variants": {"Size": "L, tall"},
                "average_rating": 4, "price": 100}]
    data = wire_csv_rows(records.Sale, ["id", "full_name", "product_name", "card",
                                        "variants", "average_rating", "price"], objects)
    assert data is not None
    assert list(csv.reader(io.StringIO(data.decode()))) == [[
        "1", 'a "b", c', "x\ny", '{"visual":"**** 4242","type":"visa"}', '{"Size":"L, tall"}',
        "4.0", "100"]]


def test_columns_that_are_not_fields_take_the_record_path() -> None:
    objects = [{"id": "1", "email": "a@b.c"}]
    assert wire_csv_rows(records.Sale, ["id", "nope"], objects) is None
    assert wire_csv_rows(records.Sale, ["id", "extra"], objects) is None
    assert wire_csv_rows(records.Sale, ["id"], objects) is None  # one empty cell is quoted
    sink = CSVSink("unused.csv", columns=["id", "nope"])
    page = WireRecords(objects, record_structurer(records.Sale))
    assert sink._encode(page) == b"1,\n"


def test_a_page_of_another_record_type_takes_the_record_path() -> None:
    # A sales sink given subscribers: its columns are read from the Subscriber records.
    objects = [{"id": "s1", "email": "a@b.c", "created_at": "2024-05-05T05:05:05Z"}]
    sink = CSVSink("unused.csv")
    page = WireRecords(objects, record_structurer(records.Subscriber))
    built = [structure(o, records.Subscriber) for o in objects]
    assert sink._encode(page) == csv_rows(built, sink.columns)


def test_an_object_that_cannot_be_written_is_named() -> None:
    objects = [{"id": "fine", "email": "a"}, {"id": "bad", "email": "lone \ud800"}]
    assert wire_csv_rows(records.Sale, fields_of(records.Sale), objects) is None
    sink = CSVSink("unused.csv")
    with pytest.raises(ExportEncodingError) as failure:
        sink._encode(WireRecords(objects, record_structurer(records.Sale)))
    assert failure.value.record_id == "bad"


# -- in an export ----------------------------------------------------------------------


class CheckingCSVSink(CSVSink):
    """Writes the wire rows and checks every page against the record path."""

    checked = 0

    def _encode(self, records: Sequence[Any]) -> bytes:
        assert isinstance(records, WireRecords)
        data = super()._encode(records)
        assert records._records is None  # no record was built for it
        assert data == csv_rows(list(records), self.columns)
        type(self).checked += len(records)
        return data


async def test_an_export_of_the_fakes_sales(fake: FakeGumroad, client: GumroadClient,
                                             tmp_path: Path) -> None:
    fake.seed(3, sales=60, start=date(2024, 1, 1), end=date(2024, 2, 1))
    product = fake.add_product(name="Odd, \"quoted\"\nproduct")["id"]
    odd: list[dict[str, Any]] = [
        {"full_name": "Ada, Countess", "card": {"visual": "**** 4242", "type": "visa",
                                                 "bin": None}},
        {"variants": {"Size": "L"}, "custom_fields": {"Note": 'a "b"'}, "price": "12"},
        {"created_at": "2024-01-05T05:05:05.250000+02:00", "average_rating": 4.5},
        {"card": None, "quantity": 2.0, "paid": "false", "message": {"a": 1}},
    ]
    for fields in odd:
        fake.add_sale(product_id=product, created_at=fields.pop("created_at", "2024-01-09"),
                      **fields)
    CheckingCSVSink.checked = 0
    out = tmp_path / "s.csv"
    result = await export_sales(client, CheckingCSVSink(out), after="2024-01-01",
                                before="2024-02-01")
    assert result.records == 64 == CheckingCSVSink.checked
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 64 and "Ada, Countess" in {r["full_name"] for r in rows}


async def test_an_export_of_subscribers(fake: FakeGumroad, client: GumroadClient,
                                        tmp_path: Path) -> None:
    product = fake.add_product(name="A")["id"]
    for _ in range(25):
        fake.add_subscriber(product_id=product)
    CheckingCSVSink.checked = 0
    out = tmp_path / "subs.csv"
    result = await export_subscribers(
        client, CheckingCSVSink(out, record_type=records.Subscriber), product)
    assert result.records == 25 == CheckingCSVSink.checked


def test_a_sink_of_a_class_that_is_not_a_record_writes_by_attributes() -> None:
    class Plain:
        id = "p1"
        email = "a@b.c"

    sink = CSVSink("unused.csv", record_type=Plain, columns=["id", "email"])
    page = WireRecords([{"id": "s1"}], lambda _: Plain())
    assert sink._encode(page) == b"p1,a@b.c\n"
