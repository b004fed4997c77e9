"""Where the fleet stands: per account its state, its run's progress, its last run's
figures and errors, and how many jobs wait in the queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from gumroad_async.sync import load_state, resume_run
from gumroad_async.workers._fleet import Fleet

__all__ = ["AccountStatus", "FleetStatus", "fleet_status"]


@attrs.frozen
class AccountStatus:
    """One account: ``state`` (idle, running, error, failed), ``failure`` (why), the run
    under way (``windows_done`` of ``windows``) and the last finished run's figures."""

    name: str
    state: str
    failure: str | None
    last_started: datetime | None
    last_finished: datetime | None
    run_id: str | None = None
    mode: str | None = None
    windows: int = 0
    windows_done: int = 0
    last_run: dict[str, Any] | None = None


@attrs.frozen
class FleetStatus:
    accounts: list[AccountStatus]
    queue_depth: int


async def fleet_status(fleet: Fleet) -> FleetStatus:
    """Every account with its progress, and the queue depth."""
    rows = []
    for account in await fleet.accounts.list():
        state = await load_state(fleet.store, account.name, "sales", "")
        progress: dict[str, Any] = {}
        if state is not None and state["run_id"]:
            run = await resume_run(fleet.store, state)
            progress = {"run_id": run.run_id, "mode": run.mode, "windows": len(run.windows),
                        "windows_done": sum(1 for w in run.windows if w.done)}
        rows.append(AccountStatus(
            name=account.name, state=account.state, failure=account.failure,
            last_started=account.last_started, last_finished=account.last_finished,
            last_run=state["last_run"] if state is not None else None, **progress,
        ))
    return FleetStatus(accounts=rows, queue_depth=await fleet.queue_depth())
