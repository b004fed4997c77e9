"""A sync run's bookkeeping: its windows and cursors, committed with the rows they deliver."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import attrs
import sqlalchemy as sa

from gumroad_async.records import Sale, Subscriber
from gumroad_async.sync._errors import SyncError
from gumroad_async.sync._schema import sync_state, sync_windows
from gumroad_async.sync._store import RESOURCES, SyncStore, UpsertCounts

__all__ = [
    "Delivery",
    "RunFigures",
    "SyncRun",
    "SyncWindow",
    "commit_pages",
    "finish_run",
    "load_state",
    "resume_run",
    "start_run",
]

logger = logging.getLogger("gumroad_async.sync")


@attrs.define
class SyncWindow:
    """One unit of a run: a range of days ``[after, before)`` of sales, or one product's
    subscribers, and how far its cursor walk has been committed."""

    key: str
    after: date | None = None
    before: date | None = None
    product_id: str | None = None
    cursor: str | None = None
    done: bool = False

    @classmethod
    def days(cls, after: date, before: date) -> SyncWindow:
        return cls(f"{after.isoformat()}/{before.isoformat()}", after=after, before=before)

    @classmethod
    def product(cls, product_id: str) -> SyncWindow:
        return cls(product_id, product_id=product_id)


@attrs.frozen
class SyncRun:
    """A run in progress, as stored: resuming it after a crash gives the same object."""

    account: str
    resource: str
    scope: str
    run_id: str
    #: ``backfill`` (the first run), ``incremental`` or ``full``.
    mode: str
    started_at: datetime
    windows: list[SyncWindow]
    resumed: bool = False


def _cursor_before(delivery: Delivery) -> str | None:
    return delivery.window.cursor


@attrs.frozen
class Delivery:
    """One page for the writer: its records and the cursor after it (``None``: the end).

    ``rows`` may hold the records' rows made beforehand (``SyncStore.rows``), so that
    encoding happens outside the writer's transaction. ``cursor`` is the cursor the page
    was fetched from; by default the window's cursor when the delivery is made, which is
    right for a walker that commits each page before fetching from the next cursor.
    """

    window: SyncWindow
    records: Sequence[Sale] | Sequence[Subscriber]
    next_cursor: str | None
    rows: Sequence[dict[str, Any]] | None = None
    cursor: str | None = attrs.field(
        default=attrs.Factory(_cursor_before, takes_self=True), kw_only=True)


@attrs.frozen
class RunFigures:
    """What a finished run did, summed over its windows (resumed parts included)."""

    inserted: int
    updated: int
    unchanged: int
    pages: int
    missing: tuple[str, ...]
    deleted: int
    high_water_mark: datetime | None


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _scope_filter(table: sa.Table, scope: str) -> Any:
    """The rows a scope covers: ``""`` all, ``product_id=a,b`` those products'."""
    if not scope:
        return sa.true()
    name, _, values = scope.partition("=")
    return table.c[name].in_(values.split(","))


async def load_state(
    store: SyncStore, account: str, resource: str, scope: str
) -> dict[str, Any] | None:
    """The ``sync_state`` row of an account's resource and scope, if any."""
    async with store.transaction() as connection:
        found = await connection.execute(sa.select(sync_state).where(
            sync_state.c.account == account, sync_state.c.resource == resource,
            sync_state.c.scope == scope))
        row = found.mappings().one_or_none()
    if row is None:
        return None
    state = dict(row)
    for name in ("high_water_mark", "completed_at", "run_started_at"):
        state[name] = _aware(state[name])
    return state


async def start_run(
    store: SyncStore,
    account: str,
    resource: str,
    scope: str,
    mode: str,
    windows: Sequence[SyncWindow],
) -> SyncRun:
    """Record a new run and its windows (replacing any unfinished one) in one transaction."""
    run = SyncRun(account, resource, scope, secrets.token_hex(8), mode, datetime.now(UTC),
                  list(windows))
    async with store.transaction() as connection:
        await connection.execute(sync_windows.delete().where(
            sync_windows.c.account == account, sync_windows.c.resource == resource,
            sync_windows.c.scope == scope))
        if windows:
            await connection.execute(sync_windows.insert(), [
                {"account": account, "resource": resource, "scope": scope, "key": w.key,
                 "run_id": run.run_id, "after": w.after, "before": w.before,
                 "product_id": w.product_id, "cursor": w.cursor, "done": w.done,
                 "pages": 0, "inserted": 0, "updated": 0, "unchanged": 0}
                for w in windows
            ])
        values = {"run_id": run.run_id, "run_mode": mode, "run_started_at": run.started_at}
        updated = await connection.execute(sync_state.update().where(
            sync_state.c.account == account, sync_state.c.resource == resource,
            sync_state.c.scope == scope).values(**values))
        if updated.rowcount == 0:
            await connection.execute(sync_state.insert().values(
                account=account, resource=resource, scope=scope, **values))
    return run


