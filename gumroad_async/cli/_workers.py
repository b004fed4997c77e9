"""``gumroad-async worker``: run one arq worker process of the sync fleet."""

from __future__ import annotations

import logging.config

import click

from gumroad_async.cli._fleet_options import fleet_options, require_workers_extra


@click.command("worker")
@fleet_options
@click.option("--max-jobs", default=10, show_default=True, help="Jobs run at once.")
@click.option("--slice-seconds", default=20.0, show_default=True,
              help="Seconds a window job walks before handing the rest to a new job.")
@click.option("--job-timeout", default=60.0, show_default=True,
              help="Seconds before arq cancels a job (a killed worker's job is retried "
                   "this long + 10 s later).")
@click.option("--windows-per-run", default=8, show_default=True,
              help="Day windows a sync is cut into (walked in parallel by the fleet).")
@click.option("--lookback-days", type=int, default=None,
              help="Days before the high-water mark an incremental sync walks again "
                   "(default: the mirror's).")
@click.option("--schedule-every", default=60, show_default=True,
              help="Seconds between checks for accounts due a scheduled sync.")
@click.option("--client-timeout", default=30.0, show_default=True,
              help="Seconds per request attempt; a killed worker's concurrency slots come "
                   "back 5 s after this.")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--verbose", "-v", is_flag=True, help="Log every request at DEBUG level.")
def command(
    db_url: str, redis_url: str, namespace: str, max_jobs: int, slice_seconds: float,
    job_timeout: float, windows_per_run: int, lookback_days: int | None, schedule_every: int,
    client_timeout: float, burst: bool, verbose: bool,
) -> None:
    """Run a worker of the sync fleet until SIGINT/SIGTERM (start as many as you like, on
    as many machines: they share the queue, the database and each token's rate limit)."""
    require_workers_extra()
    from arq.logs import default_log_config

    from gumroad_async.workers import WorkerConfig, create_worker

    log_config = default_log_config(verbose)
    # The jobs' own lines (accounts failing, runs finishing) go where arq's go.
    log_config["loggers"]["gumroad_async"] = dict(log_config["loggers"]["arq"])
    logging.config.dictConfig(log_config)
    extra = {} if lookback_days is None else {"lookback_days": lookback_days}
    config = WorkerConfig(
        redis_url=redis_url, db_url=db_url, namespace=namespace, max_jobs=max_jobs,
        slice_seconds=slice_seconds, job_timeout=job_timeout,
        windows_per_run=windows_per_run, schedule_every=schedule_every,
        client_timeout=client_timeout, **extra,
    )
    create_worker(config, burst=burst).run()
