"""The mirror's upserts compiled once to the driver's SQL, run with plain tuples.

SQLAlchemy's per-row work on an ``executemany`` (building the parameter dicts, one bind
processor per column and row) cost more than the database itself on a backfill. The rows
are already in the shape the driver takes, except SQLite's timestamps, which are turned
here into the very text SQLAlchemy's ``DateTime`` stores (so reads through SQLAlchemy see
no difference).
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

from gumroad_async._json import HAS_ORJSON, dumps

_orjson: Any = None
_Fragment: Any = None
if HAS_ORJSON:
    import orjson

    _orjson = orjson
    _Fragment = getattr(orjson, "Fragment", None)  # orjson >= 3.9

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


def _unnest_upsert(table: sa.Table, names: list[str], upsert: str, dialect: sa.Dialect
                   ) -> str:
    """PostgreSQL: the upsert of a whole batch from one array per column, in ``names``'
    order (``$1`` is the array of ``names[0]``), with the ``ON CONFLICT`` clause of the
    compiled ``upsert``."""
    quote = dialect.identifier_preparer.quote
    arrays, selected = [], []
    for number, name in enumerate(names, start=1):
        column_type = table.c[name].type
        if isinstance(column_type, sa.JSON):
            arrays.append(f"${number}::TEXT[]")
            selected.append(f"{quote(name)}::JSONB")
        else:
            arrays.append(f"${number}::{column_type.compile(dialect=dialect)}[]")
            selected.append(quote(name))
    listed = ", ".join(quote(name) for name in names)
    conflict = upsert[upsert.index(" ON CONFLICT "):]
    return (f"INSERT INTO {quote(table.name)} ({listed}) SELECT {', '.join(selected)} "
            f"FROM unnest({', '.join(arrays)}) AS batch ({listed}){conflict}")


def _json_upsert(table: sa.Table, names: list[str], upsert: str, dialect: sa.Dialect
                 ) -> str:
    """PostgreSQL: the upsert of a whole batch given as ONE JSON array of row objects
    (``$1``), with the ``ON CONFLICT`` clause of the compiled ``upsert``.

    One parameter instead of one array per column: asyncpg checks every element of an
    array parameter against ``collections.abc`` classes (two slow ``isinstance`` calls
    each), which cost more than the rest of the write; the server reads the JSON in C.
    JSONB, not JSON: the batch is parsed once, where ``json_populate_recordset`` parsed
    each row's record again for its JSONB column.
    """
    quote = dialect.identifier_preparer.quote
    listed = ", ".join(quote(name) for name in names)
    conflict = upsert[upsert.index(" ON CONFLICT "):]
    return (f"INSERT INTO {quote(table.name)} ({listed}) SELECT {listed} "
            f"FROM jsonb_populate_recordset(NULL::{quote(table.name)}, $1::JSONB) AS batch"
            f"{conflict}")


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
        self._arrays = engine_dialect.name == "postgresql"
        one_row: str = compiled.string
        self.sql = one_row
        self._names = tuple(map(str.__str__, names))  # exact str: orjson keys
        #: PostgreSQL with orjson: the whole batch as ONE JSON parameter.
        self._as_json = self._arrays and _Fragment is not None
        if self._as_json:
            self.sql = _json_upsert(table, names, one_row, engine_dialect)
        elif self._arrays:
            self.sql = _unnest_upsert(table, names, one_row, engine_dialect)
        # SQLite: "INSERT ... VALUES" + one "(?, ...)" per row + " ON CONFLICT ...".
        values = one_row.index(" VALUES (") + len(" VALUES ")
        conflict = one_row.index(" ON CONFLICT ")
        self._head, self._row, self._tail = (
            one_row[:values], one_row[values:conflict], one_row[conflict:])
        self._rows_per_statement = max(1, SQLITE_PARAMETERS // len(names))
        self._sql_of: dict[int, str] = {}
        if engine_dialect.name == "sqlite":
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
        ids_parameter: Any = ids if self._arrays else dumps(ids).decode()
        found: sa.Result[str, str] = await connection.exec_driver_sql(
            self._digests_sql, (account, ids_parameter))
        return {row_id: digest for row_id, digest in found.all()}

    def parameters(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The driver's parameter tuples of ``rows`` (dicts of the table's columns)."""
        if not self._times:
            return [self._tuple(row) for row in rows]
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

    async def execute(self, connection: AsyncConnection, rows: Iterable[dict[str, Any]]
                      ) -> None:
        """Write ``rows`` in the connection's transaction."""
        if self._as_json:
            batch = self.json_batch(rows)
            if batch is not None:
                await connection.exec_driver_sql(self.sql, (batch,))
            return
        if self._arrays:
            parameters = self.parameters(rows)
            if parameters:
                # One execution with one list per column.
                columns = tuple(list(column) for column in zip(*parameters, strict=True))
                await connection.exec_driver_sql(self.sql, columns)
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

    def json_batch(self, rows: Iterable[dict[str, Any]]) -> str | None:
        """PostgreSQL: ``rows`` as one JSON array of objects (``None`` if there are none).

        The record column's JSON text goes in as it is (an ``orjson.Fragment``): encoded
        once, when the row was made. Times are written with their offset (naive ones as
        UTC, as SQLAlchemy's ``DateTime(timezone=True)`` reads them).
        """
        assert _Fragment is not None and _orjson is not None
        fragment = _Fragment
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return None
        # A copy of each row (the rows the store makes have the table's columns as keys,
        # exact str): about a third of the cost of picking the columns one by one.
        objects = [{**row, "record": fragment(str.__str__(row["record"]))} for row in rows]
        try:
            encoded: bytes = _orjson.dumps(objects, option=_orjson.OPT_NAIVE_UTC)
        except TypeError:  # other keys (orjson takes exact str only): the columns picked
            pick, names = self._tuple, self._names
            objects = []
            for row in rows:
                values = dict(zip(names, pick(row), strict=True))
                values["record"] = fragment(str.__str__(values["record"]))
                objects.append(values)
            encoded = _orjson.dumps(objects, option=_orjson.OPT_NAIVE_UTC)
        return encoded.decode()

    def _rows_sql(self, count: int) -> str:
        """The SQLite upsert of ``count`` rows in one statement (kept per count)."""
        sql = self._sql_of.get(count)
        if sql is None:
            sql = self._sql_of[count] = (
                self._head + ", ".join([self._row] * count) + self._tail)
        return sql