async def resume_run(store: SyncStore, state: dict[str, Any]) -> SyncRun:
    """The unfinished run a ``sync_state`` row names, with its windows as committed."""
    async with store.transaction() as connection:
        found = await connection.execute(sa.select(sync_windows).where(
            sync_windows.c.account == state["account"],
            sync_windows.c.resource == state["resource"],
            sync_windows.c.scope == state["scope"],
            sync_windows.c.run_id == state["run_id"]))
        rows = found.mappings().all()
    windows = [SyncWindow(r["key"], r["after"], r["before"], r["product_id"], r["cursor"],
                          bool(r["done"])) for r in rows]
    # Newest first, as planned, so that a resumed backfill fills in recent days first.
    windows.sort(key=lambda w: (w.before or date.min, w.key), reverse=True)
    return SyncRun(state["account"], state["resource"], state["scope"], state["run_id"],
                   state["run_mode"], state["run_started_at"] or datetime.now(UTC), windows,
                   resumed=True)


def _in_turn(deliveries: Sequence[Delivery], committed: dict[str, tuple[str | None, bool]]
             ) -> list[Delivery]:
    """The deliveries that carry on from their window's committed cursor, in order.

    A page fetched from another cursor comes from a second copy of the window's walk
    that is behind (or a stale one after the window ended): writing it would move the
    cursor backwards, and its rows were written already by the copy ahead.
    """
    accepted = []
    for delivery in deliveries:
        cursor, done = committed[delivery.window.key]
        if done or delivery.cursor != cursor:
            continue
        accepted.append(delivery)
        committed[delivery.window.key] = (delivery.next_cursor, delivery.next_cursor is None)
    return accepted


async def commit_pages(
    store: SyncStore, run: SyncRun, deliveries: Sequence[Delivery]
) -> UpsertCounts:
    """Write pages and move their windows' cursors on, all in ONE transaction.

    A crash before the commit loses the pages and the cursor moves together, so the
    resumed run fetches those pages again; after it, neither is fetched again. A page
    whose ``cursor`` is not its window's committed one (two copies of a window's walk,
    the other one ahead) is ignored: no rows written, no cursor moved, nothing counted.
    """
    windows = sync_windows.c
    keys = {d.window.key for d in deliveries}
    async with store.transaction() as connection:
        # The run still owns these windows (a --full started meanwhile replaces them).
        # FOR UPDATE (PostgreSQL; SQLite's writers take turns anyway): two copies of a
        # window committing at once take turns, each seeing the other's cursor.
        found = await connection.execute(sa.select(
            windows.key, windows.cursor, windows.done).where(
            windows.account == run.account, windows.resource == run.resource,
            windows.scope == run.scope, windows.run_id == run.run_id,
            windows.key.in_(keys)).with_for_update())
        committed = {key: (cursor, bool(done)) for key, cursor, done in found.all()}
        if len(committed) != len(keys):
            raise SyncError(
                f"the {run.resource} sync of account {run.account!r} was replaced by "
                "another run while this one was writing; this run stops"
            )
        accepted = _in_turn(deliveries, committed)
        if len(accepted) != len(deliveries):
            logger.info("%d page(s) of the %s sync of %r ignored: their windows' cursors "
                        "moved on meanwhile", len(deliveries) - len(accepted),
                        run.resource, run.account)
        if not accepted:
            return UpsertCounts()
        counts = await store.upsert_rows(
            connection, run.resource, run.account,
            [d.rows if d.rows is not None else store.rows(
                run.resource, run.account, d.records, run_id=run.run_id) for d in accepted],
            run_id=run.run_id, mark_unchanged=run.mode == "full")
        # One update per window, not per page: its last page's cursor and the sums.
        moved: dict[str, dict[str, Any]] = {}
        for delivery, count in zip(accepted, counts, strict=True):
            key = delivery.window.key
            step = moved.get(key)
            if step is None:
                step = moved[key] = {"window_key": key, "add_pages": 0, "add_inserted": 0,
                                     "add_updated": 0, "add_unchanged": 0}
            step["next_cursor"] = delivery.next_cursor
            step["is_done"] = delivery.next_cursor is None
            step["add_pages"] += 1
            step["add_inserted"] += count.inserted
            step["add_updated"] += count.updated
            step["add_unchanged"] += count.unchanged
        await connection.execute(
            sync_windows.update().where(
                windows.account == run.account, windows.resource == run.resource,
                windows.scope == run.scope, windows.run_id == run.run_id,
                windows.key == sa.bindparam("window_key"),
            ).values(
                cursor=sa.bindparam("next_cursor"), done=sa.bindparam("is_done"),
                pages=windows.pages + sa.bindparam("add_pages"),
                inserted=windows.inserted + sa.bindparam("add_inserted"),
                updated=windows.updated + sa.bindparam("add_updated"),
                unchanged=windows.unchanged + sa.bindparam("add_unchanged"),
            ),
            list(moved.values()),
        )
    total = UpsertCounts()
    for count in counts:
        total += count
    for delivery in accepted:
        delivery.window.cursor = delivery.next_cursor
        delivery.window.done = delivery.next_cursor is None
    return total


