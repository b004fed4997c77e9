"""``gumroad-async fake-server``: run FakeGumroad standalone, to try the CLI or other tools."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc

import click

from gumroad_async.testing import EDGE_FAULTS, FakeGumroad

_EDGE_KINDS = (*sorted(EDGE_FAULTS), "slow")


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
@click.option("--edge-fault", type=click.Choice(_EDGE_KINDS), default=None,
              help="Answer as the live edge does on its own: proxy 502/503/504 HTML pages, "
                   "a 429 'Retry later' without Retry-After, or a slow answer.")
@click.option("--edge-fault-path", default="/v2/sales", show_default=True,
              help="Glob of the paths the edge fault hits.")
@click.option("--edge-fault-every", default=10, show_default=True, type=click.IntRange(1),
              help="The edge fault hits every N-th matching request.")
@click.option("--edge-stall", default=0.0, show_default=True, type=click.FloatRange(0),
              help="Seconds the edge waits before its answer ('slow' waits 1 s unless set, "
                   "then gives the real answer).")
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
    edge_fault: str | None,
    edge_fault_path: str,
    edge_fault_every: int,
    edge_stall: float,
) -> None:
    """Serve a fake Gumroad API v2 until interrupted (Ctrl-C)."""
    if not 0 <= port <= 65535:
        raise click.ClickException(f"port {port} is out of range: use 0-65535 (0 picks a free "
                                   "one)")
    fake = FakeGumroad(
        token=token, host=host, port=port, latency=latency_ms / 1000, rate_limit=rate_limit,
        retry_after=retry_after, request_log_limit=10_000,
    )
    if edge_fault is not None:
        slow = edge_fault == "slow"
        fake.inject(path=edge_fault_path, times=2**62, every=edge_fault_every,
                    edge=None if slow else edge_fault,
                    stall=edge_stall or (1.0 if slow else None))
    fake.seed(seed, sales=sales, subscribers=subscribers)
    # The seeded account lives as long as the process: keep the garbage collector from
    # walking it again and again while serving.
    gc.collect()
    gc.freeze()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(fake))


async def _serve(fake: FakeGumroad) -> None:
    try:
        await fake.start()
    except OSError as exc:
        # A port in use, an address not on this machine, no permission: one line.
        reason = "address already in use" if exc.errno == errno.EADDRINUSE else (
            exc.strerror or str(exc))
        raise click.ClickException(f"cannot listen on {fake.host}:{fake.port}: {reason}"
                                   ) from None
    try:
        click.echo(f"Fake Gumroad API on {fake.url} ({fake.state.sale_count} sales)")
        click.echo(f"  export GUMROAD_BASE_URL={fake.url}")
        click.echo(f"  export GUMROAD_ACCESS_TOKEN={fake.token}")
        click.echo("Press Ctrl-C to stop.", err=True)
        await asyncio.Event().wait()
    finally:
        await fake.close()
