"""Streaming speed: typed records from ``sales.list()`` vs a bare aiohttp + json loop.

Both walk the same 20,000 sales of one FakeGumroad (in its own process) in the same run;
the figure that matters is the ratio (target >= 0.9).

    python benchmarks/streaming.py [--sales 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, Stopwatch, fake_server_process

from gumroad_async import GumroadClient


async def bare(url: str) -> int:
    """What a hand-written client does: GET, json.loads, follow the cursor."""
    count = 0
    query = ""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        while True:
            async with session.get(f"{url}/v2/sales{query}") as response:
                body = json.loads(await response.read())
            count += len(body["sales"])
            key = body.get("next_page_key")
            if key is None:
                return count
            query = f"?page_key={key}"


async def sdk(url: str) -> int:
    count = 0
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        async for _sale in gumroad.sales.list():
            count += 1
    return count


def measure(url: str, rounds: int) -> tuple[float, float, float, int]:
    """Paired rounds, bare then SDK; the median of the per-round ratios is the figure
    (the machine is shared and noisy: a pair runs seconds apart, under the same load)."""
    bare_rates, sdk_rates, ratios = [], [], []
    count = 0
    for _ in range(rounds):
        with Stopwatch() as watch:
            count = asyncio.run(bare(url))
        bare_rates.append(count / watch.seconds)
        with Stopwatch() as watch:
            sdk_count = asyncio.run(sdk(url))
        assert sdk_count == count, (sdk_count, count)
        sdk_rates.append(count / watch.seconds)
        ratios.append(sdk_rates[-1] / bare_rates[-1])
    return statistics.median(bare_rates), statistics.median(sdk_rates), \
        statistics.median(ratios), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with fake_server_process("--sales", str(args.sales)) as url:
        best_bare, best_sdk, ratio, count = measure(url, args.rounds)
    print(f"streaming {count:,} sales, median of {args.rounds} paired rounds:")
    print(f"  bare aiohttp + json        {best_bare:10,.0f} records/s")
    print(f"  gumroad_async typed Sale   {best_sdk:10,.0f} records/s   ratio {ratio:.2f} "
          f"(target >= 0.9: {'ok' if ratio >= 0.9 else 'MISSED'})")


if __name__ == "__main__":
    main()