async def finish_run(store: SyncStore, run: SyncRun, *, delete_missing: bool = False
                     ) -> RunFigures:
    """Close a run whose windows are all done: sum its figures, find (and if asked delete)
    the rows it did not see (full runs only), move the high-water mark, forget its windows.
    """
    table = RESOURCES[run.resource]
    scope = _scope_filter(table, run.scope)
    async with store.transaction() as connection:
        sums = (await connection.execute(sa.select(
            sa.func.coalesce(sa.func.sum(sync_windows.c.inserted), 0),
            sa.func.coalesce(sa.func.sum(sync_windows.c.updated), 0),
            sa.func.coalesce(sa.func.sum(sync_windows.c.unchanged), 0),
            sa.func.coalesce(sa.func.sum(sync_windows.c.pages), 0),
            sa.func.count(),
            sa.func.sum(sa.case((sync_windows.c.done, 0), else_=1)),
        ).where(sync_windows.c.account == run.account,
                sync_windows.c.resource == run.resource, sync_windows.c.scope == run.scope,
                sync_windows.c.run_id == run.run_id))).one()
        inserted, updated, unchanged, pages, windows, unfinished = sums
        if windows != len(run.windows) or unfinished:
            raise SyncError(f"the {run.resource} sync of account {run.account!r} has "
                            "unfinished windows; run it again to finish")
        missing: tuple[str, ...] = ()
        deleted = 0
        if run.mode == "full":
            # Rows written by others (pings) after the run began are not "missing".
            unseen = sa.and_(
                table.c.account == run.account, scope,
                sa.or_(table.c.seen_run.is_(None), table.c.seen_run != run.run_id),
                table.c.synced_at < run.started_at,
            )
            found = await connection.execute(sa.select(table.c.id).where(unseen))
            missing = tuple(sorted(found.scalars().all()))
            if missing and delete_missing:
                deleted = (await connection.execute(table.delete().where(unseen))).rowcount
        high_water_mark = None
        if "created_at" in table.c:
            high_water_mark = _aware((await connection.execute(
                sa.select(sa.func.max(table.c.created_at)).where(
                    table.c.account == run.account, scope))).scalar_one_or_none())
        figures = RunFigures(int(inserted), int(updated), int(unchanged), int(pages), missing,
                             deleted, high_water_mark)
        now = datetime.now(UTC)
        await connection.execute(sync_state.update().where(
            sync_state.c.account == run.account, sync_state.c.resource == run.resource,
            sync_state.c.scope == run.scope).values(
                run_id=None, run_mode=None, run_started_at=None, completed_at=now,
                high_water_mark=high_water_mark,
                last_run={"run_id": run.run_id, "mode": run.mode,
                          "started_at": run.started_at.isoformat(),
                          "finished_at": now.isoformat(), "inserted": figures.inserted,
                          "updated": figures.updated, "unchanged": figures.unchanged,
                          "pages": figures.pages, "missing": len(missing),
                          "deleted": deleted},
            ))
        await connection.execute(sync_windows.delete().where(
            sync_windows.c.account == run.account, sync_windows.c.resource == run.resource,
            sync_windows.c.scope == run.scope, sync_windows.c.run_id == run.run_id))
    return figures
