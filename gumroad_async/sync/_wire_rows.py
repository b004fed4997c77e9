"""Rows straight from the objects the server sent, without building the records.

Building a ``Sale`` from each object and then its JSON dict back (``wire_dict``) cost about
as much as the rest of a backfill's client work. A :class:`WireRows` reads the object once
instead, with one plan per key order and value types (a server sends a listing's objects
in one or two such shapes): which keys make the JSON and in what order (the record's
declared fields first, in declaration order, then the other keys as sent, exactly as
``wire_dict`` writes a record), and which values need the converter's lenient hook (a
date, a nested record, an integer sent as ``1.0``). A value of a declared field that the
hook cannot read sends the object down the record path (``sale_row``), which files it in
the record's ``extra``: so every row, record JSON and digest equals the record path's
(``tests/sync/test_wire_rows.py`` checks it on every documented example and on random
objects).
"""

from __future__ import annotations

import hashlib
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs

from gumroad_async._converter import (
    _MAX_SHAPE_KEYS,
    _hook_for,
    _plain_type,
    _taken_as_is,
    _wire_name,
    record_structurer,
)
from gumroad_async._json import HAS_ORJSON, dumps
from gumroad_async.export._encode import _value, wire_dict_function
from gumroad_async.records import Sale, Subscriber
from gumroad_async.sync._rows import (
    _VOLATILE,
    EncodedJSON,
    _text,
    _utc,
    sale_row,
    subscriber_row,
)

__all__ = ["SALE_ROWS", "SUBSCRIBER_ROWS", "WireRows"]

#: The record JSON's encoder: orjson itself when installed (one call less per row).
_encode_json: Callable[[Any], bytes] = dumps
if HAS_ORJSON:
    import orjson

    _encode_json = orjson.dumps

#: Plans kept per record class; objects of further shapes take the record path.
_MAX_PLANS = 256

_Convert = Callable[[Any], "tuple[Any, Any] | None"]
_RecordRow = Callable[[Any, str, "str | None", datetime], dict[str, Any]]


@attrs.frozen
class _Plan:
    """How objects of one key order and value types become a row."""

    #: The JSON's keys, in the JSON's order.
    names: tuple[str, ...]
    #: ``build(values, account, run_id, now, record_text)``: the row of an object's values
    #: (in the object's order), ``None`` without an id, ``_FALLBACK`` when a value must take
    #: the record path. Written out once per shape by ``_build_function``.
    build: Callable[..., Any] = attrs.field(eq=False, repr=False)


_FALLBACK = object()  # a shape whose objects all take the record path


def _time_json(value: datetime) -> str:
    """A time as ``wire_dict`` writes it (``_encode._value``'s rule for datetimes)."""
    return value.isoformat().replace("+00:00", "Z")


def _conversion(tp: Any) -> _Convert:
    """A field's conversion: the value the record holds and the JSON's value (``None``
    when the converter's hook cannot read it). Plain types are written as converted,
    times as ``wire_dict`` writes them, nested records as their dict; anything else by
    the generic rules (``_encode._value``)."""
    hook = _hook_for(tp)
    members = [a for a in typing.get_args(tp) if a is not type(None)] if typing.get_origin(
        tp) in (typing.Union, types.UnionType) else [tp]
    single = members[0] if len(members) == 1 else None
    if _plain_type(tp) is not None:
        to_json: Callable[[Any], Any] = _same
    elif single is datetime:
        to_json = _time_json
    elif isinstance(single, type) and attrs.has(single):
        return _NestedRecords(hook, wire_dict_function(single))
    else:
        to_json = _value

    def convert(value: Any) -> tuple[Any, Any] | None:
        converted = hook(value)
        return None if converted is None else (converted, to_json(converted))

    return convert


def _same(value: Any) -> Any:
    return value


class _NestedRecords:
    """The conversion of a nested record field (a sale's ``card``), remembered by content:
    a listing repeats a few cards many times, and building each again cost more than the
    rest of the row. The records are frozen and the dicts only read, so sharing is safe."""

    __slots__ = ("_hook", "_known", "_to_json")

    _MAX_KNOWN = 4096

    def __init__(self, hook: Callable[[Any], Any], to_json: Callable[[Any], Any]) -> None:
        self._hook = hook
        self._to_json = to_json
        self._known: dict[Any, tuple[Any, Any]] = {}

    def __call__(self, value: Any) -> tuple[Any, Any] | None:
        if type(value) is not dict:
            return self._convert(value)
        kinds = tuple(map(type, value.values()))
        if float in kinds:  # 0.0 and -0.0 are equal keys but different JSON
            return self._convert(value)
        try:
            # Types too: 1 and True are equal keys but different JSON.
            key = (tuple(value.items()), kinds)
            hash(key)
        except TypeError:  # a list or an object inside: not remembered
            return self._convert(value)
        pair = self._known.get(key)
        if pair is None:
            pair = self._convert(value)
            if pair is not None:
                if len(self._known) >= self._MAX_KNOWN:
                    self._known.clear()
                self._known[key] = pair
        return pair

    def _convert(self, value: Any) -> tuple[Any, Any] | None:
        converted = self._hook(value)
        return None if converted is None else (converted, self._to_json(converted))


