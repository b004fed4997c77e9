"""The export engine against FakeGumroad: exact sets, splits, checkpoints, sinks."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gumroad_async import GumroadClient
from gumroad_async._converter import structure
from gumroad_async._pagination import WireRecords
from gumroad_async.export import (
    Checkpoint,
    CheckpointError,
    CheckpointMismatchError,
    CSVSink,
    JSONLSink,
    export_sales,
    export_subscribers,
    find_first_day,
)
from gumroad_async.records import Sale
from gumroad_async.testing import FakeGumroad


class MemorySink:
    """A sink that keeps records in a list; ``fail_after`` pages makes ``write`` raise."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.records: list[Any] = []
        self.committed = 0
        self.fail_after = fail_after
        self.writes = 0

    async def open(self, state: Mapping[str, Any] | None) -> None:
        # Transactional: whatever was not committed is rolled back.
        self.records = self.records[: (state or {}).get("count", 0)]

    async def write(self, records: Sequence[Any]) -> None:
        self.writes += 1
        if self.fail_after is not None and self.writes > self.fail_after:
            raise RuntimeError("disk full")
        self.records.extend(records)

    async def commit(self) -> Mapping[str, Any]:
        self.committed = len(self.records)
        return {"count": self.committed}

    async def close(self) -> None:
        pass


def all_ids(fake: FakeGumroad) -> list[str]:
    return [s["id"] for s in fake.state.iter_sales()]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_windowed_equals_serial(fake: FakeGumroad, client: GumroadClient) -> None:
    fake.seed(11, sales=1500, start=date(2023, 6, 1), end=date(2024, 6, 1))
    sink = MemorySink()
    result = await export_sales(client, sink, concurrency=8)
    windowed = [s.id for s in sink.records]
    serial = [s.id async for s in client.sales.list()]
    assert len(windowed) == len(set(windowed)) == result.records == 1500
    assert set(windowed) == set(serial) == set(all_ids(fake))
    assert all(isinstance(s, Sale) for s in sink.records)


async def test_filters_and_bounds(fake: FakeGumroad, client: GumroadClient) -> None:
    fake.seed(2, sales=600, products=3, start=date(2024, 1, 1), end=date(2024, 3, 1))
    product = next(iter(fake.state.products))
    sink = MemorySink()
    await export_sales(client, sink, after="2024-01-10", before=date(2024, 2, 10),
                       product_id=product, concurrency=4)
    expected = {
        s["id"] for s in fake.state.iter_sales()
        if s["product_id"] == product and "2024-01-10" <= s["created_at"][:10] < "2024-02-10"
    }
    assert [s.id for s in sink.records] and {s.id for s in sink.records} == expected
    queries = [r.query for r in fake.requests if r.path == "/v2/sales"]
    assert all(q["product_id"] == product for q in queries)


async def test_finds_where_sales_begin(fake: FakeGumroad, client: GumroadClient) -> None:
    fake.add_sale(created_at="2019-03-15T10:00:00Z")
    fake.add_sale(created_at="2024-01-01T10:00:00Z")
    assert await find_first_day(client, date(2025, 1, 1), {}) == date(2019, 3, 15)
    probes = [r for r in fake.requests if r.path == "/v2/sales"]
    assert len(probes) <= 1 + 5 * 7  # five rounds of seven probes sent at once
    assert await find_first_day(client, date(2019, 3, 15), {}) is None


@pytest.mark.parametrize("first", ["2011-04-01", "2011-04-02", "2017-08-09", "2024-12-30",
                                   "2024-12-31"])
async def test_the_search_lands_on_the_first_day_wherever_it_is(
    fake: FakeGumroad, client: GumroadClient, first: str
) -> None:
    fake.add_sale(created_at=f"{first}T23:59:59Z")
    fake.add_sale(created_at="2024-12-31T00:00:00Z")
    assert await find_first_day(client, date(2025, 1, 1), {}) == date.fromisoformat(first)


async def test_empty_account(fake: FakeGumroad, client: GumroadClient) -> None:
    sink = MemorySink()
    result = await export_sales(client, sink)
    assert result.records == 0 and sink.records == []


