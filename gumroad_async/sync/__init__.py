"""Mirror a Gumroad account into a database (SQLite or PostgreSQL) and keep it true.

::

    from gumroad_async import GumroadClient
    from gumroad_async.sync import SyncStore, sync_sales

    async with GumroadClient() as gumroad, SyncStore("sqlite:///gumroad.db") as store:
        result = await sync_sales(gumroad, store)
        print(result.inserted, result.updated, result.unchanged)

The first run backfills every sale in parallel day windows; later runs walk from the
high-water mark minus a look-back window (:data:`DEFAULT_LOOKBACK_DAYS`) and rewrite only
rows that changed. Rows and the cursors of the windows that delivered them commit in one
transaction, so a sync killed at any moment resumes with nothing lost or doubled. Needs
the ``db`` extra (``pip install 'gumroad-async[db]'``).

Building blocks for workers that spread one run over processes: :func:`plan_sales_run`
stores (or resumes) a run and its windows, :func:`sync_window` walks one window from its
committed cursor, :func:`finish_run` closes the run once every window is done;
:func:`commit_pages` writes :class:`Delivery` pages (rows and cursors in one transaction)
for walkers of their own, ignoring pages of a window whose cursor moved on meanwhile.
"""

from gumroad_async.sync._errors import (
    SchemaVersionError,
    StoreUnavailableError,
    SyncError,
    SyncInProgressError,
)
from gumroad_async.sync._events import DatabaseEventStore
from gumroad_async.sync._lease import DEFAULT_LEASE_SECONDS, hold_lease
from gumroad_async.sync._mirror import MirrorHandler
from gumroad_async.sync._runner import (
    DEFAULT_ACCOUNT,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_SYNC_CONCURRENCY,
    SyncProgress,
    SyncResult,
    plan_sales_run,
    sync_sales,
    sync_subscribers,
    sync_window,
)
from gumroad_async.sync._runs import (
    Delivery,
    RunFigures,
    SyncRun,
    SyncWindow,
    commit_pages,
    finish_run,
    load_state,
    resume_run,
)
from gumroad_async.sync._schema import SCHEMA_VERSION
from gumroad_async.sync._store import SyncStore, UpsertCounts
from gumroad_async.sync._urls import DEFAULT_DATABASE_URL

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_DATABASE_URL",
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_LOOKBACK_DAYS",
    "DEFAULT_SYNC_CONCURRENCY",
    "SCHEMA_VERSION",
    "DatabaseEventStore",
    "Delivery",
    "MirrorHandler",
    "RunFigures",
    "SchemaVersionError",
    "StoreUnavailableError",
    "SyncError",
    "SyncInProgressError",
    "SyncProgress",
    "SyncResult",
    "SyncRun",
    "SyncStore",
    "SyncWindow",
    "UpsertCounts",
    "commit_pages",
    "finish_run",
    "hold_lease",
    "load_state",
    "plan_sales_run",
    "resume_run",
    "sync_sales",
    "sync_subscribers",
    "sync_window",
]
