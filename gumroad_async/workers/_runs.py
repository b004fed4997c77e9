"""Sync runs and their windows: the fleet-wide lease per account and resumable cursors.

A run is one sync of one account, cut into day windows. Starting a run takes the account's
lease (``accounts.run_id``) with one conditional ``UPDATE``, so two syncs of an account
never run at once anywhere in the fleet. Each window's cursor moves with a compare-and-set
in the same transaction as the rows of its page, so a job retried after a kill resumes at
the last committed page, and a stale copy of a job can never move a cursor backwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gumroad_async.export._windows import Window
from gumroad_async.workers._database import accounts, runs, windows

__all__ = ["RunStore", "RunSummary", "WindowState"]

#: A run with no committed page for this long is taken as abandoned (its jobs were lost),
#: and the next sync of the account may replace it.
DEFAULT_STALE_AFTER = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


@attrs.frozen
class WindowState:
    """A window of a run as committed in the database."""

    run_id: str
    position: int
    account: str
    after: date
    before: date
    cursor: str | None
    done: bool
    pages: int
    records: int


@attrs.frozen
class RunSummary:
    """A run's figures, summed over its windows."""

    run_id: str
    account: str
    kind: str
    status: str
    windows: int
    windows_done: int
    pages: int
    records: int
    error: str | None
    started_at: datetime
    finished_at: datetime | None


