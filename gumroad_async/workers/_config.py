"""What a fleet of workers is configured with: where Redis and the database are, and how
jobs are cut and retried. Every process of one fleet must share ``namespace``."""

from __future__ import annotations

import os
from typing import Final

import attrs

from gumroad_async.sync import DEFAULT_LOOKBACK_DAYS

__all__ = ["DB_URL_ENV", "NAMESPACE_ENV", "REDIS_URL_ENV", "WorkerConfig"]

REDIS_URL_ENV: Final = "GUMROAD_REDIS_URL"
DB_URL_ENV: Final = "GUMROAD_DB_URL"
NAMESPACE_ENV: Final = "GUMROAD_WORKERS_NAMESPACE"


@attrs.frozen
class WorkerConfig:
    """A fleet's settings (defaults suit the real service)."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    db_url: str = "sqlite:///gumroad.db"
    #: Prefix of every Redis key and arq queue of this fleet.
    namespace: str = "gumroad"
    #: Jobs one worker process runs at once.
    max_jobs: int = 10
    #: Seconds a window job walks before it commits and hands the rest to a new job; keeps
    #: jobs short, so that a killed worker's job is picked up again soon.
    slice_seconds: float = 20.0
    #: arq's limit for one job; a killed worker's job is retried this long + 10 s later.
    job_timeout: float = 60.0
    #: Tries of a job before its run is marked failed (transient errors only).
    max_tries: int = 5
    #: Day windows a run is cut into (walked in parallel by the fleet).
    windows_per_run: int = 8
    #: Incremental syncs re-walk this many days before the high-water mark, to catch
    #: refunds, chargebacks and disputes that change sales after they were made (the
    #: mirror's default: see ``gumroad_async.sync.DEFAULT_LOOKBACK_DAYS``).
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    #: Per-attempt timeout and retries of the Gumroad client inside jobs.
    client_timeout: float = 30.0
    client_max_retries: int = 4
    client_backoff_base: float = 0.5
    #: Seconds between the scheduler's checks for accounts due a sync.
    schedule_every: int = 60

    @property
    def queue_name(self) -> str:
        return f"{self.namespace}:queue"

    @property
    def slot_lease(self) -> float:
        """How long a concurrency slot outlives a worker that died holding it."""
        return self.client_timeout + 5.0

    @classmethod
    def from_env(cls, **overrides: object) -> WorkerConfig:
        """Settings from ``$GUMROAD_REDIS_URL``, ``$GUMROAD_DB_URL`` and
        ``$GUMROAD_WORKERS_NAMESPACE``, then ``overrides``."""
        values: dict[str, object] = {}
        for field, env in (("redis_url", REDIS_URL_ENV), ("db_url", DB_URL_ENV),
                           ("namespace", NAMESPACE_ENV)):
            if os.environ.get(env):
                values[field] = os.environ[env]
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
