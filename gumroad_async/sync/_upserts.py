"""The mirror's upserts compiled once to the driver's SQL, run with plain tuples.

SQLAlchemy's per-row work on an ``executemany`` (building the parameter dicts, one bind
processor per column and row) cost more than the database itself on a backfill. The rows
are already in the shape the driver takes, except SQLite's timestamps, which are turned
here into the very text SQLAlchemy's ``DateTime`` stores (so reads through SQLAlchemy see
no difference).

SQLite takes multi-row ``INSERT ... VALUES``; PostgreSQL a binary ``COPY`` into a
temporary table and one ``INSERT ... SELECT ... ON CONFLICT`` from it (measured on 8,000
rows of sales: 48 us of server CPU per row, against 75 us for the same rows sent as one
JSON document through ``jsonb_populate_recordset``, which parsed every record twice).
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gumroad_async._json import dumps

__all__ = ["IDS_PER_IN", "SQLITE_PARAMETERS", "DriverUpsert", "sqlite_time"]

#: Parameters per SQLite statement at most: under the 32,766 that SQLite allows since 3.32
#: (fewer, larger statements: fewer trips to the driver's thread), and the 999 of older
#: builds.
SQLITE_PARAMETERS = 32000 if sqlite3.sqlite_version_info >= (3, 32) else 999
#: Ids per SQLAlchemy ``IN (...)`` (one parameter each, plus the account's): under the
#: 999 parameters of SQLite builds older than 3.32, whatever a commit's size.
IDS_PER_IN = 900


def sqlite_time(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy's SQLite ``DateTime`` stores it: UTC, naive,
    ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    if value is None:
        return None
    if value.tzinfo is UTC:
        # "+00:00" cut off: half the cost of ``replace(tzinfo=None)`` and a naive isoformat.
        return value.isoformat(" ", "microseconds")[:-6]
    if value.tzinfo is not None:
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        value = value.replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def upsert_statement(table: sa.Table, dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` of every other column."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={c.name: statement.excluded[c.name] for c in table.columns
              if not c.primary_key},
    )


def _digests_sql(table: sa.Table, dialect: sa.Dialect) -> str | None:
    """The driver SQL of an account's digests of a list of ids, given as one parameter
    (``None``: an SQLite without ``json_each``, which takes SQLAlchemy's ``IN``)."""
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    if dialect.name == "postgresql":
        id_type = table.c.id.type.compile(dialect=dialect)
        return (f"SELECT id, digest FROM {name} WHERE account = $1 "
                f"AND id = ANY($2::{id_type}[])")
    if sqlite3.sqlite_version_info < (3, 38):
        return None  # JSON functions are built in from 3.38 on
    return (f"SELECT id, digest FROM {name} WHERE account = ? "
            "AND id IN (SELECT value FROM json_each(?))")


def _naive_as_utc(values: tuple[Any, ...], times: Sequence[int]) -> tuple[Any, ...]:
    """``values`` with the naive times at positions ``times`` made UTC."""
    listed = list(values)
    for i in times:
        value = listed[i]
        if value is not None and value.tzinfo is None:
            listed[i] = value.replace(tzinfo=UTC)
    return tuple(listed)


def _copy_upsert(table: sa.Table, names: list[str], upsert: str, dialect: sa.Dialect
                 ) -> tuple[str, str, str]:
    """PostgreSQL: the staging table's name, the SQL that creates it (once per session),
    and the upsert of everything in it, with the ``ON CONFLICT`` clause of ``upsert``.

    The staging table is temporary (no WAL, seen by its session only) and emptied with
    ``TRUNCATE`` after each batch, so it never holds dead rows: nothing vacuums a temporary
    table.
    """
    quote = dialect.identifier_preparer.quote
    stage = f"gumroad_sync_stage_{table.name}"
    listed = ", ".join(quote(name) for name in names)
    conflict = upsert[upsert.index(" ON CONFLICT "):]
    create = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(stage)} "
              f"(LIKE {quote(table.name)})")
    insert = (f"INSERT INTO {quote(table.name)} ({listed}) SELECT {listed} "
              f"FROM pg_temp.{quote(stage)}{conflict}")
    return stage, create, insert


