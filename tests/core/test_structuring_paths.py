"""The fast structuring paths (per key order, per value types) agree with the generic one.

Every record class has a generic structuring function (one check per declared field) and,
per key order the server sends, generated functions that skip the work a known shape does
not need. Whatever the input, both must build the same record: same values of the same
types, the same ``extra``.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
from _examples import EXAMPLE_RECORDS, example, example_names
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gumroad_async import (
    Affiliate,
    Card,
    CustomField,
    License,
    LicensePurchase,
    OfferCode,
    Product,
    ProductVariant,
    ProductVariantOption,
    PurchasingPowerParity,
    RecurrencePrice,
    ResourceSubscription,
    Sale,
    SaleOfferCode,
    Sku,
    Subscriber,
    Upsell,
    User,
    Variant,
    VariantCategory,
    _converter,
)
from gumroad_async._converter import record_structurer, structure
from gumroad_async._pagination import WireRecords, page_objects

RECORDS: list[type[Any]] = [
    Affiliate, Card, CustomField, License, LicensePurchase, OfferCode, Product, ProductVariant,
    ProductVariantOption, PurchasingPowerParity, RecurrencePrice, ResourceSubscription, Sale,
    SaleOfferCode, Sku, Subscriber, Upsell, User, Variant, VariantCategory,
]


def _fast(cls: type[Any]) -> Any:
    return _converter._record_hook(cls)


def _generic(cls: type[Any]) -> Any:
    _converter._record_hook(cls)
    return _converter._GENERIC_HOOKS[cls]


def _typed(value: Any) -> Any:
    """A record as nested plain data where ``1``, ``1.0`` and ``True`` differ."""
    if attrs.has(type(value)):
        fields = [(f.name, _typed(getattr(value, f.name))) for f in attrs.fields(type(value))]
        return (type(value).__name__, fields)
    if isinstance(value, tuple | list):
        return [_typed(v) for v in value]
    if isinstance(value, dict) or type(value).__name__ == "mappingproxy":
        return sorted((k, _typed(v)) for k, v in value.items())
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def assert_same(cls: type[Any], data: Any) -> None:
    fast, generic = _fast(cls)(data), _generic(cls)(data)
    assert _typed(fast) == _typed(generic)
    if fast is not None:
        assert type(fast) is cls and dict(fast.extra) == dict(generic.extra)


def _wire_names(cls: type[Any]) -> list[str]:
    return [_converter._wire_name(f) for f in attrs.fields(cls) if f.name != "extra"]


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "0", "1", "1.0", "12.5", "true", "false", "maybe", " 7 ",
                     "2021-01-05T19:38:56Z", "2021-01-05", "2021-01-05T19:38:56+02:00",
                     "not a date", "$2.50"]),
    st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)


@st.composite
def shaped_inputs(draw: st.DrawFn) -> tuple[type[Any], list[dict[str, Any]]]:
    """A record class and a few objects with the same key order (one shape), values free."""
    cls = draw(st.sampled_from(RECORDS))
    names = _wire_names(cls)
    keys = draw(st.lists(st.sampled_from([*names, "extra", "brand_new", "x-y"]),
                         unique=True, max_size=len(names) + 3))
    nested = {k: draw(st.sampled_from(RECORDS)) for k in keys[:2]}
    objects = []
    for _ in range(draw(st.integers(1, 6))):
        obj: dict[str, Any] = {}
        for key in keys:
            if key in nested and draw(st.booleans()):
                inner = nested[key]
                obj[key] = {k: draw(scalars) for k in _wire_names(inner)[:4]}
            else:
                obj[key] = draw(json_values)
        objects.append(obj)
    return cls, objects


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shaped_inputs())
def test_fast_paths_agree_with_the_generic_one_on_random_input(
    case: tuple[type[Any], list[dict[str, Any]]],
) -> None:
    cls, objects = case
    # The first object of a shape fixes its value types; the next ones hit that typed path
    # when their types match and the checked path when they do not.
    for data in [*objects, *objects]:
        assert_same(cls, data)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(RECORDS), json_values)
def test_anything_that_is_not_an_object(cls: type[Any], value: Any) -> None:
    if not isinstance(value, dict):
        assert _fast(cls)(value) is None and _generic(cls)(value) is None
    else:
        assert_same(cls, value)


def _example_objects() -> list[tuple[type[Any], dict[str, Any]]]:
    found = []
    for name in example_names():
        if name not in EXAMPLE_RECORDS:
            continue
        key, cls = EXAMPLE_RECORDS[name]
        payload = example(name)
        raw = payload if not key else payload[key]
        found += [(cls, obj) for obj in (raw if isinstance(raw, list) else [raw])]
    return found


def test_fast_paths_agree_on_every_documented_example() -> None:
    cases = _example_objects()
    assert len(cases) >= 22
    for cls, data in cases * 2:  # twice: the second time through the typed path
        assert_same(cls, data)
        # The same object with its keys in reverse order: another shape, same record.
        assert_same(cls, dict(reversed(list(data.items()))))


# -- the export engine's lazy pages --------------------------------------------------


def test_wire_records_build_the_records_the_eager_page_builds() -> None:
    objects = [{"id": f"s{i}", "price": str(i), "created_at": "2024-05-05T05:05:05Z"}
               for i in range(5)]
    lazy = WireRecords(objects, record_structurer(Sale))
    # The last record alone, without building the others.
    assert lazy.last() == structure(objects[-1], Sale) and lazy._records is None
    assert len(lazy) == 5 and lazy.wire is objects and lazy._records is None
    eager = tuple(structure(o, Sale) for o in objects)
    assert tuple(lazy) == eager and lazy[1] == eager[1] and lazy[1:3] == eager[1:3]
    assert lazy.last() is lazy[-1]  # built once, then kept
    assert WireRecords([], record_structurer(Sale)).last() is None


def test_page_objects_skip_what_is_not_an_object() -> None:
    objects, cursor = page_objects({"sales": [{"id": "a"}, 3, None, {"id": "b"}],
                                    "next_page_key": 7}, "sales")
    assert objects == [{"id": "a"}, {"id": "b"}] and cursor == "7"
    assert page_objects({}, "sales") == ([], None)


def test_an_object_of_nulls_makes_one_shared_record() -> None:
    # The typed function of an all-null shape returns the record the checked one built once.
    keys = [*_wire_names(Card), "legacy"]
    first, again = (_fast(Card)(dict.fromkeys(keys)) for _ in range(2))
    assert first is again and first == Card() and dict(first.extra) == {"legacy": None}
    assert_same(Card, dict.fromkeys(keys))
    other = _fast(Card)({**dict.fromkeys(keys), "visual": "**** 4242"})
    assert other is not first and other.visual == "**** 4242"
    assert _fast(Card)(dict.fromkeys(keys)) is first  # the null shape is still the shared one


def test_records_come_out_as_their_own_class() -> None:
    # Built as a mutable subclass, then given the record's class: nothing of it shows.
    sale = _fast(Sale)({"id": "a", "card": {"visual": None}, "price": 5})
    assert type(sale) is Sale and type(sale.card) is Card
    assert attrs.evolve(sale, price=6).price == 6
    try:
        sale.price = 7  # type: ignore[misc]
    except attrs.exceptions.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a built record must stay frozen")


# -- the previous shape's function, tried first -------------------------------------------


@st.composite
def mixed_shapes(draw: st.DrawFn) -> tuple[type[Any], list[dict[str, Any]]]:
    """Objects of a few key sets, each in any order: the function of the previous one is
    tried first, and must hand over every object whose keys it does not have."""
    cls = draw(st.sampled_from([Card, Sale, Subscriber, Upsell]))
    names = _wire_names(cls)
    pool = [*names[:6], "brand_new", "x-y", "extra"]
    objects = []
    for _ in range(draw(st.integers(2, 8))):
        keys = draw(st.lists(st.sampled_from(pool), unique=True, max_size=len(pool)))
        objects.append({key: draw(scalars) for key in draw(st.permutations(keys))})
    return cls, objects


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_shapes())
def test_a_record_of_another_shape_is_never_read_as_the_previous_one(
    case: tuple[type[Any], list[dict[str, Any]]],
) -> None:
    cls, objects = case
    for data in [*objects, *reversed(objects), *objects]:
        assert_same(cls, data)
        fast, generic = _fast(cls)(data), _generic(cls)(data)
        assert list(fast.extra.items()) == list(generic.extra.items())  # the order too


def test_extras_keep_the_order_sent_when_the_keys_come_in_another_order() -> None:
    first = {"visual": "v", "later": 1, "sooner": 2}
    again = {"sooner": 2, "later": 1, "visual": "v"}
    assert list(_fast(Card)(first).extra) == ["later", "sooner"]
    assert list(_fast(Card)(again).extra) == ["sooner", "later"]
    # One extra only: any order of the same keys takes the same function.
    assert _fast(Card)({"type": "visa", "visual": "v", "new": 3}).extra == {"new": 3}
    assert _fast(Card)({"new": 3, "visual": "v", "type": "visa"}).extra == {"new": 3}
    # As many keys, one of them another: not taken for the previous shape.
    swapped = _fast(Card)({"type": "visa", "visual": "v", "other": 4})
    assert dict(swapped.extra) == {"other": 4} and swapped.type == "visa"
