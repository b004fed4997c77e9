"""Windowed export vs the serial cursor walk: 20,000 sales, 20 ms per request.

Same fake account (its own process), same run: the speed-up and whether both saw exactly
the same set of sale ids. Target: at least 10x.

    python benchmarks/windowed_export.py [--sales 20000] [--latency-ms 20] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, Stopwatch, fake_server_process

from gumroad_async import GumroadClient
from gumroad_async.export import DEFAULT_EXPORT_CONCURRENCY, export_sales

WINDOW = {"after": "2023-01-01", "before": "2025-01-01"}


class IdSink:
    """Keeps only the ids: the comparison needs nothing else."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def open(self, state: Mapping[str, Any] | None) -> None:
        pass

    async def write(self, records: Sequence[Any]) -> None:
        self.ids.extend(record.id for record in records)

    async def commit(self) -> None:
        return None

    async def close(self) -> None:
        pass


async def serial(url: str) -> list[str]:
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        return [sale.id async for sale in gumroad.sales.list(**WINDOW)]


async def windowed(url: str, concurrency: int) -> list[str]:
    sink = IdSink()
    async with GumroadClient(TOKEN, base_url=url, max_concurrency=concurrency) as gumroad:
        await export_sales(gumroad, sink, concurrency=concurrency, **WINDOW)
    return sink.ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_EXPORT_CONCURRENCY)
    args = parser.parse_args()
    with fake_server_process("--sales", str(args.sales), "--latency-ms",
                             str(args.latency_ms)) as url:
        with Stopwatch() as fast:
            windowed_ids = asyncio.run(windowed(url, args.concurrency))
        with Stopwatch() as slow:
            serial_ids = asyncio.run(serial(url))
    speedup = slow.seconds / fast.seconds
    same = set(windowed_ids) == set(serial_ids) and len(windowed_ids) == len(set(windowed_ids))
    print(f"{len(serial_ids):,} sales, {args.latency_ms:g} ms per request:")
    print(f"  serial cursor walk          {slow.seconds:7.2f} s  "
          f"{len(serial_ids) / slow.seconds:8,.0f} records/s")
    print(f"  windowed export ({args.concurrency:>2} at once) {fast.seconds:7.2f} s  "
          f"{len(windowed_ids) / fast.seconds:8,.0f} records/s   speed-up {speedup:.1f}x "
          f"(target >= 10: {'ok' if speedup >= 10 else 'MISSED'}), same ids: {same}")


if __name__ == "__main__":
    main()
