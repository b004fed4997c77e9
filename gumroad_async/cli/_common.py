"""What every API-calling sub-command shares: connection options, errors, progress."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click

from gumroad_async._constants import ACCESS_TOKEN_ENV, BASE_URL_ENV
from gumroad_async.client import GumroadClient
from gumroad_async.errors import GumroadError, InvalidArgumentError

__all__ = ["Progress", "connection_options", "make_client", "run"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def connection_options(function: F) -> F:
    """``--token`` (or ``$GUMROAD_ACCESS_TOKEN``), ``--base-url``, ``--rate-limit``."""
    function = click.option(
        "--rate-limit", type=float, default=None,
        help="Requests per second to stay under (smoothed; no limit by default).",
    )(function)
    function = click.option(
        "--base-url", envvar=BASE_URL_ENV, default=None,
        help=f"API address (default https://api.gumroad.com; or ${BASE_URL_ENV}).",
    )(function)
    return click.option(
        "--token", envvar=ACCESS_TOKEN_ENV, default=None, show_envvar=True,
        help="Access token (better from the environment: command lines are visible to "
             "other users of the machine).",
    )(function)


def make_client(
    token: str | None, base_url: str | None, rate_limit: float | None, concurrency: int = 16
) -> GumroadClient:
    if not token:
        raise click.UsageError(
            f"no access token: set {ACCESS_TOKEN_ENV} or pass --token", ctx=None
        )
    return GumroadClient(token, base_url=base_url, rate_limit=rate_limit,
                         max_concurrency=max(16, concurrency))


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; API and network failures exit 1 with a plain message, bad
    arguments exit 2 (click's usage convention)."""
    try:
        return asyncio.run(main)
    except InvalidArgumentError as exc:
        raise click.UsageError(str(exc)) from None
    except (GumroadError, OSError) as exc:
        if isinstance(exc, ValueError):  # a refused argument or a foreign checkpoint file
            raise click.UsageError(str(exc)) from None
        click.echo(f"gumroad-async: error: {exc}", err=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        click.echo("\ngumroad-async: interrupted", err=True)
        raise SystemExit(130) from None


class Progress:
    """One status line on stderr, redrawn at most ten times a second, only on a terminal."""

    def __init__(self, *, quiet: bool = False, unit: str = "records") -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.unit = unit
        self._last = 0.0
        self._shown = False

    def update(self, count: int, pages: int, elapsed: float, fraction: float | None) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.1:
            return
        self._last = now
        rate = count / elapsed if elapsed > 0 else 0.0
        line = f"{count:,} {self.unit} · {pages:,} pages · {rate:,.0f}/s"
        if fraction:
            remaining = elapsed * (1 - fraction) / fraction
            line += f" · {fraction:.0%} · ETA {remaining:,.0f}s"
        click.echo(f"\r\x1b[2K{line}", err=True, nl=False)
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            click.echo("", err=True)
