"""The jobs run by an in-process arq worker (burst mode) against FakeGumroad, on real Redis
and PostgreSQL: a backfill mirrored exactly, a refused token failing only its account."""

from __future__ import annotations

import asyncio
import pickle
from datetime import date

from redis.asyncio import Redis

from gumroad_async.sync import load_state
from gumroad_async.testing import FakeGumroad
from gumroad_async.workers import Fleet, WorkerConfig, create_worker, fleet_status


async def _run_until_idle(config: WorkerConfig) -> None:
    # No cron: a burst worker with a schedule to keep would never run out of jobs.
    worker = create_worker(config, burst=True, handle_signals=False, poll_delay=0.05,
                           cron_jobs=None)
    try:
        await worker.main()
    finally:
        await worker.close()


async def _mirrored_ids(fleet: Fleet, account: str) -> set[str]:
    return set(await fleet.store.records("sales", account))


async def test_sync_mirrors_every_sale_and_a_refused_token_fails_alone(
    config: WorkerConfig, redis: Redis
) -> None:
    async with FakeGumroad(token="good-token-abc") as good, \
            FakeGumroad(token="someone-elses") as revoked, await Fleet.open(config) as fleet:
        good.seed(3, sales=137, start=date(2024, 1, 1), end=date(2024, 3, 1))
        revoked.seed(4, sales=20)
        await fleet.accounts.add("shop", "good-token-abc", base_url=good.url, rate_limit=200)
        await fleet.accounts.add("gone", "revoked-token-xyz", base_url=revoked.url)
        assert await fleet.enqueue_sync("shop")
        assert await fleet.enqueue_sync("gone")
        await _run_until_idle(config)

        expected = {sale["id"] for sale in good.state.iter_sales()}
        assert await _mirrored_ids(fleet, "shop") == expected
        state = await load_state(fleet.store, "shop", "sales", "")
        assert state is not None and state["run_id"] is None  # the run finished
        assert state["last_run"]["inserted"] == len(expected)

        status = {a.name: a for a in (await fleet_status(fleet)).accounts}
        assert status["shop"].state == "idle"
        assert status["gone"].state == "failed"
        assert "401" in (status["gone"].failure or "")
        assert await _mirrored_ids(fleet, "gone") == set()

        # A second sync is incremental and changes nothing. (Syncs queued within one
        # second are one job: wait for the next second.)
        for _ in range(30):
            if await fleet.enqueue_sync("shop"):
                break
            await asyncio.sleep(0.1)
        await _run_until_idle(config)
        assert await _mirrored_ids(fleet, "shop") == expected
        state = await load_state(fleet.store, "shop", "sales", "")
        assert state is not None
        assert state["last_run"]["mode"] == "incremental"
        assert state["last_run"]["inserted"] == 0 and state["last_run"]["updated"] == 0

    # Jobs carry names, never tokens: nothing in Redis holds one, results included.
    async for key in redis.scan_iter(match=f"*{config.namespace}*"):
        if await redis.type(key) == b"string":
            value = await redis.get(key) or b""
            for token in (b"good-token-abc", b"revoked-token-xyz"):
                assert token not in value
                assert token not in pickle.dumps(value)


async def test_transient_errors_are_retried_by_arq_and_the_run_completes(
    config: WorkerConfig,
) -> None:
    async with FakeGumroad(token="flaky-token") as fake, await Fleet.open(config) as fleet:
        fake.seed(5, sales=60, start=date(2024, 1, 1), end=date(2024, 2, 1))
        await fleet.accounts.add("flaky", "flaky-token", base_url=fake.url)
        # More 503s in a row than the client retries (2): a window job fails, and arq
        # runs it again after a back-off; it resumes from its committed cursor.
        fault = fake.inject(method="GET", path="/v2/sales", status=503, times=4)
        assert await fleet.enqueue_sync("flaky")
        await _run_until_idle(config)
        assert fault.remaining == 0
        assert await _mirrored_ids(fleet, "flaky") == {s["id"] for s in fake.state.iter_sales()}
        account = await fleet.accounts.get("flaky")
        assert account.state == "idle" and account.failure is None
