"""Rows of the mirror: what the digest covers, so that a re-sync sees only real changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from gumroad_async._converter import structure
from gumroad_async.records import Sale
from gumroad_async.sync._rows import sale_row

NOW = datetime(2026, 11, 23, tzinfo=UTC)
SALE = {"id": "s1", "created_at": "2024-05-05T05:05:05Z", "price": 100, "refunded": False,
        "daystamp": " 5 May 2024  5:05 AM", "timestamp": "3 days ago"}


def row(**changes: object) -> dict[str, object]:
    sale = structure({**SALE, **changes}, Sale)
    assert sale is not None
    return sale_row(sale, "default", None, NOW)


def test_the_relative_timestamp_is_neither_stored_nor_digested() -> None:
    # The server computes "N ago" at each request: it changes while the sale does not.
    assert row()["digest"] == row(timestamp="4 days ago")["digest"]
    assert "timestamp" not in json.loads(str(row()["record"]))


def test_a_real_change_changes_the_digest() -> None:
    assert row()["digest"] != row(refunded=True)["digest"]
    assert json.loads(str(row()["record"]))["daystamp"] == SALE["daystamp"]