class RunStore:
    """Runs, windows and the account lease, on the workers' tables."""

    def __init__(self, engine: AsyncEngine, *, stale_after: timedelta = DEFAULT_STALE_AFTER):
        self.engine = engine
        self.stale_after = stale_after

    async def begin(self, account: str, kind: str, planned: Sequence[Window]) -> str | None:
        """Take the account's lease and record a run of ``planned`` windows; ``None`` when
        another run holds the lease (or the account failed)."""
        run_id = uuid.uuid4().hex
        now = _now()
        stale = sa.select(runs.c.run_id).where(runs.c.updated_at < now - self.stale_after)
        async with self.engine.begin() as connection:
            taken = await connection.execute(
                accounts.update()
                .where(accounts.c.name == account, accounts.c.state != "failed",
                       sa.or_(accounts.c.run_id.is_(None), accounts.c.run_id.in_(stale)))
                .values(run_id=run_id, state="running", last_started=now, failure=None)
            )
            if taken.rowcount != 1:
                return None
            await connection.execute(runs.update().where(
                runs.c.account == account, runs.c.status == "running"
            ).values(status="abandoned", finished_at=now))
            await connection.execute(runs.insert().values(
                run_id=run_id, account=account, kind=kind, status="running",
                windows=len(planned), started_at=now, updated_at=now))
            if planned:
                await connection.execute(windows.insert(), [
                    {"run_id": run_id, "position": i, "account": account, "after": w.after,
                     "before": w.before, "cursor": None, "done": False}
                    for i, w in enumerate(planned)
                ])
        return run_id

    async def window(self, run_id: str, position: int) -> WindowState | None:
        async with self.engine.connect() as connection:
            row = (await connection.execute(sa.select(windows).where(
                windows.c.run_id == run_id, windows.c.position == position))).first()
        return None if row is None else WindowState(**row._mapping)

    async def advance(
        self,
        connection: AsyncConnection,
        window: WindowState,
        next_cursor: str | None,
        records: int,
    ) -> bool:
        """Move a window's cursor past one page, inside the caller's transaction, only if
        it still stands where ``window`` says (otherwise another job walked it on)."""
        cursor_is = (windows.c.cursor.is_(None) if window.cursor is None
                     else windows.c.cursor == window.cursor)
        moved = await connection.execute(
            windows.update()
            .where(windows.c.run_id == window.run_id, windows.c.position == window.position,
                   windows.c.done == sa.false(), cursor_is)
            .values(cursor=next_cursor, done=next_cursor is None,
                    pages=windows.c.pages + 1, records=windows.c.records + records)
        )
        if moved.rowcount != 1:
            return False
        await connection.execute(runs.update().where(runs.c.run_id == window.run_id)
                                 .values(updated_at=_now()))
        return True

    async def pending(self, run_id: str) -> list[WindowState]:
        """The run's windows not walked to their end yet."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(sa.select(windows).where(
                windows.c.run_id == run_id, windows.c.done == sa.false()
            ).order_by(windows.c.position))
            return [WindowState(**row._mapping) for row in rows]

    async def finish_if_complete(self, run_id: str) -> bool:
        """End the run and free the lease once every window is done (once, whoever asks).

        The account's high-water mark becomes the last day the run covered.
        """
        now = _now()
        async with self.engine.begin() as connection:
            left, last = (await connection.execute(sa.select(
                sa.func.sum(sa.case((windows.c.done, 0), else_=1)), sa.func.max(windows.c.before)
            ).where(windows.c.run_id == run_id))).one()
            if left:
                return False
            high_water = last - timedelta(days=1) if last is not None else None
            ended = await connection.execute(
                runs.update().where(runs.c.run_id == run_id, runs.c.status == "running")
                .values(status="done", finished_at=now, updated_at=now))
            if ended.rowcount != 1:
                return False
            values: dict[str, Any] = {"run_id": None, "state": "idle", "last_finished": now}
            if high_water is not None:
                values["high_water"] = high_water
            await connection.execute(
                accounts.update().where(accounts.c.run_id == run_id).values(**values))
        return True

    async def fail(self, run_id: str, error: str) -> None:
        """End a run whose job gave up, and free the lease for the next scheduled sync."""
        now = _now()
        async with self.engine.begin() as connection:
            await connection.execute(
                runs.update().where(runs.c.run_id == run_id, runs.c.status == "running")
                .values(status="error", error=error, finished_at=now, updated_at=now))
            await connection.execute(
                accounts.update().where(accounts.c.run_id == run_id)
                .values(run_id=None, state="error", failure=error, last_finished=now))

    async def stop(self, account: str, error: str) -> None:
        """End an account's running runs (its token was refused)."""
        now = _now()
        async with self.engine.begin() as connection:
            await connection.execute(
                runs.update().where(runs.c.account == account, runs.c.status == "running")
                .values(status="failed", error=error, finished_at=now, updated_at=now))

    async def summaries(self, account: str | None = None, *, latest: bool = True
                        ) -> list[RunSummary]:
        """Runs with figures summed over their windows (the latest per account by default)."""
        totals = (
            sa.select(
                windows.c.run_id,
                sa.func.count().label("n"),
                sa.func.sum(sa.case((windows.c.done, 1), else_=0)).label("done"),
                sa.func.sum(windows.c.pages).label("pages"),
                sa.func.sum(windows.c.records).label("records"),
            ).group_by(windows.c.run_id).subquery()
        )
        query = sa.select(runs, totals.c.done, totals.c.pages.label("w_pages"),
                          totals.c.records.label("w_records")).outerjoin(
            totals, totals.c.run_id == runs.c.run_id)
        if account is not None:
            query = query.where(runs.c.account == account)
        query = query.order_by(runs.c.account, runs.c.started_at.desc())
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        result: list[RunSummary] = []
        seen: set[str] = set()
        for row in rows:
            m = row._mapping
            if latest and m["account"] in seen:
                continue
            seen.add(m["account"])
            result.append(RunSummary(
                run_id=m["run_id"], account=m["account"], kind=m["kind"], status=m["status"],
                windows=m["windows"], windows_done=int(m["done"] or 0),
                pages=int(m["w_pages"] or 0), records=int(m["w_records"] or 0),
                error=m["error"], started_at=_aware(m["started_at"]),
                finished_at=_aware(m["finished_at"]) if m["finished_at"] else None,
            ))
        return result


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
