"""The one cattrs converter that turns decoded JSON into records, built once at import.

Gumroad's answers drift: integers arrive as ``1``, ``1.0``, ``"1"`` or ``null``; booleans as
``"false"``; dates as empty strings. The hooks here are lenient: a value of the wrong shape
becomes ``None`` instead of failing, so one odd field never makes a page unreadable. Fields a
record does not declare are kept in its ``extra`` mapping.
"""

from __future__ import annotations

import operator
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import attrs
import cattrs

from gumroad_async.records._base import WIRE_NAME

__all__ = ["converter", "structure", "to_wire_dict"]

T = TypeVar("T")
_Hook = Callable[[Any], Any]

converter = cattrs.Converter()

_TRUE = frozenset({"true", "1", "yes", "t"})
_FALSE = frozenset({"false", "0", "no", "f", ""})


def _to_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
            return int(number) if number.is_integer() else None
    return None


def _to_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return None
    if isinstance(value, int | float):
        return bool(value)
    return None


def _to_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _to_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    # Gumroad's timestamps are UTC; a naive one is read as UTC rather than as local time.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _to_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _identity(value: Any) -> Any:
    return value


#: Builtins that convert a value of one exact type as the hook would (never to ``None``):
#: the per-types functions call them instead of the hook.
_FOR_TYPE: dict[tuple[_Hook, type], _Hook] = {
    (_to_float, int): float,
    (_to_str, int): str,
    (_to_str, float): str,
}


_SCALARS: dict[Any, _Hook] = {
    int: _to_int,
    float: _to_float,
    bool: _to_bool,
    str: _to_str,
    datetime: _to_datetime,
    date: _to_date,
    Any: _identity,
    object: _identity,
}


def _hook_for(tp: Any) -> _Hook:
    """A one-argument lenient hook for a field type (``None`` passes through everywhere)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return _hook_for(members[0]) if len(members) == 1 else _identity
    if tp in _SCALARS:
        return _SCALARS[tp]
    if attrs.has(tp):
        return _record_hook(tp)
    if origin in (tuple, list, typing.Sequence, typing.get_origin(typing.Sequence[Any])):
        args = typing.get_args(tp)
        item = _hook_for(args[0]) if args else _identity
        # Items of these types the item hook returns as they are (a list of strings, most
        # often): such a list is copied in one step instead of one hook call per item.
        kept = frozenset({type(None), _plain_type(args[0]) if args else object}) - {None}

        def _seq(value: Any) -> tuple[Any, ...] | None:
            if not isinstance(value, list | tuple):
                return None
            if item is _identity or set(map(type, value)) <= kept:
                return tuple(value)
            return tuple(v if v is None else item(v) for v in value)

        return _seq
    if origin in (dict, Mapping, typing.get_origin(Mapping[str, Any])):
        args = typing.get_args(tp)
        val = _hook_for(args[1]) if len(args) == 2 else _identity

        def _map(value: Any) -> dict[str, Any] | None:
            if not isinstance(value, dict):
                return None
            if val is _identity:
                return value
            return {k: v if v is None else val(v) for k, v in value.items()}

        return _map
    return _identity


_RECORD_HOOKS: dict[type, _Hook] = {}
#: The generic (shape-independent) function of each record class, kept for tests.
_GENERIC_HOOKS: dict[type, _Hook] = {}


def _plain_type(tp: Any) -> type | None:
    """The one builtin type a field's value already has when it needs no conversion."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = args[0] if len(args) == 1 else None
    return tp if tp in (str, int, bool, float) else None


