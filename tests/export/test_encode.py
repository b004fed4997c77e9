"""The export's generated encoders agree with the generic ``to_wire_dict`` path: on every
documented example and on random wire objects (hypothesis). The lines an export writes from
the objects as sent are those objects, and read back they make the same records."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from _documented import CLASSES, EXAMPLES
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gumroad_async import records
from gumroad_async._converter import _unstructure_value, structure, to_wire_dict
from gumroad_async.export._encode import (
    ExportEncodingError,
    csv_row_function,
    csv_rows,
    encode_jsonl,
    encode_wire_jsonl,
    wire_dict,
)


def documented_objects() -> list[tuple[str, type[Any], dict[str, Any]]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        for key, value in json.loads(path.read_text()).items():
            cls = CLASSES.get(key)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if cls is not None and isinstance(item, dict):
                    found.append((f"{path.stem}.{key}", cls, item))
    return found


def documented_records() -> list[tuple[str, Any]]:
    return [(name, structure(item, cls)) for name, cls, item in documented_objects()]


def reference_cell(value: Any) -> str:
    """The CSV cell rules, written with the generic path of the converter."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(_unstructure_value(value), ensure_ascii=False, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def assert_agree(record: Any) -> None:
    expected = to_wire_dict(record)
    assert wire_dict(record) == expected
    assert json.loads(encode_jsonl([record])) == json.loads(
        json.dumps(_jsonable(expected), ensure_ascii=False))
    fields = [f.name for f in attrs.fields(type(record)) if f.name != "extra"]
    # The generated row function (the record's fields) and the generic one (a column the
    # record does not have sends the page there).
    assert csv_row_function(type(record), fields) is not None
    for columns in (fields, [*fields, "nope"], fields[::-1][:3]):
        (row,) = csv.reader(io.StringIO(csv_rows([record], columns).decode()))
        expected_row = [reference_cell(getattr(record, c, None)) for c in columns]
        assert len(row) == len(expected_row)
        assert all(map(_same_cell, row, expected_row)), (row, expected_row)


def _same_cell(cell: str, expected: str) -> bool:
    """Equal text, or the same nested value: orjson and json spell some floats apart
    (1e-05). A plain text cell may start with a brace too."""
    if cell == expected:
        return True
    try:
        return bool(cell[:1] in ("{", "[") and json.loads(cell) == json.loads(expected))
    except ValueError:
        return False


def test_the_examples_cover_the_main_records() -> None:
    kinds = {type(record) for _, record in documented_records()}
    assert {records.Sale, records.Product, records.Subscriber, records.User} <= kinds


@pytest.mark.parametrize(("name", "record"), documented_records(), ids=lambda v: str(v)[:40])
def test_documented_examples(name: str, record: Any) -> None:
    assert_agree(record)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                               max_size=3),
    max_leaves=8,
)
sale_fields = [f.name for f in attrs.fields(records.Sale) if f.name != "extra"]
wire_values = json_values | st.sampled_from(
    ["2024-05-05T05:05:05Z", "2024-05-05T05:05:05.123456+02:00", "1", "false", "", "3.5"])
wire_sales = st.dictionaries(
    st.sampled_from(sale_fields) | st.text(max_size=6),
    wire_values | st.dictionaries(st.sampled_from(["visual", "type", "name", "amount"]),
                                  wire_values, max_size=3),
    max_size=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wire_sales)
@example({"id": "{", "email": "[x"})  # text cells that look like JSON
@example({"id": "\r"})  # a bare carriage return: quoted, or readers refuse the row
def test_random_sales(raw: dict[str, Any]) -> None:
    record = structure(raw, records.Sale)
    assert record is not None
    assert_agree(record)


def test_a_carriage_return_is_quoted_on_every_python() -> None:
    sale = structure({"id": "a\rb", "email": "\r", "full_name": "x\r\ny"}, records.Sale)
    text = csv_rows([sale], ["id", "email", "full_name"]).decode()
    assert text == '"a\rb","\r","x\r\ny"\n'
    assert list(csv.reader(io.StringIO(text))) == [["a\rb", "\r", "x\r\ny"]]


# -- an export's lines: the objects as sent --------------------------------------------


def assert_wire_line_agrees(raw: dict[str, Any], cls: type[Any]) -> None:
    """The line is the object as sent, and it makes the record the stream makes: nothing
    the typed record holds is lost by writing the wire form instead."""
    line = encode_wire_jsonl([raw])
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    written = json.loads(line)
    assert written == raw
    again, record = structure(written, cls), structure(raw, cls)
    assert again == record and dict(again.extra) == dict(record.extra)
    assert wire_dict(again) == wire_dict(record)


@pytest.mark.parametrize(("name", "cls", "raw"), documented_objects(),
                         ids=lambda v: str(v)[:40])
def test_documented_examples_as_sent(name: str, cls: type[Any], raw: dict[str, Any]) -> None:
    assert_wire_line_agrees(raw, cls)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wire_sales)
def test_random_sales_as_sent(raw: dict[str, Any]) -> None:
    assert_wire_line_agrees(raw, records.Sale)


def test_a_wire_object_that_cannot_be_written_is_named() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ExportEncodingError) as failure:
        encode_wire_jsonl([{"id": "fine"}, {"id": "deep", "custom_fields": deep}])
    assert failure.value.record_id == "deep"


def test_a_wire_object_beyond_orjson_is_written_by_the_standard_library() -> None:
    # Deeper than orjson writes (255 levels), not too deep for the standard library.
    nested: Any = 1
    for _ in range(300):
        nested = {"a": nested}
    objects = [{"id": "x", "big": 2**70, "n": nested}]
    assert [json.loads(line) for line in encode_wire_jsonl(objects).splitlines()] == objects


def test_hand_built_records_take_the_generic_cells() -> None:
    # Values no decoded answer holds: the fast cells hand them to the generic rules.
    when = datetime(2024, 5, 5, 5, 5, 5, tzinfo=UTC)
    for odd in ({"when": when}, {"card": records.Card(visual="****")}, {"big": 2**70},
                {1: "int key"}):
        record = records.Sale(
            id="s1", created_at=when, refunded=1, price="12",  # type: ignore[arg-type]
            custom_fields=odd, variants=odd,  # type: ignore[arg-type]
            card={"visual": "a dict, not a Card"},  # type: ignore[arg-type]
        )
        assert_agree(record)
