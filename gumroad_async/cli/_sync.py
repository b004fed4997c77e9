"""``gumroad-async sync sales|subscribers``: mirror an account into SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import click

from gumroad_async.cli._common import Progress, connection_options, make_client, run
from gumroad_async.client import GumroadClient
from gumroad_async.sync import (
    DEFAULT_ACCOUNT,
    DEFAULT_DATABASE_URL,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_SYNC_CONCURRENCY,
    SyncInProgressError,
    SyncProgress,
    SyncResult,
    SyncStore,
    sync_sales,
    sync_subscribers,
)

#: Exit status when another sync of the account is running (EX_TEMPFAIL: try later).
EXIT_ALREADY_RUNNING = 75
#: Vanished ids listed on the terminal before "and N more".
_SHOWN_MISSING = 20


@click.group("sync")
def command() -> None:
    """Mirror sales or subscribers into a database, and keep it current."""


def _store_options(function: Any) -> Any:
    function = click.option("--quiet", "-q", is_flag=True, help="No progress line.")(function)
    function = click.option(
        "--delete-missing", is_flag=True,
        help="Delete rows the server no longer returns (with --full for sales).",
    )(function)
    function = click.option(
        "--account", default=DEFAULT_ACCOUNT, show_default=True,
        help="Name the rows are filed under (one database can mirror many accounts).",
    )(function)
    return click.option(
        "--db", default=DEFAULT_DATABASE_URL, show_default=True, envvar="GUMROAD_DATABASE_URL",
        help="sqlite:///path.db or postgresql://user@host:port/dbname "
             "(or $GUMROAD_DATABASE_URL).",
    )(function)


def _progress_callback(progress: Progress) -> Callable[[SyncProgress], None]:
    def update(state: SyncProgress) -> None:
        fraction = state.windows_done / state.windows if state.windows else None
        progress.update(state.records, state.pages, state.elapsed, fraction)

    return update


def _report(result: SyncResult) -> None:
    resumed = " (resumed)" if result.resumed else ""
    click.echo(
        f"{result.resource}: {result.mode}{resumed} · {result.inserted:,} inserted · "
        f"{result.updated:,} updated · {result.unchanged:,} unchanged · "
        f"{result.pages:,} pages · {result.seconds:.1f}s", err=True)
    if result.missing:
        what = "deleted" if result.deleted else "kept; --delete-missing deletes them"
        shown = ", ".join(result.missing[:_SHOWN_MISSING])
        more = len(result.missing) - _SHOWN_MISSING
        click.echo(f"{len(result.missing):,} rows no longer returned by the server "
                   f"({what}): {shown}" + (f" and {more:,} more" if more > 0 else ""),
                   err=True)


def _run_sync(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    async def guarded() -> None:
        try:
            await main()
        except SyncInProgressError as exc:
            # Not a failure: cron and workers try again later (a distinct exit status).
            click.echo(f"gumroad-async: {exc}", err=True)
            raise SystemExit(EXIT_ALREADY_RUNNING) from None

    run(guarded())


@command.command("sales")
@connection_options
@_store_options
@click.option("--product-id", "product_ids", multiple=True,
              help="Only this product's sales (repeat for several; each is its own mirror).")
@click.option("--full", is_flag=True,
              help="Walk every sale again and report rows the server no longer returns.")
@click.option("--lookback-days", type=click.IntRange(min=0), default=DEFAULT_LOOKBACK_DAYS,
              show_default=True,
              help="Days before the newest mirrored sale that an incremental run re-walks "
                   "(refunds and chargebacks change sales for up to 120 days).")
@click.option("--concurrency", type=click.IntRange(min=1), default=DEFAULT_SYNC_CONCURRENCY,
              show_default=True, help="Day windows walked at once.")
def sales(token: str | None, base_url: str | None, rate_limit: float | None, db: str,
          account: str, delete_missing: bool, quiet: bool, product_ids: tuple[str, ...],
          full: bool, lookback_days: int, concurrency: int) -> None:
    """Mirror sales: a backfill the first time, then incremental runs; resumable."""
    if delete_missing and not full:
        raise click.UsageError("--delete-missing needs --full (only a full walk sees "
                               "every sale)")

    async def main() -> None:
        progress = Progress(quiet=quiet, unit="sales")
        async with make_client(token, base_url, rate_limit, concurrency) as client, \
                SyncStore(db) as store:
            for product_id in product_ids or (None,):
                try:
                    result = await sync_sales(
                        client, store, account=account, product_id=product_id, full=full,
                        delete_missing=delete_missing, lookback_days=lookback_days,
                        concurrency=concurrency, on_progress=_progress_callback(progress))
                finally:
                    progress.finish()
                if not quiet:
                    _report(result)

    _run_sync(main)


@command.command("subscribers")
@connection_options
@_store_options
@click.option("--product-id", "product_ids", multiple=True,
              help="Only these products' subscribers (default: every product).")
def subscribers(token: str | None, base_url: str | None, rate_limit: float | None, db: str,
                account: str, delete_missing: bool, quiet: bool,
                product_ids: tuple[str, ...]) -> None:
    """Mirror active subscribers; every run walks them all and reports who dropped out."""

    async def main() -> None:
        progress = Progress(quiet=quiet, unit="subscribers")
        async with make_client(token, base_url, rate_limit) as client, \
                SyncStore(db) as store:
            try:
                result = await sync_subscribers(
                    client, store, list(product_ids) or None, account=account,
                    delete_missing=delete_missing, on_progress=_progress_callback(progress))
            finally:
                progress.finish()
            if not quiet:
                _report(result)

    _run_sync(main)


async def demo_sync(client: GumroadClient, database_url: str,
                    echo: Callable[[str], object] = click.echo) -> None:
    """The ``make demo`` sync step, for the demo to call with its fake's client: mirror the
    account into ``database_url``, refund the newest sale, and re-sync incrementally."""
    async with SyncStore(database_url) as store:
        first = await sync_sales(client, store)
        echo(f"sync into {store.dialect}: {first.mode}, {first.inserted:,} sales in "
             f"{first.seconds:.1f}s ({first.pages:,} pages)")
        page = await anext(client.sales.list().pages())
        newest = page.items[0] if page.items else None
        if newest is not None and newest.id is not None and not newest.refunded:
            await client.sales.refund(newest.id)
            echo(f"refunded sale {newest.id} on the server")
        again = await sync_sales(client, store)
        echo(f"re-sync: {again.mode}, {again.updated} updated, {again.unchanged:,} unchanged, "
             f"{again.pages:,} pages in {again.seconds:.1f}s")