def _record_hook(cls: type[T]) -> Callable[[Any], T | None]:
    """Build (once per class) the function that structures one decoded object as ``cls``.

    This is the hot path of every listing, so the function is generated as straight-line
    code, one check per declared field: a value that already has its field's plain type (most
    of them) is taken as it is; any other goes through the field's lenient hook. A value a
    hook cannot read becomes ``None`` on the field and is kept, as sent, in ``extra``; keys
    the record does not declare go to ``extra`` too.
    """
    cached = _RECORD_HOOKS.get(cls)
    if cached is not None:
        return cached

    def structure_record(data: Any) -> T | None:
        # Replaced below by the generated function; this indirection lets records that
        # nest their own class be built while their hooks are being made.
        return generated(data)

    _RECORD_HOOKS[cls] = structure_record
    declared = attrs.fields(attrs.resolve_types(cls))  # type: ignore[type-var, arg-type]
    names = [_wire_name(f) for f in declared if f.name != "extra"]
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_names": frozenset(names),
        "_proxy": types.MappingProxyType,
        "_dict": dict,
    }
    lines = [
        "def generated(data):",
        "    if type(data) is not _dict and not isinstance(data, _dict):",
        "        return None",
        "    unknown = data.keys() - _names",
        # In the order sent (not the set's): equal objects make equal records, and a
        # record's JSON (the mirror digests it) does not change from process to process.
        "    extra = {k: v for k, v in data.items() if k in unknown} if unknown else {}",
        "    get = data.get",
    ]
    call = []
    for i, field in enumerate(declared):
        if field.name == "extra":
            continue
        namespace[f"_h{i}"] = _hook_for(field.type)
        plain = _plain_type(field.type)
        name = repr(_wire_name(field))
        lines.append(f"    v{i} = get({name})")
        if plain is None:
            lines.append(f"    if v{i} is not None:")
        else:
            namespace[f"_t{i}"] = plain
            lines.append(f"    if v{i} is not None and type(v{i}) is not _t{i}:")
        lines += [
            f"        c = _h{i}(v{i})",
            "        if c is None:",
            f"            extra[{name}] = v{i}",
            f"        v{i} = c",
        ]
        call.append(f"{field.alias}=v{i}")
    # Keyword arguments in declaration order, with interned literal names: CPython binds
    # those by pointer comparison; the server's key order would cost a scan per argument.
    lines.append(f"    return _cls({', '.join(call)}, extra=_proxy(extra))")
    exec(compile("\n".join(lines), f"<gumroad_async record {cls.__qualname__}>", "exec"), namespace)
    generated: Callable[[Any], T | None] = namespace["generated"]
    _GENERIC_HOOKS[cls] = generated
    if _plain_slots(cls, declared):
        generated = _by_shape(cls, declared, generated)
    _RECORD_HOOKS[cls] = generated
    return generated


#: Key orders remembered per record class; past that, the generic function does the work.
_MAX_SHAPES = 64
_MAX_SHAPE_KEYS = 200


def _by_shape(
    cls: type[T], declared: Sequence[attrs.Attribute[Any]], generic: Callable[[Any], T | None]
) -> Callable[[Any], T | None]:
    """Wrap ``generic`` with functions specialised to the key order the server sends.

    A server sends every record of a kind with the same keys in the same order, so the
    function for that order takes the values in one step and knows at build time which
    keys are declared fields, which are extras and which fields are absent: no lookup per
    field, no set arithmetic per record. Any other input goes to ``generic``.

    The function of the previous record's shape is tried first, and checks by itself that
    the record has its keys (a page's records share one shape): no tuple of the keys is
    built per record to look the shape up. One that does not fit is looked up by its keys.
    """
    shapes: dict[tuple[str, ...], Callable[[Any], T | None]] = {}
    current: Callable[[dict[str, Any]], T | None]

    def look_up(data: dict[str, Any]) -> T | None:
        # The record does not have the keys of ``current``: find (or make) its shape's.
        nonlocal current
        keys = tuple(data)
        shaped = shapes.get(keys)
        if shaped is None:
            if len(shapes) >= _MAX_SHAPES or len(keys) > _MAX_SHAPE_KEYS:
                return generic(data)
            checked = _shape_function(cls, declared, keys, miss=look_up)
            shaped = shapes[keys] = _typed_function(cls, declared, keys, data, checked, look_up)
        # One store: a thread reading ``current`` gets one function or the other, and each
        # checks its own keys.
        current = shaped
        return shaped(data)

    current = look_up

    def structure_by_shape(data: Any) -> T | None:
        if type(data) is not dict:
            return generic(data)
        return current(data)

    return structure_by_shape


#: Value-type variants learnt per key order (a field sent as null in some records, a number
#: sent as 4 or 4.5); past that, records of other types take the checked function.
_MAX_TYPINGS = 4


def _typed_function(
    cls: type[T],
    declared: Sequence[attrs.Attribute[Any]],
    keys: tuple[str, ...],
    data: dict[str, Any],
    checked: Callable[[Any], T | None],
    miss: Callable[[Any], T | None],
    learnt: int = 1,
) -> Callable[[Any], T | None]:
    """The function for ``data``'s key order and value types: a server sends most records
    of a kind with the same types, so it converts only what needs converting. A record of
    other types teaches the next variant (up to ``_MAX_TYPINGS``), then goes to ``checked``.
    """
    typed = tuple(map(type, data.values()))
    function = _shape_function(cls, declared, keys, typed, checked, miss=miss)
    if learnt < _MAX_TYPINGS:

        def learn(other: Any) -> T | None:
            following = _typed_function(cls, declared, keys, other, checked, miss, learnt + 1)
            function.__globals__["_fallback"] = following  # the next miss goes there
            return following(other)

        function.__globals__["_fallback"] = learn
    return function


