"""One sync per account at a time: a lease row in the database, renewed while it runs.

A lease names its holder as ``host:pid:random`` and expires ``ttl`` seconds after its last
renewal, so a crashed sync on another machine frees the account after ``ttl``; on the same
machine a holder whose process is gone is replaced at once (a rerun after ``kill -9``
does not wait).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gumroad_async.sync._errors import StoreUnavailableError, SyncInProgressError
from gumroad_async.sync._schema import leases
from gumroad_async.sync._store import SyncStore

__all__ = ["DEFAULT_LEASE_SECONDS", "hold_lease", "make_holder"]

#: Seconds a lease lasts without renewal (it is renewed every third of that).
DEFAULT_LEASE_SECONDS = 60.0


def make_holder() -> str:
    """This process's name as a lease holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _is_dead_here(holder: str) -> bool:
    """Whether ``holder`` ran on this host in a process that no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def _take(store: SyncStore, account: str, name: str, holder: str, ttl: float
                ) -> tuple[str, float]:
    """Take the lease if it is free, expired, ours, or held by a dead local process;
    returns who holds it afterwards, and until when."""
    now = time.time()
    async with store.transaction() as connection:
        current = (await connection.execute(sa.select(leases.c.holder).where(
            leases.c.account == account, leases.c.name == name))).scalar_one_or_none()
        takeable = [holder] + ([current] if current and _is_dead_here(current) else [])
        insert = postgresql.insert if store.dialect == "postgresql" else sqlite.insert
        statement = insert(leases).values(account=account, name=name, holder=holder,
                                          acquired_at=now, expires_at=now + ttl)
        await connection.execute(statement.on_conflict_do_update(
            index_elements=[leases.c.account, leases.c.name],
            set_={"holder": holder, "acquired_at": now, "expires_at": now + ttl},
            where=sa.or_(leases.c.expires_at < now, leases.c.holder.in_(takeable)),
        ))
        row = (await connection.execute(sa.select(leases.c.holder, leases.c.expires_at).where(
            leases.c.account == account, leases.c.name == name))).one()
        return str(row[0]), float(row[1])


async def _renew(store: SyncStore, account: str, name: str, holder: str, ttl: float) -> bool:
    async with store.transaction() as connection:
        result = await connection.execute(leases.update().where(
            leases.c.account == account, leases.c.name == name, leases.c.holder == holder,
        ).values(expires_at=time.time() + ttl))
        return bool(result.rowcount)


async def _release(store: SyncStore, account: str, name: str, holder: str) -> None:
    async with store.transaction() as connection:
        await connection.execute(leases.delete().where(
            leases.c.account == account, leases.c.name == name, leases.c.holder == holder))


@asynccontextmanager
async def hold_lease(
    store: SyncStore, account: str, name: str = "sync", *, ttl: float = DEFAULT_LEASE_SECONDS
) -> AsyncIterator[str]:
    """Hold the account's lease for the block, or raise :class:`SyncInProgressError`.

    The lease is renewed in the background; if it is lost (the database was unreachable
    for longer than ``ttl`` and someone else took it), the block is cancelled.
    """
    holder = make_holder()
    owner, expires_at = await _take(store, account, name, holder, ttl)
    if owner != holder:
        raise SyncInProgressError(
            f"another sync of account {account!r} is running ({owner}); this one stops. "
            f"Its lease expires in {max(0.0, expires_at - time.time()):.0f}s if it died."
        )
    body = asyncio.current_task()
    lost = False

    async def renew() -> None:
        nonlocal lost
        while True:
            await asyncio.sleep(ttl / 3)
            try:
                if await _renew(store, account, name, holder, ttl):
                    continue
            except StoreUnavailableError:
                continue  # the run itself will hit the same failure and stop
            lost = True
            if body is not None:
                body.cancel()
            return

    renewal = asyncio.create_task(renew())
    try:
        yield holder
    except asyncio.CancelledError:
        if lost:
            raise SyncInProgressError(
                f"the lease of account {account!r} was lost to another sync; this one "
                "stopped (its committed progress is kept)") from None
        raise
    finally:
        renewal.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewal
        with contextlib.suppress(StoreUnavailableError):
            await asyncio.shield(_release(store, account, name, holder))
