"""The sync fleet on one machine: throughput with 1, 2 and 4 worker processes, and the
per-token rate limit when it binds. Figures for docs/scale.md.

Each configuration runs in a fresh PostgreSQL database and a throwaway Redis started here
(so that its command counts are ours alone), against FakeGumroad servers with 100 ms of
latency, one per account, served from a process of their own (so that the fakes' CPU is
not taken from the benchmark's event loop, and is measured apart). Throughput is compared
with one worker measured in the same run. Each row also gives the CPU each component used,
as a share of one core over the run: the workers, the fakes, Redis, the PostgreSQL
backends of the run's database, and the machine's idle share (2 cores = 200%).

    python benchmarks/workers_scaling.py [--quick]

Needs PostgreSQL ($GUMROAD_TEST_POSTGRES_URL, an admin URL; default
postgresql://postgres@127.0.0.1:5432/postgres) and the redis-server binary.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
import attrs
from redis.asyncio import Redis

from gumroad_async.workers import Fleet, WorkerConfig
from gumroad_async.workers.testing import TimedFakeGumroad, WorkerProcesses

ADMIN_URL = os.environ.get("GUMROAD_TEST_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def throwaway_redis() -> AsyncIterator[tuple[str, int]]:
    """A Redis of this run's own: its URL and its process id."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 (started once, before any timing)
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = Redis.from_url(url)
        for _ in range(100):
            try:
                await client.ping()
                break
            except Exception:
                await asyncio.sleep(0.05)
        await client.aclose()
        yield url, process.pid
    finally:
        process.terminate()
        process.wait()


# -- CPU per component ------------------------------------------------------------------
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a live process has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _machine_idle() -> float:
    """Seconds all cores have been idle since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return (int(fields[3]) + int(fields[4])) / _TICKS


# -- the fakes, in a process of their own --------------------------------------------------
@attrs.define
class FakeFigures:
    """What one fake saw: arrival times and statuses, and the paths asked."""

    arrivals: list[tuple[float, int]]
    paths: list[str]

    def per_second(self) -> Counter[int]:
        return Counter(int(arrived) for arrived, _ in self.arrivals)

    def busiest_second(self) -> int:
        return max(self.per_second().values(), default=0)

    def statuses(self) -> Counter[int]:
        return Counter(status for _, status in self.arrivals)


def _serve_fakes(specs: list[dict[str, Any]], pipe: Connection) -> None:
    asyncio.run(_fakes_main(specs, pipe))


async def _fakes_main(specs: list[dict[str, Any]], pipe: Connection) -> None:
    fakes = []
    for i, spec in enumerate(specs):
        fake = TimedFakeGumroad(token=spec["token"], latency=spec["latency"],
                                rate_limit=spec["rate"])
        # Sales up to today, so that the planner's windows (first sale to today) all hold
        # about as many.
        fake.seed(i, sales=spec["sales"], start=date.today() - timedelta(days=365),
                  end=date.today())
        await fake.start()
        fakes.append(fake)
    pipe.send([fake.url for fake in fakes])
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "stop"
    usage = resource.getrusage(resource.RUSAGE_SELF)
    pipe.send(([FakeFigures(f.arrivals, f.arrival_paths) for f in fakes],
               usage.ru_utime + usage.ru_stime))
    for fake in fakes:
        await fake.close()


@asynccontextmanager
async def fake_process(specs: list[dict[str, Any]]
                       ) -> AsyncIterator[tuple[list[str], list[Any]]]:
    """Start the fakes in a child process; yields their URLs and a list that, on exit,
    receives ``(figures per fake, CPU seconds of the child)``."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_fakes, args=(specs, child), daemon=True)
    process.start()
    loop = asyncio.get_running_loop()
    urls: list[str] = await loop.run_in_executor(None, parent.recv)
    result: list[Any] = []
    try:
        yield urls, result
    finally:
        parent.send("stop")
        result.extend(await loop.run_in_executor(None, parent.recv))
        process.join(10)


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    name = f"gabench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin = await asyncpg.connect(ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _redis_calls(url: str) -> dict[str, int]:
    client = Redis.from_url(url)
    stats = await client.info("commandstats")
    await client.aclose()
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


