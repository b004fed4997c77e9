"""The export's generated encoders agree with the generic ``to_wire_dict`` path: on every
documented example and on random wire objects (hypothesis)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gumroad_async import records
from gumroad_async._converter import _unstructure_value, structure, to_wire_dict
from gumroad_async.export._encode import csv_rows, encode_jsonl, wire_dict

EXAMPLES = next(
    (parent / "shared" / "gumroad-api" / "examples" for parent in Path(__file__).resolve().parents
     if (parent / "shared" / "gumroad-api" / "examples").is_dir()),
    Path("/work/shared/gumroad-api/examples"),
)
#: The record class of each top-level key of the documented answers.
CLASSES: dict[str, type[Any]] = {
    "user": records.User, "product": records.Product, "products": records.Product,
    "sale": records.Sale, "sales": records.Sale, "subscriber": records.Subscriber,
    "subscribers": records.Subscriber, "offer_code": records.OfferCode,
    "offer_codes": records.OfferCode, "variant": records.Variant, "variants": records.Variant,
    "variant_category": records.VariantCategory,
    "variant_categories": records.VariantCategory, "custom_field": records.CustomField,
    "custom_fields": records.CustomField, "purchase": records.LicensePurchase,
    "resource_subscription": records.ResourceSubscription,
    "resource_subscriptions": records.ResourceSubscription,
}


def documented_records() -> list[tuple[str, Any]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        for key, value in json.loads(path.read_text()).items():
            cls = CLASSES.get(key)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if cls is not None and isinstance(item, dict):
                    found.append((f"{path.stem}.{key}", structure(item, cls)))
    return found


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
    columns = [f.name for f in attrs.fields(type(record)) if f.name != "extra"] + ["nope"]
    (row,) = csv.reader(io.StringIO(csv_rows([record], columns).decode()))
    expected_row = [reference_cell(getattr(record, c, None)) for c in columns]
    assert [_cell_value(cell) for cell in row] == [_cell_value(cell) for cell in expected_row]


def _cell_value(cell: str) -> Any:
    """A nested value's cell as data: orjson and json spell some floats apart (1e-05)."""
    if cell[:1] in ("{", "["):
        return json.loads(cell)
    return cell


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
def test_random_sales(raw: dict[str, Any]) -> None:
    record = structure(raw, records.Sale)
    assert record is not None
    assert_agree(record)
