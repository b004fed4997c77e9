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
import csv
import io
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

import attrs

from gumroad_async._converter import to_wire_dict
from gumroad_async._json import dumps
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
    """A file written in bytes, so that its committed length is an exact offset."""

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._file: IO[bytes] | None = None

    async def open(self, state: Mapping[str, Any] | None) -> None:
        offset = None if state is None else state.get("offset")
        if offset is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("wb")
            self._file.write(self._header())
            return
        if not self.path.exists() or self.path.stat().st_size < int(offset):
            raise FileNotFoundError(
                f"cannot resume: {self.path} is missing or shorter than its checkpoint says"
            )
        self._file = self.path.open("r+b")
        self._file.truncate(int(offset))  # drop what was written after the last checkpoint
        self._file.seek(int(offset))

    def _header(self) -> bytes:
        return b""

    def _encode(self, records: Sequence[Any]) -> bytes:
        raise NotImplementedError

    async def write(self, records: Sequence[Any]) -> None:
        if self._file is None:
            raise RuntimeError("the sink is not open")
        if records:
            self._file.write(self._encode(records))

    async def commit(self) -> Mapping[str, Any] | None:
        if self._file is None:
            raise RuntimeError("the sink is not open")
        self._file.flush()
        if self.fsync:
            await asyncio.to_thread(os.fsync, self._file.fileno())
        return {"offset": self._file.tell()}

    async def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class JSONLSink(_FileSink):
    """One JSON object per line, with every field the API sent (unknown ones too)."""

    def _encode(self, records: Sequence[Any]) -> bytes:
        return b"".join(dumps(to_wire_dict(record)) + b"\n" for record in records)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str | int | float):
        return str(value)
    # Nested values (card, variants, custom fields) as JSON in one cell.
    return dumps(to_wire_dict(value) if attrs.has(type(value)) else value).decode()


class CSVSink(_FileSink):
    """One row per record with a header; the columns are the record type's fields.

    Nested values (``card``, ``variants``, ``custom_fields``) are written as JSON in their
    cell; fields the record type does not declare are left out (use JSONL to keep them).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        record_type: type[Any] = Sale,
        columns: Sequence[str] | None = None,
        fsync: bool = True,
    ) -> None:
        super().__init__(path, fsync=fsync)
        self.columns = list(columns) if columns is not None else [
            field.name for field in attrs.fields(record_type) if field.name != "extra"
        ]

    def _rows(self, rows: Sequence[Sequence[str]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue().encode()

    def _header(self) -> bytes:
        return self._rows([self.columns])

    def _encode(self, records: Sequence[Any]) -> bytes:
        return self._rows([
            [_cell(getattr(record, column, None)) for column in self.columns]
            for record in records
        ])


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
            self._stream.write(b"".join(dumps(to_wire_dict(r)) + b"\n" for r in records))

    async def commit(self) -> Mapping[str, Any] | None:
        if self._stream is not None:
            self._stream.flush()
        return None

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.flush()
