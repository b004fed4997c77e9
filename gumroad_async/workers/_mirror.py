"""Writing a page of sales into the mirror, inside the window job's transaction.

Upserts keyed by the sale's id make every page idempotent: a page written twice (a job
retried after a kill) leaves the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gumroad_async._converter import to_wire_dict
from gumroad_async.records import Sale
from gumroad_async.workers._database import metadata

__all__ = ["sales", "write_sales"]

sales = sa.Table(
    "sales",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("account", sa.String(200), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), index=True),
    sa.Column("product_id", sa.String(100)),
    sa.Column("email", sa.Text),
    sa.Column("price", sa.BigInteger),
    sa.Column("currency", sa.String(10)),
    sa.Column("refunded", sa.Boolean),
    sa.Column("partially_refunded", sa.Boolean),
    sa.Column("chargedback", sa.Boolean),
    sa.Column("disputed", sa.Boolean),
    sa.Column("subscription_id", sa.String(100)),
    sa.Column("record", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
)

_UPDATED = ("account", "created_at", "product_id", "email", "price", "currency", "refunded",
            "partially_refunded", "chargedback", "disputed", "subscription_id", "record")


def _row(account: str, sale: Sale) -> dict[str, Any]:
    record = to_wire_dict(sale)
    return {
        "id": sale.id, "account": account, "created_at": sale.created_at,
        "product_id": sale.product_id, "email": sale.email, "price": sale.price,
        "currency": record.get("currency"), "refunded": record.get("refunded"),
        "partially_refunded": record.get("partially_refunded"),
        "chargedback": record.get("chargedback"), "disputed": record.get("disputed"),
        "subscription_id": record.get("subscription_id"), "record": record,
    }


async def write_sales(connection: AsyncConnection, account: str, page: Sequence[Sale]) -> int:
    """Upsert one page of an account's sales; returns the rows written."""
    rows = [_row(account, sale) for sale in page if sale.id]
    if not rows:
        return 0
    dialect = connection.dialect.name
    insert = postgresql.insert(sales) if dialect == "postgresql" else sqlite.insert(sales)
    statement = insert.on_conflict_do_update(
        index_elements=[sales.c.id],
        set_={name: insert.excluded[name] for name in _UPDATED},
    )
    await connection.execute(statement, rows)
    return len(rows)
