"""The ``gumroad-async`` command line (needs the ``cli`` extra: ``pip install gumroad-async[cli]``).

Each sub-command lives in a module of its own here and is registered below.
Exit codes: 0 ok, 1 an API or network error, 2 a usage error.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``gumroad-async`` console script and ``python -m gumroad_async``."""
    try:
        from gumroad_async.cli._app import cli
    except ImportError as exc:  # click is in the ``cli`` extra
        if exc.name != "click":
            raise
        sys.stderr.write(
            "gumroad-async: the command line needs its extra: pip install 'gumroad-async[cli]'\n"
        )
        raise SystemExit(2) from exc
    cli.main(args=argv, prog_name="gumroad-async")