async def _pg_writes(db_url: str) -> tuple[int, int]:
    """(committed transactions, rows inserted + updated + deleted) of the database."""
    name = db_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_URL)
    row = await admin.fetchrow(
        "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted AS rows "
        "FROM pg_stat_database WHERE datname = $1", name)
    await admin.close()
    return int(row["xact_commit"]), int(row["rows"])


def _walk_rates(fake: FakeFigures) -> tuple[float, float]:
    """Requests per second (every request with the token) over the walk, from the first
    page of sales to the last: over its middle 80% (the ramp-up while jobs are picked up,
    and the tail when too few windows are left to keep the token busy, left out;
    hand-overs and stalls in between count), and over all of it."""
    pages = [arrived for (arrived, _), path in zip(fake.arrivals, fake.paths, strict=True)
             if path == "/v2/sales"]
    if len(pages) < 2:
        return 0.0, 0.0
    first, last = pages[0], pages[-1]
    start, end = first + 0.1 * (last - first), last - 0.1 * (last - first)
    middle = sum(1 for arrived, _ in fake.arrivals if start <= arrived < end)
    whole = sum(1 for arrived, _ in fake.arrivals if first <= arrived <= last)
    return middle / (end - start), (whole - 1) / (last - first)


async def run_fleet(workers: int, *, accounts: int, sales: int, latency: float,
                    rate: float | None, concurrency: int, max_jobs: int, windows: int,
                    slice_seconds: float = 10.0) -> dict[str, Any]:
    specs: list[dict[str, Any]] = [
        {"token": f"bench-{i}", "latency": latency, "rate": rate, "sales": sales}
        for i in range(accounts)]
    logs = Path(tempfile.mkdtemp(prefix="gabench-"))
    cpu: dict[str, float] = {}
    try:
        async with fake_process(specs) as (urls, fake_result), \
                throwaway_redis() as (redis_url, redis_pid), fresh_database() as db_url:
            config = WorkerConfig(redis_url=redis_url, db_url=db_url, namespace="bench")
            async with await Fleet.open(config) as fleet:
                for i, (spec, url) in enumerate(zip(specs, urls, strict=True)):
                    await fleet.accounts.add(f"shop-{i}", spec["token"], base_url=url,
                                             rate_limit=rate, concurrency=concurrency,
                                             schedule_minutes=0)
                processes = WorkerProcesses(
                    workers, redis_url=redis_url, db_url=db_url, namespace="bench",
                    log_dir=logs, options=["--max-jobs", str(max_jobs), "--windows-per-run",
                                           str(windows), "--slice-seconds",
                                           str(slice_seconds)])
                async with processes:
                    for _ in range(600):  # wait until every worker is up
                        if all("Starting worker" in processes.log(i) for i in range(workers)):
                            break
                        await asyncio.sleep(0.1)
                    worker_pids = [p.pid for p in processes.processes]
                    backends = await _backends(db_url)
                    redis_before = await _redis_calls(redis_url)
                    pg_before = await _pg_writes(db_url)
                    cpu_before = _cpu_snapshot(worker_pids, redis_pid, backends)
                    idle_before = _machine_idle()
                    started = time.perf_counter()
                    for i in range(accounts):
                        await fleet.enqueue_sync(f"shop-{i}")
                    for _ in range(36000):
                        listed = await fleet.accounts.list()
                        if all(a.state != "running" and a.last_finished for a in listed):
                            break
                        await asyncio.sleep(0.1)
                    seconds = time.perf_counter() - started
                    idle = _machine_idle() - idle_before
                    backends = await _backends(db_url)
                    cpu_after = _cpu_snapshot(worker_pids, redis_pid, backends)
                    redis_after = await _redis_calls(redis_url)
                failures = [a.failure for a in await fleet.accounts.list() if a.failure]
                mirrored = sum([await fleet.store.count("sales", f"shop-{i}")
                                for i in range(accounts)])
            await asyncio.sleep(1.0)  # PostgreSQL publishes a closed backend's counters
            pg_after = await _pg_writes(db_url)
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    fakes, fake_cpu = fake_result
    if os.environ.get("BENCH_SECONDS"):  # the per-second counts, to see where time goes
        for fake in fakes:
            print("  ", [count for _, count in sorted(fake.per_second().items())])
    for part in ("workers", "redis", "postgres"):
        cpu[part] = (cpu_after[part] - cpu_before[part]) / seconds
    # The fakes' process was busy only while served (seeding before is not counted).
    cpu["fakes"] = fake_cpu / seconds
    cpu["idle"] = idle / seconds
    requests = sum(len(f.arrivals) for f in fakes)
    pages = sum(1 for f in fakes for path in f.paths if path == "/v2/sales")
    redis_ops = sum(redis_after.values()) - sum(redis_before.values())
    if os.environ.get("BENCH_SECONDS"):
        print("  ", {k: v - redis_before.get(k, 0) for k, v in redis_after.items()})
    return {
        "seconds": seconds, "records": mirrored, "expected": accounts * sales,
        "records_per_s": mirrored / seconds, "requests": requests, "pages": pages,
        "redis_ops_per_request": redis_ops / max(1, requests),
        "pg_commits_per_page": (pg_after[0] - pg_before[0]) / max(1, pages),
        "pg_rows_per_page": (pg_after[1] - pg_before[1]) / max(1, pages),
        "errors": sum(f.statuses()[429] for f in fakes) + len(failures),
        "middle": [_walk_rates(f)[0] for f in fakes],
        "walk": [_walk_rates(f)[1] for f in fakes],
        "busiest_second": max(f.busiest_second() for f in fakes),
        "cpu": cpu,
    }


