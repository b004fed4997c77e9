"""arq worker settings: the jobs, the cron schedule, start-up and shut-down.

``gumroad-async worker --redis URL --db URL`` runs a worker from these; so does arq's own
command, ``arq gumroad_async.workers.WorkerSettings``, configured from the environment
(``$GUMROAD_REDIS_URL``, ``$GUMROAD_DB_URL``, ``$GUMROAD_WORKERS_NAMESPACE``).
"""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker, func

from gumroad_async.workers._config import WorkerConfig
from gumroad_async.workers._fleet import Fleet
from gumroad_async.workers._jobs import schedule_due_syncs, sync_account, sync_window

__all__ = ["WorkerSettings", "create_worker", "worker_settings"]


async def _startup(ctx: dict[str, Any]) -> None:
    config: WorkerConfig = ctx["config"]
    ctx["fleet"] = await Fleet.open(config, ctx["redis"])


async def _shutdown(ctx: dict[str, Any]) -> None:
    fleet: Fleet | None = ctx.get("fleet")
    if fleet is not None:
        await fleet.close()


def worker_settings(config: WorkerConfig) -> dict[str, Any]:
    """The keyword arguments of an ``arq.worker.Worker`` for a fleet configured so."""
    every = max(1, min(60, config.schedule_every))
    return {
        "functions": [
            func(sync_account, name="sync_account"),
            func(sync_window, name="sync_window"),
        ],
        "cron_jobs": [
            cron(schedule_due_syncs, name=f"{config.namespace}:schedule",
                 second=set(range(0, 60, every)), run_at_startup=False),
        ],
        "redis_settings": RedisSettings.from_dsn(config.redis_url),
        "queue_name": config.queue_name,
        "health_check_key": f"{config.namespace}:health-check",
        "on_startup": _startup,
        "on_shutdown": _shutdown,
        "ctx": {"config": config},
        "max_jobs": config.max_jobs,
        "job_timeout": config.job_timeout,
        "max_tries": config.max_tries,
        "keep_result": 3600,
    }


def create_worker(config: WorkerConfig, **overrides: Any) -> Worker:
    """An arq ``Worker`` for this fleet (``worker.run()`` blocks until SIGINT/SIGTERM)."""
    return Worker(**{**worker_settings(config), **overrides})


class WorkerSettings:
    """For ``arq gumroad_async.workers.WorkerSettings``: settings from the environment."""

    _settings = worker_settings(WorkerConfig.from_env())
    functions = _settings["functions"]
    cron_jobs = _settings["cron_jobs"]
    redis_settings = _settings["redis_settings"]
    queue_name = _settings["queue_name"]
    health_check_key = _settings["health_check_key"]
    on_startup = _settings["on_startup"]
    on_shutdown = _settings["on_shutdown"]
    ctx = _settings["ctx"]
    max_jobs = _settings["max_jobs"]
    job_timeout = _settings["job_timeout"]
    max_tries = _settings["max_tries"]
    keep_result = _settings["keep_result"]
