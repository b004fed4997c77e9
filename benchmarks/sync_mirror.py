"""Database mirror: sync 200,000 sales from the fake into SQLite and PostgreSQL, against a
JSONL export of the same account in the same run; then re-sync the unchanged account.

Figures, side by side:
- records/s of ``sync_sales`` into each database vs ``export_sales`` to a JSONL file
  (target: >= 0.7x for both). The export and the sync alternate (``--rounds`` pairs per
  database, each sync into a fresh database right after its own export), so that a load
  that comes and goes on a shared machine hits both sides alike; the ratio quoted is that
  of the medians. CPU seconds of this process are shown too (the fake runs apart);
- the unchanged re-sync (incremental): requests sent vs the pages of the look-back window
  (sales from the high-water mark minus the look-back, 10 per page; target <= 1.1x), and
  its seconds.

    python benchmarks/sync_mirror.py [--sales 200000] [--db sqlite,postgresql] [--rounds 3]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]

The fake runs in its own process. PostgreSQL gets a database of its own, dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TOKEN, Stopwatch, fake_server_process

from gumroad_async import GumroadClient
from gumroad_async.export import JSONLSink, export_sales
from gumroad_async.sync import DEFAULT_LOOKBACK_DAYS, SyncStore, sync_sales
from gumroad_async.sync._schema import sales as sales_table

CONCURRENCY = 16


def _cpu_of(pid: str) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def others_cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process's children (the fake) and by PostgreSQL's
    processes on this machine (0 where /proc does not tell)."""
    children = 0.0
    for task in Path("/proc/self/task").glob("*/children"):
        children += sum(_cpu_of(pid) for pid in task.read_text().split())
    postgres = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if "(postgres)" in stat.read_text():
                postgres += _cpu_of(stat.parent.name)
        except OSError:
            continue
    return children, postgres


def _request_counter() -> tuple[aiohttp.TraceConfig, list[int]]:
    count = [0]
    trace = aiohttp.TraceConfig()

    async def on_start(*_: Any) -> None:
        count[0] += 1

    trace.on_request_start.append(on_start)
    return trace, count


def _client(url: str, trace: aiohttp.TraceConfig | None = None) -> GumroadClient:
    return GumroadClient(TOKEN, base_url=url, max_concurrency=CONCURRENCY,
                         allow_insecure_http=True,
                         trace_configs=[trace] if trace is not None else None)


async def export_jsonl(url: str, directory: str) -> tuple[int, float, float]:
    """Records, seconds and CPU seconds of one export to a fresh JSONL file."""
    path = Path(directory) / "sales.jsonl"
    path.unlink(missing_ok=True)
    async with _client(url) as gumroad:
        cpu = time.process_time()
        fake, _ = others_cpu()
        with Stopwatch() as watch:
            result = await export_sales(gumroad, JSONLSink(path), concurrency=CONCURRENCY)
        cpu = time.process_time() - cpu
        fake = others_cpu()[0] - fake
    print(f"    per record: client {cpu / result.records * 1e6:5.0f} us CPU, fake "
          f"{fake / result.records * 1e6:4.0f} us")
    return result.records, watch.seconds, cpu


async def sync_into(url: str, database_url: str, *, resync: bool) -> dict[str, Any]:
    async with SyncStore(database_url) as store, _client(url) as gumroad:
        cpu = time.process_time()
        fake, postgres = others_cpu()
        with Stopwatch() as first:
            backfill = await sync_sales(gumroad, store, concurrency=CONCURRENCY)
        cpu = time.process_time() - cpu
        fake, postgres = (now - before for now, before in zip(
            others_cpu(), (fake, postgres), strict=True))
    records = max(1, backfill.records)
    database = (f", PostgreSQL {postgres / records * 1e6:4.0f} us"
                if store.dialect == "postgresql" else " (SQLite's thread included)")
    print(f"    per record: client {cpu / records * 1e6:5.0f} us CPU{database}, fake "
          f"{fake / records * 1e6:4.0f} us")
    if not resync:
        return {"records": backfill.records, "seconds": first.seconds, "cpu": cpu}
    trace, requests = _request_counter()
    async with SyncStore(database_url) as store, _client(url, trace) as gumroad:
        with Stopwatch() as second:
            again = await sync_sales(gumroad, store, concurrency=CONCURRENCY)
        assert again.high_water_mark is not None
        since = again.high_water_mark.date().toordinal() - DEFAULT_LOOKBACK_DAYS
        start = sa.func.date(sales_table.c.created_at) if store.dialect == "sqlite" else (
            sa.cast(sales_table.c.created_at, sa.Date))
        async with store.transaction() as connection:
            from datetime import date

            in_window = (await connection.execute(
                sa.select(sa.func.count()).select_from(sales_table).where(
                    start >= (date.fromordinal(since).isoformat() if store.dialect == "sqlite"
                              else date.fromordinal(since))))).scalar_one()
    return {"records": backfill.records, "seconds": first.seconds, "cpu": cpu,
            "resync_seconds": second.seconds, "resync_requests": requests[0],
            "window_pages": math.ceil(in_window / 10), "resync": again}


