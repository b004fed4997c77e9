"""One listing engine for every list call: lazy, one page in memory, cursor-safe."""

from __future__ import annotations

import asyncio
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
    close the generator at once rather than at garbage collection. ``listing.read_ahead()``
    trades that promise for speed: it asks for the next page while you handle this one.
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

    async def _records(self, ahead: bool = False) -> AsyncGenerator[T, None]:
        # The walk itself, not through pages(): one async generator less per page.
        page: Page[T] | WirePage[T]
        async for page in self._walk(*self._fetcher(ahead)):
            for item in page.items:
                yield item

    def _fetcher(self, ahead: bool) -> tuple[Callable[[str | None], Awaitable[Any]], bool]:
        # Read ahead, a page's records are built once the next page has been asked for (a
        # WirePage builds them on first use): the server's work on it overlaps theirs.
        if ahead and self._fetch_wire_page is not None:
            return self._fetch_wire_page, True
        return self._fetch_page, ahead

    def read_ahead(self) -> AsyncGenerator[T, None]:
        """The records, as ``async for record in listing`` yields them, but each next page
        is requested as soon as the page before it arrives, while you handle its records.

        The wait for a page then overlaps your loop's work (and the records' building), so
        a walk of many pages finishes sooner. The price: breaking out of the loop, or an
        error in it, may leave one request sent whose answer is dropped. Closing the
        generator (``contextlib.aclosing``) cancels that request at once.
        """
        return self._records(ahead=True)

    async def pages(self, *, read_ahead: bool = False) -> AsyncGenerator[Page[T], None]:
        """Yield the pages one at a time, from ``page_key`` (or the start) to the last.

        ``read_ahead=True`` requests each next page as soon as the page before it arrives
        (see :meth:`read_ahead`).
        """
        page: Page[T] | WirePage[T]
        async for page in self._walk(*self._fetcher(read_ahead)):
            if isinstance(page, WirePage):
                yield Page(items=page.items.records(), next_page_key=page.next_page_key)
            else:
                yield page

    def wire_pages(self, *, read_ahead: bool = False
                   ) -> AsyncGenerator[Page[T] | WirePage[T], None]:
        """Internal (the export engine): pages whose records are built lazily from the
        objects as sent, when the listing can fetch them so; else :meth:`pages`."""
        if self._fetch_wire_page is None:
            return self.pages(read_ahead=read_ahead)
        return self._walk(self._fetch_wire_page, read_ahead)

    async def _walk(
        self, fetch: Callable[[str | None], Awaitable[Any]], ahead: bool = False
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
        # With ``ahead``: the request for the next page, sent before this one is yielded.
        following: asyncio.Future[Any] | None = None
        try:
            while True:
                if following is None:
                    page = await fetch(cursor)
                else:
                    page = await following
                    following = None
                cursor = page.next_page_key
                repeated = cursor is not None and cursor in seen
                if cursor is not None and not repeated:
                    if len(recent) == _LOOP_WINDOW:
                        seen.discard(recent[0])
                    recent.append(cursor)
                    seen.add(cursor)
                    if ahead:
                        following = asyncio.ensure_future(fetch(cursor))
                        # One turn of the loop puts the request on the wire before the
                        # caller's (often pause-free) handling of this page begins.
                        await asyncio.sleep(0)
                yield page
                if cursor is None:
                    return
                if repeated:
                    raise PaginationError(
                        f"The server sent the cursor {cursor!r} a second time; stopping "
                        "instead of looping."
                    )
        finally:
            if following is not None:
                await _drop(following)

    async def to_list(self) -> list[T]:
        """Every record of every page, in order."""
        return [record async for record in self]


async def _drop(request: asyncio.Future[Any]) -> None:
    """Cancel a page requested ahead that nobody will read, and wait until it has let go of
    its connection; its outcome (an answer, an error) is dropped unread."""
    request.cancel()
    await asyncio.wait((request,))  # the caller's own cancellation still propagates
    if not request.cancelled():
        request.exception()  # read, so that asyncio does not log it as never retrieved
