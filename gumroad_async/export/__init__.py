"""Bulk export: every sale (or subscriber) into a file or your own sink, resumably.

::

    async with GumroadClient() as gumroad:
        result = await export_sales(gumroad, JSONLSink("sales.jsonl"),
                                    after="2024-01-01", checkpoint="sales.checkpoint")

Sales are walked in day windows in parallel (``after`` inclusive, ``before`` exclusive, so
windows partition the sales exactly), in bounded memory (one page per window in flight),
with progress saved atomically so that a killed export resumes without gaps or duplicates.
"""

from gumroad_async.export._checkpoint import Checkpoint, CheckpointError, CheckpointMismatchError
from gumroad_async.export._encode import ExportEncodingError
from gumroad_async.export._engine import (
    DEFAULT_EXPORT_CONCURRENCY,
    ExportProgress,
    ExportResult,
    export_sales,
    export_subscribers,
)
from gumroad_async.export._sinks import CSVSink, JSONLSink, Sink, StdoutSink
from gumroad_async.export._start import find_first_day

__all__ = [
    "DEFAULT_EXPORT_CONCURRENCY",
    "CSVSink",
    "Checkpoint",
    "CheckpointError",
    "CheckpointMismatchError",
    "ExportEncodingError",
    "ExportProgress",
    "ExportResult",
    "JSONLSink",
    "Sink",
    "StdoutSink",
    "export_sales",
    "export_subscribers",
    "find_first_day",
]
