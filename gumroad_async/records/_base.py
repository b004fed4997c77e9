"""What every record shares: frozen, slotted attrs classes with an ``extra`` mapping."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, dataclass_transform

import attrs

__all__ = ["WIRE_NAME", "extra_field", "record", "wire_field"]

#: Metadata key of a field whose wire name is not a Python name (``global``).
WIRE_NAME = "gumroad_wire_name"

C = TypeVar("C", bound=type)

_EMPTY: Mapping[str, Any] = types.MappingProxyType({})


def extra_field() -> Any:
    """The ``extra`` field: what the server sent that the record does not declare."""
    return attrs.field(default=_EMPTY, repr=False, eq=False, kw_only=True)


def wire_field(wire_name: str) -> Any:
    """A field sent under ``wire_name``, a key that cannot be a Python name."""
    return attrs.field(default=None, metadata={WIRE_NAME: wire_name})


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field,))
def record(cls: C) -> C:
    """Make a frozen, slotted, keyword-only attrs record; every field defaults to ``None``."""
    define: Callable[[C], C] = attrs.frozen(
        kw_only=True, slots=True, cache_hash=False, weakref_slot=False
    )
    made = define(cls)
    # ``extra`` is a read-only mappingproxy, which pickle refuses: records travel to worker
    # processes, so they pickle as their fields and a plain copy of ``extra``.
    made.__reduce__ = _reduce_record  # type: ignore[assignment]
    return made


def _reduce_record(self: Any) -> tuple[Any, ...]:
    fields = attrs.fields(type(self))
    values = {f.alias: getattr(self, f.name) for f in fields if f.name != "extra"}
    return (_rebuild_record, (type(self), values, dict(self.extra)))


def _rebuild_record(cls: type, values: dict[str, Any], extra: dict[str, Any]) -> Any:
    return cls(**values, extra=types.MappingProxyType(extra))
