"""Streaming speed: typed records from ``sales.list()`` vs a bare aiohttp + orjson cursor walk.

Each walks the same sales of one ``gumroad-async fake-server`` (its own process, so the
client's CPU is measured alone) in the same run, in paired rounds: the bare walk, the SDK's
lazy ``async for`` (one page at a time, nothing requested before it is needed) and
``read_ahead()`` (the next page requested while this one's records are built). Two figures
matter, each a median of per-round ratios: records/s (target >= 0.9x the bare walk) and
client CPU per record (target <= 1.3x).

    python benchmarks/streaming.py [--sales 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, fake_server_process

from gumroad_async import GumroadClient

Walk = Callable[[str], Coroutine[Any, Any, int]]


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


async def sdk_read_ahead(url: str) -> int:
    """The same, each next page requested while this one's records are built and used."""
    count = 0
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        async for _sale in gumroad.sales.list().read_ahead():
            count += 1
    return count


async def keys_per_sale(url: str) -> int:
    """How many keys one sale of the walk has on the wire."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.get(
        f"{url}/v2/sales"
    ) as response:
        return len(orjson.loads(await response.read())["sales"][0])


def timed(walk: Walk, url: str) -> tuple[int, float, float]:
    """Records, wall seconds and client CPU seconds of one walk."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = asyncio.run(walk(url))
    return count, time.perf_counter() - wall, time.process_time() - cpu


# The SDK's paths, each compared with the bare walk of its own round.
PATHS: dict[str, tuple[str, Walk]] = {
    "sdk": ("async for sale in list()", sdk),
    "read_ahead": ("list().read_ahead()", sdk_read_ahead),
}


def measure(url: str, rounds: int) -> dict[str, dict[str, float]]:
    """Paired rounds, bare then each SDK path; the machine is shared and noisy, so the
    walks of a round run seconds apart under the same load and the median of the
    per-round ratios is the figure."""
    rates: dict[str, list[float]] = {name: [] for name in ("bare", *PATHS)}
    cpus: dict[str, list[float]] = {name: [] for name in ("bare", *PATHS)}
    rate_ratios: dict[str, list[float]] = {name: [] for name in PATHS}
    cpu_ratios: dict[str, list[float]] = {name: [] for name in PATHS}
    count = 0
    for _ in range(rounds):
        count, wall, cpu = timed(bare, url)
        rates["bare"].append(count / wall)
        cpus["bare"].append(cpu / count * 1e6)
        for name, (_label, walk) in PATHS.items():
            walked, wall, cpu = timed(walk, url)
            assert walked == count, (name, walked, count)
            rates[name].append(count / wall)
            cpus[name].append(cpu / count * 1e6)
            rate_ratios[name].append(rates[name][-1] / rates["bare"][-1])
            cpu_ratios[name].append(cpus[name][-1] / cpus["bare"][-1])
    figures = {name: {"rate": statistics.median(rates[name]),
                      "cpu": statistics.median(cpus[name])} for name in rates}
    for name in PATHS:
        figures[name]["rate_ratio"] = statistics.median(rate_ratios[name])
        figures[name]["cpu_ratio"] = statistics.median(cpu_ratios[name])
    figures["bare"]["count"] = count
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with fake_server_process("--sales", str(args.sales)) as url:
        width = asyncio.run(keys_per_sale(url))
        m = measure(url, args.rounds)
    print(f"streaming {m['bare']['count']:,.0f} sales ({width} keys each), "
          f"median of {args.rounds} paired rounds:")
    print(f"  {'path (typed Sale records)':<30}{'records/s':>11}{'CPU/record':>13}"
          f"{'vs bare':>9}{'CPU vs bare':>13}")
    print(f"  {'bare aiohttp + orjson':<30}{m['bare']['rate']:>11,.0f}"
          f"{m['bare']['cpu']:>10.1f} us")
    for name, (label, _walk) in PATHS.items():
        f = m[name]
        print(f"  {label:<30}{f['rate']:>11,.0f}{f['cpu']:>10.1f} us"
              f"{f['rate_ratio']:>9.2f}{f['cpu_ratio']:>13.2f}")
    for name, (label, _walk) in PATHS.items():
        f = m[name]
        rate_ok = "ok" if f["rate_ratio"] >= 0.9 else "MISSED"
        cpu_ok = "ok" if f["cpu_ratio"] <= 1.3 else "MISSED"
        print(f"  {label}: records/s target >= 0.9x: {rate_ok}; "
              f"CPU/record target <= 1.3x: {cpu_ok}")


if __name__ == "__main__":
    main()
