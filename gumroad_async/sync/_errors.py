"""What the database mirror raises, under :class:`~gumroad_async.errors.GumroadError`."""

from __future__ import annotations

from gumroad_async.errors import GumroadError

__all__ = ["SchemaVersionError", "StoreUnavailableError", "SyncError", "SyncInProgressError"]


class SyncError(GumroadError):
    """Base class of the database mirror's own errors."""


class SyncInProgressError(SyncError):
    """Another sync of the same account holds the lease; this one did nothing."""


class StoreUnavailableError(SyncError):
    """The database could not be reached or went away mid-run.

    Everything committed before the failure is kept (rows and cursors together), so
    running the same sync again resumes where it stopped.
    """


class SchemaVersionError(SyncError):
    """The database was written by a newer release than this one."""
