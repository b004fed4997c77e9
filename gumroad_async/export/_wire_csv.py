"""CSV rows straight from the objects the server sent, without building records.

An export's pages carry the decoded objects (``WireRecords.wire``). Building a record for
each and reading its fields back costs more than writing its row, so a page is written from
its objects: each cell is what the record path (:func:`~._encode.csv_rows`) writes for the
value the converter would store. A server sends every object of a kind with the same keys
in the same order and mostly the same value types, so for each key order and value types
one function is generated that writes the whole line in one f-string: a value that already
has its field's type is written as it is, any other goes through the converter's hook for
its field and then the record path's cell rule (:func:`~._encode.cell_expression`), the
same code. A line with a text cell the CSV writer would quote is left to the writer, from
the same cells; an object of another shape (or past the cache's bounds) takes the record
path. ``tests/export/test_wire_csv.py`` checks the bytes against the record path's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from gumroad_async._converter import (
    _hook_for,
    _plain_type,
    _to_datetime,
    _wire_name,
    record_structurer,
)
from gumroad_async._csv import csv_text
from gumroad_async.export._encode import cell_expression, csv_row_function

__all__ = ["wire_csv_rows"]

#: Key orders remembered per record class and columns; past that, the record path.
_MAX_SHAPES = 64
_MAX_SHAPE_KEYS = 200
#: Value-type variants remembered per key order (a field null in some objects).
_MAX_TYPINGS = 8

_Cell = Callable[[Any], Any]
#: A bool field's cell: ``_to_bool`` stores 1, 1.0, 0, 0.0 and -0.0 as the bool they
#: equal, so the one lookup is right for those too; any other value raises.
_BOOL_TEXT = {True: "true", False: "false"}
_MISMATCH: Any = object()  # returned by a line function for values of other types


class _NeedsWriter(Exception):
    """A cell the record path does not make (not text or a number): the row goes to the
    CSV writer."""


def _spelt(value: Any) -> str:
    """A record-path cell as the CSV writer spells it (quoted if it has to be)."""
    if value is None:
        return ""
    cls = value.__class__
    if cls is str:
        text: str = value
        if "," in text or '"' in text or "\n" in text or "\r" in text:
            return '"' + text.replace('"', '""') + '"'
        return text
    if cls is float:
        return repr(value)
    if cls is int:
        return str(value)
    raise _NeedsWriter  # not a cell the record path makes


class _Typed:
    """The two functions of one key order and value types: ``line(data)`` (the CSV line,
    ``None`` if the writer must spell it, ``_MISMATCH`` for values of other types, or a
    ``KeyError``/``TypeError`` for a bool field's) and ``cells(data)`` (the row's cells,
    for the writer)."""

    __slots__ = ("cells", "line")

    def __init__(self, line: Callable[[Any], Any], cells: Callable[[Any], list[Any]]):
        self.line = line
        self.cells = cells


class _Shape:
    """The typed functions of one key order."""

    __slots__ = ("keys", "last", "typed")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.typed: dict[tuple[type, ...], _Typed] = {}
        self.last: _Typed | None = None


class WireRows:
    """The CSV rows of ``columns`` (fields of ``cls``) for decoded objects of ``cls``."""

    def __init__(self, cls: type, columns: Sequence[str]) -> None:
        fields = attrs.fields_dict(attrs.resolve_types(cls))
        self.columns = tuple(columns)
        self.structure = record_structurer(cls)
        row = csv_row_function(cls, columns)
        assert row is not None  # checked by wire_csv_rows
        self.record_row = row
        self.wire_names = [_wire_name(fields[c]) for c in columns]
        self.types = [fields[c].type for c in columns]
        self.converted: dict[int, _Cell] = {}  # made when a column first needs it
        self.shapes: dict[tuple[str, ...], _Shape] = {}
        self.memos: dict[int, _Cell] = {}

    def text(self, objects: Sequence[Any]) -> str:
        """The CSV text of ``objects``, the record path's byte for byte."""
        pieces: list[str] = []
        last_keys: tuple[str, ...] | None = None
        shape: _Shape | None = None
        for data in objects:
            if data.__class__ is dict:
                keys = tuple(data)
                if keys != last_keys:
                    shape, last_keys = self._shape(keys), keys
                if shape is not None:
                    typed = shape.last
                    if typed is not None:  # most objects: the previous one's types
                        try:
                            line = typed.line(data)
                        except _NeedsWriter:
                            line = None
                        except (KeyError, TypeError):  # a bool field's value of another type
                            line = _MISMATCH
                        if line.__class__ is str:
                            pieces.append(line)
                            continue
                        if line is None:
                            pieces.append(csv_text([typed.cells(data)]))
                            continue
                    line = self._line(shape, data)
                    if line is not None:
                        pieces.append(line)
                        continue
            pieces.append(csv_text([self.record_row(self.structure(data))]))
        return "".join(pieces)

    def _line(self, shape: _Shape, data: dict[str, Any]) -> str | None:
        """The line of an object whose value types are not those of ``shape.last``: by
        the function of its types, made if new; ``None`` past the cache's bounds."""
        typed = shape.typed.get(tuple(map(type, data.values())))
        if typed is None:
            if len(shape.typed) >= _MAX_TYPINGS:
                return None
            typed = self._typed(shape, data)
        shape.last = typed
        try:
            line: str | None = typed.line(data)  # its own types: never _MISMATCH
        except _NeedsWriter:
            line = None
        return csv_text([typed.cells(data)]) if line is None else line

    def _shape(self, keys: tuple[str, ...]) -> _Shape | None:
        shape = self.shapes.get(keys)
        if shape is None:
            if len(self.shapes) >= _MAX_SHAPES or len(keys) > _MAX_SHAPE_KEYS:
                return None
            shape = self.shapes[keys] = _Shape(keys)
        return shape

    def _typed(self, shape: _Shape, data: dict[str, Any]) -> _Typed:
        """Generate the functions for ``data``'s key order and value types."""
        types = tuple(map(type, data.values()))
        position = {key: index for index, key in enumerate(shape.keys)}
        namespace: dict[str, Any] = {"_MISMATCH": _MISMATCH}
        tests, checked, spelt, cells = [], [], [], []
        for i, (wire, tp) in enumerate(zip(self.wire_names, self.types, strict=True)):
            p = position.get(wire)
            if p is None or types[p] is type(None):
                if p is not None:
                    tests.append(f"a{p} is not None")
                spelt.append("")
                cells.append("None")
                continue
            kind = types[p]
            a, plain = f"a{p}", _plain_type(tp)
            if kind is plain is bool:
                # No type test: ``_BOOL_TEXT[value]`` is right for every value it has (a
                # ``1`` or ``0.0`` is stored as the bool it equals) and raises for others.
                namespace["_BOOL_TEXT"] = _BOOL_TEXT
                spelt.append(f"{{_BOOL_TEXT[{a}]}}")
                cells.append(f"_BOOL_TEXT[{a}]")
                continue
            namespace[f"_T{p}"] = kind
            tests.append(f"type(a{p}) is not _T{p}")
            if kind is plain and kind in (str, int, float):
                # Stored as it is; written by the CSV writer as str() (repr() for a float),
                # which is what an f-string does for these exact types.
                spelt.append(f"{{{a}}}")
                cells.append(a)
                if kind is str:
                    checked.append(f"{{{a}}}")
            elif kind is int and plain is float:
                # A whole number for a float field (``"average_rating": 0``): stored as
                # ``float(value)``, written as its repr(), which the f-string spells too.
                namespace["_float"] = float
                spelt.append(f"{{_float({a})}}")
                cells.append(f"_float({a})")
            else:
                namespace[f"_c{i}"] = self.cell_of(i)
                namespace[f"_s{i}"] = self._spelt_function(i, tp, kind)
                spelt.append(f"{{_s{i}({a})}}")
                cells.append(f"_c{i}({a})")
        unpack = (f"    ({', '.join(f'a{p}' for p in range(len(types)))},) = data.values()"
                  if types else "    pass")
        line = ["def line(data):", unpack]
        if tests:
            line += [f"    if {' or '.join(dict.fromkeys(tests))}:", "        return _MISMATCH"]
        if checked:
            # A text sent as it is needs quoting if it holds one of these: rare, so the
            # texts are tested in one string and such a line is left to the CSV writer.
            line += [f'    s = f"{"".join(checked)}"',
                     """    if "," in s or '"' in s or "\\n" in s or "\\r" in s:""",
                     "        return None"]
        line.append(f'    return f"{",".join(spelt)}\\n"')
        source = "\n".join([*line, "", "def cells(data):", unpack,
                            f"    return [{', '.join(cells)}]"])
        exec(compile(source, "<gumroad_async CSV line by shape>", "exec"), namespace)
        typed = shape.typed[types] = _Typed(namespace["line"], namespace["cells"])
        return typed

    def cell_of(self, i: int) -> _Cell:
        """``value -> cell`` of column ``i`` (see :func:`_converted_cell`)."""
        cell = self.converted.get(i)
        if cell is None:
            cell = self.converted[i] = _converted_cell(i, self.types[i])
        return cell

    def _spelt_function(self, i: int, tp: Any, kind: type) -> _Cell:
        """``value -> written cell`` for column ``i`` and values of type ``kind``."""
        cell = self.cell_of(i)

        def spelt(value: Any) -> str:
            return _spelt(cell(value))

        if kind is str and _hook_for(tp) is _to_datetime:
            return _utc_text(spelt)
        if kind is dict:
            memo = self.memos.get(i)
            if memo is None:
                memo = self.memos[i] = _memo(spelt)
            return memo
        return spelt


