"""``gumroad-async demo``: the windowed export against an embedded fake, next to a serial walk."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import date
from pathlib import Path

import click

from gumroad_async.client import GumroadClient
from gumroad_async.export import DEFAULT_EXPORT_CONCURRENCY, JSONLSink, export_sales
from gumroad_async.testing import FakeGumroad

#: Sales the serial comparison really walks; its time for all of them is extrapolated.
SERIAL_SAMPLE = 2_000


@click.command("demo")
@click.option("--sales", default=20_000, show_default=True, help="Sales in the fake account.")
@click.option("--latency-ms", default=20.0, show_default=True,
              help="Delay of every answer, like a real network.")
@click.option("--concurrency", default=DEFAULT_EXPORT_CONCURRENCY, show_default=True,
              type=click.IntRange(1, 64),
              help="Day windows walked at once.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the export (default: a temporary file).")
@click.option("--skip-serial", is_flag=True, help="Leave out the (slow) serial comparison.")
@click.option("--sync/--no-sync", default=True, show_default=True,
              help="Then mirror the account into SQLite and re-sync it (needs the db extra).")
def command(
    sales: int, latency_ms: float, concurrency: int, out: Path | None, skip_serial: bool,
    sync: bool,
) -> None:
    """Export a seeded fake account two ways and print the figures side by side."""
    asyncio.run(_demo(sales, latency_ms / 1000, concurrency, out, skip_serial, sync))


async def _demo(
    sales: int, latency: float, concurrency: int, out: Path | None, skip_serial: bool,
    sync: bool,
) -> None:
    fake = FakeGumroad(latency=latency)
    fake.seed(1, products=5, sales=sales, start=date(2023, 1, 1), end=date(2025, 1, 1))
    async with fake, GumroadClient(fake.token, base_url=fake.url,
                                   max_concurrency=concurrency) as gumroad:
        click.echo(f"Fake Gumroad on {fake.url}: {sales:,} sales over two years, "
                   f"{latency * 1000:g} ms per request.")
        with tempfile.TemporaryDirectory() as scratch:
            target = out or Path(scratch) / "sales.jsonl"
            result = await export_sales(gumroad, JSONLSink(target, fsync=False),
                                        after="2023-01-01", before="2025-01-01",
                                        concurrency=concurrency)
            lines = sum(1 for _ in target.open("rb"))
        rows = [("windowed export", result.records, result.seconds)]
        click.echo(f"windowed export: {result.records:,} sales written ({lines:,} lines), "
                   f"{result.pages:,} pages")
        if not skip_serial:
            # A serial walk of every sale would take minutes (one page of 10 per round
            # trip): walk a sample and extrapolate, saying so.
            sample = min(result.records, SERIAL_SAMPLE)
            click.echo(f"serial walk (one page at a time, as other clients do): timing the "
                       f"first {sample:,} sales and extrapolating to {result.records:,}...")
            started = time.perf_counter()
            count = 0
            async for _ in gumroad.sales.list(after="2023-01-01", before="2025-01-01"):
                count += 1
                if count >= sample:
                    break
            seconds = (time.perf_counter() - started) * result.records / max(count, 1)
            rows.append(("serial walk (est.)", result.records, seconds))
        _print_table(rows)
        if sync:
            await _sync_step(gumroad)


def _print_table(rows: list[tuple[str, int, float]]) -> None:
    click.echo("")
    click.echo(f"{'':18}{'records':>10}{'seconds':>10}{'records/s':>12}")
    for name, count, seconds in rows:
        click.echo(f"{name:18}{count:>10,}{seconds:>10.2f}{count / seconds:>12,.0f}")
    if len(rows) == 2:
        click.echo(f"speed-up: {rows[1][2] / rows[0][2]:.1f}x (the serial time is extrapolated "
                   f"from {SERIAL_SAMPLE:,} sales)")


async def _sync_step(gumroad: GumroadClient) -> None:
    """Mirror the same account into SQLite, refund a sale, re-sync (needs the db extra)."""
    try:
        from gumroad_async.cli._sync import demo_sync
    except ModuleNotFoundError as exc:
        click.echo(f"\n(database mirror step skipped: {exc.name} is not installed; "
                   f"pip install 'gumroad-async[db]')")
        return
    click.echo("\nDatabase mirror (gumroad-async sync sales), into a temporary SQLite file:")
    with tempfile.TemporaryDirectory() as scratch:
        await demo_sync(gumroad, f"sqlite:///{scratch}/gumroad.db")
