"""``SyncStore``: the mirror's database (SQLite or PostgreSQL) behind one code path."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import attrs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from gumroad_async._json import dumps
from gumroad_async._pagination import WireRecords
from gumroad_async.records import Sale, Subscriber
from gumroad_async.sync._errors import StoreUnavailableError
from gumroad_async.sync._migrations import migrate
from gumroad_async.sync._rows import EncodedJSON, sale_row, subscriber_row
from gumroad_async.sync._schema import sales, subscribers
from gumroad_async.sync._upserts import IDS_PER_IN, DriverUpsert
from gumroad_async.sync._urls import DEFAULT_DATABASE_URL, async_url, describe_url
from gumroad_async.sync._wire_rows import SALE_ROWS, SUBSCRIBER_ROWS

__all__ = ["RESOURCES", "SyncStore", "UpsertCounts"]

logger = logging.getLogger("gumroad_async.sync")

#: The resources the mirror holds, by the name used in ``sync_state.resource``.
RESOURCES: Mapping[str, sa.Table] = {"sales": sales, "subscribers": subscribers}

# Errors that mean "the database is not there (any more)", as opposed to a bug.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError, OSError,
)
# SQLSTATE classes of the same: connection exception, insufficient resources, operator
# intervention (shutdown, terminated backend); 55000 is "not accepting connections".
_UNAVAILABLE_SQLSTATES = ("08", "53", "57", "55000")


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, _UNAVAILABLE):
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(code, str) and code.startswith(_UNAVAILABLE_SQLSTATES)


@attrs.frozen
class UpsertCounts:
    """What writing a batch of records did to the table."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(self.inserted + other.inserted, self.updated + other.updated,
                            self.unchanged + other.unchanged)


def _serialize(value: Any) -> str:
    if isinstance(value, EncodedJSON):
        return str.__str__(value)
    return dumps(value).decode()


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}".rstrip(": ")


