"""``gumroad-async offer-codes create-batch|delete-batch``: many one-time codes at once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gumroad_async.cli._common import connection_options, fail, make_client, run
from gumroad_async.services._offer_code_batches import BatchItem, BatchResult


@click.group("offer-codes")
def command() -> None:
    """Create or withdraw batches of unique offer codes."""


@command.command("create-batch")
@connection_options
@click.option("--product", "products", multiple=True, required=True,
              help="Product to put the codes on (repeat for several: same codes on each).")
@click.option("--universal", is_flag=True, help="Codes valid on every product (one --product).")
@click.option("--count", type=click.IntRange(1), required=True, help="How many codes.")
@click.option("--prefix", default="", help="Put before each code, e.g. SPRING-.")
@click.option("--length", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Random characters per code (upper-case letters and digits).")
@click.option("--percent", type=float, default=None, help="Percent off (0-100).")
@click.option("--cents", type=int, default=None, help="Amount off in cents.")
@click.option("--max-uses", type=click.IntRange(1), default=1, show_default=True,
              help="Purchases each code allows.")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of the batch, written as it goes; run again with it to resume.")
@click.option("--concurrency", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def create_batch_command(
    token: str | None, base_url: str | None, rate_limit: float | None,
    products: tuple[str, ...], universal: bool, count: int, prefix: str, length: int,
    percent: float | None, cents: int | None, max_uses: int, results: Path | None,
    concurrency: int, quiet: bool,
) -> None:
    """Create COUNT unique random offer codes; prints code,product_id,offer_code_id lines."""
    if (percent is None) == (cents is None):
        raise click.UsageError("give exactly one of --percent or --cents")
    if results is not None:
        _check_results_file(results)
    total = count * (1 if universal else len(set(products)))
    show = not quiet and sys.stderr.isatty()

    async def main() -> BatchResult:
        async with make_client(token, base_url, rate_limit, concurrency) as gumroad:
            with click.progressbar(length=total, label="offer codes", file=sys.stderr,
                                   hidden=not show) as bar:

                def step(item: BatchItem) -> None:
                    bar.update(1)

                return await gumroad.offer_codes.create_batch(
                    list(products), count=count, prefix=prefix, length=length,
                    offer_type="percent" if percent is not None else "fixed",
                    amount_off=percent, amount_cents=cents, universal=universal,
                    max_purchase_count=max_uses, concurrency=concurrency, results=results,
                    on_progress=step,
                )

    result = run(main())
    for item in result.created:
        click.echo(f"{item.code},{item.product_id},{item.offer_code_id}")
    for item in result.failed:
        click.echo(f"failed: {item.code} on {item.product_id}: {item.message}", err=True)
    click.echo(f"{len(result.created)} created, {len(result.failed)} failed", err=True)
    if result.failed:
        raise SystemExit(1)


def _check_results_file(path: Path) -> None:
    """A results file to resume from must be readable UTF-8 text: say so in one line now,
    rather than fail part-way."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        fail(f"--results {path}: cannot be read ({exc.strerror})", 2)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"--results {path}: not UTF-8 text (byte {exc.start}); it is not a results file "
             "written by create-batch", 2)


@command.command("delete-batch")
@connection_options
@click.option("--product", required=True, help="Product whose codes to delete.")
@click.option("--prefix", required=True, help="Delete the codes whose names start with this.")
def delete_batch_command(
    token: str | None, base_url: str | None, rate_limit: float | None, product: str,
    prefix: str,
) -> None:
    """Delete a product's offer codes by name prefix."""

    async def main() -> int:
        async with make_client(token, base_url, rate_limit) as gumroad:
            return await gumroad.offer_codes.delete_batch(product, prefix=prefix)

    click.echo(f"{run(main())} offer codes deleted", err=True)
