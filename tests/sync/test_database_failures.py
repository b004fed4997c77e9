"""The database going away mid-run: a clear error, committed work kept, a clean resume."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.engine import make_url

from gumroad_async import GumroadClient
from gumroad_async.sync import StoreUnavailableError, SyncProgress, SyncStore, sync_sales
from gumroad_async.testing import FakeGumroad


def _server_ids(fake: FakeGumroad) -> set[str]:
    return {s["id"] for s in fake.state.iter_sales()}


async def _resume_and_check(fake: FakeGumroad, client: GumroadClient, url: str,
                            account: str) -> None:
    async with SyncStore(url) as store:
        committed = await store.count("sales", account)
        assert 0 < committed < fake.state.sale_count
        resumed = await sync_sales(client, store, account=account, concurrency=2)
        assert resumed.resumed
        # Every sale once: the figures of the failed part and the resumed part add up.
        assert (resumed.inserted, resumed.updated) == (fake.state.sale_count, 0)
        assert set(await store.records("sales", account)) == _server_ids(fake)


async def test_sqlite_file_locked_mid_run(
    fake: FakeGumroad, client: GumroadClient, tmp_path: object, account: str
) -> None:
    fake.seed(sales=400)
    fake.latency = 0.02  # the walk must outlast the other program taking the lock
    url = f"sqlite:///{tmp_path}/mirror.db"
    path = str(tmp_path) + "/mirror.db"
    locker = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    locking: list[asyncio.Task[None]] = []

    def take_lock() -> None:
        locker.execute("BEGIN EXCLUSIVE")

    def lock_the_file(progress: SyncProgress) -> None:
        if progress.pages >= 5 and not locking:
            # Another program takes the write lock and keeps it (in a thread: waiting for
            # the lock must not stop this event loop, which the sync's own commits need).
            locking.append(asyncio.get_running_loop().create_task(asyncio.to_thread(take_lock)))

    async with SyncStore(url):
        pass  # the file exists before the other program opens it
    async with SyncStore(url, sqlite_busy_timeout=0.2) as store:
        with pytest.raises(StoreUnavailableError, match=r"mirror\.db unavailable .*locked.*"
                           r"run again to resume"):
            await sync_sales(client, store, account=account, concurrency=2,
                             on_progress=lock_the_file, lease_seconds=0.3)
    await locking[0]
    locker.execute("ROLLBACK")
    locker.close()
    await asyncio.sleep(0.4)  # this process still lives: let its lease run out
    await _resume_and_check(fake, client, url, account)


async def test_postgresql_connections_terminated_mid_run(
    fake: FakeGumroad, client: GumroadClient, postgres_url: str, account: str,
    postgres_admin: Callable[[str], Awaitable[None]],
) -> None:
    fake.seed(sales=400)
    database = make_url(postgres_url).database
    cut: list[asyncio.Task[None]] = []

    async def cut_the_database() -> None:
        # The server refuses new connections and kills the open ones (a failover, a restart).
        await postgres_admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await postgres_admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")

    def on_progress(progress: SyncProgress) -> None:
        if progress.pages >= 5 and not cut:
            cut.append(asyncio.get_running_loop().create_task(cut_the_database()))

    try:
        async with SyncStore(postgres_url) as store:
            fake.latency = 0.01  # the run outlasts the cut
            with pytest.raises(StoreUnavailableError, match=r"unavailable .*run again to resume"):
                await sync_sales(client, store, account=account, concurrency=2,
                                 on_progress=on_progress, lease_seconds=0.3)
            await cut[0]
    finally:
        await postgres_admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    fake.latency = 0
    await asyncio.sleep(0.4)
    await _resume_and_check(fake, client, postgres_url, account)
