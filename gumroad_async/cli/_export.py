"""``gumroad-async export sales|subscribers``: the resumable streaming export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gumroad_async.cli._common import Progress, connection_options, make_client, run
from gumroad_async.export import (
    DEFAULT_EXPORT_CONCURRENCY,
    CSVSink,
    ExportProgress,
    ExportResult,
    JSONLSink,
    Sink,
    StdoutSink,
    export_sales,
    export_subscribers,
)
from gumroad_async.records import Sale, Subscriber


@click.group("export")
def command() -> None:
    """Export sales or subscribers to JSONL or CSV, resumably."""


def _output_options(function: Any) -> Any:
    function = click.option("--quiet", "-q", is_flag=True, help="No progress line.")(function)
    function = click.option(
        "--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Progress file: run the same command again to resume after a failure.",
    )(function)
    function = click.option(
        "--format", "format_", type=click.Choice(["jsonl", "csv"]), default=None,
        help="Output format (default: from the file name, else jsonl).",
    )(function)
    return click.option(
        "--out", "-o", default="-", show_default=True,
        help="Output file, or - for standard output (JSON lines).",
    )(function)


def _sink(out: str, format_: str | None, checkpoint: Path | None, record_type: type) -> Sink:
    if out == "-":
        if format_ == "csv":
            raise click.UsageError("CSV goes to a file: pass --out FILE.csv")
        if checkpoint is not None:
            raise click.UsageError("--checkpoint needs --out FILE (stdout cannot be rewound)")
        return StdoutSink()
    if (format_ or ("csv" if out.endswith(".csv") else "jsonl")) == "csv":
        return CSVSink(out, record_type=record_type)
    return JSONLSink(out)


def _report(result: ExportResult, quiet: bool) -> None:
    if quiet:
        return
    rate = result.pages and result.records / max(result.seconds, 1e-9)
    resumed = " (resumed)" if result.resumed else ""
    click.echo(
        f"exported {result.records:,} records{resumed} in {result.seconds:.1f}s "
        f"({result.pages:,} pages, {rate:,.0f} records/s)", err=True,
    )


@command.command("sales")
@connection_options
@click.option("--after", default=None, help="First day, inclusive (YYYY-MM-DD).")
@click.option("--before", default=None, help="Last day, exclusive (YYYY-MM-DD).")
@click.option("--product-id", default=None, help="Only this product's sales.")
@click.option("--email", default=None, help="Only this buyer's sales.")
@click.option("--concurrency", default=DEFAULT_EXPORT_CONCURRENCY, show_default=True,
              type=click.IntRange(1, 64), help="Day windows walked at once.")
@_output_options
def export_sales_command(
    token: str | None, base_url: str | None, rate_limit: float | None, after: str | None,
    before: str | None, product_id: str | None, email: str | None, concurrency: int,
    out: str, format_: str | None, checkpoint: Path | None, quiet: bool,
) -> None:
    """Export sales, walking day windows in parallel."""
    sink = _sink(out, format_, checkpoint, Sale)
    progress = Progress(quiet=quiet, unit="sales")

    async def main() -> ExportResult:
        async with make_client(token, base_url, rate_limit, concurrency) as gumroad:
            return await export_sales(
                gumroad, sink, after=after, before=before, product_id=product_id, email=email,
                concurrency=concurrency, checkpoint=checkpoint,
                on_progress=lambda p: _show(progress, p),
            )

    try:
        result = run(main())
    finally:
        progress.finish()
    _report(result, quiet)


@command.command("subscribers")
@connection_options
@click.option("--product-id", "product_ids", multiple=True, required=True,
              help="Product whose subscribers to export (repeat for several).")
@click.option("--email", default=None, help="Only this subscriber.")
@_output_options
def export_subscribers_command(
    token: str | None, base_url: str | None, rate_limit: float | None,
    product_ids: tuple[str, ...], email: str | None, out: str, format_: str | None,
    checkpoint: Path | None, quiet: bool,
) -> None:
    """Export the active subscribers of products."""
    sink = _sink(out, format_, checkpoint, Subscriber)
    progress = Progress(quiet=quiet, unit="subscribers")

    async def main() -> ExportResult:
        async with make_client(token, base_url, rate_limit) as gumroad:
            return await export_subscribers(
                gumroad, sink, list(product_ids), email=email, checkpoint=checkpoint,
                on_progress=lambda p: _show(progress, p),
            )

    try:
        result = run(main())
    finally:
        progress.finish()
    _report(result, quiet)


def _show(progress: Progress, state: ExportProgress) -> None:
    progress.update(state.records, state.pages, state.elapsed, state.fraction_done)
