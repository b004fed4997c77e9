"""Single calls as a web service makes them: ``user.get``, ``sales.get``, ``licenses.verify``.

Each SDK call is measured against what a hand-written client does over the same fake (in
its own process, so that only the client's CPU is counted): a bare aiohttp request whose
body is decoded with orjson. Two shapes, in the same run:

- serial: ``--calls`` calls one after the other; client CPU per call (``process_time``)
  and calls/s (wall time). Target: SDK CPU per call <= 1.1x bare.
- gathered: ``--calls`` calls started at once with ``asyncio.gather``. Target: SDK
  calls/s >= bare.

    python benchmarks/single_calls.py [--calls 2000] [--rounds 5] [--profile user.get]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN

from gumroad_async import GumroadClient
from gumroad_async.testing import FakeGumroad

CALLS = ("user.get", "sales.get", "licenses.verify")


@dataclass(frozen=True)
class Target:
    url: str
    sale_id: str
    product_id: str
    license_key: str


# -- the fake, in a child process -----------------------------------------------------------


async def _serve() -> None:
    async with FakeGumroad(token=TOKEN) as fake:
        fake.seed(0, sales=10, licenses=1)
        # The request log grows with every call; a benchmark does not read it.
        fake.requests = _Discard()  # type: ignore[assignment]
        record = next(iter(fake.state.licenses.values()))
        print(fake.url, record["sale_id"], record["product_id"], record["license_key"],
              flush=True)
        await asyncio.Event().wait()


class _Discard(list):  # type: ignore[type-arg]
    def append(self, item: object) -> None:
        pass


@contextmanager
def fake_process() -> Iterator[Target]:
    process = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        fields = process.stdout.readline().split()
        if len(fields) != 4:
            raise RuntimeError(f"fake server did not start: {fields!r}")
        yield Target(*fields)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


# -- one call, two ways ---------------------------------------------------------------------

Call = Callable[[], Awaitable[object]]


def bare_call(session: aiohttp.ClientSession, target: Target, name: str) -> Call:
    """What a hand-written client does: one request, orjson on the body."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    if name == "user.get":
        async def call() -> object:
            async with session.get(f"{target.url}/v2/user", headers=auth) as response:
                return orjson.loads(await response.read())["user"]
    elif name == "sales.get":
        async def call() -> object:
            async with session.get(f"{target.url}/v2/sales/{target.sale_id}",
                                   headers=auth) as response:
                return orjson.loads(await response.read())["sale"]
    else:
        form = {"product_id": target.product_id, "license_key": target.license_key,
                "increment_uses_count": "false"}

        async def call() -> object:
            async with session.post(f"{target.url}/v2/licenses/verify", data=form) as response:
                return orjson.loads(await response.read())["uses"]
    return call


def sdk_call(gumroad: GumroadClient, target: Target, name: str) -> Call:
    if name == "user.get":
        return gumroad.user.get
    if name == "sales.get":
        return lambda: gumroad.sales.get(target.sale_id)
    return lambda: gumroad.licenses.verify(target.product_id, target.license_key,
                                           increment_uses_count=False)


@dataclass
class Figures:
    cpu_per_call: float  # seconds of this process's CPU per call
    calls_per_second: float  # wall time


async def serial(target: Target, name: str, calls: int) -> tuple[Figures, Figures]:
    """Bare and SDK calls interleaved one by one, each timed on its own.

    Interleaving puts both under the same load at every moment: on a shared machine the
    load drifts more between rounds than the difference being measured.
    """
    async with (
        aiohttp.ClientSession() as session,
        GumroadClient(TOKEN, base_url=target.url) as gumroad,
    ):
        pair = (bare_call(session, target, name), sdk_call(gumroad, target, name))
        cpu, wall = [0.0, 0.0], [0.0, 0.0]
        for call in pair:
            await call()  # warm: a kept-alive connection, imports, caches
        for _ in range(calls):
            for side, call in enumerate(pair):
                cpu_start, wall_start = time.process_time(), time.perf_counter()
                await call()
                cpu[side] += time.process_time() - cpu_start
                wall[side] += time.perf_counter() - wall_start
    bare, sdk = (Figures(cpu[side] / calls, calls / wall[side]) for side in (0, 1))
    return bare, sdk


async def _gather(call: Call, calls: int) -> Figures:
    await call()  # warm
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(call() for _ in range(calls)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Figures(cpu / calls, calls / wall)


async def gathered(target: Target, name: str, calls: int, sdk_side: bool) -> Figures:
    if sdk_side:
        async with GumroadClient(TOKEN, base_url=target.url) as gumroad:
            return await _gather(sdk_call(gumroad, target, name), calls)
    async with aiohttp.ClientSession() as session:
        return await _gather(bare_call(session, target, name), calls)


def measure(target: Target, name: str, calls: int, rounds: int, at_once: bool
            ) -> tuple[Figures, Figures, float, float]:
    """Medians over rounds; gathered rounds are paired (bare then SDK, seconds apart)."""
    bares, sdks = [], []
    for _ in range(rounds):
        if at_once:
            bares.append(asyncio.run(gathered(target, name, calls, sdk_side=False)))
            sdks.append(asyncio.run(gathered(target, name, calls, sdk_side=True)))
        else:
            bare_figures, sdk_figures = asyncio.run(serial(target, name, calls))
            bares.append(bare_figures)
            sdks.append(sdk_figures)
    pairs = list(zip(bares, sdks, strict=True))
    cpu_ratio = statistics.median(s.cpu_per_call / b.cpu_per_call for b, s in pairs)
    rate_ratio = statistics.median(s.calls_per_second / b.calls_per_second for b, s in pairs)

    def median(figures: list[Figures]) -> Figures:
        return Figures(statistics.median(f.cpu_per_call for f in figures),
                       statistics.median(f.calls_per_second for f in figures))

    return median(bares), median(sdks), cpu_ratio, rate_ratio


async def _sdk_serial(target: Target, name: str, calls: int) -> None:
    async with GumroadClient(TOKEN, base_url=target.url) as gumroad:
        call = sdk_call(gumroad, target, name)
        for _ in range(calls):
            await call()


def profile(target: Target, name: str, calls: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(_sdk_serial(target, name, calls))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    pstats.Stats(profiler).sort_stats("cumtime").print_stats("gumroad_async", 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=CALLS, action="append")
    parser.add_argument("--profile", choices=CALLS, help="cProfile the SDK's serial calls")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve())
        return
    with fake_process() as target:
        if args.profile:
            profile(target, args.profile, args.calls)
            return
        print(f"single calls, {args.calls:,} per round, median of {args.rounds} rounds "
              "(fake in its own process; CPU is this process's):")
        for at_once in (False, True):
            print("  gathered at once (paired rounds)" if at_once else
                  "  serial (bare and SDK calls interleaved)")
            for name in args.only or CALLS:
                b, s, cpu_ratio, rate_ratio = measure(target, name, args.calls, args.rounds,
                                                       at_once)
                verdict = (rate_ratio >= 1.0) if at_once else (cpu_ratio <= 1.1)
                target_text = "calls/s >= 1.0x" if at_once else "CPU <= 1.1x"
                print(f"    {name:16} bare {b.cpu_per_call * 1e6:6.0f} us CPU "
                      f"{b.calls_per_second:7,.0f}/s | sdk {s.cpu_per_call * 1e6:6.0f} us CPU "
                      f"{s.calls_per_second:7,.0f}/s | CPU {cpu_ratio:.2f}x, calls/s "
                      f"{rate_ratio:.2f}x ({target_text}: {'ok' if verdict else 'MISSED'})")


if __name__ == "__main__":
    main()