async def _backends(db_url: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to the run's database."""
    name = db_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_URL)
    rows = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
    await admin.close()
    return [int(row["pid"]) for row in rows]


def _cpu_snapshot(workers: list[int], redis: int, backends: list[int]) -> dict[str, float]:
    # A backend that was not there at the start began at zero: summing what is alive at
    # each end slightly undercounts backends that ended during the run.
    return {"workers": sum(map(_cpu_of, workers)), "redis": _cpu_of(redis),
            "postgres": sum(map(_cpu_of, backends))}


def _cpu_cells(cpu: dict[str, float]) -> str:
    return " ".join(f"{cpu[part]:>8.0%}" for part in ("workers", "fakes", "redis", "postgres",
                                                      "idle"))


async def scaling(quick: bool, max_jobs: int, windows: int) -> bool:
    accounts, sales = (8, 1000) if quick else (8, 3000)
    print(f"Scaling at 100 ms latency, rate limit out of the way: {accounts} accounts x "
          f"{sales} sales, {windows} windows per account, {max_jobs} jobs per worker")
    print(f"{'w x jobs':>7} {'seconds':>8} {'records/s':>10} {'x one':>6} {'target':>7} "
          f"{'CPU ms/rec':>10} {'redis ops/req':>14} {'pg commits/page':>16} "
          f"{'pg rows/page':>13} {'errors':>7} | CPU (share of one core): {'workers':>8} "
          f"{'fakes':>8} {'redis':>8} {'postgres':>8} {'idle':>8}")
    base = 0.0
    ok = True
    # The last row puts the four workers' jobs in one process: at 100 ms latency a job
    # mostly waits, so jobs scale within a process as long as its core has room.
    for workers, jobs in ((1, max_jobs), (2, max_jobs), (4, max_jobs), (1, 4 * max_jobs)):
        result = await run_fleet(workers, accounts=accounts, sales=sales, latency=0.1,
                                 rate=None, concurrency=16, max_jobs=jobs,
                                 windows=windows)
        cpu = result["cpu"]
        ours = sum(cpu[part] for part in ("workers", "fakes", "redis", "postgres"))
        base = base or result["records_per_s"]
        ratio = result["records_per_s"] / base
        # CPU milliseconds the whole pipeline (workers, fakes, Redis, PostgreSQL) spent per
        # record: N times one worker's throughput needs N times one worker's CPU share.
        ms_per_record = 1000 * ours / result["records_per_s"]
        if jobs == max_jobs:
            ok &= ratio >= 0.8 * workers and result["records"] == result["expected"]
        target = f"{0.8 * workers:.1f}" if jobs == max_jobs else "-"
        label = f"{workers}x{jobs}"
        print(f"{label:>7} {result['seconds']:>8.1f} {result['records_per_s']:>10.0f} "
              f"{ratio:>6.2f} {target:>7} {ms_per_record:>10.2f} "
              f"{result['redis_ops_per_request']:>14.1f} "
              f"{result['pg_commits_per_page']:>16.2f} {result['pg_rows_per_page']:>13.1f} "
              f"{result['errors']:>7.0f} | {'':>24} {_cpu_cells(cpu)}", flush=True)
    return ok


