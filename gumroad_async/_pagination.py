"""One listing engine for every list call: lazy, one page in memory, cursor-safe."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import attrs

from gumroad_async.errors import PaginationError

__all__ = ["Listing", "Page"]

T = TypeVar("T")

#: How many recent cursors a walk remembers to catch a server that loops.
_LOOP_WINDOW = 1024

logger = logging.getLogger("gumroad_async")


@attrs.frozen(slots=True)
class Page(Generic[T]):
    """One page of a listing. ``next_page_key`` is ``None`` on the last page."""

    items: tuple[T, ...]
    next_page_key: str | None = None
    #: The decoded JSON objects the items were built from, one per item, as the server
    #: sent them (``None`` when unknown). Internal: the export engine writes JSON lines
    #: from these rather than walking the typed records back into dicts.
    wire: Sequence[dict[str, Any]] | None = attrs.field(
        default=None, eq=False, repr=False, kw_only=True)


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
    ) -> None:
        self._fetch_page = fetch_page
        self._page_key = page_key

    def __aiter__(self) -> AsyncGenerator[T, None]:
        return self._records()

    async def _records(self) -> AsyncGenerator[T, None]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Yield the pages one at a time, from ``page_key`` (or the start) to the last."""
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
            page = await self._fetch_page(cursor)
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
