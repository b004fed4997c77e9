"""The mirror's upserts compiled once to the driver's SQL, run with plain tuples.

SQLAlchemy's per-row work on an ``executemany`` (building the parameter dicts, one bind
processor per column and row) cost more than the database itself on a backfill. The rows
are already in the shape the driver takes, except SQLite's timestamps, which are turned
here into the very text SQLAlchemy's ``DateTime`` stores (so reads through SQLAlchemy see
no difference).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["DriverUpsert", "sqlite_time"]


def sqlite_time(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy's SQLite ``DateTime`` stores it: UTC, naive,
    ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    if value is None:
        return None
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


class DriverUpsert:
    """One table's upsert for one engine: the SQL text and how a row dict becomes the
    driver's parameter tuple."""

    def __init__(self, table: sa.Table, engine_dialect: sa.Dialect) -> None:
        compiled = upsert_statement(table, engine_dialect.name).compile(
            dialect=engine_dialect)
        names: list[str] = list(compiled.positiontup or ())
        if sorted(names) != sorted(c.name for c in table.columns):
            raise AssertionError(f"unexpected parameters of the {table.name} upsert: {names}")
        self.sql: str = compiled.string
        pick = operator.itemgetter(*names)
        self._tuple: Callable[[dict[str, Any]], tuple[Any, ...]] = pick
        self._times: list[int] = []
        if engine_dialect.name == "sqlite":
            self._times = [i for i, name in enumerate(names)
                           if isinstance(table.c[name].type, sa.DateTime)]

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
        """Write ``rows`` in the connection's transaction, one ``executemany``."""
        parameters = self.parameters(rows)
        if parameters:
            await connection.exec_driver_sql(self.sql, parameters)
