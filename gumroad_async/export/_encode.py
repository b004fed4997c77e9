"""Fast encoding of records for the file sinks: one generated function per record class.

``to_wire_dict`` (in ``_converter``) is generic: for every field of every record it asks
``attrs.fields``, ``isinstance`` and ``attrs.has`` again, which cost two thirds of an
export's time. Here the field list is read once per class (from ``attrs.fields``, so new
fields are picked up without a change) and compiled into a function with one fast path
per field: a plain ``str``/``int``/``float``/``bool`` value is copied as it is, anything
else goes through the same generic rules as ``to_wire_dict``. The result is equal to
``to_wire_dict(record)`` for every record (``tests/export/test_encode.py`` checks it on
every documented example and on random inputs).

An export (``export_sales``, ``export_subscribers``) writes JSON lines from the objects the
server sent rather than from the typed records: its pages are ``WireRecords`` (see
``_pagination``), which carry those objects and build records only if a sink reads them,
and :func:`encode_wire_jsonl` writes each object as it came (one ``orjson`` call per
record; no record is built or walked). That line is the better export, not only the
cheaper one: it keeps every field, unknown ones and nulls included, with the server's own
spelling (no lenient conversion: a count sent as ``"3"`` stays ``"3"``, a date sent with a
time keeps it), and structuring it again gives the same record as the stream
(``tests/export/test_encode.py`` checks both). Records written by hand go through
``wire_dict`` as before. A CSV export writes its rows from those objects too (see
``_wire_csv``), with the cells :func:`csv_rows` writes for their records.

Encoding is all or nothing per page: a record that cannot be encoded (nested deeper than
the JSON encoder allows, an integer orjson cannot hold, a lone surrogate) raises
:class:`ExportEncodingError` naming the record's id, before any byte of the page is written.
"""

from __future__ import annotations

import json
import operator
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from gumroad_async._csv import csv_text
from gumroad_async.errors import GumroadError

__all__ = [
    "ExportEncodingError",
    "csv_rows",
    "encode_jsonl",
    "encode_wire_jsonl",
    "wire_dict",
    "wire_dict_function",
]

_PLAIN = frozenset({str, int, float, bool})
_CSV_PLAIN = frozenset({str, int, float, type(None)})
_WireDict = Callable[[Any], dict[str, Any]]
_functions: dict[type, _WireDict] = {}


class ExportEncodingError(GumroadError):
    """A record could not be written (``record_id`` names it); nothing of its page was."""

    def __init__(self, record_id: object, problem: str) -> None:
        super().__init__(f"cannot encode record {record_id!r}: {problem}")
        self.record_id = record_id
        self.problem = problem


def _value(value: Any) -> Any:
    """The generic rules of ``_converter._unstructure_value``, in the same order."""
    cls = value.__class__
    if cls in _PLAIN:
        return value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if attrs.has(cls):
        return wire_dict_function(cls)(value)
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _value(v) for k, v in value.items()}
    return value


def _is_plain_type(tp: Any) -> bool:
    """Whether a declared field type is ``str``, ``int``, ``float`` or ``bool`` (or None)."""
    if isinstance(tp, str):  # postponed annotations: read the text
        return tp.replace(" ", "") in {f"{name}|None" for name in ("str", "int", "float", "bool")}
    args = set(typing.get_args(tp)) - {type(None)} if typing.get_origin(tp) else {tp}
    return len(args) == 1 and next(iter(args)) in _PLAIN


