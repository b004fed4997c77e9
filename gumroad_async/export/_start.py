"""Where an account's sales begin, found with a handful of ``before=`` probes.

Gumroad has no "oldest sale" query, and walking every cursor to the end to find it would
cost as much as the export itself. ``before=D`` with one page answers "are there sales
before day D?", which is monotonic in D, so a binary search between Gumroad's launch and
the end of the export finds the first day with sales in about 13 requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import aclosing
from datetime import date, timedelta

from gumroad_async.client import GumroadClient
from gumroad_async.errors import APITimeoutError, ServerError

__all__ = ["EARLIEST_DAY", "find_first_day"]

#: No Gumroad sale is older than the service.
EARLIEST_DAY = date(2011, 4, 1)


async def _any_before(client: GumroadClient, day: date, filters: Mapping[str, str]) -> bool:
    try:
        async with aclosing(client.sales.list(before=day, **filters).pages()) as pages:
            async for page in pages:
                return bool(page.items) or page.next_page_key is not None
    except (ServerError, APITimeoutError):
        # A probe still failing after the client's retries (the edge's 5xx or timeout on a
        # slow query) counts as "there are sales": that can only move the start earlier,
        # costing an empty window or two, never a missed sale.
        return True
    return False


async def find_first_day(
    client: GumroadClient, end: date, filters: Mapping[str, str], *, earliest: date = EARLIEST_DAY
) -> date | None:
    """The first day with a sale matching ``filters`` before ``end``, or ``None``."""
    if not await _any_before(client, end, filters):
        return None
    low, high = earliest, end  # no sales before `low`; some before `high`
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        if await _any_before(client, middle, filters):
            high = middle
        else:
            low = middle
    return low
