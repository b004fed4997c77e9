"""``gumroad-async sync`` and ``webhooks serve`` as real processes: kill -9 mid-backfill
and mid-incremental then rerun, a second sync refused, pings applied to the mirror."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from gumroad_async import GumroadClient
from gumroad_async.sync import SyncStore, hold_lease, sync_sales
from gumroad_async.sync._schema import sync_windows
from gumroad_async.testing import FakeGumroad


def _env(fake: FakeGumroad) -> dict[str, str]:
    return {**os.environ, "GUMROAD_BASE_URL": fake.url, "GUMROAD_ACCESS_TOKEN": fake.token}


async def _start(fake: FakeGumroad, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gumroad_async", *args, env=_env(fake),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _cli(fake: FakeGumroad, *args: str) -> tuple[int, str]:
    process = await _start(fake, *args)
    _, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, err.decode()


async def _kill_when(process: asyncio.subprocess.Process,
                     ready: Callable[[], object]) -> None:
    """SIGKILL the process once ``await ready()`` is true (it must still be running)."""
    while not await ready():  # type: ignore[misc]
        assert process.returncode is None, "the run ended before it could be killed"
        await asyncio.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    assert process.returncode == -signal.SIGKILL


async def _pages_committed(store: SyncStore, account: str) -> int:
    async with store.transaction() as connection:
        total = await connection.execute(sa.select(sa.func.coalesce(
            sa.func.sum(sync_windows.c.pages), 0)).where(sync_windows.c.account == account))
        return int(total.scalar_one())


def _sync_args(url: str, account: str, *extra: str) -> Sequence[str]:
    return ("sync", "sales", "--db", url, "--account", account, "--concurrency", "2", *extra)


async def test_kill_9_mid_backfill_then_rerun(
    fake: FakeGumroad, store: SyncStore, store_url: str, account: str
) -> None:
    fake.seed(sales=600)
    fake.latency = 0.02  # long enough a run to kill in the middle
    process = await _start(fake, *_sync_args(store_url, account))

    async def some_pages() -> bool:
        return await _pages_committed(store, account) >= 5

    await _kill_when(process, some_pages)
    assert 0 < await store.count("sales", account) < 600

    fake.latency = 0
    status, err = await _cli(fake, *_sync_args(store_url, account))
    assert status == 0, err
    assert "backfill (resumed) · 600 inserted · 0 updated" in err
    assert set(await store.records("sales", account)) == {
        s["id"] for s in fake.state.iter_sales()}


async def test_kill_9_mid_incremental_then_rerun(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, store_url: str, account: str
) -> None:
    fake.seed(sales=600)
    await sync_sales(client, store, account=account)
    # Between runs: refunds, a chargeback, new sales.
    sales = list(fake.state.iter_sales())
    changed = {sales[i]["id"] for i in (0, 5, 40, 41)}
    for sale_id in sorted(changed)[:3]:
        await client.sales.refund(sale_id)
    fake.state.update_sale(sorted(changed)[3], chargedback=True, disputed=True)
    added = {fake.add_sale(created_at=f"2024-12-31T2{i}:00:00Z")["id"] for i in range(3)}
    fake.latency = 0.02
    # A look-back long enough to walk every sale again: the run is long, and every change
    # is in it.
    args = _sync_args(store_url, account, "--lookback-days", "1000")
    process = await _start(fake, *args)

    async def some_pages() -> bool:
        return await _pages_committed(store, account) >= 5

    await _kill_when(process, some_pages)
    fake.latency = 0
    status, err = await _cli(fake, *args)
    assert status == 0, err
    assert "incremental (resumed) · 3 inserted · 4 updated · 596 unchanged" in err
    rows = await store.records("sales", account)
    assert set(rows) == {s["id"] for s in fake.state.iter_sales()}
    for sale in fake.state.iter_sales():
        row = rows[sale["id"]]
        assert (row["refunded"], row["chargedback"]) == (sale["refunded"], sale["chargedback"])
    assert added <= set(rows)


async def test_a_second_sync_of_the_account_exits_75_with_a_message(
    fake: FakeGumroad, store: SyncStore, store_url: str, account: str
) -> None:
    fake.seed(sales=50)
    async with hold_lease(store, account):  # a sync running in another (live) process
        status, err = await _cli(fake, *_sync_args(store_url, account))
    assert status == 75
    assert f"another sync of account '{account}' is running" in err
    assert "Traceback" not in err
    assert await store.count("sales", account) == 0
    status, err = await _cli(fake, *_sync_args(store_url, account))
    assert status == 0, err
    assert await store.count("sales", account) == 50


async def test_bad_database_url_is_a_usage_error(fake: FakeGumroad) -> None:
    status, err = await _cli(fake, "sync", "sales", "--db", "mysql://x@y/z")
    assert status == 2
    assert "unsupported database 'mysql'" in err and "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_webhooks_serve_applies_pings_to_the_mirror(
    fake: FakeGumroad, client: GumroadClient, store: SyncStore, store_url: str, account: str
) -> None:
    fake.seed(sales=30, subscribers=2)
    await sync_sales(client, store, account=account)
    sale = next(iter(fake.state.iter_sales()))
    port = _free_port()
    server = await _start(fake, "webhooks", "serve", "--db", store_url, "--secret", "s3cret",
                          "--port", str(port), "--account", account)
    try:
        assert server.stderr is not None
        line = (await server.stderr.readline()).decode()
        assert f"Receiving pings on http://127.0.0.1:{port}/gumroad/ping" in line
        url = f"http://127.0.0.1:{port}/gumroad/ping?secret=s3cret"

        await client.sales.refund(sale["id"])  # Gumroad refunds, then pings
        statuses = await fake.send_ping(url, fake.ping_payload(sale["id"], "refund"),
                                        deliveries=2)
        assert statuses[0] == 200 and statuses[1] == 200
        assert (await store.records("sales", account))[sale["id"]]["refunded"] is True

        subscriber_id = next(iter(fake.state.subscribers))
        statuses = await fake.send_ping(
            url, fake.subscription_ping_payload(subscriber_id, "cancellation"))
        assert statuses == [200]
        assert subscriber_id in await store.records("subscribers", account)

        refused = await fake.send_ping(url.replace("s3cret", "wrong"),
                                       fake.ping_payload(sale["id"], "sale"))
        assert refused == [403]
    finally:
        server.send_signal(signal.SIGTERM)
        await server.communicate()
    assert server.returncode == 0


async def test_demo_step_syncs_refunds_and_resyncs(
    fake: FakeGumroad, client: GumroadClient, tmp_path: object
) -> None:
    from gumroad_async.cli._sync import demo_sync

    fake.seed(sales=120)
    lines: list[str] = []
    await demo_sync(client, f"sqlite:///{tmp_path}/demo.db", lines.append)
    assert lines[0].startswith("sync into sqlite: backfill, 120 sales")
    assert lines[1].startswith("refunded sale ")
    assert lines[2].startswith("re-sync: incremental, 1 updated")
