"""Where the fleet stands: per account its state, its latest run's progress and errors,
and how many jobs wait in the queue."""

from __future__ import annotations

from datetime import datetime

import attrs

from gumroad_async.workers._fleet import Fleet
from gumroad_async.workers._runs import RunSummary

__all__ = ["AccountStatus", "FleetStatus", "fleet_status"]


@attrs.frozen
class AccountStatus:
    name: str
    state: str
    failure: str | None
    last_started: datetime | None
    last_finished: datetime | None
    run: RunSummary | None


@attrs.frozen
class FleetStatus:
    accounts: list[AccountStatus]
    queue_depth: int


async def fleet_status(fleet: Fleet) -> FleetStatus:
    """Every account with its latest run, and the queue depth."""
    latest = {run.account: run for run in await fleet.runs.summaries()}
    rows = [
        AccountStatus(name=a.name, state=a.state, failure=a.failure,
                      last_started=a.last_started, last_finished=a.last_finished,
                      run=latest.get(a.name))
        for a in await fleet.accounts.list()
    ]
    return FleetStatus(accounts=rows, queue_depth=await fleet.queue_depth())