async def _admin(postgres_url: str, statement: str) -> None:
    import asyncpg

    url = sa.engine.make_url(postgres_url)
    connection = await asyncpg.connect(host=url.host, port=url.port or 5432,
                                       user=url.username, password=url.password,
                                       database=url.database or "postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _sync_round(arguments: argparse.Namespace, url: str, directory: str, kind: str,
                      number: int, *, resync: bool) -> dict[str, Any]:
    """One sync into a fresh database of ``kind``."""
    if kind == "sqlite":
        return await sync_into(url, f"sqlite:///{directory}/mirror-{number}.db", resync=resync)
    name = f"gumroad_bench_{secrets.token_hex(4)}"
    await _admin(arguments.postgres_url, f'CREATE DATABASE "{name}"')
    try:
        database_url = sa.engine.make_url(arguments.postgres_url).set(
            database=name).render_as_string(hide_password=False)
        return await sync_into(url, database_url, resync=resync)
    finally:
        await _admin(arguments.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main_async(arguments: argparse.Namespace) -> None:
    databases = arguments.db.split(",")
    rounds = max(1, arguments.rounds)
    with fake_server_process("--sales", str(arguments.sales)) as url, \
            tempfile.TemporaryDirectory() as directory:
        print(f"{arguments.sales:,} sales on the fake, concurrency {CONCURRENCY}, "
              f"{os.cpu_count()} cores, {rounds} round(s) of export then sync per database")
        for kind in databases:
            exports, syncs = [], []
            figures: dict[str, Any] = {}
            for number in range(rounds):
                records, seconds, cpu = await export_jsonl(url, directory)
                exports.append(records / seconds)
                print(f"  export to JSONL (baseline)  {records:>9,} records  {seconds:7.1f}s  "
                      f"{records / seconds:9,.0f} rec/s  cpu {cpu:6.1f}s")
                figures = await _sync_round(arguments, url, directory, kind, number,
                                            resync=number == rounds - 1)
                rate = figures["records"] / figures["seconds"]
                syncs.append(rate)
                print(f"  sync into {kind:<17} {figures['records']:>9,} records  "
                      f"{figures['seconds']:7.1f}s  {rate:9,.0f} rec/s  "
                      f"cpu {figures['cpu']:6.1f}s  {rate / exports[-1]:.2f}x this round")
            baseline, rate = statistics.median(exports), statistics.median(syncs)
            print(f"  => sync into {kind}: median {rate:,.0f} rec/s vs export median "
                  f"{baseline:,.0f} rec/s = {rate / baseline:.2f}x the export "
                  f"(target >= 0.7x)")
            resync = figures["resync"]
            print(f"  re-sync unchanged ({kind}): {figures['resync_requests']:,} requests for "
                  f"{figures['window_pages']:,} look-back pages = "
                  f"{figures['resync_requests'] / max(1, figures['window_pages']):.2f}x "
                  f"(target <= 1.1x), {figures['resync_seconds']:.1f}s, "
                  f"{resync.unchanged:,} unchanged, {resync.updated} updated, "
                  f"{resync.inserted} inserted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=200_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3,
                        help="export/sync pairs per database (the medians are compared)")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "GUMROAD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
