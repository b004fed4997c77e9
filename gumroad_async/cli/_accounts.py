"""``gumroad-async accounts add|list|remove|new-key``: the accounts the fleet syncs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gumroad_async._constants import ACCESS_TOKEN_ENV
from gumroad_async.cli._common import run
from gumroad_async.cli._fleet_options import db_option, open_accounts, require_workers_extra

if TYPE_CHECKING:
    from gumroad_async.workers import Account

TOKEN_KEY_ENV = "GUMROAD_TOKEN_KEY"


@click.group("accounts")
def command() -> None:
    """Add, list and remove the seller accounts the worker fleet syncs."""
    require_workers_extra()


@command.command("add")
@click.argument("name")
@db_option
@click.option("--token", envvar=ACCESS_TOKEN_ENV, default=None,
              help=f"The account's access token (default ${ACCESS_TOKEN_ENV}, else asked "
                   "for without echo).")
@click.option("--base-url", default=None, help="API address (default the real service).")
@click.option("--rate-limit", type=float, default=None,
              help="Requests per second the token may send, across the whole fleet.")
@click.option("--concurrency", default=4, show_default=True,
              help="Requests in flight with the token, across the whole fleet.")
@click.option("--schedule-minutes", default=60, show_default=True,
              help="Minutes between scheduled syncs (0: only when enqueued).")
@click.option("--replace", is_flag=True, help="Overwrite an account of that name.")
def add(name: str, db_url: str, token: str | None, base_url: str | None,
        rate_limit: float | None, concurrency: int, schedule_minutes: int,
        replace: bool) -> None:
    """Add an account (the token is stored encrypted when $GUMROAD_TOKEN_KEY is set)."""
    if not token:
        token = click.prompt("Access token", hide_input=True)

    async def main() -> Account:
        async with open_accounts(db_url) as accounts:
            return await accounts.add(
                name, token, base_url=base_url, rate_limit=rate_limit,
                concurrency=concurrency, schedule_minutes=schedule_minutes, replace=replace)

    account = run(main())
    click.echo(f"account {account.name} added")


@command.command("list")
@db_option
def list_(db_url: str) -> None:
    """The accounts, their limits, schedule and state (never their tokens)."""

    async def main() -> list[Account]:
        async with open_accounts(db_url) as accounts:
            return await accounts.list()

    rows = run(main())
    if not rows:
        click.echo("no accounts")
        return
    click.echo(f"{'name':<24} {'state':<8} {'rate/s':>7} {'conc':>4} {'every':>6}  failure")
    for a in rows:
        rate = f"{a.rate_limit:g}" if a.rate_limit else "-"
        every = f"{a.schedule_minutes}m" if a.schedule_minutes else "-"
        click.echo(f"{a.name:<24} {a.state:<8} {rate:>7} {a.concurrency:>4} {every:>6}  "
                   f"{a.failure or ''}")


@command.command("remove")
@click.argument("name")
@db_option
def remove(name: str, db_url: str) -> None:
    """Remove an account (its mirrored rows stay)."""

    async def main() -> None:
        async with open_accounts(db_url) as accounts:
            await accounts.remove(name)

    run(main())
    click.echo(f"account {name} removed")


@command.command("new-key")
def new_key_command() -> None:
    """Print a new key for $GUMROAD_TOKEN_KEY (tokens are then stored encrypted)."""
    from gumroad_async.workers import new_key
    click.echo(new_key())
    click.echo(f"# export {TOKEN_KEY_ENV}=<the key above>; keep it out of the database",
               err=True)
