"""Where an account's sales begin, found with a handful of ``before=`` probes.

Gumroad has no "oldest sale" query, and walking every cursor to the end to find it would
cost as much as the export itself. ``before=D`` with one page answers "are there sales
before day D?", which is monotonic in D, so a binary search between Gumroad's launch and
the end of the export finds the first day with sales; its probes go several at a time
(an eight-way search), so it costs 4-5 round trips rather than 13.
"""

from __future__ import annotations

import asyncio
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


#: Probes sent at once per round: the range shrinks eightfold per round trip, so the
#: search takes 4-5 round trips (about 35 requests) instead of 13 one after the other.
PROBES_PER_ROUND = 7


async def find_first_day(
    client: GumroadClient, end: date, filters: Mapping[str, str], *, earliest: date = EARLIEST_DAY
) -> date | None:
    """The first day with a sale matching ``filters`` before ``end``, or ``None``."""
    if not await _any_before(client, end, filters):
        return None
    low, high = earliest, end  # no sales before `low`; some before `high`
    while (high - low).days > 1:
        span = (high - low).days
        days = sorted({low + timedelta(days=span * i // (PROBES_PER_ROUND + 1))
                       for i in range(1, PROBES_PER_ROUND + 1)} - {low})
        answers = await asyncio.gather(*(_any_before(client, day, filters) for day in days))
        # The first day with sales before it bounds the search from above; the probe just
        # earlier (none before it) from below. A failed probe counts as "some", which can
        # only move the start earlier, as in a plain binary search.
        for day, some in zip(days, answers, strict=True):
            if some:
                high = day
                break
            low = day
    return low
