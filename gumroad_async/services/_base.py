"""What every service shares: calling the transport and structuring the answer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from gumroad_async._converter import record_structurer
from gumroad_async._pagination import Listing, Page, WirePage, WireRecords, page_objects
from gumroad_async._transport import Transport
from gumroad_async.errors import APIError

__all__ = ["Service", "record_of", "structured"]

T = TypeVar("T")

logger = logging.getLogger("gumroad_async")


# Each record class's structuring function, found in one dict lookup (no call) per record.
_STRUCTURERS: dict[type, Callable[[Any], Any]] = {}


def _structurer(cls: type[T]) -> Callable[[Any], T | None]:
    structure_record = _STRUCTURERS[cls] = record_structurer(cls)
    return structure_record


def structured(data: Any, cls: type[T]) -> T | None:
    """``data`` structured as ``cls`` (``None`` if it is not an object)."""
    record: T | None = (_STRUCTURERS.get(cls) or _structurer(cls))(data)
    return record


def record_of(payload: dict[str, Any], key: str, cls: type[T]) -> T:
    """The ``key`` object of an answer as a ``cls`` record; ``APIError`` if there is none."""
    record: T | None = (_STRUCTURERS.get(cls) or _structurer(cls))(payload.get(key))
    if record is None:
        raise APIError(
            f"The answer has no {key!r} object.", status=200, body=payload
        )
    return record


def _page_of(payload: dict[str, Any], key: str, cls: type[T]) -> Page[T]:
    objects, cursor = page_objects(payload, key)
    # One pass in C: every object makes a record (always true).
    structure_record = _STRUCTURERS.get(cls) or _structurer(cls)
    items: tuple[T, ...] = tuple(filter(None, map(structure_record, objects)))
    return Page(items=items, next_page_key=cursor)


def _wire_page_of(payload: dict[str, Any], key: str, cls: type[T]) -> WirePage[T]:
    objects, cursor = page_objects(payload, key)
    structure_record = _STRUCTURERS.get(cls) or _structurer(cls)
    return WirePage(items=WireRecords(objects, structure_record), next_page_key=cursor)


class Service:
    """Base of the resource services: ``GumroadClient.sales``, ``.products`` and so on."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def _call(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        repeatable: bool | None = None,
        authenticated: bool = True,
    ) -> dict[str, Any]:
        return await self._transport.request(
            method,
            path,
            params=params,
            data=data,
            scope=scope,
            repeatable=repeatable,
            authenticated=authenticated,
        )

    async def _one(
        self,
        method: str,
        path: str,
        key: str,
        cls: type[T],
        *,
        scope: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        repeatable: bool | None = None,
    ) -> T:
        # The transport directly, not through _call: one coroutine less per single call.
        payload = await self._transport.request(
            method, path, params=params, data=data, scope=scope, repeatable=repeatable
        )
        return record_of(payload, key, cls)

    async def _delete(self, path: str, *, scope: str) -> None:
        # Deleting twice answers "not found" at worst: safe to repeat.
        await self._call("DELETE", path, scope=scope, repeatable=True)

    def _listing(
        self,
        path: str,
        key: str,
        cls: type[T],
        *,
        scope: str,
        params: Mapping[str, str] | None = None,
        page_key: str | None = None,
    ) -> Listing[T]:
        filters = dict(params or {})
        transport = self._transport

        async def fetch_page(cursor: str | None) -> Page[T]:
            query = filters if cursor is None else {**filters, "page_key": cursor}
            payload = await transport.request("GET", path, params=query, scope=scope)
            return _page_of(payload, key, cls)

        async def fetch_wire_page(cursor: str | None) -> WirePage[T]:
            query = filters if cursor is None else {**filters, "page_key": cursor}
            payload = await transport.request("GET", path, params=query, scope=scope)
            return _wire_page_of(payload, key, cls)

        return Listing(fetch_page, page_key=page_key, fetch_wire_page=fetch_wire_page)
