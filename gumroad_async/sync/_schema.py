"""The mirror's one schema definition (SQLAlchemy Core), for SQLite and PostgreSQL alike.

``sales`` and ``subscribers`` hold one row per record and account: the columns people
filter on, plus the whole record as JSON (JSONB on PostgreSQL) and a digest of it, so a
re-sync rewrites only rows whose content changed. ``sync_state`` holds one row per account,
resource and scope (the high-water mark, the run in progress, the last run's figures);
``sync_windows`` the windows of the run in progress with their cursors, committed in the
same transaction as the rows they delivered; ``sync_leases`` who is syncing an account;
``webhook_events`` the pings handled; ``gumroad_schema_version`` the schema's version.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

__all__ = [
    "SCHEMA_VERSION",
    "leases",
    "metadata",
    "sales",
    "schema_version",
    "subscribers",
    "sync_state",
    "sync_windows",
    "webhook_events",
]

#: The version this release writes; an older database is migrated in place on open.
SCHEMA_VERSION = 2

metadata = sa.MetaData()

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)
_ID = sa.String(200)

schema_version = sa.Table(
    "gumroad_schema_version", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
)

sales = sa.Table(
    "sales", metadata,
    sa.Column("account", _ID, primary_key=True),
    sa.Column("id", _ID, primary_key=True),
    sa.Column("created_at", _TIME),
    sa.Column("product_id", _ID),
    sa.Column("product_name", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("order_id", sa.BigInteger),
    sa.Column("price", sa.BigInteger),
    sa.Column("gumroad_fee", sa.BigInteger),
    sa.Column("quantity", sa.Integer),
    # ISO code when the server sends one (pings do, listings send only the symbol).
    sa.Column("currency", sa.String(16)),
    sa.Column("currency_symbol", sa.String(16)),
    sa.Column("refunded", sa.Boolean),
    sa.Column("partially_refunded", sa.Boolean),
    sa.Column("chargedback", sa.Boolean),
    sa.Column("disputed", sa.Boolean),
    sa.Column("dispute_won", sa.Boolean),
    sa.Column("shipped", sa.Boolean),
    sa.Column("subscription_id", _ID),
    sa.Column("purchaser_id", _ID),
    sa.Column("record", _JSON, nullable=False),
    sa.Column("digest", sa.String(32), nullable=False),
    # The run that last saw this row on the server (how --full finds vanished ones).
    sa.Column("seen_run", sa.String(40)),
    sa.Column("synced_at", _TIME, nullable=False),
    sa.Index("sales_account_created_at", "account", "created_at"),
    sa.Index("sales_account_product_id", "account", "product_id"),
    sa.Index("sales_account_email", "account", "email"),
    sa.Index("sales_account_subscription_id", "account", "subscription_id"),
)

subscribers = sa.Table(
    "subscribers", metadata,
    sa.Column("account", _ID, primary_key=True),
    sa.Column("id", _ID, primary_key=True),
    sa.Column("product_id", _ID),
    sa.Column("product_name", sa.Text),
    sa.Column("user_id", _ID),
    sa.Column("user_email", sa.Text),
    sa.Column("status", sa.String(40)),
    sa.Column("recurrence", sa.String(40)),
    sa.Column("charge_occurrence_count", sa.Integer),
    sa.Column("created_at", _TIME),
    sa.Column("cancelled_at", _TIME),
    sa.Column("ended_at", _TIME),
    sa.Column("failed_at", _TIME),
    sa.Column("record", _JSON, nullable=False),
    sa.Column("digest", sa.String(32), nullable=False),
    sa.Column("seen_run", sa.String(40)),
    sa.Column("synced_at", _TIME, nullable=False),
    sa.Index("subscribers_account_product_id", "account", "product_id"),
    sa.Index("subscribers_account_user_email", "account", "user_email"),
)

sync_state = sa.Table(
    "sync_state", metadata,
    sa.Column("account", _ID, primary_key=True),
    sa.Column("resource", sa.String(40), primary_key=True),
    # The filters of the sync ("" for the whole account), e.g. "product_id=abc".
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("high_water_mark", _TIME),
    sa.Column("completed_at", _TIME),
    sa.Column("run_id", sa.String(40)),
    sa.Column("run_mode", sa.String(20)),
    sa.Column("run_started_at", _TIME),
    sa.Column("last_run", _JSON),
)

sync_windows = sa.Table(
    "sync_windows", metadata,
    sa.Column("account", _ID, primary_key=True),
    sa.Column("resource", sa.String(40), primary_key=True),
    sa.Column("scope", sa.Text, primary_key=True),
    # "2024-01-01/2024-02-01" for a window of days, the product id for subscribers.
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("run_id", sa.String(40), nullable=False),
    sa.Column("after", sa.Date),
    sa.Column("before", sa.Date),
    sa.Column("product_id", _ID),
    sa.Column("cursor", sa.Text),
    sa.Column("done", sa.Boolean, nullable=False, default=False),
    sa.Column("pages", sa.Integer, nullable=False, default=0),
    sa.Column("inserted", sa.Integer, nullable=False, default=0),
    sa.Column("updated", sa.Integer, nullable=False, default=0),
    sa.Column("unchanged", sa.Integer, nullable=False, default=0),
)

leases = sa.Table(
    "sync_leases", metadata,
    sa.Column("account", _ID, primary_key=True),
    sa.Column("name", sa.String(100), primary_key=True),
    # "host:pid:random": lets a sync on the same host take over from a dead process at once.
    sa.Column("holder", sa.String(300), nullable=False),
    # Unix seconds (from the holders' clocks, so no dialect-specific time functions).
    sa.Column("acquired_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

webhook_events = sa.Table(
    "webhook_events", metadata,
    # Text, not VARCHAR(n): a key is compared whole, whatever its length.
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    # "running" (claimed, handler in progress) or "done".
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("holder", sa.String(300)),
    sa.Column("claimed_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float),
    sa.Column("completed_at", sa.Float),
)
