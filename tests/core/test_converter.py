"""Records from the documented examples, type drift, and unknown fields kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from gumroad_async import (
    CustomField,
    License,
    OfferCode,
    Product,
    ResourceSubscription,
    Sale,
    Subscriber,
    User,
    Variant,
    VariantCategory,
)
from gumroad_async._converter import structure, to_wire_dict

EXAMPLES = next((p / "shared" / "gumroad-api" / "examples" for p in Path(__file__).resolve().parents
                 if (p / "shared" / "gumroad-api" / "examples").is_dir()), Path("/nonexistent"))


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


@pytest.mark.parametrize(
    ("name", "key", "cls"),
    [
        ("user", "user", User),
        ("product", "product", Product),
        ("disabled_product", "product", Product),
        ("sale", "sale", Sale),
        ("sale_refunded", "sale", Sale),
        ("sale_shipped", "sale", Sale),
        ("subscriber", "subscriber", Subscriber),
        ("offer_code", "offer_code", OfferCode),
        ("update_offer_code", "offer_code", OfferCode),
        ("variant", "variant", Variant),
        ("variant_category", "variant_category", VariantCategory),
        ("custom_field", "custom_field", CustomField),
        ("resource_subscription", "resource_subscription", ResourceSubscription),
    ],
)
def test_every_documented_field_is_declared(name: str, key: str, cls: type[Any]) -> None:
    raw = example(name)[key]
    record = structure(raw, cls)
    assert record is not None
    assert dict(record.extra) == {}, f"undeclared fields of {name}: {sorted(record.extra)}"
    # Nothing is lost: every key the server sent (nulls aside) reads back.
    assert set(to_wire_dict(record)) == {k for k, v in raw.items() if v is not None}


def test_sale_example_types() -> None:
    sale = structure(example("sale")["sale"], Sale)
    assert sale is not None
    assert sale.created_at == datetime(2021, 1, 5, 19, 38, 56, tzinfo=UTC)
    assert sale.price == 1000 and sale.order_id == 524459995
    assert sale.card is not None and sale.card.visual is None
    assert sale.affiliate is not None and sale.affiliate.amount == "$2.50"
    assert sale.offer_code is not None and sale.offer_code.name == "FLAT50"
    assert sale.variants == {"Tier": "Premium"}


def test_product_nesting() -> None:
    product = structure(example("product")["product"], Product)
    assert product is not None
    assert product.sales_count == 0  # "0" on the wire
    assert product.variants is not None
    option = product.variants[0].options[0]  # type: ignore[index]
    assert option.recurrence_prices is not None
    assert option.recurrence_prices["monthly"].price_cents == 300


def test_license_example() -> None:
    license_ = structure(example("license"), License)
    assert license_ is not None and license_.uses == 3
    assert license_.purchase is not None
    assert license_.purchase.sale_timestamp == datetime(2021, 1, 5, 19, 38, 56, tzinfo=UTC)
    assert license_.extra == {"success": True}


def test_custom_field_required_string() -> None:
    assert structure({"name": "a", "required": "false"}, CustomField) == CustomField(
        name="a", required=False
    )
    assert structure({"name": "a", "required": "true"}, CustomField).required is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        ({"price": 1.0}, "price", 1),
        ({"price": "100"}, "price", 100),
        ({"price": None}, "price", None),
        ({"quantity": "2.0"}, "quantity", 2),
        ({"paid": "false"}, "paid", False),
        ({"paid": "true"}, "paid", True),
        ({"paid": 1}, "paid", True),
        ({"created_at": ""}, "created_at", None),
        ({"created_at": "2024-02-03T04:05:06"}, "created_at", datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)),
        ({"purchaser_id": 5530311507811}, "purchaser_id", "5530311507811"),
        ({"average_rating": 4}, "average_rating", 4.0),
    ],
)
def test_type_drift(raw: dict[str, Any], field: str, value: Any) -> None:
    sale = structure(raw, Sale)
    assert getattr(sale, field) == value


@pytest.mark.parametrize(
    "raw",
    [
        {"price": "abc"},
        {"price": 1.5},
        {"created_at": "yesterday"},
        {"card": "not a card"},
        {"variants": ["a"]},
        {"paid": "maybe"},
        {"price": {"nested": 1}},
    ],
)
def test_malformed_optional_field_is_none_and_kept(raw: dict[str, Any]) -> None:
    sale = structure({"id": "s1", **raw}, Sale)
    assert sale is not None and sale.id == "s1"
    (key, value), = raw.items()
    assert getattr(sale, key) is None
    assert sale.extra[key] == value


def test_unknown_fields_are_kept_read_only() -> None:
    sale = structure({"id": "s1", "brand_new_field": [1, 2]}, Sale)
    assert sale is not None and sale.extra == {"brand_new_field": [1, 2]}
    with pytest.raises(TypeError):
        sale.extra["x"] = 1  # type: ignore[index]


def test_records_are_frozen_and_slotted() -> None:
    sale = Sale(id="x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        sale.id = "y"  # type: ignore[misc]
    assert not hasattr(sale, "__dict__")
    assert sale.email is None


def test_not_an_object() -> None:
    assert structure([1], Sale) is None
    assert structure(None, Sale) is None


def test_shape_specialised_path_equals_the_generic_one() -> None:
    """Records built by the per-key-order fast path equal those of the generic function."""
    import random

    from gumroad_async import _converter
    from gumroad_async.records import Sale
    from gumroad_async.testing._state import FakeState

    state = FakeState()
    state.seed(seed=3, sales=30)
    fast = _converter._record_hook(Sale)
    generic = _converter._GENERIC_HOOKS[Sale]
    assert fast is not generic
    rng = random.Random(0)
    for sale in state.iter_sales():
        items = list(sale.items())
        rng.shuffle(items)  # another key order: another shape
        variant = dict(items)
        variant["price"] = str(variant["price"])  # drift: a number as a string
        variant["created_at"] = "not a date"  # unreadable: None, kept in extra
        variant["unexpected"] = {"nested": [1, 2]}
        del variant["email"]
        for data in (sale, variant):
            one, two = fast(data), generic(data)
            assert one == two and one is not None and two is not None
            assert dict(one.extra) == dict(two.extra)
            assert [getattr(one, f) for f in one.__slots__ if not f.startswith("__")] == [
                getattr(two, f) for f in two.__slots__ if not f.startswith("__")]
    assert fast(["not", "a", "dict"]) is None
