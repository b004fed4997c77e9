"""Plain database URLs to SQLAlchemy asyncio engines, and the workers' own tables.

``--db`` takes ``postgresql://user@host:port/dbname`` or ``sqlite:///path.db``; which
driver runs underneath (asyncpg, aiosqlite) is ours to choose. The tables here are the
fleet's bookkeeping (accounts, runs, windows); the mirrored sales live in the sync store.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["accounts", "async_url", "create_engine", "metadata", "runs", "windows"]

_DRIVERS: Final = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_url(url: str) -> str:
    """``postgresql://...`` -> ``postgresql+asyncpg://...``; URLs naming a driver stay."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    if "+" in scheme:
        return url
    driver = _DRIVERS.get(scheme)
    if driver is None:
        raise ValueError(f"unsupported database {scheme!r}: use postgresql:// or sqlite:///")
    return f"{driver}://{rest}"


def create_engine(url: str) -> AsyncEngine:
    """An asyncio engine for a plain database URL."""
    full = async_url(url)
    if full.startswith("sqlite"):
        return create_async_engine(full)
    return create_async_engine(full, pool_size=5, max_overflow=5, pool_pre_ping=True)


metadata = sa.MetaData()

#: One row per seller account the fleet syncs. ``token`` is the OAuth access token,
#: encrypted when a key is configured (see ``TokenCipher``). ``run_id`` is the fleet-wide
#: lease: set while a sync of the account is under way, cleared when it ends.
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("base_url", sa.Text),
    sa.Column("resources", sa.String(200), nullable=False, server_default="sales"),
    sa.Column("schedule_minutes", sa.Integer, nullable=False, server_default="60"),
    sa.Column("rate_limit", sa.Float),
    sa.Column("concurrency", sa.Integer, nullable=False, server_default="4"),
    sa.Column("state", sa.String(20), nullable=False, server_default="idle"),
    sa.Column("failure", sa.Text),
    sa.Column("run_id", sa.String(64)),
    sa.Column("high_water", sa.Date),
    sa.Column("last_started", sa.DateTime(timezone=True)),
    sa.Column("last_finished", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

#: One row per sync run: what it planned and what it did.
runs = sa.Table(
    "worker_runs",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("account", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("windows", sa.Integer, nullable=False, server_default="0"),
    sa.Column("windows_done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: One row per window of a run: its days and how far its cursor walk has committed.
windows = sa.Table(
    "worker_windows",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("account", sa.String(200), nullable=False),
    sa.Column("after", sa.Date, nullable=False),
    sa.Column("before", sa.Date, nullable=False),
    sa.Column("cursor", sa.Text),
    sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records", sa.Integer, nullable=False, server_default="0"),
)
