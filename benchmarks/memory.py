"""Memory: peak RSS of a process streaming 20,000 sales vs one streaming 200,000.

A listing holds one page at a time, so the peak must not grow with the number of sales:
target, the two peaks within 5 MB. Each walk runs in a fresh process (the fake too).

    python benchmarks/memory.py [--small 20000] [--large 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, fake_server_process

from gumroad_async import GumroadClient


async def stream(url: str, limit: int) -> int:
    count = 0
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        async for _sale in gumroad.sales.list():
            count += 1
            if count == limit:
                break
    return count


def child(url: str, limit: int) -> None:
    count = asyncio.run(stream(url, limit))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(count, peak_kib)


def peak_of(url: str, limit: int) -> tuple[int, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", url, str(limit)],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    return int(output[0]), int(output[1]) / 1024


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    with fake_server_process("--sales", str(args.large)) as url:
        small_count, small_peak = peak_of(url, args.small)
        large_count, large_peak = peak_of(url, args.large)
    difference = large_peak - small_peak
    print("peak RSS of a process streaming typed sales (fresh process each):")
    print(f"  {small_count:>9,} sales   {small_peak:7.1f} MiB")
    print(f"  {large_count:>9,} sales   {large_peak:7.1f} MiB   difference {difference:+.1f} MiB "
          f"(target within 5: {'ok' if abs(difference) <= 5 else 'MISSED'})")


if __name__ == "__main__":
    main()