class SyncStore:
    """The database the mirror lives in, from a plain URL.

    ::

        async with SyncStore("sqlite:///gumroad.db") as store:        # or postgresql://...
            await sync_sales(gumroad, store)

    ``sqlite:///path.db`` (the default is ``gumroad.db`` in the working directory) or
    ``postgresql://user@host:port/dbname``; the async driver (aiosqlite, asyncpg) is chosen
    here. Opening creates the schema, or migrates an older one in place. Database failures
    surface as :class:`StoreUnavailableError`; committed work is never lost by them.
    """

    def __init__(
        self,
        url: str = DEFAULT_DATABASE_URL,
        *,
        pool_size: int = 5,
        sqlite_busy_timeout: float = 30.0,
    ) -> None:
        self.url: URL = async_url(url)
        self.dialect = self.url.get_backend_name()
        options: dict[str, Any] = {"json_serializer": _serialize}
        if self.dialect == "postgresql":
            # A pooled connection may have been cut (restart, failover): test it first.
            options.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
            # Statements are prepared once per connection, often while the tables are still
            # empty; a generic plan made then (a sequential scan) would be kept as they grow
            # to millions of rows. Plan each execution for its parameters instead.
            options["connect_args"] = {
                "server_settings": {"plan_cache_mode": "force_custom_plan"}}
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.dialect == "sqlite":
            self._configure_sqlite(sqlite_busy_timeout)
        self._upserts = {name: DriverUpsert(t, self.engine.dialect)
                         for name, t in RESOURCES.items()}
        self._opened = False

    def __repr__(self) -> str:
        return f"SyncStore({describe_url(self.url)!r})"

    def _configure_sqlite(self, busy_timeout: float) -> None:
        milliseconds = int(busy_timeout * 1000)

        @event.listens_for(self.engine.sync_engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # WAL: readers never block the writer; NORMAL: a commit survives a killed
            # process (not a power cut, which PostgreSQL is for). The driver's own
            # transaction handling is turned off so that BEGIN below is the only one.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # 16 KiB pages (a new file only; an existing one keeps its size): rows of a
            # 1-2 KB record each, written about 15% cheaper than with 4 KiB pages.
            cursor.execute("PRAGMA page_size=16384")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: index pages stay in memory
            cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
            cursor.close()

        @event.listens_for(self.engine.sync_engine, "begin")
        def _begin(connection: Any) -> None:
            # Take the write lock up front: a deferred transaction that reads and then
            # writes fails at once with "database is locked" instead of waiting its turn.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    # -- lifecycle ---------------------------------------------------------------------
    async def open(self) -> Self:
        """Connect, and create or migrate the schema (idempotent)."""
        if not self._opened:
            async with self.transaction() as connection:
                await connection.run_sync(migrate)
            self._opened = True
        return self

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Self:
        try:
            return await self.open()
        except BaseException:
            await self.close()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One database transaction: committed when the block ends, rolled back if it
        raises. A lost or unreachable database raises :class:`StoreUnavailableError`."""
        try:
            async with self.engine.begin() as connection:
                yield connection
        except (sa.exc.DBAPIError, sa.exc.DisconnectionError, OSError) as exc:
            if not _is_unavailable(exc):
                raise
            raise StoreUnavailableError(
                f"database {describe_url(self.url)} unavailable ({_first_line(exc)}); "
                "everything committed before is kept: run again to resume"
            ) from exc

    # -- records -----------------------------------------------------------------------
    async def upsert(
        self,
        connection: AsyncConnection,
        resource: str,
        account: str,
        records: Sequence[Sale] | Sequence[Subscriber],
        *,
        run_id: str | None = None,
        mark_unchanged: bool = False,
    ) -> UpsertCounts:
        """Write records whose content is new or changed, in the caller's transaction.

        Unchanged rows are left alone, except that ``mark_unchanged`` records that run
        ``run_id`` saw them (how a full sync finds rows the server no longer returns).
        """
        rows = self.rows(resource, account, records, run_id=run_id)
        counts = await self.upsert_rows(connection, resource, account, [rows],
                                        run_id=run_id, mark_unchanged=mark_unchanged)
        return counts[0]

    def rows(
        self,
        resource: str,
        account: str,
        records: Sequence[Sale] | Sequence[Subscriber],
        *,
        run_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """The table rows of records (pure CPU work: done outside any transaction).

        A listing's page as sent (``WireRecords``, from ``Listing.wire_pages``) makes its
        rows from the objects themselves, without building the records: the same rows.
        """
        return self._make_rows(resource, account, records, run_id, EncodedJSON)

    def _rows_to_write(
        self,
        resource: str,
        account: str,
        records: Sequence[Sale] | Sequence[Subscriber],
        *,
        run_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """:meth:`rows` for :meth:`upsert_rows` only (the sync's walkers): a page's record
        JSON as plain ``str``, which the driver upserts write as they write an
        ``EncodedJSON``. A ``str`` subclass instance is tracked by the garbage collector,
        and so then is its row's dict: tens of thousands of pages' rows in flight to the
        writer were traversed by every older-generation collection."""
        return self._make_rows(resource, account, records, run_id, str)

    def _make_rows(
        self,
        resource: str,
        account: str,
        records: Sequence[Sale] | Sequence[Subscriber],
        run_id: str | None,
        record_text: type[str],
    ) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        if isinstance(records, WireRecords):
            maker = SALE_ROWS if resource == "sales" else SUBSCRIBER_ROWS
            return maker.rows(records.wire, account, run_id, now, record_text=record_text)
        make: Any = sale_row if resource == "sales" else subscriber_row
        return [make(record, account, run_id, now) for record in records
                if record.id is not None]

    async def upsert_rows(
        self,
        connection: AsyncConnection,
        resource: str,
        account: str,
        pages: Sequence[Sequence[dict[str, Any]]],
        *,
        run_id: str | None = None,
        mark_unchanged: bool = False,
    ) -> list[UpsertCounts]:
        """:meth:`upsert` for several pages of :meth:`rows` at once, in a few statements;
        the counts of each page in order."""
        table = RESOURCES[resource]
        rows = {row["id"]: row for page in pages for row in page}
        if not rows:
            return [UpsertCounts() for _ in pages]
        existing = await self._upserts[resource].existing_digests(
            connection, account, list(rows))
        if not existing:  # a backfill's pages: every row is new
            await self._upserts[resource].execute(connection, list(rows.values()))
            return [UpsertCounts(inserted=len(page)) for page in pages]
        write = [r for r in rows.values() if existing.get(r["id"]) != r["digest"]]
        if write:
            await self._upserts[resource].execute(connection, write)
        unchanged = [i for i in rows if existing.get(i) == rows[i]["digest"]]
        for start in range(0, len(unchanged) if mark_unchanged else 0, IDS_PER_IN):
            await connection.execute(
                table.update().where(table.c.account == account,
                                     table.c.id.in_(unchanged[start:start + IDS_PER_IN]))
                .values(seen_run=run_id)
            )
        counts = []
        for page in pages:
            inserted = sum(1 for r in page if r["id"] not in existing)
            same = sum(1 for r in page if existing.get(r["id"]) == r["digest"])
            counts.append(UpsertCounts(inserted, len(page) - inserted - same, same))
        return counts

    async def write(
        self, resource: str, account: str, records: Sequence[Sale] | Sequence[Subscriber]
    ) -> UpsertCounts:
        """:meth:`upsert` in a transaction of its own (what the ping handler uses)."""
        async with self.transaction() as connection:
            return await self.upsert(connection, resource, account, records)

    async def records(
        self, resource: str, account: str, *, ids: Iterable[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """The stored records of an account by id, as the server sent them."""
        table = RESOURCES[resource]
        query = sa.select(table.c.id, table.c.record).where(table.c.account == account)
        if ids is not None:
            query = query.where(table.c.id.in_(list(ids)))
        async with self.transaction() as connection:
            result = await connection.execute(query)
            return {row_id: record for row_id, record in result.all()}

    async def count(self, resource: str, account: str) -> int:
        table = RESOURCES[resource]
        async with self.transaction() as connection:
            result = await connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.account == account))
            return int(result.scalar_one())