def wire_dict_function(cls: type) -> _WireDict:
    """The ``record -> dict`` of an attrs class, equal to ``to_wire_dict``.

    Built once per class from ``attrs.fields``: every value is read at once (one
    ``attrgetter``), ``None`` dropped in one comprehension (declaration order kept), and
    only the fields whose type is not a plain scalar (times, nested records, mappings)
    converted. A plain-typed field holding something else (a record built by hand) sends
    the whole record down the generic path, so the result is the same either way.
    """
    function = _functions.get(cls)
    if function is not None:
        return function
    fields = [field for field in attrs.fields(cls) if field.name != "extra"]
    names = tuple(field.name for field in fields)
    plain = [i for i, field in enumerate(fields) if _is_plain_type(field.type)]
    special = tuple(field.name for i, field in enumerate(fields) if i not in set(plain))
    every = operator.attrgetter(*names) if len(names) > 1 else (
        lambda record: (getattr(record, names[0]),))
    pick_plain = operator.itemgetter(*plain) if len(plain) > 1 else (
        lambda values: tuple(values[i] for i in plain))
    plain_or_none = _PLAIN | {type(None)}

    def wire_dict(record: Any) -> dict[str, Any]:
        values = every(record)
        out = {k: v for k, v in zip(names, values, strict=True) if v is not None}
        if plain_or_none.issuperset(map(type, pick_plain(values))):
            for name in special:
                value = out.get(name)
                if value is not None and value.__class__ not in _PLAIN:
                    out[name] = _value(value)
        else:
            for name, value in out.items():
                if value.__class__ not in _PLAIN:
                    out[name] = _value(value)
        extra = getattr(record, "extra", None)
        if extra:
            out.update(extra)
        return out

    _functions[cls] = wire_dict
    return wire_dict


def wire_dict(record: Any) -> dict[str, Any]:
    """``record`` as a JSON-ready dict, like ``to_wire_dict`` but compiled per class."""
    return wire_dict_function(type(record))(record)


def _stdlib_line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


try:
    import orjson
except ImportError:  # pragma: no cover - exercised only without the fast extra
    _fast_line: Callable[[Any], bytes] = _stdlib_line
    _fast_failures: tuple[type[BaseException], ...] = (ValueError,)
    _strict_dumps: Callable[[Any], bytes] | None = None
else:
    _APPEND = orjson.OPT_APPEND_NEWLINE
    _STRICT = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
               | orjson.OPT_PASSTHROUGH_SUBCLASS)

    def _strict_dumps(value: Any) -> bytes:
        return orjson.dumps(value, option=_STRICT)

    def _fast_line(value: Any) -> bytes:
        return orjson.dumps(value, option=_APPEND)

    _fast_failures = (orjson.JSONEncodeError,)


def _record_id(record: Any) -> object:
    return getattr(record, "id", None)


def _slow_line(record: Any, value: Any) -> bytes:
    # orjson refuses a few things the standard library takes (integers beyond 64 bits,
    # subclasses of dict); the standard library is the last word.
    try:
        return _stdlib_line(value)
    except RecursionError:
        raise ExportEncodingError(_record_id(record), "nested too deeply to encode") from None
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise ExportEncodingError(_record_id(record), str(exc)) from None


def _to_dict(record: Any) -> dict[str, Any]:
    cls = type(record)
    if not attrs.has(cls):
        raise ExportEncodingError(_record_id(record), f"not a record: {cls.__qualname__}")
    try:
        return wire_dict_function(cls)(record)
    except RecursionError:
        raise ExportEncodingError(_record_id(record), "nested too deeply to encode") from None


def encode_jsonl(records: Sequence[Any]) -> bytes:
    """One JSON line per record, all or nothing."""
    lines = []
    for record in records:
        value = _to_dict(record)
        try:
            lines.append(_fast_line(value))
        except _fast_failures:
            lines.append(_slow_line(record, value))
        except RecursionError:
            raise ExportEncodingError(_record_id(record), "nested too deeply to encode") from None
    return b"".join(lines)


_WIRE_FAILURES: tuple[type[BaseException], ...] = (*_fast_failures, RecursionError)


def _wire_id(value: Mapping[str, Any]) -> object:
    return value.get("id")


