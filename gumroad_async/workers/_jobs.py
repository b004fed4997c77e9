"""The arq jobs: plan a sync of an account, walk one window of it, schedule due syncs.

Jobs carry account names, run ids and window positions; the token is read from the
database inside the worker. A job's return value (a dict of figures) is kept by arq as
its result.
"""

from __future__ import annotations

import logging
import time
from contextlib import aclosing
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
from arq import Retry
from sqlalchemy.exc import SQLAlchemyError

from gumroad_async.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    GumroadError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from gumroad_async.export._start import find_first_day
from gumroad_async.export._windows import split_days
from gumroad_async.workers._accounts import Account, UnknownAccountError
from gumroad_async.workers._fleet import Fleet
from gumroad_async.workers._mirror import write_sales
from gumroad_async.workers._runs import WindowState

__all__ = ["schedule_due_syncs", "sync_account", "sync_window"]

logger = logging.getLogger("gumroad_async.workers")

Context = dict[str, Any]


class _Superseded(Exception):
    """Another job moved this window's cursor first: this copy stops."""


def _refused(exc: BaseException) -> bool:
    return isinstance(exc, AuthenticationError | PermissionDeniedError)


def _transient(exc: BaseException) -> bool:
    """Worth another try later: the network, the server, rate limits, the database, Redis."""
    if isinstance(exc, RateLimitError | ServerError | APIConnectionError):
        return True
    if isinstance(exc, GumroadError):
        return isinstance(exc, APIError) and (exc.status or 0) >= 500
    return isinstance(exc, SQLAlchemyError | OSError | ConnectionError)


def _describe(exc: BaseException) -> str:
    # Error messages of the SDK never hold the token; the status says which kind it was.
    status = getattr(exc, "status", None)
    prefix = f"HTTP {status}: " if status else ""
    return f"{type(exc).__name__}: {prefix}{exc}"


async def _refuse(fleet: Fleet, account: Account, exc: BaseException) -> dict[str, Any]:
    reason = _describe(exc)
    await fleet.accounts.mark_failed(account.name, reason)
    await fleet.runs.stop(account.name, reason)
    logger.warning("account %s failed: %s", account.name, reason)
    return {"account": account.name, "status": "failed", "reason": reason}


def _retry_later(ctx: Context, fleet: Fleet) -> Retry:
    tries = int(ctx.get("job_try", 1))
    return Retry(defer=min(60.0, fleet.config.client_backoff_base * 2 ** tries))


def _last_try(ctx: Context, fleet: Fleet) -> bool:
    return int(ctx.get("job_try", 1)) >= fleet.config.max_tries


async def sync_account(ctx: Context, name: str, full: bool = False) -> dict[str, Any]:
    """Plan a sync of one account into day windows and queue one ``sync_window`` per window.

    Incremental from the high-water mark minus the look-back; a backfill (or ``full``)
    from the account's first sale. When a run of the account is already under way, its
    unfinished windows are queued again instead (copies of a window job are harmless).
    """
    fleet: Fleet = ctx["fleet"]
    try:
        account = await fleet.accounts.get(name)
    except UnknownAccountError:
        return {"account": name, "status": "unknown"}
    if account.state == "failed":
        return {"account": name, "status": "failed", "reason": account.failure}
    if account.run_id is not None:
        resumed = await _requeue(fleet, account.name, account.run_id)
        if resumed is not None:
            return {"account": name, "status": "running", "run_id": account.run_id,
                    "requeued": resumed}
    end = datetime.now(UTC).date() + timedelta(days=1)
    start: date | None
    try:
        if account.high_water is not None and not full:
            kind = "incremental"
            start = account.high_water - timedelta(days=fleet.config.lookback_days)
        else:
            kind = "full" if full else "backfill"
            async with fleet.client(account) as client:
                start = await find_first_day(client, end, {})
    except Exception as exc:
        if _refused(exc):
            return await _refuse(fleet, account, exc)
        if _transient(exc) and not _last_try(ctx, fleet):
            raise _retry_later(ctx, fleet) from exc
        raise
    planned = split_days(start, end, fleet.config.windows_per_run) if start else []
    run_id = await fleet.runs.begin(name, kind, planned)
    if run_id is None:
        return {"account": name, "status": "busy"}
    for position in range(len(planned)):
        await fleet.enqueue_window(name, run_id, position, 0)
    if not planned:
        await fleet.runs.finish_if_complete(run_id)
    return {"account": name, "status": "started", "run_id": run_id, "kind": kind,
            "windows": len(planned)}


async def _requeue(fleet: Fleet, name: str, run_id: str) -> int | None:
    """Queue the unfinished windows of a run still under way; ``None`` if it is not."""
    summaries = await fleet.runs.summaries(name)
    if not summaries or summaries[0].run_id != run_id or summaries[0].status != "running":
        return None
    pending = await fleet.runs.pending(run_id)
    for window in pending:
        await fleet.enqueue_window(name, run_id, window.position, window.pages)
    return len(pending)


async def sync_window(ctx: Context, name: str, run_id: str, position: int) -> dict[str, Any]:
    """Walk one window of a run from its committed cursor, page by page, each page's rows
    and the cursor after it committed in one transaction; after ``slice_seconds`` the
    rest is handed to a new job."""
    fleet: Fleet = ctx["fleet"]
    figures: dict[str, Any] = {"account": name, "run_id": run_id, "window": position,
                               "pages": 0, "records": 0}
    try:
        account = await fleet.accounts.get(name)
    except UnknownAccountError:
        return {**figures, "status": "unknown"}
    window = await fleet.runs.window(run_id, position)
    if account.state == "failed" or account.run_id != run_id or window is None:
        return {**figures, "status": "stopped"}
    started = time.monotonic()
    try:
        if not window.done:
            handed_over = await _walk(fleet, account, window, figures, started)
            if handed_over:
                return {**figures, "status": "continued",
                        "seconds": round(time.monotonic() - started, 3)}
    except _Superseded:
        return {**figures, "status": "superseded"}
    except Exception as exc:
        if _refused(exc):
            return {**figures, **await _refuse(fleet, account, exc)}
        if _transient(exc) and not _last_try(ctx, fleet):
            logger.info("window %s/%d of %s: %s; retrying", run_id, position, name,
                        _describe(exc))
            raise _retry_later(ctx, fleet) from exc
        await fleet.runs.fail(run_id, _describe(exc))
        return {**figures, "status": "error", "error": _describe(exc)}
    finished = await fleet.runs.finish_if_complete(run_id)
    return {**figures, "status": "run finished" if finished else "window done",
            "seconds": round(time.monotonic() - started, 3)}


async def _walk(fleet: Fleet, account: Account, window: WindowState,
                figures: dict[str, Any], started: float) -> bool:
    """Walk pages until the window ends (``False``) or its time slice does (``True``)."""
    async with fleet.client(account) as client:
        listing = client.sales.list(after=window.after, before=window.before,
                                    page_key=window.cursor)
        async with aclosing(listing.pages()) as pages:
            async for page in pages:
                async with fleet.engine.begin() as connection:
                    written = await write_sales(connection, account.name, page.items)
                    if not await fleet.runs.advance(connection, window, page.next_page_key,
                                                    written):
                        raise _Superseded
                window = attrs.evolve(window, cursor=page.next_page_key,
                                      done=page.next_page_key is None,
                                      pages=window.pages + 1)
                figures["pages"] += 1
                figures["records"] += written
                if not window.done and time.monotonic() - started > fleet.config.slice_seconds:
                    await fleet.enqueue_window(account.name, window.run_id, window.position,
                                               window.pages)
                    return True
    return False


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