class WireRows:
    """The rows of one table from the objects as sent, equal to ``record_row`` applied
    to the records made from them.

    ``columns`` names the table's record columns: ``(column, field, how)`` with ``how``
    ``"value"`` (the field's value), ``"utc"`` (a time, in UTC) or ``"extra_text"`` (an
    undeclared key's value when it is text).
    """

    def __init__(self, cls: type[Any], record_row: _RecordRow,
                 columns: Sequence[tuple[str, str, str]]) -> None:
        fields = [f for f in attrs.fields(attrs.resolve_types(cls)) if f.name != "extra"]
        # Python names and wire names agree for the mirrored records; a record where they
        # did not would need the names told apart here: it takes the record path instead.
        self._enabled = all(_wire_name(f) == f.name for f in fields)
        self._order = {f.name: number for number, f in enumerate(fields)}
        self._fields = {f.name: f for f in fields}
        self._plain = {f.name: _plain_type(f.type) for f in fields}
        self._structure = record_structurer(cls)
        self._record_row = record_row
        self._columns = tuple(columns)
        self._converts = {f.name: _conversion(f.type) for f in fields}
        self._plans: dict[tuple[tuple[str, ...], tuple[type, ...]], Any] = {}
        self._last: tuple[Any, Any] = ((), _FALLBACK)

    def rows(self, objects: Iterable[Any], account: str, run_id: str | None, now: datetime,
             *, record_text: Callable[[str], str] = EncodedJSON) -> list[dict[str, Any]]:
        """The rows of ``objects`` (those with an id), in order.

        ``record_text`` wraps the record's JSON text: ``EncodedJSON`` (what SQLAlchemy's
        JSON column takes as it is), or ``str`` for rows only the driver upserts write.
        """
        out = []
        for value in objects:
            row = self.row(value, account, run_id, now, record_text=record_text)
            if row is not None:
                out.append(row)
        return out

    def row(self, value: Any, account: str, run_id: str | None, now: datetime,
            *, record_text: Callable[[str], str] = EncodedJSON) -> dict[str, Any] | None:
        """One object's row (``None`` if it has no id)."""
        if type(value) is not dict or not self._enabled:
            return self._by_record(value, account, run_id, now)
        values = tuple(value.values())
        shape = (tuple(value), tuple(map(type, values)))
        # A page's objects share a shape: comparing with the last one is cheaper than
        # hashing it for the lookup.
        last_shape, plan = self._last
        if shape != last_shape:
            plan = self._plans.get(shape)
            if plan is None:
                plan = self._plan(*shape)
                if len(self._plans) < _MAX_PLANS:
                    self._plans[shape] = plan
            self._last = (shape, plan)
        if plan is _FALLBACK:
            return self._by_record(value, account, run_id, now)
        assert isinstance(plan, _Plan)
        row = plan.build(values, account, run_id, now, record_text)
        if row is _FALLBACK:  # a value the hook cannot read: the record files it in `extra`
            return self._by_record(value, account, run_id, now)
        return row  # type: ignore[no-any-return]

    def _by_record(self, value: Any, account: str, run_id: str | None, now: datetime
                   ) -> dict[str, Any] | None:
        record = self._structure(value)
        if record is None or record.id is None:
            return None
        return self._record_row(record, account, run_id, now)

    def _plan(self, keys: tuple[str, ...], types: tuple[type, ...]) -> Any:
        """The plan of one shape, or ``_FALLBACK``."""
        if len(keys) > _MAX_SHAPE_KEYS:
            return _FALLBACK  # the converter's generic path files extras in another order
        declared: list[tuple[int, str, int]] = []  # (declaration order, key, position)
        extras: list[tuple[str, int]] = []
        for position, (key, kind) in enumerate(zip(keys, types, strict=True)):
            if key in _VOLATILE:
                continue  # never stored nor digested, whatever it holds
            if key not in self._order:
                extras.append((key, position))
            elif kind is not type(None):  # a null field is left out, as `wire_dict` does
                declared.append((self._order[key], key, position))
        declared.sort()
        names = tuple([key for _, key, _ in declared] + [key for key, _ in extras])
        positions = [position for _, _, position in declared] + [p for _, p in extras]
        at = {name: index for index, name in enumerate(names)}
        convert = tuple(
            (index, self._converts[key])
            for index, (_, key, position) in enumerate(declared)
            if types[position] is not self._plain[key]
            and not _taken_as_is(self._fields[key].type, types[position]))
        past = len(names)  # the `None` after the JSON's values
        plain_columns: list[str] = []
        plain_positions: list[int] = []
        other: list[tuple[str, int, Callable[[Any], Any]]] = []
        for column, field, how in self._columns:
            if how == "extra_text":
                index = at[field] if field in at and field not in self._order else past
                other.append((column, index, _text))
                continue
            index = at.get(field, past)
            if how == "utc":
                other.append((column, index, _utc))
            else:
                plain_columns.append(column)
                plain_positions.append(index)
        build = _build_function(positions, names, convert, plain_columns, plain_positions,
                                other, at.get("id"))
        return _Plan(names=names, build=build)


