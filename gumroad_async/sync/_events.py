"""``DatabaseEventStore``: the webhook receiver's event store in the mirror's database, so
that every receiver process sharing the database handles each ping once."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gumroad_async.sync._schema import webhook_events
from gumroad_async.sync._store import SyncStore
from gumroad_async.webhooks import Claim

Key = tuple[str, str]

__all__ = ["DatabaseEventStore"]

_table = webhook_events


class DatabaseEventStore:
    """An :class:`~gumroad_async.webhooks.EventStore` on a :class:`SyncStore`'s database.

    One row per event in ``webhook_events``: ``running`` with a lease end while a handler
    runs, ``done`` once it has succeeded. A claim is one upsert that inserts the row, or
    takes over a running claim whose lease has ended; whether it wrote a row tells
    ``NEW`` from the rest, so that of any number of processes exactly one wins.
    """

    def __init__(self, store: SyncStore) -> None:
        self.store = store
        self._insert = postgresql.insert if store.dialect == "postgresql" else sqlite.insert

    def _where(self, key: Key) -> sa.ColumnElement[bool]:
        return sa.and_(_table.c.kind == key[0], _table.c.event_id == key[1])

    async def claim(self, key: Key, lease: float) -> Claim:
        now = time.time()
        running = {"state": "running", "claimed_at": now, "expires_at": now + lease,
                   "completed_at": None}
        statement = self._insert(_table).values(kind=key[0], event_id=key[1], **running)
        statement = statement.on_conflict_do_update(
            index_elements=[_table.c.kind, _table.c.event_id], set_=running,
            where=sa.and_(_table.c.state == "running", _table.c.expires_at < now),
        )
        async with self.store.transaction() as connection:
            if (await connection.execute(statement)).rowcount == 1:
                return Claim.NEW
            state = (await connection.execute(
                sa.select(_table.c.state).where(self._where(key)))).scalar_one()
        return Claim.DONE if state == "done" else Claim.IN_PROGRESS

    async def complete(self, key: Key) -> None:
        done = {"state": "done", "completed_at": time.time(), "expires_at": None}
        statement = self._insert(_table).values(
            kind=key[0], event_id=key[1], claimed_at=done["completed_at"], **done)
        async with self.store.transaction() as connection:
            await connection.execute(statement.on_conflict_do_update(
                index_elements=[_table.c.kind, _table.c.event_id], set_=done))

    async def release(self, key: Key) -> None:
        async with self.store.transaction() as connection:
            await connection.execute(
                _table.delete().where(self._where(key), _table.c.state == "running"))
