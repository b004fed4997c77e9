"""Export under a server rate limit R: achieved requests/s over R, and errors surfaced.

The fake answers 429 (``Retry later``, no ``Retry-After``) above R requests/s. Two runs: a
client told ``rate_limit=R``, and one that only backs off on 429s. Requests answered (not
429) per second over R; target at least 0.85, and zero errors reaching the caller.

    python benchmarks/rate_limited_export.py [--rate 50] [--sales 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, Stopwatch, fake_server_process
from windowed_export import WINDOW, IdSink

from gumroad_async import GumroadClient
from gumroad_async.errors import GumroadError
from gumroad_async.export import export_sales


async def run(url: str, rate: float | None) -> tuple[Counter[int], int, int]:
    statuses: Counter[int] = Counter()

    async def on_end(
        session: aiohttp.ClientSession, context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        statuses[params.response.status] += 1

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    sink = IdSink()
    errors = 0
    async with GumroadClient(TOKEN, base_url=url, rate_limit=rate,
                             trace_configs=[trace]) as gumroad:
        try:
            await export_sales(gumroad, sink, concurrency=8, **WINDOW)
        except GumroadError:
            errors += 1
    return statuses, errors, len(sink.ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--sales", type=int, default=3_000)
    args = parser.parse_args()
    print(f"export of {args.sales:,} sales under a server limit of {args.rate:g} requests/s:")
    for label, client_rate in (("client told rate_limit=R", args.rate),
                               ("client not told (429s + backoff)", None)):
        with (
            fake_server_process("--sales", str(args.sales), "--rate-limit", str(args.rate)) as url,
            Stopwatch() as watch,
        ):
            statuses, errors, records = asyncio.run(run(url, client_rate))
        requests = sum(statuses.values())
        achieved = (requests - statuses.get(429, 0)) / watch.seconds
        ratio = achieved / args.rate
        verdict = "ok" if ratio >= 0.85 and errors == 0 and records == args.sales else "MISSED"
        print(f"  {label:33} {achieved:5.1f} answered/s, ratio {ratio:.2f}; "
              f"429s met {statuses.get(429, 0)}, errors surfaced {errors} "
              f"(target >= 0.85 and 0: {verdict})")

if __name__ == "__main__":
    main()
