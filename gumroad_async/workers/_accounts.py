"""The accounts table: which sellers the fleet syncs, with what token, how often, how hard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from gumroad_async.errors import GumroadError, InvalidArgumentError
from gumroad_async.workers._database import accounts, metadata
from gumroad_async.workers._limits import TokenPolicy
from gumroad_async.workers._tokens import TokenCipher

__all__ = ["RESOURCES", "Account", "AccountStore", "UnknownAccountError"]

#: What a sync can mirror.
RESOURCES = ("sales",)


class UnknownAccountError(GumroadError, LookupError):
    """No account has that name."""


@attrs.frozen
class Account:
    """One seller account as the fleet sees it (the token never shows in its repr)."""

    name: str
    token: str = attrs.field(repr=False)
    base_url: str | None = None
    resources: tuple[str, ...] = ("sales",)
    schedule_minutes: int = 60
    rate_limit: float | None = None
    concurrency: int = 4
    #: ``idle``, ``running``, ``failed`` (the token was refused: needs a person) or
    #: ``error`` (the last run failed after its retries; schedules go on).
    state: str = "idle"
    failure: str | None = None
    run_id: str | None = None
    last_started: datetime | None = None
    last_finished: datetime | None = None

    @property
    def policy(self) -> TokenPolicy:
        return TokenPolicy(rate_limit=self.rate_limit, concurrency=self.concurrency)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every time we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class AccountStore:
    """Reads and writes the accounts table; tokens pass through ``cipher`` both ways."""

    def __init__(self, engine: AsyncEngine, cipher: TokenCipher | None = None) -> None:
        self.engine = engine
        self.cipher = cipher if cipher is not None else TokenCipher.from_env()

    async def create_tables(self) -> None:
        """Create the workers' tables where they are missing."""
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def add(
        self,
        name: str,
        token: str,
        *,
        base_url: str | None = None,
        resources: Sequence[str] = ("sales",),
        schedule_minutes: int = 60,
        rate_limit: float | None = None,
        concurrency: int = 4,
        replace: bool = False,
    ) -> Account:
        """Add an account (``replace`` overwrites one of the same name and clears its
        failure, e.g. after a new token was issued)."""
        if not name or not token:
            raise InvalidArgumentError("name" if not name else "token", "must not be empty")
        unknown = set(resources) - set(RESOURCES)
        if unknown:
            raise InvalidArgumentError("resources", f"{sorted(unknown)} unknown; choose from "
                                       f"{RESOURCES}")
        if concurrency < 1:
            raise InvalidArgumentError("concurrency", "must be at least 1")
        if schedule_minutes < 0:
            raise InvalidArgumentError("schedule_minutes", "must be 0 (never) or more")
        if rate_limit is not None and rate_limit <= 0:
            raise InvalidArgumentError("rate_limit", "must be above 0")
        values: dict[str, Any] = {
            "token": self.cipher.seal(token), "base_url": base_url,
            "resources": ",".join(resources), "schedule_minutes": schedule_minutes,
            "rate_limit": rate_limit, "concurrency": concurrency,
        }
        async with self.engine.begin() as connection:
            exists = (await connection.execute(
                sa.select(accounts.c.name).where(accounts.c.name == name))).first()
            if exists and not replace:
                raise InvalidArgumentError("name", f"account {name!r} exists (replace it "
                                           "with --replace)")
            if exists:
                await connection.execute(accounts.update().where(accounts.c.name == name)
                                         .values(**values, state="idle", failure=None))
            else:
                await connection.execute(accounts.insert().values(
                    name=name, created_at=_now(), **values))
        return await self.get(name)

    async def remove(self, name: str) -> None:
        async with self.engine.begin() as connection:
            result = await connection.execute(accounts.delete().where(accounts.c.name == name))
        if result.rowcount == 0:
            raise UnknownAccountError(f"no account named {name!r}")

    async def get(self, name: str) -> Account:
        async with self.engine.connect() as connection:
            row = (await connection.execute(
                sa.select(accounts).where(accounts.c.name == name))).first()
        if row is None:
            raise UnknownAccountError(f"no account named {name!r}")
        return self._account(row._mapping)

    async def list(self) -> list[Account]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(sa.select(accounts).order_by(accounts.c.name))
            return [self._account(row._mapping, with_token=False) for row in rows]

    async def claim(self, name: str, run_id: str) -> bool:
        """Take the fleet-wide lease of an account for a run; ``False`` if another run
        holds it or the account failed."""
        async with self.engine.begin() as connection:
            taken = await connection.execute(
                accounts.update()
                .where(accounts.c.name == name, accounts.c.state != "failed",
                       sa.or_(accounts.c.run_id.is_(None), accounts.c.run_id == run_id))
                .values(run_id=run_id, state="running", last_started=_now(), failure=None))
        return taken.rowcount == 1

    async def release(self, name: str, run_id: str, *, error: str | None = None) -> bool:
        """Free the lease a run holds (once: ``False`` when it is not held by ``run_id``);
        with ``error`` the account shows it and is synced again at its next schedule."""
        async with self.engine.begin() as connection:
            freed = await connection.execute(
                accounts.update().where(accounts.c.name == name, accounts.c.run_id == run_id)
                .values(run_id=None, state="error" if error else "idle", failure=error,
                        last_finished=_now()))
        return freed.rowcount == 1

    async def mark_failed(self, name: str, reason: str) -> None:
        """Stop syncing an account until it is replaced: its token was refused."""
        async with self.engine.begin() as connection:
            await connection.execute(accounts.update().where(accounts.c.name == name).values(
                state="failed", failure=reason, run_id=None, last_finished=_now()))

    def _account(self, row: Any, *, with_token: bool = True) -> Account:
        return Account(
            name=row["name"],
            token=self.cipher.open(row["token"]) if with_token else "",
            base_url=row["base_url"],
            resources=tuple(r for r in row["resources"].split(",") if r),
            schedule_minutes=row["schedule_minutes"],
            rate_limit=row["rate_limit"],
            concurrency=row["concurrency"],
            state=row["state"],
            failure=row["failure"],
            run_id=row["run_id"],
            last_started=_aware(row["last_started"]),
            last_finished=_aware(row["last_finished"]),
        )
