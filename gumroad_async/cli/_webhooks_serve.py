"""``gumroad-async webhooks serve``: receive Gumroad's pings into the mirror's database."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click
from aiohttp import web

from gumroad_async._constants import ACCESS_TOKEN_ENV, BASE_URL_ENV
from gumroad_async.cli._common import make_client, run
from gumroad_async.sync import (
    DEFAULT_ACCOUNT,
    DEFAULT_DATABASE_URL,
    DatabaseEventStore,
    MirrorHandler,
    SyncStore,
)
from gumroad_async.webhooks import WebhookReceiver


@click.group("webhooks")
def command() -> None:
    """Receive Gumroad's pings (webhooks)."""


@command.command("serve")
@click.option("--db", default=DEFAULT_DATABASE_URL, show_default=True,
              envvar="GUMROAD_DATABASE_URL",
              help="The mirror's database: sqlite:///path.db or postgresql://...")
@click.option("--secret", envvar="GUMROAD_WEBHOOK_SECRET", required=True,
              help="The secret in your post_url (?secret=...); or $GUMROAD_WEBHOOK_SECRET.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port (0 picks a free one).")
@click.option("--path", default="/gumroad/ping", show_default=True, help="The ping URL path.")
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True,
              help="The mirror account the pings are applied to.")
@click.option("--token", envvar=ACCESS_TOKEN_ENV, default=None, show_envvar=True,
              help="Access token used to read each pinged sale back (sales.get).")
@click.option("--base-url", envvar=BASE_URL_ENV, default=None, help="API address.")
def serve(db: str, secret: str, host: str, port: int, path: str, account: str,
          token: str | None, base_url: str | None) -> None:
    """Apply sale, refund, dispute and cancellation pings to the mirror, each once.

    Every receiver process pointed at the same database de-duplicates as one (the event
    store is a table in it). Stop with Ctrl-C or SIGTERM.
    """

    async def main() -> None:
        async with make_client(token, base_url, None) as client, SyncStore(db) as store:
            receiver = WebhookReceiver(MirrorHandler(client, store, account=account),
                                       secret=secret, store=DatabaseEventStore(store))
            app = web.Application()
            receiver.add_routes(app, path)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            try:
                site = web.TCPSite(runner, host, port)
                await site.start()
                bound = runner.addresses[0][1] if runner.addresses else port
                click.echo(f"Receiving pings on http://{host}:{bound}{path} into "
                           f"{store.url.render_as_string(hide_password=True)} "
                           f"(account {account!r})", err=True)
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(signal.SIGTERM, stop.set)
                await stop.wait()
            finally:
                await runner.cleanup()

    run(main())
