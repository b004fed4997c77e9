"""One listing engine for every list call: lazy, one page in memory, cursor-safe."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

import attrs

from gumroad_async.errors import APIError, PaginationError

__all__ = ["Listing", "Page", "WirePage", "WireRecords", "page_objects"]

T = TypeVar("T")

#: How many recent cursors a walk remembers to catch a server that loops.
_LOOP_WINDOW = 1024

logger = logging.getLogger("gumroad_async")

_ONLY_DICTS: frozenset[type] = frozenset({dict})


@attrs.frozen(slots=True)
class Page(Generic[T]):
    """One page of a listing. ``next_page_key`` is ``None`` on the last page."""

    items: tuple[T, ...]
    next_page_key: str | None = None


class WireRecords(Sequence[T]):
    """A page's records built on first use from ``wire``, the JSON objects the server sent.

    Internal to the export engine: a JSONL sink writes ``wire`` as it is and never builds
    a record; any other sink reads the records (all built at once, on first access).
    """

    __slots__ = ("_records", "_structure", "wire")

    def __init__(self, wire: Sequence[dict[str, Any]], structure: Callable[[Any], T | None]):
        self.wire = wire
        self._structure = structure
        self._records: tuple[T, ...] | None = None

    def records(self) -> tuple[T, ...]:
        """Every record, built once (an object always makes a record)."""
        if self._records is None:
            self._records = tuple(filter(None, map(self._structure, self.wire)))
        return self._records

    def last(self) -> T | None:
        """The last record, without building the others if they are not built yet."""
        if self._records is None:
            return self._structure(self.wire[-1]) if self.wire else None
        return self._records[-1] if self._records else None

    def __len__(self) -> int:
        return len(self.wire)

    def __iter__(self) -> Iterator[T]:
        return iter(self.records())

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.records()[index]


@attrs.frozen(slots=True)
class WirePage(Generic[T]):
    """A page whose records are built lazily (see :class:`WireRecords`)."""

    items: WireRecords[T]
    next_page_key: str | None = None


def page_objects(payload: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], str | None]:
    """The objects of a listing answer's ``key`` list and its next cursor.

    An entry that is not an object is logged and skipped; an answer without the list (or
    with something else under ``key``) raises :class:`~gumroad_async.errors.APIError`.
    """
    raw = payload.get(key)
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise APIError(f"The answer has no {key!r} list.", status=200, body=payload)
    objects = raw
    if raw and {*map(type, raw)} != _ONLY_DICTS:  # one pass in C: every entry an object
        objects = []
        for value in raw:
            if isinstance(value, dict):
                objects.append(value)
            else:
                # Not an object at all: nothing to read. Logged rather than dropped silently.
                logger.warning("skipping a %s entry that is not an object: %r", key, value)
    cursor = payload.get("next_page_key")
    return objects, str(cursor) if cursor else None


class Listing(Generic[T]):
    """The result of every ``list(...)`` call: nothing is sent until you iterate.

    ``async for record in listing`` yields records, following ``next_page_key`` page by
    page; ``listing.pages()`` yields :class:`Page` objects (save ``page.next_page_key`` to
    resume later with ``page_key=``); ``await listing.to_list()`` gathers everything.

    Each page is fetched with the same filters. A cursor that comes back (within 1,024 pages)
    raises :class:`~gumroad_async.errors.PaginationError` instead of looping. Breaking out
    of the loop sends no further request; wrap the iteration in ``contextlib.aclosing`` to
    close the generator at once rather than at garbage collection.
    """

    def __init__(
        self,
        fetch_page: Callable[[str | None], Awaitable[Page[T]]],
        *,
        page_key: str | None = None,
        fetch_wire_page: Callable[[str | None], Awaitable[WirePage[T]]] | None = None,
    ) -> None:
        self._fetch_page = fetch_page
        self._page_key = page_key
        self._fetch_wire_page = fetch_wire_page

    def __aiter__(self) -> AsyncGenerator[T, None]:
        return self._records()

    async def _records(self) -> AsyncGenerator[T, None]:
        # The walk itself, not through pages(): one async generator less per page.
        page: Page[T]
        async for page in self._walk(self._fetch_page):
            for item in page.items:
                yield item

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Yield the pages one at a time, from ``page_key`` (or the start) to the last."""
        async for page in self._walk(self._fetch_page):
            yield page

    def wire_pages(self) -> AsyncGenerator[Page[T] | WirePage[T], None]:
        """Internal (the export engine): pages whose records are built lazily from the
        objects as sent, when the listing can fetch them so; else :meth:`pages`."""
        if self._fetch_wire_page is None:
            return self.pages()
        return self._walk(self._fetch_wire_page)

    async def _walk(
        self, fetch: Callable[[str | None], Awaitable[Any]]
    ) -> AsyncGenerator[Any, None]:
        cursor = self._page_key
        # The latest cursors of this walk, so that a server that loops is caught on its
        # first repeat. Bounded, so that memory stays flat over a million-page walk: a
        # loop longer than the window is not caught (no real failure looks like that).
        recent: deque[str] = deque(maxlen=_LOOP_WINDOW)
        seen: set[str] = set()
        if cursor is not None:
            recent.append(cursor)
            seen.add(cursor)
        while True:
            page = await fetch(cursor)
            yield page
            cursor = page.next_page_key
            if cursor is None:
                return
            if cursor in seen:
                raise PaginationError(
                    f"The server sent the cursor {cursor!r} a second time; stopping instead "
                    "of looping."
                )
            if len(recent) == _LOOP_WINDOW:
                seen.discard(recent[0])
            recent.append(cursor)
            seen.add(cursor)

    async def to_list(self) -> list[T]:
        """Every record of every page, in order."""
        return [record async for record in self]
