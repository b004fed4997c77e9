"""Streaming speed: typed records from ``sales.list()`` vs a bare aiohttp + orjson cursor walk.

Both walk the same sales of one ``gumroad-async fake-server`` (its own process, so the
client's CPU is measured alone) in the same run, in paired rounds. Two figures matter,
each a median of per-round ratios: records/s (target >= 0.9x the bare walk) and client CPU
per record (target <= 1.3x).

    python benchmarks/streaming.py [--sales 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, fake_server_process

from gumroad_async import GumroadClient


async def bare(url: str) -> int:
    """What a hand-written client does: GET, orjson.loads, follow the cursor."""
    count = 0
    query = ""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        while True:
            async with session.get(f"{url}/v2/sales{query}") as response:
                body = orjson.loads(await response.read())
            count += len(body["sales"])
            key = body.get("next_page_key")
            if key is None:
                return count
            query = f"?page_key={key}"


async def sdk(url: str) -> int:
    """Every sale as a typed ``Sale`` record, through the SDK's listing."""
    count = 0
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        async for _sale in gumroad.sales.list():
            count += 1
    return count


async def keys_per_sale(url: str) -> int:
    """How many keys one sale of the walk has on the wire."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.get(
        f"{url}/v2/sales"
    ) as response:
        return len(orjson.loads(await response.read())["sales"][0])


def timed(walk: Callable[[str], Awaitable[int]], url: str) -> tuple[int, float, float]:
    """Records, wall seconds and client CPU seconds of one walk."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = asyncio.run(walk(url))
    return count, time.perf_counter() - wall, time.process_time() - cpu


def measure(url: str, rounds: int) -> dict[str, float]:
    """Paired rounds, bare then SDK; the machine is shared and noisy, so a pair runs seconds
    apart under the same load and the median of the per-round ratios is the figure."""
    rates: dict[str, list[float]] = {"bare": [], "sdk": []}
    cpus: dict[str, list[float]] = {"bare": [], "sdk": []}
    rate_ratios, cpu_ratios = [], []
    count = 0
    for _ in range(rounds):
        count, wall, cpu = timed(bare, url)
        rates["bare"].append(count / wall)
        cpus["bare"].append(cpu / count * 1e6)
        sdk_count, wall, cpu = timed(sdk, url)
        assert sdk_count == count, (sdk_count, count)
        rates["sdk"].append(count / wall)
        cpus["sdk"].append(cpu / count * 1e6)
        rate_ratios.append(rates["sdk"][-1] / rates["bare"][-1])
        cpu_ratios.append(cpus["sdk"][-1] / cpus["bare"][-1])
    return {
        "count": count,
        "bare_rate": statistics.median(rates["bare"]),
        "sdk_rate": statistics.median(rates["sdk"]),
        "bare_cpu": statistics.median(cpus["bare"]),
        "sdk_cpu": statistics.median(cpus["sdk"]),
        "rate_ratio": statistics.median(rate_ratios),
        "cpu_ratio": statistics.median(cpu_ratios),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with fake_server_process("--sales", str(args.sales)) as url:
        width = asyncio.run(keys_per_sale(url))
        m = measure(url, args.rounds)
    rate_ok = "ok" if m["rate_ratio"] >= 0.9 else "MISSED"
    cpu_ok = "ok" if m["cpu_ratio"] <= 1.3 else "MISSED"
    print(f"streaming {m['count']:,.0f} sales ({width} keys each), "
          f"median of {args.rounds} paired rounds:")
    print(f"  {'path':<28}{'records/s':>12}{'client CPU/record':>20}")
    print(f"  {'bare aiohttp + orjson':<28}{m['bare_rate']:>12,.0f}{m['bare_cpu']:>17.1f} us")
    print(f"  {'gumroad_async typed Sale':<28}{m['sdk_rate']:>12,.0f}{m['sdk_cpu']:>17.1f} us")
    print(f"  ratio records/s {m['rate_ratio']:.2f} (target >= 0.9: {rate_ok}); "
          f"CPU/record {m['cpu_ratio']:.2f} (target <= 1.3: {cpu_ok})")


if __name__ == "__main__":
    main()