async def test_resume_after_a_failure_is_exactly_once(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    fake.seed(5, sales=700, start=date(2024, 1, 1), end=date(2024, 7, 1))
    out, state = tmp_path / "sales.jsonl", tmp_path / "sales.checkpoint"

    class FailingJSONL(JSONLSink):
        writes = 0

        async def write(self, records: Sequence[Any]) -> None:
            self.writes += 1
            if self.writes == 40:
                raise RuntimeError("disk full")
            await super().write(records)

    with pytest.raises(RuntimeError, match="disk full"):
        await export_sales(client, FailingJSONL(out), after="2024-01-01", before="2024-07-01",
                           checkpoint=state, concurrency=4, commit_interval=0)
    partial = read_jsonl(out)
    assert 0 < len(partial) < 700
    result = await export_sales(client, JSONLSink(out), after="2024-01-01",
                                before="2024-07-01", checkpoint=state, concurrency=4)
    ids = [row["id"] for row in read_jsonl(out)]
    assert result.resumed and result.records == 700
    assert len(ids) == len(set(ids)) == 700 and set(ids) == set(all_ids(fake))


async def test_uncommitted_writes_are_sent_again(fake: FakeGumroad, client: GumroadClient,
                                                 tmp_path: Path) -> None:
    fake.seed(6, sales=300, start=date(2024, 1, 1), end=date(2024, 3, 1))
    sink = MemorySink(fail_after=12)
    state = tmp_path / "cp.json"
    with pytest.raises(RuntimeError):
        # A long commit interval: only the final save on failure commits.
        await export_sales(client, sink, after="2024-01-01", before="2024-03-01",
                           checkpoint=state, commit_interval=3600)
    sink.fail_after = None
    await export_sales(client, sink, after="2024-01-01", before="2024-03-01", checkpoint=state)
    assert sorted(s.id for s in sink.records) == sorted(all_ids(fake))


async def test_a_foreign_checkpoint_is_refused(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    state = tmp_path / "cp.json"
    await export_sales(client, MemorySink(), after="2024-01-01", before="2024-02-01",
                       checkpoint=state)
    with pytest.raises(CheckpointMismatchError, match="another export"):
        await export_sales(client, MemorySink(), after="2023-01-01", before="2024-02-01",
                           checkpoint=state)
    Checkpoint(state).path.write_text("not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        await export_sales(client, MemorySink(), after="2024-01-01", before="2024-02-01",
                           checkpoint=state)


async def test_jsonl_round_trip_keeps_every_field(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    fake.add_sale(price=1234, created_at="2024-05-05T05:05:05Z", brand_new_field={"a": 1},
                  variants={"Size": "L"})
    out = tmp_path / "s.jsonl"
    await export_sales(client, JSONLSink(out), after="2024-05-01", before="2024-06-01")
    (row,) = read_jsonl(out)
    original = next(fake.state.iter_sales())
    assert row["brand_new_field"] == {"a": 1} and row["variants"] == {"Size": "L"}
    assert row["price"] == 1234 and row["created_at"] == original["created_at"]
    assert {k for k, v in original.items() if v is not None} <= set(row)


async def test_jsonl_lines_are_the_objects_as_sent(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    # Values the typed record converts ("3" -> 3, "false" -> False) or drops (null) are
    # written as the server sent them; read back, they make the records the stream makes.
    fake.add_sale(created_at="2024-05-05T05:05:05Z", quantity="3", refunded="false",
                  product_rating=None)
    out = tmp_path / "s.jsonl"
    await export_sales(client, JSONLSink(out), after="2024-05-01", before="2024-06-01")
    (row,) = read_jsonl(out)
    assert row["quantity"] == "3" and row["refunded"] == "false"
    assert "product_rating" in row and row["product_rating"] is None
    (sale,) = await client.sales.list(after="2024-05-01", before="2024-06-01").to_list()
    assert structure(row, Sale) == sale


async def test_a_jsonl_export_builds_no_record(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    fake.seed(4, sales=45, start=date(2024, 1, 1), end=date(2024, 2, 1))

    pages: list[Any] = []

    class Watching(JSONLSink):
        async def write(self, records: Sequence[Any]) -> None:
            await super().write(records)
            pages.append(records)

    out = tmp_path / "s.jsonl"
    await export_sales(client, Watching(out), after="2024-01-01", before="2024-02-01")
    # Each page reached the sink as the objects sent, its records never built.
    assert pages and all(isinstance(p, WireRecords) and p._records is None for p in pages)
    assert sorted(row["id"] for row in read_jsonl(out)) == sorted(all_ids(fake))


async def test_csv_round_trip(fake: FakeGumroad, client: GumroadClient, tmp_path: Path) -> None:
    fake.seed(8, sales=55, start=date(2024, 1, 1), end=date(2024, 2, 1))
    out = tmp_path / "s.csv"
    await export_sales(client, CSVSink(out), after="2024-01-01", before="2024-02-01")
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    by_id = {s["id"]: s for s in fake.state.iter_sales()}
    assert len(rows) == 55 and set(by_id) == {r["id"] for r in rows}
    for row in rows:
        sale = by_id[row["id"]]
        assert row["price"] == str(sale["price"]) and row["email"] == sale["email"]
        assert row["created_at"] == sale["created_at"] and row["refunded"] == "false"
        assert json.loads(row["card"]) == {k: v for k, v in sale["card"].items() if v is not None}


async def test_export_subscribers(fake: FakeGumroad, client: GumroadClient, tmp_path: Path) -> None:
    one = fake.add_product(name="A")["id"]
    two = fake.add_product(name="B")["id"]
    expected = {fake.add_subscriber(product_id=one)["id"] for _ in range(230)}
    expected |= {fake.add_subscriber(product_id=two)["id"] for _ in range(5)}
    out = tmp_path / "subs.jsonl"
    result = await export_subscribers(client, JSONLSink(out), [one, two],
                                      checkpoint=tmp_path / "subs.cp")
    ids = [row["id"] for row in read_jsonl(out)]
    assert result.records == 235 and len(ids) == 235 and set(ids) == expected
    queries = [r.query for r in fake.requests if r.path.endswith("/subscribers")]
    assert all(q["paginated"] == "true" for q in queries)


async def test_bad_arguments_send_nothing(fake: FakeGumroad, client: GumroadClient) -> None:
    with pytest.raises(ValueError, match="after"):
        await export_sales(client, MemorySink(), after="01/02/2024")
    with pytest.raises(ValueError, match="concurrency"):
        await export_sales(client, MemorySink(), concurrency=0)
    assert fake.requests == []
