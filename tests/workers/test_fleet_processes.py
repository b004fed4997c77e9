"""Three real worker processes, five accounts each on its own rate-limited fake, one worker
SIGKILLed mid-run: every account ends with exactly the fake's sales, and no token's
requests ever exceed its rate limit in any second (counted from the fakes' arrival log)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from gumroad_async.workers import Fleet, WorkerConfig
from gumroad_async.workers.testing import TimedFakeGumroad, WorkerProcesses

ACCOUNTS = 5
SALES = 400  # 40 pages per account
RATE = 20  # requests per second each fake allows its token


async def _mirrored(fleet: Fleet, name: str) -> set[str]:
    return set(await fleet.store.records("sales", name))


async def test_three_workers_one_killed_every_account_exact_and_within_its_rate(
    config: WorkerConfig, tmp_path: Path
) -> None:
    fakes = [TimedFakeGumroad(token=f"token-{i}", rate_limit=RATE) for i in range(ACCOUNTS)]
    for i, fake in enumerate(fakes):
        fake.seed(10 + i, sales=SALES, start=date(2024, 1, 1), end=date(2024, 12, 1))
        await fake.start()
    expected = {f"shop-{i}": {s["id"] for s in fake.state.iter_sales()}
                for i, fake in enumerate(fakes)}
    options = ["--slice-seconds", "1", "--job-timeout", "8", "--windows-per-run", "4",
               "--client-timeout", "5", "--max-jobs", "8"]
    try:
        async with await Fleet.open(config) as fleet:
            for i, fake in enumerate(fakes):
                await fleet.accounts.add(f"shop-{i}", fake.token, base_url=fake.url,
                                         rate_limit=RATE, concurrency=4, schedule_minutes=0)
            async with WorkerProcesses(3, redis_url=config.redis_url, db_url=config.db_url,
                                       namespace=config.namespace, options=options,
                                       log_dir=tmp_path) as workers:
                for name in expected:
                    assert await fleet.enqueue_sync(name)
                # Once a fifth of the rows are in, kill a worker in the middle of a job.
                victim = None
                for _ in range(600):
                    done = sum([len(await _mirrored(fleet, n)) for n in expected])
                    busy = workers.busy()
                    if done >= ACCOUNTS * SALES // 5 and busy:
                        victim = busy[0]
                        break
                    await asyncio.sleep(0.02)
                assert victim is not None, "no worker was ever seen mid-job"
                workers.kill(victim)

                # The killed worker's jobs come back after arq's in-progress timeout
                # (job timeout + 10 s); the rest is margin for a busy machine.
                for _ in range(1800):
                    accounts = {a.name: a for a in await fleet.accounts.list()}
                    if all(a.state == "idle" and a.last_finished for a in accounts.values()):
                        break
                    await asyncio.sleep(0.05)
                survivors = [workers.log(i) for i in range(3) if i != victim]
                # arq ran the killed job again (its second try) once its lease ran out.
                assert any(" try=2 " in log for log in survivors)
                for name, ids in expected.items():
                    assert await _mirrored(fleet, name) == ids, name
                    account = accounts[name]
                    assert account.state == "idle" and account.failure is None, account
    finally:
        for fake in fakes:
            await fake.close()
    for fake in fakes:
        assert fake.statuses()[429] == 0, fake.statuses()
        assert fake.busiest_second() <= RATE, fake.per_second()
