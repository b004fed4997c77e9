"""The export under faults: full disks, failing sinks, foreign or broken checkpoints, edge
5xx and timeouts that halve windows, records that cannot be encoded. Exactly once, always."""

from __future__ import annotations

import errno
import json
import math
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest

from gumroad_async import GumroadClient, InvalidArgumentError, ServerError
from gumroad_async.export import (
    CheckpointError,
    CheckpointMismatchError,
    CSVSink,
    ExportEncodingError,
    ExportProgress,
    JSONLSink,
    export_sales,
)
from gumroad_async.records import Sale
from gumroad_async.testing import FakeGumroad

SPAN = {"after": "2024-01-01", "before": "2024-07-01"}


def all_ids(fake: FakeGumroad) -> set[str]:
    return {s["id"] for s in fake.state.iter_sales()}


def lines_of(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), "a partial line was left"
    return [json.loads(line) for line in data.splitlines()]


def assert_exactly_once(path: Path, fake: FakeGumroad) -> None:
    ids = [row["id"] for row in lines_of(path)]
    assert len(ids) == len(set(ids)) and set(ids) == all_ids(fake)


# -- a full disk ---------------------------------------------------------------------

class _LimitedFile:
    """A file that takes ``limit`` bytes in all, then writes part of a page and raises
    ENOSPC: the fallback when no tmpfs can be mounted."""

    def __init__(self, file: IO[bytes], disk: SmallDisk) -> None:
        self._file, self._disk = file, disk

    def write(self, data: bytes) -> int:
        room = self._disk.limit - self._disk.used
        if len(data) > room:
            self._file.write(data[: max(room, 0)])
            self._disk.used += max(room, 0)
            raise OSError(errno.ENOSPC, "No space left on device")
        self._disk.used += len(data)
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class SmallDisk:
    """A tmpfs of a few dozen KiB mounted in the test (we run as root), grown on demand."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(root)],
            capture_output=True, check=False,
        ).returncode == 0
        self.limit, self.used = 96 * 1024, 0

    def sink(self, path: Path) -> JSONLSink:
        if self.mounted:
            return JSONLSink(path)
        disk = self

        class LimitedSink(JSONLSink):
            async def open(self, state: Mapping[str, Any] | None) -> None:
                await super().open(state)
                assert self._file is not None
                disk.used = self._file.tell()
                self._file = _LimitedFile(self._file, disk)  # type: ignore[assignment]

        return LimitedSink(path)

    def grow(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,size=16m", str(self.root)], check=True)
        self.limit = math.inf  # type: ignore[assignment]

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.root)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    root = tmp_path / "disk"
    root.mkdir()
    disk = SmallDisk(root)
    try:
        yield disk
    finally:
        disk.unmount()


async def test_a_full_disk_commits_no_partial_page_and_resumes_exactly_once(
    fake: FakeGumroad, client: GumroadClient, small_disk: SmallDisk
) -> None:
    fake.seed(5, sales=600, start=date(2024, 1, 1), end=date(2024, 7, 1))
    out, state = small_disk.root / "sales.jsonl", small_disk.root / "sales.checkpoint"
    with pytest.raises(OSError) as failure:
        await export_sales(client, small_disk.sink(out), checkpoint=state, concurrency=4,
                           commit_interval=0, **SPAN)
    assert failure.value.errno == errno.ENOSPC
    saved = json.loads(state.read_text())
    assert 0 < saved["records"] < 600
    committed = out.read_bytes()[: saved["sink"]["offset"]]
    assert committed.count(b"\n") == saved["records"] and committed.endswith(b"\n")

    small_disk.grow()
    result = await export_sales(client, small_disk.sink(out), checkpoint=state,
                                concurrency=4, **SPAN)
    assert result.resumed and result.records == 600
    assert_exactly_once(out, fake)


# -- sinks that raise --------------------------------------------------------------

class HalfWritingSink:
    """Transactional (``open`` rolls back to the last commit), but ``write`` number
    ``fail_at`` applies half of its page and then raises."""

    def __init__(self, fail_at: int | None) -> None:
        self.records: list[Sale] = []
        self.fail_at, self.writes = fail_at, 0

    async def open(self, state: Mapping[str, Any] | None) -> None:
        self.records = self.records[: (state or {}).get("count", 0)]

    async def write(self, records: Sequence[Any]) -> None:
        self.writes += 1
        if self.writes == self.fail_at:
            self.records.extend(records[: len(records) // 2])
            raise RuntimeError("the database went away")
        self.records.extend(records)

    async def commit(self) -> Mapping[str, Any]:
        return {"count": len(self.records)}

    async def close(self) -> None:
        pass


async def test_a_sink_that_raises_mid_page_is_never_committed(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    fake.seed(6, sales=400, start=date(2024, 1, 1), end=date(2024, 7, 1))
    sink, state = HalfWritingSink(fail_at=15), tmp_path / "cp.json"
    with pytest.raises(RuntimeError, match="went away"):
        await export_sales(client, sink, checkpoint=state, commit_interval=3600, **SPAN)
    sink.fail_at = None
    await export_sales(client, sink, checkpoint=state, **SPAN)
    ids = [s.id for s in sink.records]
    assert len(ids) == len(set(ids)) and set(ids) == all_ids(fake)


async def test_a_file_write_failing_part_way_leaves_no_partial_line(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    fake.seed(7, sales=400, start=date(2024, 1, 1), end=date(2024, 7, 1))
    out, state = tmp_path / "s.jsonl", tmp_path / "s.checkpoint"

    class EIOSink(JSONLSink):
        writes = 0

        async def write(self, records: Sequence[Any]) -> None:
            self.writes += 1
            if self.writes == 12:
                assert self._file is not None
                self._file.write(b'{"id":"half a li')
                raise OSError(errno.EIO, "Input/output error")
            await super().write(records)

    with pytest.raises(OSError, match="Input/output"):
        await export_sales(client, EIOSink(out, fsync=False), checkpoint=state,
                           commit_interval=3600, **SPAN)
    await export_sales(client, JSONLSink(out), checkpoint=state, **SPAN)
    assert_exactly_once(out, fake)


# -- checkpoints bound to what they describe -----------------------------------------

async def _half_done(fake: FakeGumroad, client: GumroadClient, out: Path, state: Path) -> None:
    fake.seed(8, sales=300, start=date(2024, 1, 1), end=date(2024, 7, 1))
    with pytest.raises(RuntimeError):
        await export_sales(client, HalfWritingSinkJSONL(out), checkpoint=state,
                           commit_interval=0, concurrency=2, **SPAN)


class HalfWritingSinkJSONL(JSONLSink):
    """Fails cleanly (before writing) on its tenth page."""

    writes = 0

    async def write(self, records: Sequence[Any]) -> None:
        self.writes += 1
        if self.writes == 10:
            raise RuntimeError("stop here")
        await super().write(records)


async def test_resuming_into_another_file_or_format_is_refused(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    out, state = tmp_path / "a.jsonl", tmp_path / "a.checkpoint"
    await _half_done(fake, client, out, state)
    other = tmp_path / "b.jsonl"
    other.write_bytes(b"precious\n")
    with pytest.raises(CheckpointMismatchError, match="out") as refused:
        await export_sales(client, JSONLSink(other), checkpoint=state, **SPAN)
    assert "\n" not in str(refused.value) and str(state) in str(refused.value)
    assert other.read_bytes() == b"precious\n"
    with pytest.raises(CheckpointMismatchError, match="format"):
        await export_sales(client, CSVSink(out), checkpoint=state, **SPAN)
    with pytest.raises(CheckpointMismatchError, match="product_id"):
        await export_sales(client, JSONLSink(out), checkpoint=state, product_id="P", **SPAN)
    with pytest.raises(CheckpointMismatchError, match="after"):
        await export_sales(client, JSONLSink(out), checkpoint=state, after="2024-02-01",
                           before="2024-07-01")
    await export_sales(client, JSONLSink(out), checkpoint=state, **SPAN)  # the right one
    assert_exactly_once(out, fake)


async def test_a_replaced_output_file_is_never_truncated(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    out, state = tmp_path / "a.jsonl", tmp_path / "a.checkpoint"
    await _half_done(fake, client, out, state)
    offset = json.loads(state.read_text())["sink"]["offset"]
    foreign = b"x" * (offset + 100)  # longer than the checkpoint's offset, other bytes
    out.write_bytes(foreign)
    with pytest.raises(CheckpointMismatchError, match="not those this export wrote"):
        await export_sales(client, JSONLSink(out), checkpoint=state, **SPAN)
    assert out.read_bytes() == foreign
    out.unlink()
    with pytest.raises(CheckpointMismatchError, match="missing"):
        await export_sales(client, JSONLSink(out), checkpoint=state, **SPAN)
    assert not out.exists()


VALID_WINDOW = {"after": "2024-01-01", "before": "2024-02-01", "cursor": None, "done": False}


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "is empty"),
    (b"\xff\xfe{\x00", "not UTF-8"),
    (b'{"version": 2, "parameters": {"kind": "sa', "truncated"),
    (b"[1, 2]", "JSON list"),
    (b'{"version": 1, "parameters": {}}', "version"),
    (b'{"version": 2, "parameters": {}, "windows": [{"after": "x"}], "records": 1}',
     "not a date"),
    (json.dumps({"version": 2, "parameters": {}, "windows": [VALID_WINDOW],
                 "records": "many"}).encode(), "record count"),
    (b"[" * 100_000, "not valid JSON"),
])
async def test_a_broken_checkpoint_is_one_clear_line(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path, content: bytes, problem: str
) -> None:
    state = tmp_path / "cp.json"
    state.write_bytes(content)
    with pytest.raises(CheckpointError, match=problem) as refused:
        await export_sales(client, JSONLSink(tmp_path / "o.jsonl"), checkpoint=state, **SPAN)
    message = str(refused.value)
    assert "\n" not in message and str(state) in message
    assert fake.requests == [] and not (tmp_path / "o.jsonl").exists()


async def test_a_directory_as_checkpoint(fake: FakeGumroad, client: GumroadClient,
                                        tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="directory"):
        await export_sales(client, JSONLSink(tmp_path / "o.jsonl"), checkpoint=tmp_path,
                           **SPAN)


# -- dates -----------------------------------------------------------------------

@pytest.mark.parametrize(("after", "before"), [
    ("2024-03-01", "2024-03-01"), ("2024-03-02", "2024-03-01"), ("2999-01-01", None),
])
async def test_after_not_before_before_is_refused_before_any_request(
    fake: FakeGumroad, client: GumroadClient, after: str, before: str | None
) -> None:
    with pytest.raises(InvalidArgumentError, match="earlier than before"):
        await export_sales(client, HalfWritingSink(None), after=after, before=before)
    assert fake.requests == []


# -- 5xx and timeouts from the edge halve windows ------------------------------------

async def test_edge_timeouts_halve_an_unstarted_window(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    fake.seed(4, sales=500, start=date(2024, 1, 1), end=date(2024, 5, 1))
    fake.inject(method="GET", path="/v2/sales", edge="gateway_timeout", times=4)  # 1 + 3 retries
    out = tmp_path / "s.jsonl"
    result = await export_sales(client, JSONLSink(out, fsync=False), after="2024-01-01",
                                before="2024-05-01", concurrency=1)
    assert result.windows > 4  # the first window was cut in two
    assert len([r for r in fake.requests if r.fault is not None]) == 4
    assert_exactly_once(out, fake)


async def test_a_window_failing_mid_walk_is_halved_without_duplicates(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    fake.seed(9, sales=600, start=date(2024, 1, 1), end=date(2024, 5, 1))
    out = tmp_path / "s.jsonl"

    def fail_once_under_way(progress: ExportProgress) -> None:
        if progress.pages == 5:  # the first window has a cursor now
            fake.inject(method="GET", path="/v2/sales", edge="bad_gateway", times=4)

    result = await export_sales(client, JSONLSink(out, fsync=False), after="2024-01-01",
                                before="2024-05-01", concurrency=1,
                                on_progress=fail_once_under_way)
    assert result.windows > 4
    # The half that kept the cursor was asked again from the same position, with dates
    # narrowed to what was left of the window.
    faulted = [i for i, r in enumerate(fake.requests) if r.fault is not None]
    first = fake.requests[faulted[0]].query
    later = fake.requests[faulted[-1] + 1:]
    again = [r.query for r in later if r.query.get("page_key") == first["page_key"]]
    assert again and again[0]["after"] > first["after"] and again[0]["before"] < first["before"]
    assert_exactly_once(out, fake)


async def test_one_day_that_keeps_failing_raises(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    fake.add_sale(created_at="2024-02-02T10:00:00Z")
    fake.inject(method="GET", path="/v2/sales", edge="service_unavailable", times=1000)
    with pytest.raises(ServerError):
        await export_sales(client, HalfWritingSink(None), after="2024-02-01",
                           before="2024-02-04", concurrency=1)


# -- records that cannot be encoded ----------------------------------------------------

def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("sink_type", [JSONLSink, CSVSink])
async def test_an_unencodable_record_is_named_and_nothing_partial_is_written(
    tmp_path: Path, sink_type: type[JSONLSink]
) -> None:
    out = tmp_path / "s.out"
    sink = sink_type(out, fsync=False)
    await sink.open(None)
    good = Sale(id="fine", price=1)
    await sink.write([good])
    await sink.commit()
    before = out.read_bytes()
    deep = Sale(id="too-deep", variants={"v": nested(5000)}, extra={"x": nested(5000)})
    with pytest.raises(ExportEncodingError, match="too-deep") as failure:
        await sink.write([good, deep, good])
    assert failure.value.record_id == "too-deep"
    await sink.close()
    assert out.read_bytes() == before
