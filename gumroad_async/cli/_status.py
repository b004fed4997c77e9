"""``gumroad-async status``: per account its state, progress, last run and errors; the
queue's depth."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
import click

from gumroad_async.cli._common import run
from gumroad_async.cli._fleet_options import fleet_options, require_workers_extra

if TYPE_CHECKING:
    from gumroad_async.workers import FleetStatus


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


@click.command("status")
@fleet_options
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
def command(db_url: str, redis_url: str, namespace: str, as_json: bool) -> None:
    """Where every account's sync stands, and how many jobs wait."""
    require_workers_extra()
    from gumroad_async.workers import Fleet, WorkerConfig, fleet_status

    async def main() -> FleetStatus:
        config = WorkerConfig(redis_url=redis_url, db_url=db_url, namespace=namespace)
        async with await Fleet.open(config) as fleet:
            return await fleet_status(fleet)

    status = run(main())
    if as_json:
        click.echo(json.dumps(attrs.asdict(status), default=_json_default, indent=2))
        return
    click.echo(f"{'account':<24} {'state':<8} {'progress':>9} {'last finished':<19} "
               f"{'+new':>7} {'~chg':>7}  error")
    for a in status.accounts:
        progress = f"{a.windows_done}/{a.windows}" if a.windows else "-"
        last = a.last_run or {}
        click.echo(f"{a.name:<24} {a.state:<8} {progress:>9} {_when(a.last_finished):<19} "
                   f"{last.get('inserted', '-'):>7} {last.get('updated', '-'):>7}  "
                   f"{a.failure or ''}")
    click.echo(f"queue depth: {status.queue_depth}")
