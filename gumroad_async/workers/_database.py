"""The workers' own table, beside the mirror's (``gumroad_async.sync``) in one database.

The mirror's tables hold the rows, the runs, their windows and cursors; this one holds the
accounts the fleet syncs and the fleet-wide lease of each.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["accounts", "metadata"]

metadata = sa.MetaData()

#: One row per seller account the fleet syncs. ``token`` is the OAuth access token,
#: encrypted when a key is configured (see ``TokenCipher``). ``run_id`` is the fleet-wide
#: lease: the id of the mirror's run under way, cleared when it ends.
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
    sa.Column("last_started", sa.DateTime(timezone=True)),
    sa.Column("last_finished", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