async def binding(quick: bool, rate: float) -> bool:
    accounts = 2
    # About 20 seconds of pages per token at the limit (10 sales per page).
    seconds = 10 if quick else 20
    sales = int(rate * seconds * 10)
    print(f"\nRate limit binding: {accounts} tokens limited to {rate:g} requests/s each "
          f"(the fake answers 429 above it), 100 ms latency, 3 workers")
    result = await run_fleet(3, accounts=accounts, sales=sales, latency=0.1, rate=rate,
                             concurrency=max(12, int(rate * 0.6)), max_jobs=16,
                             windows=max(15, int(rate * 0.6)))
    low, high = min(result["middle"]), max(result["middle"])
    walk_low, walk_high = min(result["walk"]), max(result["walk"])
    print(f"  per token, middle of the walk: {low:.2f} to {high:.2f} requests/s "
          f"({low / rate:.1%} to {high / rate:.1%} of R); whole walk {walk_low:.2f} to "
          f"{walk_high:.2f} ({walk_low / rate:.1%} to {walk_high / rate:.1%}); busiest "
          f"calendar second {result['busiest_second']:.0f} (R = {rate:g}); errors "
          f"{result['errors']:.0f}; {result['records']:.0f}/{result['expected']:.0f} records"
          f"; redis ops/request {result['redis_ops_per_request']:.1f}")
    print(f"  CPU (share of one core): {'workers':>8} {'fakes':>8} {'redis':>8} {'postgres':>8}"
          f" {'idle':>8}\n  {'':>25}{_cpu_cells(result['cpu'])}")
    return bool(0.95 * rate <= low and result["errors"] == 0
                and result["busiest_second"] <= rate
                and result["records"] == result["expected"])


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Smaller accounts.")
    parser.add_argument("--part", choices=("all", "scaling", "binding"), default="all")
    parser.add_argument("--max-jobs", type=int, default=4, help="Jobs per worker (scaling).")
    parser.add_argument("--windows", type=int, default=16,
                        help="Windows per account (scaling).")
    parser.add_argument("--rates", default="20,50", help="Limits to bind at, comma-separated.")
    args = parser.parse_args()
    ok = True
    if args.part in ("all", "scaling"):
        ok &= await scaling(args.quick, args.max_jobs, args.windows)
    if args.part in ("all", "binding"):
        for rate in args.rates.split(","):
            ok &= await binding(args.quick, float(rate))
    print("\nall targets met" if ok else "\nsome target missed (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
