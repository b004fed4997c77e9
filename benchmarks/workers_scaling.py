"""The sync fleet on one machine: throughput with 1, 2 and 4 worker processes, and the
per-token rate limit when it binds. Figures for docs/scale.md.

Each configuration runs in a fresh PostgreSQL database and a throwaway Redis started here
(so that its command counts are ours alone), against FakeGumroad servers with 100 ms of
latency, one per account. Throughput is compared with one worker measured in the same run.

    python benchmarks/workers_scaling.py [--quick]

Needs PostgreSQL ($GUMROAD_TEST_POSTGRES_URL, an admin URL; default
postgresql://postgres@127.0.0.1:5432/postgres) and the redis-server binary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

import asyncpg
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
async def throwaway_redis() -> AsyncIterator[str]:
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
        yield url
    finally:
        process.terminate()
        process.wait()


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


def _steady_rate(fake: TimedFakeGumroad) -> float:
    """Requests per second while the walk is in full swing: the mean of the calendar
    seconds between the first two and the last two (planning and the tail left out)."""
    seconds = sorted(fake.per_second().items())[2:-2]
    return sum(count for _, count in seconds) / len(seconds) if seconds else 0.0


async def run_fleet(workers: int, *, accounts: int, sales: int, latency: float,
                    rate: float | None, concurrency: int, max_jobs: int, windows: int
                    ) -> dict[str, float]:
    fakes = [TimedFakeGumroad(token=f"bench-{i}", latency=latency, rate_limit=rate)
             for i in range(accounts)]
    for i, fake in enumerate(fakes):
        # Sales up to today, so that the planner's windows (first sale to today) all hold
        # about as many.
        fake.seed(i, sales=sales, start=date.today() - timedelta(days=365), end=date.today())
        await fake.start()
    logs = Path(tempfile.mkdtemp(prefix="gabench-"))
    try:
        async with throwaway_redis() as redis_url, fresh_database() as db_url:
            config = WorkerConfig(redis_url=redis_url, db_url=db_url, namespace="bench")
            async with await Fleet.open(config) as fleet:
                for i, fake in enumerate(fakes):
                    await fleet.accounts.add(f"shop-{i}", fake.token, base_url=fake.url,
                                             rate_limit=rate, concurrency=concurrency,
                                             schedule_minutes=0)
                processes = WorkerProcesses(
                    workers, redis_url=redis_url, db_url=db_url, namespace="bench",
                    log_dir=logs, options=["--max-jobs", str(max_jobs), "--windows-per-run",
                                           str(windows), "--slice-seconds", "10"])
                async with processes:
                    for _ in range(600):  # wait until every worker is up
                        if all("Starting worker" in processes.log(i) for i in range(workers)):
                            break
                        await asyncio.sleep(0.1)
                    redis_before = await _redis_calls(redis_url)
                    pg_before = await _pg_writes(db_url)
                    started = time.perf_counter()
                    for i in range(accounts):
                        await fleet.enqueue_sync(f"shop-{i}")
                    for _ in range(36000):
                        listed = await fleet.accounts.list()
                        if all(a.state != "running" and a.last_finished for a in listed):
                            break
                        await asyncio.sleep(0.1)
                    seconds = time.perf_counter() - started
                    redis_after = await _redis_calls(redis_url)
                failures = [a.failure for a in await fleet.accounts.list() if a.failure]
                mirrored = sum([await fleet.store.count("sales", f"shop-{i}")
                                for i in range(accounts)])
            await asyncio.sleep(1.0)  # PostgreSQL publishes a closed backend's counters
            pg_after = await _pg_writes(db_url)
    finally:
        for fake in fakes:
            await fake.close()
        shutil.rmtree(logs, ignore_errors=True)
    requests = sum(len(f.arrivals) for f in fakes)
    pages = sum(1 for f in fakes for r in f.requests if r.path == "/v2/sales")
    redis_ops = sum(redis_after.values()) - sum(redis_before.values())
    return {
        "seconds": seconds, "records": mirrored, "expected": accounts * sales,
        "records_per_s": mirrored / seconds, "requests": requests, "pages": pages,
        "redis_ops_per_request": redis_ops / max(1, requests),
        "pg_commits_per_page": (pg_after[0] - pg_before[0]) / max(1, pages),
        "pg_rows_per_page": (pg_after[1] - pg_before[1]) / max(1, pages),
        "errors": sum(f.statuses()[429] for f in fakes) + len(failures),
        "worst_rate": min(_steady_rate(f) for f in fakes),
        "best_rate": max(_steady_rate(f) for f in fakes),
        "busiest_second": max(f.busiest_second() for f in fakes),
    }


async def scaling(quick: bool) -> bool:
    accounts, sales = (8, 600) if quick else (8, 1500)
    print(f"Scaling at 100 ms latency, rate limit out of the way: {accounts} accounts x "
          f"{sales} sales, 4 jobs per worker")
    print(f"{'workers':>7} {'seconds':>8} {'records/s':>10} {'x one':>6} {'target':>7} "
          f"{'redis ops/req':>14} {'pg commits/page':>16} {'pg rows/page':>13} {'errors':>7}")
    base = 0.0
    ok = True
    for workers in (1, 2, 4):
        result = await run_fleet(workers, accounts=accounts, sales=sales, latency=0.1,
                                 rate=None, concurrency=16, max_jobs=4, windows=8)
        base = base or result["records_per_s"]
        ratio = result["records_per_s"] / base
        ok &= ratio >= 0.8 * workers and result["records"] == result["expected"]
        print(f"{workers:>7} {result['seconds']:>8.1f} {result['records_per_s']:>10.0f} "
              f"{ratio:>6.2f} {0.8 * workers:>7.1f} {result['redis_ops_per_request']:>14.1f} "
              f"{result['pg_commits_per_page']:>16.2f} {result['pg_rows_per_page']:>13.1f} "
              f"{result['errors']:>7.0f}", flush=True)
    return ok


async def binding(quick: bool) -> bool:
    rate, accounts = 20.0, 2
    sales = 3000 if quick else 6000
    print(f"\nRate limit binding: {accounts} tokens limited to {rate:g} requests/s each "
          f"(the fake answers 429 above it), 100 ms latency, 3 workers")
    result = await run_fleet(3, accounts=accounts, sales=sales, latency=0.1, rate=rate,
                             concurrency=12, max_jobs=10, windows=15)
    low, high = result["worst_rate"], result["best_rate"]
    print(f"  achieved per token: {low:.2f} to {high:.2f} requests/s "
          f"({low / rate:.1%} to {high / rate:.1%} of R); busiest calendar second "
          f"{result['busiest_second']:.0f} (R = {rate:g}); errors {result['errors']:.0f}; "
          f"{result['records']:.0f}/{result['expected']:.0f} records")
    return (0.95 * rate <= low and high <= rate and result["errors"] == 0
            and result["busiest_second"] <= rate and result["records"] == result["expected"])


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Smaller accounts.")
    parser.add_argument("--part", choices=("all", "scaling", "binding"), default="all")
    args = parser.parse_args()
    ok = True
    if args.part in ("all", "scaling"):
        ok &= await scaling(args.quick)
    if args.part in ("all", "binding"):
        ok &= await binding(args.quick)
    print("\nall targets met" if ok else "\nsome target missed (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
