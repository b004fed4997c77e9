"""``gumroad-async enqueue sync --account NAME | --all``: queue syncs for the fleet."""

from __future__ import annotations

import click

from gumroad_async.cli._common import run
from gumroad_async.cli._fleet_options import fleet_options, require_workers_extra


@click.group("enqueue")
def command() -> None:
    """Queue jobs for the worker fleet."""


@command.command("sync")
@fleet_options
@click.option("--account", "names", multiple=True, help="An account to sync (repeatable).")
@click.option("--all", "everyone", is_flag=True, help="Every account not failed.")
@click.option("--full", is_flag=True, help="Walk every sale again, not only recent ones.")
def sync(db_url: str, redis_url: str, namespace: str, names: tuple[str, ...],
         everyone: bool, full: bool) -> None:
    """Queue a sync of accounts (one at a time per account across the fleet)."""
    if bool(names) == everyone:
        raise click.UsageError("name accounts with --account, or pass --all")
    require_workers_extra()
    from gumroad_async.workers import Fleet, WorkerConfig

    async def main() -> list[tuple[str, bool]]:
        config = WorkerConfig(redis_url=redis_url, db_url=db_url, namespace=namespace)
        async with await Fleet.open(config) as fleet:
            chosen = list(names)
            if everyone:
                chosen = [a.name for a in await fleet.accounts.list() if a.state != "failed"]
            else:
                for name in chosen:
                    await fleet.accounts.get(name)  # an unknown name fails here
            return [(name, await fleet.enqueue_sync(name, full=full)) for name in chosen]

    for name, queued in run(main()):
        click.echo(f"{name}: {'queued' if queued else 'already queued'}")
