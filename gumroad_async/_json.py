"""JSON: orjson when installed (the ``fast`` extra), else the standard library.

:func:`loads` is total: whatever the bytes (invalid UTF-8, nesting deeper than a decoder
allows, numbers out of range, ``NaN``), it returns a value or raises :class:`ValueError`,
never ``RecursionError`` or anything else. Both decoders accept and refuse the same inputs
(the standard library is held to orjson's stricter rules), so behaviour does not depend on
whether the extra is installed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

__all__ = ["HAS_ORJSON", "dumps", "loads", "orjson_loads", "stdlib_loads"]

loads: Callable[[bytes | str], Any]
dumps: Callable[[Any], bytes]
#: orjson's decoder behind the same contract, or ``None`` without the extra.
orjson_loads: Callable[[bytes | str], Any] | None

# A surrogate, raw or as a \uD800-\uDFFF escape: text that cannot be written out as UTF-8.
_SURROGATE = re.compile(r"[\ud800-\udfff]|\\u[dD][89a-fA-F]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number is infinity when parsed as a double")
    return value


_STDLIB_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def stdlib_loads(data: bytes | str) -> Any:
    """Decode with the standard library, refusing what orjson refuses; only ``ValueError``."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray | memoryview) else data
        value = _STDLIB_DECODER.decode(text)
        if _SURROGATE.search(text):
            # A pair of escapes makes one valid character; a lone one cannot be encoded
            # later (orjson refuses it here), and encoding finds exactly those.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except ValueError:
        raise
    except Exception as exc:  # RecursionError (deep nesting), MemoryError, TypeError...
        raise ValueError(f"JSON could not be decoded: {type(exc).__name__}") from exc
    return value


try:
    import orjson
except ImportError:  # pragma: no cover - exercised only without the extra
    HAS_ORJSON = False
    orjson_loads = None
    loads = stdlib_loads

    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

else:
    HAS_ORJSON = True
    # orjson itself, no wrapper (a Python call per answer): it raises JSONDecodeError, a
    # ValueError, for every input it refuses, invalid types and nesting included.
    orjson_loads = loads = orjson.loads

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)
