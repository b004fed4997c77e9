"""Options shared by the fleet's sub-commands (worker, accounts, enqueue, status)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from gumroad_async.workers import AccountStore

__all__ = ["db_option", "fleet_options", "open_accounts", "require_workers_extra"]

F = TypeVar("F", bound=Callable[..., Any])

# Spelled out here so that --help works without the ``workers`` extra installed.
REDIS_URL_ENV = "GUMROAD_REDIS_URL"
DB_URL_ENV = "GUMROAD_DB_URL"
NAMESPACE_ENV = "GUMROAD_WORKERS_NAMESPACE"
DEFAULT_DATABASE_URL = "sqlite:///gumroad.db"
_DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
_DEFAULT_NAMESPACE = "gumroad"


def require_workers_extra() -> None:
    """Exit with a plain message when the ``workers`` extra is not installed."""
    try:
        import arq  # noqa: F401
        import limits  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise click.UsageError(
            f"this command needs the workers extra ({exc.name} is missing): "
            "pip install 'gumroad-async[workers]'"
        ) from None


def db_option(function: F) -> F:
    """``--db`` (or ``$GUMROAD_DB_URL``): the mirror's database, where accounts live too."""
    return click.option(
        "--db", "db_url", envvar=DB_URL_ENV, default=DEFAULT_DATABASE_URL, show_default=True,
        help=f"postgresql://user@host:port/dbname or sqlite:///path.db (or ${DB_URL_ENV}).",
    )(function)


def fleet_options(function: F) -> F:
    """``--db``, ``--redis`` and ``--namespace``."""
    function = click.option(
        "--namespace", envvar=NAMESPACE_ENV, default=_DEFAULT_NAMESPACE, show_default=True,
        help=f"Prefix of the fleet's Redis keys and queue (or ${NAMESPACE_ENV}).",
    )(function)
    function = click.option(
        "--redis", "redis_url", envvar=REDIS_URL_ENV, default=_DEFAULT_REDIS,
        show_default=True, help=f"Redis URL (or ${REDIS_URL_ENV}).",
    )(function)
    return db_option(function)


@asynccontextmanager
async def open_accounts(db_url: str) -> AsyncIterator[AccountStore]:
    """The accounts table of a database (created, with the mirror's schema, if missing)."""
    from gumroad_async.sync import SyncStore
    from gumroad_async.workers import AccountStore

    async with SyncStore(db_url) as store:
        accounts = AccountStore(store.engine)
        await accounts.create_tables()
        yield accounts