#: A UTC time as the record path writes it (``isoformat()`` with ``Z``), in ASCII digits.
_CANONICAL_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_fromisoformat = datetime.fromisoformat


def _utc_text(spelt: _Cell) -> _Cell:
    """A time field's cell for a text value: a valid time already written the way the
    record path writes it (``2024-05-05T05:05:05Z``) is its own cell; others take
    ``spelt``."""

    def cell(value: str) -> str:
        if _CANONICAL_UTC.fullmatch(value) is not None:
            try:
                _fromisoformat(value)
            except ValueError:
                pass
            else:
                return value
        text: str = spelt(value)
        return text

    return cell


#: Cells remembered per nested-object column (``card``): many sales share one.
_MEMO_SIZE = 4096
#: Value types no two of which have equal values written apart: not floats (``0.0 ==
#: -0.0``, ``1.0 == 1``), not booleans (``True == 1``), not containers (unhashable).
_MEMO_TYPES = frozenset({str, int, type(None)})


def _memo(spelt: _Cell) -> _Cell:
    """``spelt`` for a JSON object, remembered by its items when they are texts, whole
    numbers or nulls (a card: many sales share one)."""
    memo: dict[Any, str] = {}

    def cell(value: dict[str, Any]) -> str:
        if not _MEMO_TYPES.issuperset(map(type, value.values())):
            text: str = spelt(value)
            return text
        key = tuple(value.items())
        text = memo.get(key)  # type: ignore[assignment]
        if text is None:
            text = spelt(value)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = text
        return text

    return cell


