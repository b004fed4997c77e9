"""``sync_sales`` and ``sync_subscribers``: windows walked in parallel into the store, each
page committed together with its window's cursor."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from gumroad_async._arguments import check_id, check_whole_number
from gumroad_async._pagination import Page, WirePage
from gumroad_async.client import GumroadClient
from gumroad_async.export import find_first_day
from gumroad_async.export._windows import split_days
from gumroad_async.sync._lease import DEFAULT_LEASE_SECONDS, hold_lease
from gumroad_async.sync._runs import (
    Delivery,
    SyncRun,
    SyncWindow,
    commit_pages,
    finish_run,
    load_state,
    resume_run,
    start_run,
)
from gumroad_async.sync._store import SyncStore, UpsertCounts

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_LOOKBACK_DAYS",
    "DEFAULT_SYNC_CONCURRENCY",
    "SyncProgress",
    "SyncResult",
    "plan_sales_run",
    "sync_sales",
    "sync_subscribers",
    "sync_window",
]

#: The account name rows are filed under when none is given.
DEFAULT_ACCOUNT = "default"
#: Days before the high-water mark that an incremental sync walks again. Refunds and
#: chargebacks change sales after they are made; Gumroad's server code states that
#: "disputes and refunds are not allowed after 120 days" (Stripe's limit), so 120 days
#: catches every change of that kind. Sellers offering the 183-day refund policy who refund
#: by hand late should pass ``lookback_days=183``.
DEFAULT_LOOKBACK_DAYS = 120
#: Windows walked at once.
DEFAULT_SYNC_CONCURRENCY = 16
#: Windows planned per unit of concurrency, so that uneven windows still share the work.
WINDOWS_PER_WORKER = 4
#: Pages of one window handed to the writer and not yet committed, at most.
PAGES_IN_FLIGHT = 64
#: Rows written in one transaction at most (the ids go into one ``IN (...)``).
ROWS_PER_COMMIT = 8000


@attrs.frozen
class SyncProgress:
    """Where a sync stands; given to ``on_progress`` after every committed batch."""

    records: int
    pages: int
    windows_done: int
    windows: int
    elapsed: float
    inserted: int
    updated: int
    unchanged: int


@attrs.frozen
class SyncResult:
    """What a sync did. Figures cover the whole run, resumed parts included.

    ``missing`` lists the ids of rows the server no longer returns (full syncs and
    subscriber syncs only); they are deleted only when ``delete_missing`` was asked.
    """

    resource: str
    account: str
    mode: str
    resumed: bool
    inserted: int
    updated: int
    unchanged: int
    pages: int
    windows: int
    missing: tuple[str, ...]
    deleted: int
    high_water_mark: datetime | None
    seconds: float

    @property
    def records(self) -> int:
        return self.inserted + self.updated + self.unchanged


ProgressCallback = Callable[[SyncProgress], None]


class _Writer:
    """One task commits what the walkers hand in: pages that arrive while a commit runs go
    into the next one together (group commit), and walkers fetch on meanwhile."""

    def __init__(self, store: SyncStore, run: SyncRun,
                 on_progress: ProgressCallback | None) -> None:
        self.store = store
        self.run = run
        self.on_progress = on_progress
        self.started = time.monotonic()
        self.counts = UpsertCounts()
        self.pages = 0
        self._queue: list[tuple[Delivery, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Writer:
        self._task = asyncio.create_task(self._commit_loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._fail(self._failure)

    def submit(self, delivery: Delivery) -> asyncio.Future[None]:
        """Queue a page; the future is done once it is committed (or has failed)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._failure is not None:
            future.set_exception(self._failure)
        else:
            self._queue.append((delivery, future))
            self._wake.set()
        return future

    def _fail(self, exc: BaseException | None) -> None:
        """Settle every queued page's future: with ``exc``, or cancelled (``None``)."""
        batch, self._queue = self._queue, []
        for _, future in batch:
            if future.done():
                continue
            if exc is None:
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # the walker that awaits it sees it; nobody else must

    def _next_batch(self) -> list[tuple[Delivery, asyncio.Future[None]]]:
        """The queued pages for one commit: all of them, up to ``ROWS_PER_COMMIT`` rows
        (statements stay under the databases' parameter limits)."""
        rows = 0
        taken = 0
        for delivery, _ in self._queue:
            size = len(delivery.records if delivery.rows is None else delivery.rows)
            if taken and rows + size > ROWS_PER_COMMIT:
                break
            rows += size
            taken += 1
        batch, self._queue = self._queue[:taken], self._queue[taken:]
        return batch

    async def _commit_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch = self._next_batch()
            if not batch:
                continue
            if self._queue:
                self._wake.set()  # what did not fit goes into the next commit
            try:
                counts = await commit_pages(self.store, self.run, [d for d, _ in batch])
            except Exception as exc:
                self._failure = exc
                self._queue = batch + self._queue
                self._fail(exc)
                return
            self.counts += counts
            self.pages += len(batch)
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
            self._report()

    def _report(self) -> None:
        if self.on_progress is None:
            return
        windows = self.run.windows
        counts = self.counts
        self.on_progress(SyncProgress(
            records=counts.inserted + counts.updated + counts.unchanged, pages=self.pages,
            windows_done=sum(1 for w in windows if w.done), windows=len(windows),
            elapsed=time.monotonic() - self.started, inserted=counts.inserted,
            updated=counts.updated, unchanged=counts.unchanged,
        ))


