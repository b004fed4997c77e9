"""The arq jobs: plan a sync of an account, walk one window of it, schedule due syncs.

Jobs carry account names, run ids and window keys; the token is read from the database
inside the worker. The rows, the runs and their windows' cursors are the mirror's
(``gumroad_async.sync``): a run is planned with its planner and every page commits with
its window's cursor in one transaction. A job's return value (a dict of figures) is kept
by arq as its result.
"""

from __future__ import annotations

import logging
import random
import time
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

from arq import Retry
from sqlalchemy.exc import SQLAlchemyError

from gumroad_async.errors import (
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from gumroad_async.sync import (
    Delivery,
    StoreUnavailableError,
    SyncError,
    SyncInProgressError,
    SyncRun,
    SyncWindow,
    commit_pages,
    finish_run,
    hold_lease,
    load_state,
    plan_sales_run,
    resume_run,
)
from gumroad_async.workers._accounts import Account, UnknownAccountError
from gumroad_async.workers._fleet import Fleet

__all__ = ["schedule_due_syncs", "sync_account", "sync_window"]

logger = logging.getLogger("gumroad_async.workers")

Context = dict[str, Any]
#: The mirror's scope for a whole account's sales (no product filter).
_WHOLE_ACCOUNT = ""


def _refused(exc: BaseException) -> bool:
    return isinstance(exc, AuthenticationError | PermissionDeniedError)


def _transient(exc: BaseException) -> bool:
    """Worth another try later: the network, the server, rate limits, the database, Redis."""
    return isinstance(exc, RateLimitError | ServerError | APIConnectionError
                      | StoreUnavailableError | SQLAlchemyError | OSError | ConnectionError)


def _describe(exc: BaseException) -> str:
    # The SDK's messages never hold the token; the status says which refusal it was.
    status = getattr(exc, "status", None)
    prefix = f"HTTP {status}: " if status else ""
    return f"{type(exc).__name__}: {prefix}{exc}"


async def _refuse(fleet: Fleet, account: Account, exc: BaseException) -> dict[str, Any]:
    """The token was refused: the account fails (its other jobs stop when they start)."""
    reason = _describe(exc)
    await fleet.accounts.mark_failed(account.name, reason)
    logger.warning("account %s failed: %s", account.name, reason)
    return {"account": account.name, "status": "failed", "reason": reason}


def _retry_or_raise(ctx: Context, fleet: Fleet, exc: Exception) -> Retry | None:
    """An arq ``Retry`` after a back-off for a transient error with tries left."""
    tries = int(ctx.get("job_try", 1))
    if not _transient(exc) or tries >= fleet.config.max_tries:
        return None
    return Retry(defer=min(60.0, fleet.config.client_backoff_base * 2 ** tries))


async def _current_run(fleet: Fleet, account: Account) -> SyncRun | None:
    """The mirror's run that holds the account's fleet lease, if it is still under way."""
    if account.run_id is None:
        return None
    state = await load_state(fleet.store, account.name, "sales", _WHOLE_ACCOUNT)
    if state is None or state["run_id"] != account.run_id:
        return None
    return await resume_run(fleet.store, state)


async def _queue_pending(fleet: Fleet, run: SyncRun) -> int:
    pending = [w for w in run.windows if not w.done]
    for window in pending:
        await fleet.enqueue_window(run.account, run.run_id, window.key, window.cursor)
    return len(pending)


async def sync_account(ctx: Context, name: str, full: bool = False) -> dict[str, Any]:
    """Plan a sync of one account and queue one ``sync_window`` job per window.

    The mirror's planner decides: a backfill from the first sale, an incremental walk from
    the high-water mark minus the look-back, a ``full`` walk, or the unfinished run resumed.
    When a run of the account is already under way, its unfinished windows are queued
    again instead (copies of a window job are harmless), which also revives a run whose
    jobs were lost.
    """
    fleet: Fleet = ctx["fleet"]
    try:
        account = await fleet.accounts.get(name)
    except UnknownAccountError:
        return {"account": name, "status": "unknown"}
    if account.state == "failed":
        return {"account": name, "status": "failed", "reason": account.failure}
    try:
        running = await _current_run(fleet, account)
        if running is not None:
            return {"account": name, "status": "running", "run_id": running.run_id,
                    "requeued": await _queue_pending(fleet, running)}
        if account.run_id is not None:  # a lease whose run ended or was replaced
            await fleet.accounts.release(name, account.run_id)
        async with hold_lease(fleet.store, name), fleet.client(account) as client:
            run = await plan_sales_run(
                client, fleet.store, account=name, full=full,
                lookback_days=fleet.config.lookback_days,
                windows=fleet.config.windows_per_run)
            claimed = await fleet.accounts.claim(name, run.run_id)
    except SyncInProgressError:
        return {"account": name, "status": "busy"}
    except Exception as exc:
        if _refused(exc):
            return await _refuse(fleet, account, exc)
        retry = _retry_or_raise(ctx, fleet, exc)
        if retry is not None:
            raise retry from exc
        raise
    if not claimed:
        return {"account": name, "status": "busy"}
    queued = await _queue_pending(fleet, run)
    if not queued:
        await _finish(fleet, name, run)
    return {"account": name, "status": "started", "run_id": run.run_id, "mode": run.mode,
            "windows": len(run.windows), "resumed": run.resumed}


async def sync_window(ctx: Context, name: str, run_id: str, key: str) -> dict[str, Any]:
    """Walk one window of a run from its committed cursor; each page's rows and the cursor
    after it commit in one transaction. After ``slice_seconds`` the rest of the window is
    handed to a new job, so that jobs stay short and a killed one is soon taken up again."""
    fleet: Fleet = ctx["fleet"]
    started = time.monotonic()
    # Each job's slice is cut a little shorter at random, so that window jobs started
    # together do not all hand over (and pause the token's pace) at the same moment.
    slice_ends = started + fleet.config.slice_seconds * random.uniform(0.75, 1.0)
    figures: dict[str, Any] = {"account": name, "run_id": run_id, "window": key,
                               "pages": 0, "inserted": 0, "updated": 0, "unchanged": 0}
    try:
        account = await fleet.accounts.get(name)
    except UnknownAccountError:
        return {**figures, "status": "unknown"}
    if account.state == "failed" or account.run_id != run_id:
        return {**figures, "status": "stopped"}
    try:
        run = await _current_run(fleet, account)
        window = None if run is None else next((w for w in run.windows if w.key == key), None)
        if run is None or window is None:
            return {**figures, "status": "stopped"}
        if not window.done and await _walk(fleet, account, run, window, figures, slice_ends):
            return {**figures, "status": "continued",
                    "seconds": round(time.monotonic() - started, 3)}
        finished = await _finish_if_complete(fleet, account.name, run_id)
    except Exception as exc:
        if _refused(exc):
            return {**figures, **await _refuse(fleet, account, exc)}
        retry = _retry_or_raise(ctx, fleet, exc)
        if retry is not None:
            logger.info("window %s of %s: %s; retrying", key, name, _describe(exc))
            raise retry from exc
        # Out of tries (or not worth one): free the lease; the next sync resumes the run.
        await fleet.accounts.release(name, run_id, error=_describe(exc))
        return {**figures, "status": "error", "error": _describe(exc)}
    return {**figures, "status": "run finished" if finished else "window done",
            "seconds": round(time.monotonic() - started, 3)}


async def _walk(fleet: Fleet, account: Account, run: SyncRun, window: SyncWindow,
                figures: dict[str, Any], slice_ends: float) -> bool:
    """Walk pages until the window ends (``False``) or its time slice does (``True``)."""
    async with fleet.client(account) as client:
        listing = client.sales.list(after=window.after, before=window.before,
                                    page_key=window.cursor)
        # Pages as sent: commit_pages makes their rows from the objects, no record built.
        # Read ahead, the next page is fetched while this one commits; a page fetched and
        # never committed (the job was killed) is fetched again on resume, since only
        # committed cursors count.
        async with aclosing(listing.wire_pages(read_ahead=True)) as pages:
            async for page in pages:
                counts = await commit_pages(
                    fleet.store, run, [Delivery(window, page.items, page.next_page_key)])
                figures["pages"] += 1
                figures["inserted"] += counts.inserted
                figures["updated"] += counts.updated
                figures["unchanged"] += counts.unchanged
                if not window.done and time.monotonic() > slice_ends:
                    await fleet.enqueue_window(account.name, run.run_id, window.key,
                                               window.cursor)
                    return True
    if not window.done:
        # A listing that ended without a page (no sales at all): close the window.
        await commit_pages(fleet.store, run, [Delivery(window, (), None)])
    return False


async def _finish_if_complete(fleet: Fleet, name: str, run_id: str) -> bool:
    account = await fleet.accounts.get(name)
    run = await _current_run(fleet, account)
    if run is None or run.run_id != run_id or not all(w.done for w in run.windows):
        return False
    return await _finish(fleet, name, run)


async def _finish(fleet: Fleet, name: str, run: SyncRun) -> bool:
    """Close the run once, whoever gets there first: freeing the lease decides who."""
    if not await fleet.accounts.release(name, run.run_id):
        return False
    try:
        figures = await finish_run(fleet.store, run)
    except SyncError:
        return False  # closed by another worker meanwhile, or reopened: a later sync resumes
    logger.info("account %s: run %s finished: %d inserted, %d updated, %d unchanged",
                name, run.run_id, figures.inserted, figures.updated, figures.unchanged)
    return True


async def schedule_due_syncs(ctx: Context) -> dict[str, Any]:
    """The cron job: queue a sync of every account whose schedule says it is due."""
    fleet: Fleet = ctx["fleet"]
    now = datetime.now(UTC)
    queued = []
    for account in await fleet.accounts.list():
        if account.schedule_minutes <= 0 or account.state in ("failed", "running"):
            continue
        due = account.last_started is None or (
            now - account.last_started >= timedelta(minutes=account.schedule_minutes))
        if due and await fleet.enqueue_sync(account.name):
            queued.append(account.name)
    return {"status": "scheduled", "queued": queued}