class DriverUpsert:
    """One table's upsert for one engine: the SQL text and how a row dict becomes the
    driver's parameter tuple."""

    def __init__(self, table: sa.Table, engine_dialect: sa.Dialect) -> None:
        compiled = upsert_statement(table, engine_dialect.name).compile(
            dialect=engine_dialect)
        names: list[str] = list(compiled.positiontup or ())
        if sorted(names) != sorted(c.name for c in table.columns):
            raise AssertionError(f"unexpected parameters of the {table.name} upsert: {names}")
        pick = operator.itemgetter(*names)
        self._table = table
        self._tuple: Callable[[dict[str, Any]], tuple[Any, ...]] = pick
        self._times: list[int] = []
        #: PostgreSQL: ids go as an array, rows by a binary COPY into a staging table and
        #: one upsert from it.
        self._postgresql = engine_dialect.name == "postgresql"
        one_row: str = compiled.string
        self.sql = one_row
        self._names = tuple(map(str.__str__, names))  # the COPY's columns, in order
        if self._postgresql:
            self._stage, self._create_stage, self.sql = _copy_upsert(
                table, names, one_row, engine_dialect)
        # SQLite: "INSERT ... VALUES" + one "(?, ...)" per row + " ON CONFLICT ...".
        values = one_row.index(" VALUES (") + len(" VALUES ")
        conflict = one_row.index(" ON CONFLICT ")
        self._head, self._row, self._tail = (
            one_row[:values], one_row[values:conflict], one_row[conflict:])
        self._rows_per_statement = max(1, SQLITE_PARAMETERS // len(names))
        self._sql_of: dict[int, str] = {}
        if engine_dialect.name in ("sqlite", "postgresql"):
            self._times = [i for i, name in enumerate(names)
                           if isinstance(table.c[name].type, sa.DateTime)]
        self._digests_sql = _digests_sql(table, engine_dialect)

    async def existing_digests(self, connection: AsyncConnection, account: str,
                               ids: list[str]) -> dict[str, str]:
        """The stored digests of those of ``ids`` that the account has, by id."""
        if self._digests_sql is None:
            table = self._table
            digests: dict[str, str] = {}
            for start in range(0, len(ids), IDS_PER_IN):
                chunk = await connection.execute(sa.select(table.c.id, table.c.digest).where(
                    table.c.account == account, table.c.id.in_(ids[start:start + IDS_PER_IN])))
                digests.update((row_id, digest) for row_id, digest in chunk.all())
            return digests
        # The ids as ONE parameter (an array, a JSON list): one SQL text whatever their
        # number, prepared once, where an ``IN (...)`` of as many parameters as ids made
        # (and PostgreSQL planned) a new statement for each batch.
        ids_parameter: Any = ids if self._postgresql else dumps(ids).decode()
        found: sa.Result[str, str] = await connection.exec_driver_sql(
            self._digests_sql, (account, ids_parameter))
        return {row_id: digest for row_id, digest in found.all()}

    def parameters(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The driver's parameter tuples of ``rows`` (dicts of the table's columns)."""
        if not self._times:
            return [self._tuple(row) for row in rows]
        if self._postgresql:
            return self._copy_records(rows)
        out = []
        # Rows of one page share their synced_at: convert each distinct time once.
        known: dict[datetime, str | None] = {}
        for row in rows:
            values = list(self._tuple(row))
            for i in self._times:
                value = values[i]
                if value is not None:
                    text = known.get(value)
                    if text is None:
                        text = known[value] = sqlite_time(value)
                    values[i] = text
            out.append(tuple(values))
        return out

    def _copy_records(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """PostgreSQL: the tuples ``COPY`` sends. Naive times are UTC (as SQLAlchemy's
        ``DateTime(timezone=True)`` reads them); the driver would take them as local."""
        pick, times = self._tuple, self._times
        out = []
        for row in rows:
            values: tuple[Any, ...] = pick(row)
            for i in times:
                value = values[i]
                if value is not None and value.tzinfo is None:
                    values = _naive_as_utc(values, times)
                    break
            out.append(values)
        return out

    async def execute(self, connection: AsyncConnection, rows: Iterable[dict[str, Any]]
                      ) -> None:
        """Write ``rows`` in the connection's transaction."""
        if self._postgresql:
            records = self.parameters(rows)
            if records:
                await self._copy_in(connection, records)
            return
        listed = rows if isinstance(rows, list) else list(rows)
        step = self._rows_per_statement
        for start in range(0, len(listed), step):
            chunk = listed[start:start + step]
            await connection.exec_driver_sql(
                self._rows_sql(len(chunk)), self.flat_parameters(chunk))

    def flat_parameters(self, rows: Sequence[dict[str, Any]]) -> tuple[Any, ...]:
        """SQLite: the parameters of a multi-row ``VALUES`` of ``rows``, row after row:
        :meth:`parameters` chained, without a list and a tuple per row."""
        values = list(itertools.chain.from_iterable(map(self._tuple, rows)))
        width = len(self._names)
        # Rows of one page share their synced_at: convert each distinct time once.
        known: dict[datetime, str | None] = {}
        for i in self._times:
            column = values[i::width]
            for number, value in enumerate(column):
                if value is not None:
                    text = known.get(value)
                    if text is None:
                        text = known[value] = sqlite_time(value)
                    column[number] = text
            values[i::width] = column
        return tuple(values)

    async def _copy_in(self, connection: AsyncConnection, records: list[tuple[Any, ...]]
                       ) -> None:
        """PostgreSQL: ``records`` into the staging table by binary ``COPY`` (asyncpg's own
        call: SQLAlchemy has none), then upserted from there, in the caller's transaction."""
        await connection.exec_driver_sql(self._create_stage)
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        try:
            await driver.copy_records_to_table(
                self._stage, records=records, columns=self._names, schema_name="pg_temp")
        except Exception as exc:
            # As SQLAlchemy reports a statement's failure, so that the store tells a lost
            # database (SQLSTATE, closed connection) from a bug the same way.
            raise sa.exc.DBAPIError(
                f"COPY {self._stage}", None, exc,
                connection_invalidated=bool(driver.is_closed())) from exc
        await connection.exec_driver_sql(self.sql)
        await connection.exec_driver_sql(f"TRUNCATE pg_temp.{self._stage}")

    def _rows_sql(self, count: int) -> str:
        """The SQLite upsert of ``count`` rows in one statement (kept per count)."""
        sql = self._sql_of.get(count)
        if sql is None:
            sql = self._sql_of[count] = (
                self._head + ", ".join([self._row] * count) + self._tail)
        return sql
