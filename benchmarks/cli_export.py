"""The whole ``gumroad-async export sales`` command (start-up included) vs a serial walk.

Same fake account (its own process), same run. The command runs as a user would type it:
default options (no ``--after``: the first day is found by binary search), JSONL to a
file; then with other ``--concurrency`` values, to pick the default from the figures.
The serial cursor walk (one ``async for``, one request at a time) is timed on its first
``--serial-pages`` pages and extrapolated to the whole account (it takes minutes at
100 ms and more): the printed figure says so. Target at 20 ms: at least 12x.

    python benchmarks/cli_export.py [--sales 20000] [--latency-ms 20] [--concurrency 16,32]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, Stopwatch, fake_server_process

from gumroad_async import GumroadClient
from gumroad_async.export._engine import DEFAULT_EXPORT_CONCURRENCY


async def serial_sample(url: str, pages: int) -> tuple[int, int]:
    """Records and pages walked serially, stopping after ``pages`` pages."""
    records = walked = 0
    async with GumroadClient(TOKEN, base_url=url) as gumroad:
        async for page in gumroad.sales.list().pages():
            records += len(page.items)
            walked += 1
            if walked == pages:
                break
    return records, walked


def command(url: str, out: Path, concurrency: int | None) -> int:
    """Run the export command; the number of lines it wrote."""
    extra = [] if concurrency is None else ["--concurrency", str(concurrency)]
    subprocess.run(
        [sys.executable, "-m", "gumroad_async", "export", "sales", "--token", TOKEN,
         "--base-url", url, "--out", str(out), "--quiet", *extra],
        check=True,
    )
    with out.open("rb") as file:
        return sum(1 for _ in file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--serial-pages", type=int, default=100)
    parser.add_argument("--concurrency", default="",
                        help="other --concurrency values to time, comma-separated")
    args = parser.parse_args()
    others = [int(c) for c in args.concurrency.split(",") if c]
    pages_in_all = -(-args.sales // 10)
    with fake_server_process("--sales", str(args.sales), "--latency-ms",
                             str(args.latency_ms)) as url, \
            tempfile.TemporaryDirectory() as folder:
        with Stopwatch() as sample:
            records, walked = asyncio.run(serial_sample(url, args.serial_pages))
        serial_seconds = sample.seconds * pages_in_all / walked
        runs = []
        for concurrency in [None, *others]:
            with Stopwatch() as watch:
                lines = command(url, Path(folder) / "sales.jsonl", concurrency)
            assert lines == args.sales, (concurrency, lines)
            runs.append((concurrency, watch.seconds))
    print(f"{args.sales:,} sales, {args.latency_ms:g} ms per request; serial walk timed on "
          f"{walked} pages ({records:,} sales) and extrapolated to {pages_in_all:,} pages:")
    print(f"  serial cursor walk (extrapolated)     {serial_seconds:7.2f} s")
    for concurrency, seconds in runs:
        name = (f"default ({DEFAULT_EXPORT_CONCURRENCY})" if concurrency is None
                else str(concurrency))
        speedup = serial_seconds / seconds
        line = f"  export sales, concurrency {name:12} {seconds:7.2f} s   x{speedup:.1f}"
        if concurrency is None and args.latency_ms == 20:
            line += f" (target >= 12: {'ok' if speedup >= 12 else 'MISSED'})"
        print(line)


if __name__ == "__main__":
    main()
