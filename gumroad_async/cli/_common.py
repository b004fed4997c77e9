"""What every API-calling sub-command shares: connection options, errors, progress."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import click

from gumroad_async._constants import ACCESS_TOKEN_ENV, BASE_URL_ENV
from gumroad_async.client import GumroadClient
from gumroad_async.errors import GumroadError, InvalidArgumentError
from gumroad_async.export import CheckpointError

__all__ = ["Progress", "connection_options", "debugging", "explain", "fail", "make_client", "run"]

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


def debugging() -> bool:
    """Whether ``--debug`` was given (then failures keep their traceback)."""
    context = click.get_current_context(silent=True)
    return bool(context and (context.find_root().obj or {}).get("debug"))


def explain(exc: BaseException) -> str:
    """One line about an unexpected failure: what it was and, for files, which one."""
    if isinstance(exc, UnicodeDecodeError):
        return f"a file is not UTF-8 text (byte {exc.start}: {exc.reason})"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one ``gumroad-async: error:`` line and exit."""
    click.echo(f"gumroad-async: error: {' '.join(message.split())}", err=True)
    raise SystemExit(code)


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine. Bad arguments exit 2 (click's usage convention); a checkpoint that
    cannot be resumed exits 2 with one line; API, network, file and any other failures
    exit 1 with one line (the traceback only with ``--debug``)."""
    try:
        return asyncio.run(main)
    except InvalidArgumentError as exc:
        raise click.UsageError(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("\ngumroad-async: interrupted", err=True)
        raise SystemExit(130) from None
    except click.ClickException:
        raise
    except CheckpointError as exc:
        fail(str(exc), 2)
    except GumroadError as exc:
        if isinstance(exc, ValueError):  # a refused argument
            raise click.UsageError(str(exc)) from None
        fail(str(exc))
    except Exception as exc:
        if debugging():
            raise
        fail(explain(exc))


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