def _wire_line(value: Mapping[str, Any]) -> bytes:
    try:
        return _fast_line(value)
    except _fast_failures:
        # orjson refuses some decoded values the standard library writes: an object nested
        # deeper than 255 levels, an integer beyond 64 bits (decoded without orjson).
        try:
            return _stdlib_line(value)
        except RecursionError:
            raise ExportEncodingError(_wire_id(value), "nested too deeply to encode") from None
        except (TypeError, ValueError) as exc:
            raise ExportEncodingError(_wire_id(value), str(exc)) from None
    except RecursionError:
        raise ExportEncodingError(_wire_id(value), "nested too deeply to encode") from None


def encode_wire_jsonl(objects: Sequence[Mapping[str, Any]]) -> bytes:
    """One JSON line per decoded object, as it is; all or nothing."""
    try:
        return b"".join(map(_fast_line, objects))
    except _WIRE_FAILURES:
        # One of them needs the slow path, or cannot be written: find which.
        return b"".join(map(_wire_line, objects))


def _cell(value: Any) -> Any:
    """A CSV cell for a value that is not a plain ``str``/``int``/``float``/``None``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str | int | float):
        return str(value)
    # Nested values (card, variants, custom fields) as JSON in one cell.
    return _json_text(_value(value))


def _json_text(plain: Any) -> str:
    """A JSON-ready value as compact JSON text."""
    try:
        return _fast_line(plain)[:-1].decode()
    except _fast_failures:
        return _stdlib_line(plain)[:-1].decode()


def _dict_cell(value: dict[Any, Any]) -> str:
    """A dict (``variants``, ``custom_fields``) as JSON in one call when it holds only JSON
    values, as decoded ones do; anything orjson would write otherwise than the generic
    rules (times, records, subclasses, integers beyond 64 bits) goes to ``_cell``."""
    if _strict_dumps is not None:
        try:
            return _strict_dumps(value).decode()
        except _fast_failures:
            pass
    text: str = _cell(value)
    return text


def _is_mapping_type(tp: Any) -> bool:
    if isinstance(tp, str):
        return False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = members[0] if len(members) == 1 else None
    return typing.get_origin(tp) in (dict, Mapping)


def _single_type(tp: Any) -> Any:
    """The one type of ``X`` or ``X | None`` (resolved annotations); else ``None``."""
    if isinstance(tp, str):
        return None
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return members[0] if len(members) == 1 and isinstance(members[0], type) else None
    return tp if isinstance(tp, type) else None


def _getter(columns: Sequence[str]) -> Callable[[Any], Sequence[Any]]:
    if len(columns) == 1:
        (column,) = columns
        return lambda record: (getattr(record, column, None),)
    every = operator.attrgetter(*columns)

    def values(record: Any) -> Sequence[Any]:
        try:
            result: Sequence[Any] = every(record)
        except AttributeError:  # a column the record does not have is left empty
            return [getattr(record, column, None) for column in columns]
        return result

    return values


def _is_bool_type(tp: Any) -> bool:
    if isinstance(tp, str):
        return tp.replace(" ", "") in {"bool", "bool|None"}
    args = set(typing.get_args(tp)) - {type(None)} if typing.get_origin(tp) else {tp}
    return args == {bool}


_CSVRow = Callable[[Any], list[Any]]
_csv_functions: dict[tuple[type, tuple[str, ...]], _CSVRow | None] = {}
_CELL_NAMES: dict[str, Any] = {"_plain": _CSV_PLAIN, "_bool": bool, "_datetime": datetime,
                               "_cell": _cell, "_json_text": _json_text,
                               "_dict_cell": _dict_cell, "_dict": dict}


def cell_expression(i: int, tp: Any, namespace: dict[str, Any]) -> str:
    """The source of the CSV cell of a field of type ``tp`` held in the local ``v{i}``.

    One inline test chosen from the declared type (a plain value is taken as it is, a bool
    spelt without a call) and ``_cell`` for what is left (times, nested values, a value of
    another type). The names it uses are added to ``namespace``. Shared by the record rows
    and the rows made straight from decoded objects (``_wire_csv``), so both write alike.
    """
    namespace.update(_CELL_NAMES)
    v = f"v{i}"
    if _is_plain_type(tp) and not _is_bool_type(tp):
        return f"{v} if {v}.__class__ in _plain else _cell({v})"
    if _is_bool_type(tp):
        return (f"{v} if {v} is None else (('true' if {v} else 'false') "
                f"if {v}.__class__ is _bool else _cell({v}))")
    if _single_type(tp) is datetime:
        return (f"{v} if {v} is None else ({v}.isoformat().replace('+00:00', 'Z') "
                f"if {v}.__class__ is _datetime else _cell({v}))")
    if (nested := _single_type(tp)) is not None and attrs.has(nested):
        # A nested record (card, affiliate...): its dict straight from its own
        # generated function, as JSON.
        namespace[f"_R{i}"], namespace[f"_d{i}"] = nested, wire_dict_function(nested)
        return (f"{v} if {v} is None else (_json_text(_d{i}({v})) "
                f"if {v}.__class__ is _R{i} else _cell({v}))")
    if _is_mapping_type(tp):
        return (f"{v} if {v} is None else (_dict_cell({v}) "
                f"if {v}.__class__ is _dict else _cell({v}))")
    return f"{v} if {v} is None else _cell({v})"


def csv_row_function(cls: type, columns: Sequence[str]) -> _CSVRow | None:
    """The ``record -> row`` of an attrs class for ``columns``, generated once with one
    inline test per cell (:func:`cell_expression`). ``None`` if a column is not a field of
    ``cls``."""
    key = (cls, tuple(columns))
    if key in _csv_functions:
        return _csv_functions[key]
    fields = attrs.fields_dict(cls) if attrs.has(cls) else {}
    if not columns or any(c not in fields or not c.isidentifier() for c in columns):
        _csv_functions[key] = None
        return None
    namespace: dict[str, Any] = {"_every": operator.attrgetter(*columns)}
    cells = [cell_expression(i, fields[column].type, namespace)
             for i, column in enumerate(columns)]
    names = ", ".join(f"v{i}" for i in range(len(columns)))
    source = "\n".join([
        "def row(record):",
        f"    ({names},) = _every(record)" if len(columns) > 1 else f"    {names} = _every(record)",
        f"    return [{', '.join(cells)}]",
    ])
    exec(compile(source, f"<gumroad_async CSV row {cls.__qualname__}>", "exec"), namespace)
    function: _CSVRow = namespace["row"]
    _csv_functions[key] = function
    return function


def _generic_row(values: Callable[[Any], Sequence[Any]]) -> _CSVRow:
    return lambda record: [v if v.__class__ in _CSV_PLAIN else _cell(v) for v in values(record)]


def csv_rows(records: Sequence[Any], columns: Sequence[str]) -> bytes:
    """CSV rows of ``columns`` (missing attributes empty), all or nothing."""
    generic = _generic_row(_getter(columns))
    cls = type(records[0]) if records else None
    fast = csv_row_function(cls, columns) if cls is not None else None
    rows = []
    for record in records:
        try:
            rows.append(fast(record) if fast is not None and type(record) is cls
                        else generic(record))
        except RecursionError:
            raise ExportEncodingError(_record_id(record), "nested too deeply to encode") from None
        except (TypeError, ValueError) as exc:
            raise ExportEncodingError(_record_id(record), str(exc)) from None
    text = csv_text(rows)
    try:
        return text.encode()
    except UnicodeEncodeError:
        for record, row in zip(records, rows, strict=True):
            try:
                csv_text([row]).encode()
            except UnicodeEncodeError as exc:
                raise ExportEncodingError(
                    _record_id(record), f"not encodable text: {exc.reason}") from None
        raise