def _pages_of(client: GumroadClient, run: SyncRun, window: SyncWindow
              ) -> AsyncGenerator[Page[Any] | WirePage[Any], None]:
    # Pages as sent: their rows are made from the objects, no record is built.
    if run.resource == "subscribers":
        assert window.product_id is not None
        return client.subscribers.list(window.product_id, page_key=window.cursor
                                       ).wire_pages()
    filters = _filters_of(run.scope)
    return client.sales.list(after=window.after, before=window.before,
                             page_key=window.cursor, **filters).wire_pages()


def _filters_of(scope: str) -> dict[str, str]:
    if not scope:
        return {}
    name, _, value = scope.partition("=")
    return {name: value}


async def _walk(client: GumroadClient, run: SyncRun, window: SyncWindow, writer: _Writer
                ) -> None:
    if window.done:
        return
    # A few pages of a window in flight to the writer while the next ones are fetched:
    # the writer commits all that queued up meanwhile in one transaction (fewer, larger
    # commits), memory stays bounded, and a window's pages still commit in order.
    pending: collections.deque[asyncio.Future[None]] = collections.deque()
    cursor = window.cursor
    try:
        async with aclosing(_pages_of(client, run, window)) as pages:
            async for page in pages:
                # Rows are built here, outside the writer's turn, so that encoding one
                # page overlaps with the database writing another.
                rows = writer.store._rows_to_write(run.resource, run.account, page.items,
                                                   run_id=run.run_id)
                # The delivery keeps the rows only: the page's objects (thousands of
                # dicts per window in flight) would only make the collector's work.
                pending.append(writer.submit(Delivery(
                    window, (), page.next_page_key, rows, cursor=cursor)))
                cursor = page.next_page_key
                del page, rows
                if len(pending) > PAGES_IN_FLIGHT:
                    await pending.popleft()
        while pending:
            await pending.popleft()
    finally:
        for future in pending:
            if not future.done():
                future.cancel()
    if not window.done:
        # A listing that ended without a page (nothing at all): close the window anyway.
        await writer.submit(Delivery(window, (), None))


async def sync_window(
    client: GumroadClient,
    store: SyncStore,
    run: SyncRun,
    window: SyncWindow,
    *,
    on_progress: ProgressCallback | None = None,
) -> UpsertCounts:
    """Walk one window of a run to its end from its committed cursor, committing each
    page with the cursor after it. For workers that spread a run's windows over
    processes; :func:`sync_sales` does the same for every window in one process."""
    async with _Writer(store, run, on_progress) as writer:
        await _walk(client, run, window, writer)
    return writer.counts


async def _walk_all(client: GumroadClient, store: SyncStore, run: SyncRun, concurrency: int,
                    on_progress: ProgressCallback | None) -> None:
    queue = [w for w in run.windows if not w.done]
    async with _Writer(store, run, on_progress) as writer:

        async def worker() -> None:
            while queue:
                await _walk(client, run, queue.pop(0), writer)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(queue))):
                group.create_task(worker())


def _scope(product_ids: Sequence[str]) -> str:
    return f"product_id={','.join(product_ids)}" if product_ids else ""


def _incremental_windows(mark: date, end: date, lookback_days: int, count: int
                         ) -> list[SyncWindow]:
    """The look-back days up to the high-water mark's day cut in ``count`` windows (every
    window costs up to one partly filled page, so few and full ones), then one window from
    the next day on, where the new sales are."""
    start = mark - timedelta(days=lookback_days)
    edge = min(mark + timedelta(days=1), end)
    tail = [SyncWindow.days(edge, end)] if edge < end else []
    return tail + [SyncWindow.days(w.after, w.before) for w in split_days(start, edge, count)]