def _build_function(
    positions: Sequence[int],
    names: Sequence[str],
    convert: Sequence[tuple[int, _Convert]],
    plain_columns: Sequence[str],
    plain_positions: Sequence[int],
    other: Sequence[tuple[str, int, Callable[[Any], Any]]],
    id_position: int | None,
) -> Callable[..., Any]:
    """One shape's row function, written out: each value read into a local, the record's
    JSON and the row built as dict displays with constant keys.

    It does what the plan's fields say, step by step, without the per-row lists, zips and
    loops of a general interpreter of them (which cost about half of a row). Keys go in
    with ``repr`` (exact ``str`` from the JSON decoder: a valid literal whatever they hold).
    """
    names_of: dict[str, Any] = {"_dumps": _encode_json, "_blake2b": hashlib.blake2b,
                                "_FALLBACK": _FALLBACK}
    lines = ["def build(values, account, run_id, now, record_text):"]
    json_of = [f"j{index}" for index in range(len(names))]
    field_of = list(json_of)
    for index, position in enumerate(positions):
        lines.append(f"    j{index} = values[{position}]")
    for index, conversion in convert:
        names_of[f"_c{index}"] = conversion
        lines += [f"    pair = _c{index}(j{index})",
                  "    if pair is None:",
                  "        return _FALLBACK",
                  f"    f{index}, j{index} = pair"]
        field_of[index] = f"f{index}"
    field_of.append("None")  # the position past the JSON's values: an absent field
    if id_position is None:
        lines.append("    return None")
    else:
        lines += [f"    if {field_of[id_position]} is None:", "        return None"]
    record = ", ".join(f"{str.__str__(name)!r}: {json_of[i]}" for i, name in enumerate(names))
    lines.append(f"    encoded = _dumps({{{record}}})")
    items = [f"{column!r}: {field_of[position]}"
             for column, position in zip(plain_columns, plain_positions, strict=True)]
    for number, (column, position, function) in enumerate(other):
        names_of[f"_o{number}"] = function
        items.append(f"{column!r}: _o{number}({field_of[position]})")
    items += ["'account': account", "'record': record_text(encoded.decode())",
              "'digest': _blake2b(encoded, digest_size=16).hexdigest()",
              "'seen_run': run_id", "'synced_at': now"]
    lines.append("    return {" + ", ".join(items) + "}")
    exec(compile("\n".join(lines), "<wire row>", "exec"), names_of)
    build: Callable[..., Any] = names_of["build"]
    return build


def _value_columns(*names: str) -> list[tuple[str, str, str]]:
    return [(name, name, "value") for name in names]


#: ``sale_row`` from the objects as sent.
SALE_ROWS = WireRows(Sale, sale_row, [
    ("id", "id", "value"), ("created_at", "created_at", "utc"),
    *_value_columns("product_id", "product_name", "email", "order_id", "price",
                    "gumroad_fee", "quantity"),
    ("currency", "currency", "extra_text"),
    *_value_columns("currency_symbol", "refunded", "partially_refunded", "chargedback",
                    "disputed", "dispute_won", "shipped", "subscription_id", "purchaser_id"),
])

#: ``subscriber_row`` from the objects as sent.
SUBSCRIBER_ROWS = WireRows(Subscriber, subscriber_row, [
    *_value_columns("id", "product_id", "product_name", "user_id", "user_email", "status",
                    "recurrence", "charge_occurrence_count"),
    *[(name, name, "utc") for name in ("created_at", "cancelled_at", "ended_at", "failed_at")],
])
