"""Creating the schema, and migrating an older one in place, under one lock."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gumroad_async.sync._errors import SchemaVersionError, SyncError
from gumroad_async.sync._schema import (
    SCHEMA_VERSION,
    metadata,
    sales,
    schema_version,
    subscribers,
    webhook_events,
)

__all__ = ["migrate"]

# Any constant: PostgreSQL's advisory lock id for "the gumroad mirror's schema".
_PG_LOCK_ID = 0x6775_6D72_6F61_64


def _add_column(connection: Connection, table: sa.Table, column: str, ddl_type: str) -> None:
    existing = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
    if column not in existing:
        connection.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column} {ddl_type}"))


def _to_v2(connection: Connection) -> None:
    """v2: the webhook event store, and ``seen_run`` (what --full uses to find vanished rows)."""
    webhook_events.create(connection, checkfirst=True)
    _add_column(connection, sales, "seen_run", "VARCHAR(40)")
    _add_column(connection, subscribers, "seen_run", "VARCHAR(40)")


#: The step that brings a database from version ``n - 1`` to ``n``.
_STEPS: dict[int, Callable[[Connection], None]] = {2: _to_v2}


def migrate(connection: Connection) -> int:
    """Create the schema, or bring an older one up to :data:`SCHEMA_VERSION`, in the
    caller's transaction; returns the version found (0 for a new database)."""
    if connection.dialect.name == "postgresql":
        # Two processes opening a new database at once: one creates, the other waits.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    inspector = sa.inspect(connection)
    if not inspector.has_table(schema_version.name):
        clashing = [t for t in metadata.tables if inspector.has_table(t)]
        if clashing:
            raise SyncError(
                f"the database already has tables named {', '.join(sorted(clashing))} that "
                "this library did not create; use another database (or schema)"
            )
        metadata.create_all(connection)
        connection.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION))
        return 0
    found = connection.execute(sa.select(schema_version.c.version)).scalar_one_or_none() or 1
    if found > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the database is at schema version {found}, newer than this release knows "
            f"({SCHEMA_VERSION}): upgrade gumroad-async"
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        _STEPS[version](connection)
    if found < SCHEMA_VERSION:
        connection.execute(schema_version.delete())
        connection.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION))
    return found