async def plan_sales_run(
    client: GumroadClient,
    store: SyncStore,
    *,
    account: str = DEFAULT_ACCOUNT,
    product_id: str | None = None,
    full: bool = False,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    windows: int = DEFAULT_SYNC_CONCURRENCY * WINDOWS_PER_WORKER,
) -> SyncRun:
    """The run a sales sync does next: the unfinished one, resumed; else a backfill (first
    run), a full walk (``full``), or an incremental walk from the high-water mark minus
    ``lookback_days``. A new run's windows are stored before it returns."""
    scope = _scope([check_id("product_id", product_id)] if product_id else [])
    state = await load_state(store, account, "sales", scope)
    if state is not None and state["run_id"] and not (full and state["run_mode"] != "full"):
        return await resume_run(store, state)
    end = datetime.now(UTC).date() + timedelta(days=1)  # `before` is exclusive: today is in
    mode = "backfill" if state is None or state["completed_at"] is None else (
        "full" if full else "incremental")
    if mode == "incremental" and state is not None and state["high_water_mark"] is not None:
        planned = _incremental_windows(state["high_water_mark"].date(), end, lookback_days,
                                       max(1, windows // WINDOWS_PER_WORKER))
    else:
        start = await find_first_day(client, end, _filters_of(scope))
        planned = [] if start is None else [
            SyncWindow.days(w.after, w.before) for w in split_days(start, end, windows)]
    return await start_run(store, account, "sales", scope, mode, planned)


async def _run(
    client: GumroadClient,
    store: SyncStore,
    run: SyncRun,
    *,
    concurrency: int,
    delete_missing: bool,
    on_progress: ProgressCallback | None,
    started: float,
) -> SyncResult:
    try:
        await _walk_all(client, store, run, concurrency, on_progress)
    except BaseExceptionGroup as group:
        # One window's failure is the run's failure: raise the first, plainly.
        raise group.exceptions[0] from None
    figures = await finish_run(store, run, delete_missing=delete_missing)
    return SyncResult(
        resource=run.resource, account=run.account, mode=run.mode, resumed=run.resumed,
        inserted=figures.inserted, updated=figures.updated, unchanged=figures.unchanged,
        pages=figures.pages, windows=len(run.windows), missing=figures.missing,
        deleted=figures.deleted, high_water_mark=figures.high_water_mark,
        seconds=time.monotonic() - started,
    )


async def sync_sales(
    client: GumroadClient,
    store: SyncStore,
    *,
    account: str = DEFAULT_ACCOUNT,
    product_id: str | None = None,
    full: bool = False,
    delete_missing: bool = False,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    concurrency: int = DEFAULT_SYNC_CONCURRENCY,
    on_progress: ProgressCallback | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> SyncResult:
    """Bring the store's ``sales`` of ``account`` up to date with Gumroad.

    The first run is a backfill of every sale, in day windows walked ``concurrency`` at
    a time. Later runs walk from the high-water mark minus ``lookback_days`` (refunds and
    chargebacks change old sales) and rewrite only rows whose content changed. ``full``
    walks everything again and reports rows the server no longer returns in
    ``SyncResult.missing`` (deleted only with ``delete_missing``). Each page commits with
    its window's cursor, so a run killed at any moment resumes where it was, with nothing
    lost and nothing written twice. Two syncs of one account: the second raises
    :class:`SyncInProgressError`.
    """
    started = time.monotonic()
    concurrency = check_whole_number("concurrency", concurrency, minimum=1)
    lookback_days = check_whole_number("lookback_days", lookback_days, minimum=0)
    await store.open()
    async with hold_lease(store, account, ttl=lease_seconds):
        run = await plan_sales_run(client, store, account=account, product_id=product_id,
                                   full=full, lookback_days=lookback_days,
                                   windows=concurrency * WINDOWS_PER_WORKER)
        return await _run(client, store, run, concurrency=concurrency,
                          delete_missing=delete_missing, on_progress=on_progress,
                          started=started)


async def sync_subscribers(
    client: GumroadClient,
    store: SyncStore,
    product_id: str | Sequence[str] | None = None,
    *,
    account: str = DEFAULT_ACCOUNT,
    delete_missing: bool = False,
    concurrency: int = 4,
    on_progress: ProgressCallback | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> SyncResult:
    """Bring the store's ``subscribers`` of ``account`` up to date: every active
    subscriber of the products named (all the account's products by default).

    The API has no date filter for subscribers, so every run walks them all (100 per
    page), rewrites only changed rows and reports in ``missing`` those no longer
    returned (cancelled or ended ones drop out of the list); ``delete_missing`` deletes
    them. Resumes and leases work as in :func:`sync_sales`.
    """
    started = time.monotonic()
    concurrency = check_whole_number("concurrency", concurrency, minimum=1)
    await store.open()
    async with hold_lease(store, account, ttl=lease_seconds):
        named = [product_id] if isinstance(product_id, str) else list(product_id or [])
        products = sorted(check_id("product_id", p) for p in named)
        scope = _scope(products)
        state = await load_state(store, account, "subscribers", scope)
        if state is not None and state["run_id"]:
            run = await resume_run(store, state)
        else:
            if not products:
                products = [p.id async for p in client.products.list() if p.id]
            mode = "backfill" if state is None or state["completed_at"] is None else "full"
            run = await start_run(store, account, "subscribers", scope, mode,
                                  [SyncWindow.product(p) for p in products])
        return await _run(client, store, run, concurrency=concurrency,
                          delete_missing=delete_missing, on_progress=on_progress,
                          started=started)
