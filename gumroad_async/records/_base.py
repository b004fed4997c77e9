"""What every record shares: frozen, slotted attrs classes with an ``extra`` mapping."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, dataclass_transform

import attrs

__all__ = ["extra_field", "record"]

C = TypeVar("C", bound=type)

_EMPTY: Mapping[str, Any] = types.MappingProxyType({})


def extra_field() -> Any:
    """The ``extra`` field: what the server sent that the record does not declare."""
    return attrs.field(default=_EMPTY, repr=False, eq=False, kw_only=True)


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field,))
def record(cls: C) -> C:
    """Make a frozen, slotted, keyword-only attrs record; every field defaults to ``None``."""
    define: Callable[[C], C] = attrs.frozen(kw_only=True, slots=True, cache_hash=False)
    return define(cls)