def _shape_function(
    cls: type[T],
    declared: Sequence[attrs.Attribute[Any]],
    keys: tuple[str, ...],
    typed: tuple[type, ...] | None = None,
    fallback: Callable[[Any], T | None] | None = None,
    *,
    miss: Callable[[Any], T | None],
) -> Callable[[Any], T | None]:
    """The function for one key order. With ``typed`` (the value types of each key), it is
    for values of exactly those types: it converts only the values whose type is not already
    their field's, and hands any other record to ``fallback``, which checks every value.

    It first checks that the record has its keys, and hands any other to ``miss``.
    """
    position = {key: index for index, key in enumerate(keys)}
    twin = _mutable_twin(cls)
    namespace: dict[str, Any] = {
        "_cls": cls, "_new": object.__new__, "_proxy": types.MappingProxyType,
        "_empty": _EMPTY_EXTRA, "_twin": twin, "_fallback": fallback, "_miss": miss,
        "_keys": keys, "_tuple": tuple,
    }
    known = {_wire_name(f) for f in declared}
    unknown = [key for key in keys if key not in known or key == "extra"]
    unpack = ", ".join(f"a{i}" for i in range(len(keys)))
    lines = ["def shaped(data):"]
    if len(keys) >= 2 and len(unknown) <= 1:
        # Its keys, in any order: as many, and each found (an extra key would make one
        # more). The values come in one C call. With two extras or more, the order sent
        # is the order of ``extra``, so only that order is taken, as below.
        namespace["_values"] = operator.itemgetter(*keys)
        lines += [
            f"    if len(data) != {len(keys)}:",
            "        return _miss(data)",
            "    try:",
            f"        ({unpack},) = _values(data)",
            "    except KeyError:",
            "        return _miss(data)",
        ]
    else:
        lines += ["    if _tuple(data) != _keys:", "        return _miss(data)"]
        if keys:
            lines.append(f"    ({unpack},) = data.values()")
    if typed is not None and keys:
        # One inline identity test per value (CPython specialises ``type(x)``): cheaper
        # than building the tuple of the record's types to compare.
        tests = []
        for index, kind in enumerate(typed):
            if kind is type(None):
                tests.append(f"a{index} is not None")
            else:
                namespace[f"_T{index}"] = kind
                tests.append(f"type(a{index}) is not _T{index}")
        lines += [f"    if {' or '.join(tests)}:", "        return _fallback(data)"]
        if fallback is not None and all(kind is type(None) for kind in typed):
            # Nothing but nulls (a sale's legacy ``card``): always the same record, built
            # once by the checked function. Records are frozen, so one can be shared.
            namespace["_same"] = fallback(dict.fromkeys(keys))
            lines.append("    return _same")
            return _compiled(cls, lines, namespace)
    lines.append("    extra = {}")
    for index, key in enumerate(keys):
        if key not in known or key == "extra":
            lines.append(f"    extra[{key!r}] = a{index}")
    values: list[tuple[int, attrs.Attribute[Any], str]] = []
    for number, field in enumerate(declared):
        if field.name == "extra":
            values.append((number, field, "_proxy(extra) if extra else _empty"))
            continue
        wire = _wire_name(field)
        if wire not in position:
            values.append((number, field, "None"))
            continue
        index = position[wire]
        namespace[f"_h{number}"] = _hook_for(field.type)
        plain = _plain_type(field.type)
        if typed is not None:
            if typed[index] is type(None) or _taken_as_is(field.type, typed[index]):
                values.append((number, field, f"a{index}"))  # already what the field holds
                continue
            hook = namespace[f"_h{number}"]
            if hook is _to_datetime and typed[index] is str:
                # _to_datetime's work for a string, inline: no Python call per timestamp.
                namespace["_fromiso"], namespace["_UTC"] = datetime.fromisoformat, UTC
                lines += [
                    "    try:",
                    f"        c = _fromiso(a{index})",
                    "    except ValueError:",
                    f"        extra[{wire!r}] = a{index}",
                    "        c = None",
                    "    else:",
                    "        if c.tzinfo is None:",
                    "            c = c.replace(tzinfo=_UTC)",
                    f"    a{index} = c",
                ]
                values.append((number, field, f"a{index}"))
                continue
            # A builtin that does what the hook does for this one type: no Python call.
            namespace[f"_h{number}"] = _FOR_TYPE.get((hook, typed[index]), hook)
            check = "True"
        elif plain is None:
            check = f"a{index} is not None"
        else:
            namespace[f"_t{number}"] = plain
            check = f"a{index} is not None and type(a{index}) is not _t{number}"
        lines += [
            f"    if {check}:",
            f"        c = _h{number}(a{index})",
            "        if c is None:",
            f"            extra[{wire!r}] = a{index}",
            f"        a{index} = c",
        ]
        values.append((number, field, f"a{index}"))
    if twin is not None:
        # Plain attribute stores on a mutable class of the same layout, then the record's
        # class: CPython specialises these stores (about 30 ns each, against 130 ns for a
        # slot descriptor's __set__ call), which is most of the cost of a wide record.
        lines.append("    record = _new(_twin)")
        lines += [f"    record.{field.name} = {value}" for _, field, value in values]
        lines.append("    record.__class__ = _cls")
    else:
        lines.append("    record = _new(_cls)")
        for number, field, value in values:
            namespace[f"_s{number}"] = getattr(cls, field.name).__set__
            lines.append(f"    _s{number}(record, {value})")
    lines.append("    return record")
    return _compiled(cls, lines, namespace)


