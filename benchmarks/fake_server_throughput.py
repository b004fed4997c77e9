"""Is the fake ever the bottleneck? FakeGumroad against a minimal aiohttp server that sends
the very same page bytes, side by side in one run, at 2,000 and at 200,000 sales.

One bare aiohttp walker follows the cursors of ``/v2/sales`` (10 per page) and of a
product's ``/v2/products/:id/subscribers?paginated=true`` (100 per page). The walk is first
recorded from the fake; a minimal ``aiohttp.web`` server (one dict lookup per request) then
serves the recorded bytes, so the two answer the same requests with the same bodies. Each
server runs in its own process; runs alternate and the best of each is kept. Also printed:
the time and memory it takes to seed each account.

    python benchmarks/fake_server_throughput.py [--sizes 2000,200000] [--pages 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, Stopwatch

Recorded = dict[str, tuple[int, str, bytes]]
_SEED_PROBE = """
import resource, sys, time
from gumroad_async.testing._state import FakeState
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
state = FakeState()
state.seed(seed=0, sales=int(sys.argv[1]), subscribers=int(sys.argv[2]))
seconds = time.perf_counter() - start
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(seconds, grown / 1024)
"""


async def walk(session: aiohttp.ClientSession, url: str, start: str, pages: int,
               record: Recorded | None = None) -> int:
    """Follow ``next_page_key`` from ``start`` for ``pages`` requests (starting over at the
    end); returns the bytes received."""
    received = 0
    path = start
    separator = "&" if "?" in start else "?"
    for _ in range(pages):
        async with session.get(url + path) as response:
            body = await response.read()
            if record is not None:
                record[path] = (response.status, response.content_type, body)
        received += len(body)
        key = _next_key(body)
        path = start if key is None else f"{start}{separator}page_key={key}"
    return received


def _next_key(body: bytes) -> str | None:
    # Read only the cursor at the end of the body: the walker should cost little.
    marker = body.rfind(b'"next_page_key":"')
    if marker < 0:
        return None
    start = marker + len(b'"next_page_key":"')
    return body[start:body.index(b'"', start)].decode()


class Server:
    """A server in a child process: its URL, and the CPU seconds it has used so far."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def child_server(command: list[str]) -> Iterator[Server]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(" on ")[1].split()[0] if " on " in line else line.strip()
        if not url.startswith("http"):
            raise RuntimeError(f"server did not start: {line!r}")
        yield Server(process, url)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def fake_server(sales: int, subscribers: int) -> Any:
    """``gumroad-async fake-server`` in its own process."""
    return child_server([sys.executable, "-m", "gumroad_async", "fake-server", "--port", "0",
                         "--token", TOKEN, "--sales", str(sales), "--subscribers",
                         str(subscribers)])


@contextmanager
def baseline_server(recorded: Recorded) -> Iterator[Server]:
    """A minimal aiohttp server in its own process, serving the recorded bodies."""
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as file:
        pickle.dump(recorded, file)
    try:
        with child_server([sys.executable, __file__, "--serve", file.name]) as server:
            yield server
    finally:
        Path(file.name).unlink()


def serve(path: str) -> None:
    """The baseline: look the request up, send the bytes. Nothing else."""
    from aiohttp import web

    recorded: Recorded = pickle.loads(Path(path).read_bytes())

    async def answer(request: web.Request) -> web.Response:
        status, content_type, body = recorded[request.path_qs]
        return web.Response(status=status, body=body, content_type=content_type)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(f"Baseline on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


async def product_with_subscribers(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url + "/v2/products") as response:
        products = (await response.json())["products"]
    counts = []
    for product in products:
        async with session.get(f"{url}/v2/products/{product['id']}/subscribers") as response:
            counts.append((len((await response.json())["subscribers"]), product["id"]))
    return max(counts)[1]


async def compare(fake: Server, pages: int, rounds: int
                  ) -> dict[str, tuple[float, float, float, float]]:
    """Per walk: best pages/s of the fake and of the baseline, and the server CPU
    microseconds per page of each (CPU time is steadier than wall time on a busy box)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        pid = await product_with_subscribers(session, fake.url)
        walks = {"sales": "/v2/sales",
                 "subscribers": f"/v2/products/{pid}/subscribers?paginated=true"}
        recorded: Recorded = {}
        for start in walks.values():
            await walk(session, fake.url, start, pages, recorded)
    rate: dict[str, list[float]] = {name: [0.0, 0.0] for name in walks}
    cpu: dict[str, list[float]] = {name: [float("inf"), float("inf")] for name in walks}
    with baseline_server(recorded) as baseline:
        for _ in range(rounds):
            for which, server in enumerate((fake, baseline)):
                async with aiohttp.ClientSession(headers=headers) as session:
                    for name, start in walks.items():
                        await walk(session, server.url, start, 20)  # warm the connection
                        used = server.cpu()
                        with Stopwatch() as watch:
                            await walk(session, server.url, start, pages)
                        per_page = (server.cpu() - used) / pages * 1e6
                        rate[name][which] = max(rate[name][which], pages / watch.seconds)
                        cpu[name][which] = min(cpu[name][which], per_page)
    return {name: (rate[name][0], rate[name][1], cpu[name][0], cpu[name][1])
            for name in walks}


def seed_cost(sales: int, subscribers: int) -> tuple[float, float]:
    result = subprocess.run([sys.executable, "-c", _SEED_PROBE, str(sales), str(subscribers)],
                            capture_output=True, text=True, check=True)
    seconds, mib = result.stdout.split()
    return float(seconds), float(mib)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,200000")
    parser.add_argument("--subscribers", type=int, default=2_000)
    parser.add_argument("--pages", type=int, default=1_500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    print("one bare aiohttp walker; baseline: a minimal aiohttp server sending the same "
          "bytes (same run);\npages/s (best of the rounds) and server CPU us per page (least "
          "of the rounds); ratios are baseline cost / fake cost")
    print(f"{'sales':>9} {'walk':<12} {'fake':>7} {'base':>7} {'ratio':>6}   "
          f"{'fake CPU':>8} {'base CPU':>8} {'ratio':>6}   CPU ratio >= 0.90")
    for size in (int(s) for s in args.sizes.split(",")):
        with fake_server(size, args.subscribers) as fake:
            figures = asyncio.run(compare(fake, args.pages, args.rounds))
        for name, (fake_rate, base_rate, fake_cpu, base_cpu) in figures.items():
            ratio, cpu_ratio = fake_rate / base_rate, base_cpu / fake_cpu
            # The figure held to the target is server CPU per page: load moves it least (the
            # walker, not the server, sets pages/s on a busy machine; printed too).
            verdict = "ok" if cpu_ratio >= 0.9 else "MISSED"
            print(f"{size:>9,} {name:<12} {fake_rate:>7.0f} {base_rate:>7.0f} {ratio:>6.2f}   "
                  f"{fake_cpu:>8.0f} {base_cpu:>8.0f} {cpu_ratio:>6.2f}   {verdict}")
    for size in (int(s) for s in args.sizes.split(",")):
        seconds, mib = seed_cost(size, args.subscribers)
        print(f"seeding {size:,} sales + {args.subscribers:,} subscribers: {seconds:.2f} s, "
              f"+{mib:.0f} MiB peak RSS")


if __name__ == "__main__":
    main()
