"""Where exported records go: JSONL and CSV files, standard output, or your own sink.

A sink is anything with these four coroutines (see :class:`Sink`)::

    open(state)      start, or resume from the state the last ``commit`` returned
    write(records)   take one page of typed records (``Sale`` or ``Subscriber``)
    commit()         make what was written durable; return a small JSON-able state
    close()

The exporter calls ``commit`` before every checkpoint. After a crash it calls
``open(state)`` with the state of the last checkpoint and sends again every record written
after it, so a sink that discards uncommitted writes on ``open`` (a file truncated to its
committed length, a database transaction rolled back) gets every record exactly once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

import attrs

from gumroad_async._converter import record_structurer
from gumroad_async._csv import csv_text
from gumroad_async.export._checkpoint import CheckpointError, CheckpointMismatchError
from gumroad_async.export._encode import csv_rows, encode_jsonl, encode_wire_jsonl
from gumroad_async.export._wire_csv import wire_csv_rows
from gumroad_async.records import Sale

__all__ = ["CSVSink", "JSONLSink", "Sink", "StdoutSink"]


@runtime_checkable
class Sink(Protocol):
    """The interface of an export destination (a database, a queue, a file)."""

    async def open(self, state: Mapping[str, Any] | None) -> None:
        """Start fresh (``None``) or go back to the state a ``commit`` returned."""

    async def write(self, records: Sequence[Any]) -> None:
        """Take one page of records."""

    async def commit(self) -> Mapping[str, Any] | None:
        """Make the writes so far durable; the result is stored in the checkpoint."""

    async def close(self) -> None:
        """Release what ``open`` took."""


class _FileSink:
    """A file written in bytes, so that its committed length is an exact offset.

    Its committed state is that offset and a SHA-256 digest of the bytes before it: a
    resume checks that the file still starts with exactly those bytes before cutting it
    back to the offset, so it never truncates or appends to a file this export did not
    write. A write that fails (disk full, an I/O error) marks the sink broken: it refuses
    to commit from then on, so a page written in part is never counted.
    """

    format = "file"

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._file: IO[bytes] | None = None
        self._digest = hashlib.sha256()
        self._broken: BaseException | None = None

    def describe(self) -> dict[str, Any]:
        """What a checkpoint binds to: the format and the absolute path of the file."""
        return {"format": self.format, "out": str(self.path.resolve())}

    async def open(self, state: Mapping[str, Any] | None) -> None:
        self._digest = hashlib.sha256()
        self._broken = None
        offset = None if state is None else state.get("offset")
        if state is None or offset is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("wb")
            header = self._header()
            self._file.write(header)
            self._digest.update(header)
            return
        expected = state.get("digest")
        if not isinstance(offset, int) or offset < 0 or not isinstance(expected, str):
            raise CheckpointError(f"the checkpoint's state of {self.path} is malformed")
        await asyncio.to_thread(self._check_prefix, offset, expected)
        self._file = self.path.open("r+b")
        self._file.truncate(offset)  # drop what was written after the last checkpoint
        self._file.seek(offset)

    def _check_prefix(self, offset: int, expected: str) -> None:
        try:
            file = self.path.open("rb")
        except FileNotFoundError:
            raise CheckpointMismatchError(
                f"cannot resume: {self.path} is missing (its checkpoint says {offset:,} bytes "
                "were written)") from None
        with file:
            left = offset
            while left:
                chunk = file.read(min(left, 1 << 20))
                if not chunk:
                    raise CheckpointMismatchError(
                        f"cannot resume: {self.path} is shorter than the {offset:,} bytes its "
                        "checkpoint recorded (changed since); it was left untouched")
                self._digest.update(chunk)
                left -= len(chunk)
        if self._digest.hexdigest() != expected:
            raise CheckpointMismatchError(
                f"cannot resume: the first {offset:,} bytes of {self.path} are not those this "
                "export wrote (another file, or changed since); it was left untouched")

    def _header(self) -> bytes:
        return b""

    def _encode(self, records: Sequence[Any]) -> bytes:
        raise NotImplementedError

    def _open_file(self) -> IO[bytes]:
        if self._file is None:
            raise RuntimeError("the sink is not open")
        if self._broken is not None:
            raise RuntimeError(f"{self.path}: an earlier write failed ({self._broken!r})")
        return self._file

    async def write(self, records: Sequence[Any]) -> None:
        file = self._open_file()
        if not records:
            return
        data = self._encode(records)  # may raise ExportEncodingError: nothing written yet
        try:
            file.write(data)
        except BaseException as exc:
            self._broken = exc
            raise
        self._digest.update(data)

    async def commit(self) -> Mapping[str, Any] | None:
        file = self._open_file()
        try:
            file.flush()
            if self.fsync:
                await asyncio.to_thread(os.fsync, file.fileno())
        except BaseException as exc:
            self._broken = exc
            raise
        return {"offset": file.tell(), "digest": self._digest.hexdigest()}

    async def close(self) -> None:
        file, self._file = self._file, None
        if file is None:
            return
        try:
            file.close()
        except OSError:
            if self._broken is None:
                raise
            # Already failed: closing flushes the rest and fails alike; a resume cuts the
            # file back to its checkpoint anyway.


def _jsonl(records: Sequence[Any]) -> bytes:
    # An export's pages carry the objects the server sent: written as they came.
    wire = getattr(records, "wire", None)
    return encode_jsonl(records) if wire is None else encode_wire_jsonl(wire)


class JSONLSink(_FileSink):
    """One JSON object per line, with every field the API sent (unknown ones too).

    In an export each line is the record's object exactly as the server sent it (nulls and
    the server's spelling of values included); records passed to ``write`` by hand are
    written from their fields, absent ones left out.
    """

    format = "jsonl"

    def _encode(self, records: Sequence[Any]) -> bytes:
        return _jsonl(records)


class CSVSink(_FileSink):
    """One row per record with a header; the columns are the record type's fields.

    Nested values (``card``, ``variants``, ``custom_fields``) are written as JSON in their
    cell; fields the record type does not declare are left out (use JSONL to keep them).
    In an export of ``record_type`` the rows are written from the objects as sent, with
    the cells their typed records would give, without building the records.
    """

    format = "csv"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        record_type: type[Any] = Sale,
        columns: Sequence[str] | None = None,
        fsync: bool = True,
    ) -> None:
        super().__init__(path, fsync=fsync)
        self._record_type = record_type
        # The structuring function of an export's pages of this record type (None for a
        # class that is not a record): the sign that a page's objects can be written as
        # they came.
        self._structure = record_structurer(record_type) if (
            attrs.has(record_type) and "extra" in attrs.fields_dict(record_type)) else None
        self.columns = list(columns) if columns is not None else [
            field.name for field in attrs.fields(record_type) if field.name != "extra"
        ]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "columns": self.columns}

    def _header(self) -> bytes:
        return csv_text([self.columns]).encode()

    def _encode(self, records: Sequence[Any]) -> bytes:
        # An export's page of objects as sent, of this sink's record type (structured by
        # that type's function): the rows are written from the objects, no record built.
        wire = getattr(records, "wire", None)
        if (wire is not None and self._structure is not None
                and getattr(records, "_structure", None) is self._structure):
            data = wire_csv_rows(self._record_type, self.columns, wire)
            if data is not None:
                return data
        return csv_rows(records, self.columns)


class StdoutSink:
    """JSON lines on standard output. It cannot take back lines, so a resumed export may
    repeat the records written after its last checkpoint: use a file for exactly-once."""

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self._stream = stream

    async def open(self, state: Mapping[str, Any] | None) -> None:
        if self._stream is None:
            self._stream = sys.stdout.buffer

    async def write(self, records: Sequence[Any]) -> None:
        if self._stream is not None and records:
            self._stream.write(_jsonl(records))

    async def commit(self) -> Mapping[str, Any] | None:
        if self._stream is not None:
            self._stream.flush()
        return None

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.flush()
