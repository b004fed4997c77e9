"""Export cost vs stream cost: ``export_sales`` to JSONL and CSV vs ``async for`` over
``sales.list()``, same fake (its own process), 0 ms latency, same run.

Figures: records/s (wall) and client CPU per record (process time of this process).
Targets: JSONL >= 0.85x the stream's records/s and <= 1.25x its CPU per record; CSV
within 1.5x. Both paths walk serially (concurrency 1) so that they do the same requests.

    python benchmarks/export_throughput.py [--sales 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, fake_server_process

from gumroad_async import GumroadClient
from gumroad_async.export import CSVSink, JSONLSink, export_sales

WINDOW = {"after": "2020-01-01", "before": "2030-01-01"}


async def stream(url: str, folder: Path) -> int:
    count = 0
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        async for _sale in gumroad.sales.list(**WINDOW):
            count += 1
    return count


async def export(url: str, folder: Path, sink_type: type[JSONLSink]) -> int:
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        result = await export_sales(gumroad, sink_type(folder / "out", fsync=False),
                                    concurrency=1, **WINDOW)
    return result.records


def measure(run: Callable[[], int]) -> tuple[int, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = run()
    return count, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paths = {
        "stream": lambda url, d: asyncio.run(stream(url, d)),
        "export JSONL": lambda url, d: asyncio.run(export(url, d, JSONLSink)),
        "export CSV": lambda url, d: asyncio.run(export(url, d, CSVSink)),
    }
    rates: dict[str, list[float]] = {name: [] for name in paths}
    cpus: dict[str, list[float]] = {name: [] for name in paths}
    with fake_server_process("--sales", str(args.sales)) as url, \
            tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):  # interleaved rounds: the same load for each path
            for name, path in paths.items():
                count, wall, cpu = measure(lambda p=path: p(url, Path(folder)))
                assert count == args.sales, (name, count)
                rates[name].append(count / wall)
                cpus[name].append(cpu / count * 1e6)
    base_rate = statistics.median(rates["stream"])
    base_cpu = statistics.median(cpus["stream"])
    print(f"{args.sales:,} sales, 0 ms latency, median of {args.rounds} interleaved rounds:")
    for name in paths:
        rate, cpu = statistics.median(rates[name]), statistics.median(cpus[name])
        line = f"  {name:14} {rate:9,.0f} records/s  {cpu:6.1f} us CPU/record"
        if name != "stream":
            limit = (0.85, 1.25) if "JSONL" in name else (1 / 1.5, 1.5)
            ok = rate / base_rate >= limit[0] and cpu / base_cpu <= limit[1]
            line += (f"   x{rate / base_rate:.2f} rate, x{cpu / base_cpu:.2f} CPU "
                     f"(target >= {limit[0]:.2f}, <= {limit[1]:.2f}: "
                     f"{'ok' if ok else 'MISSED'})")
        print(line)


if __name__ == "__main__":
    main()