def _converted_cell(i: int, tp: Any) -> _Cell:
    """``value -> cell`` for a field of type ``tp``: the converter's rule for the value a
    record stores (as it is if it already has the field's plain type, else the field's
    lenient hook, ``None`` when that cannot read it), then the record path's cell rule."""
    namespace: dict[str, Any] = {"_h": _hook_for(tp), "_P": _plain_type(tp)}
    test = f"v{i} is not None" + ("" if namespace["_P"] is None else f" and type(v{i}) is not _P")
    source = "\n".join([
        f"def cell(v{i}):",
        f"    if {test}:",
        f"        v{i} = _h(v{i})",
        f"    return {cell_expression(i, tp, namespace)}",
    ])
    exec(compile(source, "<gumroad_async CSV cell>", "exec"), namespace)
    cell: _Cell = namespace["cell"]
    return cell


_rows: dict[tuple[type, tuple[str, ...]], WireRows | None] = {}


def _rows_for(cls: type, columns: Sequence[str]) -> WireRows | None:
    key = (cls, tuple(columns))
    if key not in _rows:
        fields = attrs.fields_dict(cls) if attrs.has(cls) else {}
        # One column would need the writer's own rule for a row of one empty cell.
        usable = (len(columns) > 1 and "extra" in fields
                  and all(c in fields and c != "extra" for c in columns)
                  and csv_row_function(cls, columns) is not None)
        _rows[key] = WireRows(cls, columns) if usable else None
    return _rows[key]


def wire_csv_rows(cls: type, columns: Sequence[str], objects: Sequence[Any]) -> bytes | None:
    """The CSV rows of ``columns`` for decoded objects of the record class ``cls``, the
    bytes :func:`~._encode.csv_rows` writes for their records; ``None`` when the records
    must be built instead (columns that are not fields, or an object that cannot be
    written: the record path then names it)."""
    rows = _rows_for(cls, columns)
    if rows is None:
        return None
    try:
        return rows.text(objects).encode()
    except Exception:  # the record path raises the error that names the object
        return None
