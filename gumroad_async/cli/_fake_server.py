"""``gumroad-async fake-server``: run FakeGumroad standalone, to try the CLI or other tools."""

from __future__ import annotations

import asyncio
import contextlib

import click

from gumroad_async.testing import FakeGumroad


@click.command("fake-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, help="Port (0 picks a free one).")
@click.option("--token", default="test-token", show_default=True,
              help="The bearer token to accept; it has every scope.")
@click.option("--sales", default=0, show_default=True, help="Sales to seed.")
@click.option("--subscribers", default=0, show_default=True, help="Subscribers to seed.")
@click.option("--seed", default=0, show_default=True, help="Seed of the generated data.")
@click.option("--latency-ms", default=0.0, show_default=True, help="Delay of every answer.")
@click.option("--rate-limit", type=float, default=None,
              help="Requests per second before answering 429 (no limit by default).")
@click.option("--retry-after", type=float, default=None,
              help="Retry-After seconds sent with a 429 (left out by default).")
@click.option("--query-timeout-threshold", type=int, default=None,
              help="Sales listings over more sales than this answer 400 'Query timed out'.")
def command(
    host: str,
    port: int,
    token: str,
    sales: int,
    subscribers: int,
    seed: int,
    latency_ms: float,
    rate_limit: float | None,
    retry_after: float | None,
    query_timeout_threshold: int | None,
) -> None:
    """Serve a fake Gumroad API v2 until interrupted (Ctrl-C)."""
    fake = FakeGumroad(
        token=token, host=host, port=port, latency=latency_ms / 1000, rate_limit=rate_limit,
        retry_after=retry_after, query_timeout_threshold=query_timeout_threshold,
    )
    fake.seed(seed, sales=sales, subscribers=subscribers)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(fake))


async def _serve(fake: FakeGumroad) -> None:
    async with fake:
        click.echo(f"Fake Gumroad API on {fake.url} ({fake.state.sale_count} sales)")
        click.echo(f"  export GUMROAD_BASE_URL={fake.url}")
        click.echo(f"  export GUMROAD_ACCESS_TOKEN={fake.token}")
        click.echo("Press Ctrl-C to stop.", err=True)
        await asyncio.Event().wait()