def _compiled(
    cls: type[T], lines: list[str], namespace: dict[str, Any]
) -> Callable[[Any], T | None]:
    source = "\n".join(lines)
    name = f"<gumroad_async record {cls.__qualname__} by shape>"
    exec(compile(source, name, "exec"), namespace)
    shaped: Callable[[Any], T | None] = namespace["shaped"]
    return shaped


def _taken_as_is(tp: Any, kind: type) -> bool:
    """Whether a value of type ``kind`` is stored as it is in a field of type ``tp``."""
    if kind is _plain_type(tp):
        return True
    hook = _hook_for(tp)
    if hook is _identity:  # ``Any``
        return True
    if kind is dict and typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = members[0] if len(members) == 1 else tp
    # A JSON object for a ``Mapping[str, Any]`` field: ``_map`` would return it unchanged.
    return kind is dict and typing.get_origin(tp) in (dict, Mapping) and (
        typing.get_args(tp)[1:] in ((Any,), ())
    )


_EMPTY_EXTRA: Mapping[str, Any] = types.MappingProxyType({})
_TWINS: dict[type, type | None] = {}


def _mutable_twin(cls: type) -> type | None:
    """A mutable subclass of ``cls`` adding no slot (``None`` if CPython would not let an
    instance of it become a ``cls``): instances are filled, then given ``cls``.

    A subclass rather than a class with the same slots: CPython then checks the swap of
    ``__class__`` by walking the bases, instead of comparing the two classes' tuples of
    slot names (about 0.3 us for a ``Sale``'s 93). The plain ``object`` attribute methods
    let CPython specialise the stores to the slots.
    """
    if cls in _TWINS:
        return _TWINS[cls]
    twin: type | None = type(f"_{cls.__name__}Builder", (cls,), {
        "__slots__": (), "__module__": __name__,
        "__setattr__": object.__setattr__, "__delattr__": object.__delattr__,
    })
    try:
        probe: Any = object.__new__(twin)  # type: ignore[arg-type]
        probe.__class__ = cls
    except TypeError:
        twin = None
    _TWINS[cls] = twin
    return twin


def _wire_name(field: attrs.Attribute[Any]) -> str:
    """The key a field travels under: its name, unless that is not a Python name."""
    wire: str = field.metadata.get(WIRE_NAME, field.name)
    return wire


def _plain_slots(cls: type, declared: Sequence[attrs.Attribute[Any]]) -> bool:
    """Whether instances can be built by setting slots directly, skipping ``__init__``."""
    return (
        "__slots__" in cls.__dict__
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and all(f.validator is None and f.converter is None and f.init for f in declared)
        and all(isinstance(cls.__dict__.get(f.name), types.MemberDescriptorType)
                for f in declared)
    )


def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp) and "extra" in attrs.fields_dict(tp)


converter.register_structure_hook_func(
    _is_record, lambda data, cls: _record_hook(cls)(data)
)


def record_structurer(cls: type[T]) -> Callable[[Any], T | None]:
    """The structuring function of one record class (to apply to a whole page)."""
    return _record_hook(cls)


def structure(data: Any, cls: type[T]) -> T | None:
    """Structure one decoded JSON object as ``cls``; ``None`` if it is not an object."""
    return _record_hook(cls)(data)


def _unstructure_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if attrs.has(type(value)):
        return to_wire_dict(value)
    if isinstance(value, tuple | list):
        return [_unstructure_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _unstructure_value(v) for k, v in value.items()}
    return value


def to_wire_dict(record: Any) -> dict[str, Any]:
    """A record back as a JSON-ready dict: declared fields that are set, then the extras.

    Absent fields are left out rather than written as ``null``, so the dict reads like the
    server's answer did.
    """
    out: dict[str, Any] = {}
    for field in attrs.fields(type(record)):
        if field.name == "extra":
            continue
        value = getattr(record, field.name)
        if value is not None:
            out[_wire_name(field)] = _unstructure_value(value)
    out.update(getattr(record, "extra", {}))
    return out
