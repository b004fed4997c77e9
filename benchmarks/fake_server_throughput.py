"""How fast the fake serves sales pages, near the start and deep in a 200,000-sale account.

The fake must never be the bottleneck of the other benchmarks: a bare aiohttp client should
get at least 2,000 pages/s, and a page deep in the account must cost what the first costs
(cursor lookups bisect; they never scan).

    python benchmarks/fake_server_throughput.py [--sales 200000] [--pages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, Stopwatch, fake_server_process


async def walk(session: aiohttp.ClientSession, url: str, pages: int, query: str) -> int:
    """Follow cursors for ``pages`` pages; returns the number of sales seen."""
    seen = 0
    next_query = query
    for _ in range(pages):
        async with session.get(f"{url}/v2/sales?{next_query}") as response:
            body = await response.json()
        seen += len(body["sales"])
        key = body.get("next_page_key")
        if key is None:
            break
        next_query = f"page_key={key}"
    return seen


async def measure(url: str, pages: int, walkers: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    connector = aiohttp.TCPConnector(limit=walkers)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        await walk(session, url, 5, "")  # warm up
        with Stopwatch() as shallow:
            await walk(session, url, pages, "")
        with Stopwatch() as deep:  # the oldest sales: the far end of the cursor walk
            await walk(session, url, pages, "before=2023-03-01")
        each = pages // walkers
        with Stopwatch() as parallel:
            await asyncio.gather(*(
                walk(session, url, each, f"before=2024-{month:02d}-01")
                for month in range(1, walkers + 1)
            ))
    return {
        "shallow": pages / shallow.seconds,
        "deep": pages / deep.seconds,
        "parallel": each * walkers / parallel.seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=200_000)
    parser.add_argument("--pages", type=int, default=2_000)
    parser.add_argument("--walkers", type=int, default=4)
    args = parser.parse_args()
    with fake_server_process("--sales", str(args.sales)) as url:
        rates = asyncio.run(measure(url, args.pages, args.walkers))
    print(f"fake server, {args.sales:,} sales, bare aiohttp client, {args.pages:,} pages each:")
    print(f"  first pages (newest)        {rates['shallow']:8.0f} pages/s")
    print(f"  deep pages (oldest)         {rates['deep']:8.0f} pages/s   "
          f"ratio deep/first {rates['deep'] / rates['shallow']:.2f} (1.0 = position-free)")
    print(f"  {args.walkers} walkers in parallel       {rates['parallel']:8.0f} pages/s   "
          f"target >= 2000: {'ok' if rates['parallel'] >= 2000 else 'MISSED'}")


if __name__ == "__main__":
    main()
