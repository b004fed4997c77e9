"""The fleet's handles in one place: database, Redis, shared limits and the job queue.

Workers open one ``Fleet`` per process at start-up; the CLI opens one to enqueue syncs
and read status.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from arq.connections import ArqRedis, RedisSettings, create_pool

from gumroad_async.client import GumroadClient
from gumroad_async.sync import SyncStore
from gumroad_async.workers._accounts import Account, AccountStore
from gumroad_async.workers._client import limited_client
from gumroad_async.workers._config import WorkerConfig
from gumroad_async.workers._limits import SharedTokenLimits
from gumroad_async.workers._tokens import TokenCipher

__all__ = ["Fleet"]


class Fleet:
    """Handles shared by every job of a worker process (and by the CLI)."""

    def __init__(self, config: WorkerConfig, redis: ArqRedis, *, owns_redis: bool,
                 cipher: TokenCipher | None = None) -> None:
        self.config = config
        self.redis = redis
        self._owns_redis = owns_redis
        #: The mirror (rows, runs, windows, cursors); the accounts table sits beside it.
        self.store = SyncStore(config.db_url)
        self.accounts = AccountStore(self.store.engine, cipher)
        self.limits = SharedTokenLimits(redis, prefix=config.namespace,
                                        slot_lease=config.slot_lease)

    @classmethod
    async def open(cls, config: WorkerConfig, redis: ArqRedis | None = None,
                   *, cipher: TokenCipher | None = None) -> Fleet:
        """Connect (creating the workers' tables where missing)."""
        owns = redis is None
        if redis is None:
            redis = await create_pool(RedisSettings.from_dsn(config.redis_url),
                                      default_queue_name=config.queue_name)
        fleet = cls(config, redis, owns_redis=owns, cipher=cipher)
        try:
            await fleet.store.open()
            await fleet.accounts.create_tables()
        except BaseException:
            await fleet.close()
            raise
        return fleet

    async def close(self) -> None:
        await self.store.close()
        if self._owns_redis:
            await self.redis.aclose()

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    @asynccontextmanager
    async def client(self, account: Account) -> AsyncIterator[GumroadClient]:
        """A client for the account's token, under the token's fleet-wide limits."""
        config = self.config
        async with limited_client(
            account.token, self.limits, account.policy, base_url=account.base_url,
            timeout=config.client_timeout, max_retries=config.client_max_retries,
            backoff_base=config.client_backoff_base,
        ) as client:
            yield client

    # -- the queue: jobs carry account names and window positions, never tokens ----------
    def _job_id(self, *parts: object) -> str:
        return ":".join([self.config.namespace, *map(str, parts)])

    async def enqueue_sync(self, name: str, *, full: bool = False) -> bool:
        """Queue a sync of an account; ``False`` if one was queued within the same second."""
        job_id = self._job_id("sync", name, int(time.time()))
        job = await self.redis.enqueue_job("sync_account", name, full, _job_id=job_id,
                                           _queue_name=self.config.queue_name)
        return job is not None

    async def enqueue_window(self, name: str, run_id: str, window: str, cursor: str | None
                             ) -> None:
        """Queue the walk of one window (by its key) from its committed cursor; the job id
        holds the cursor's digest, so copies of the same hand-over are queued once."""
        at = hashlib.sha256((cursor or "").encode()).hexdigest()[:12]
        await self.redis.enqueue_job(
            "sync_window", name, run_id, window,
            _job_id=self._job_id("window", run_id, window, at),
            _queue_name=self.config.queue_name,
        )

    async def queue_depth(self) -> int:
        """Jobs waiting in the fleet's queue (deferred retries included)."""
        return int(await self.redis.zcard(self.config.queue_name))
