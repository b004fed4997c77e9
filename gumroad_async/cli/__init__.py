"""The ``gumroad-async`` command line (needs the ``cli`` extra: ``pip install gumroad-async[cli]``).

Each sub-command lives in a module of its own here and is registered below.
Exit codes: 0 ok, 1 an API, network or file error, 2 a usage error (a bad argument, a
checkpoint that cannot be resumed). A user never sees a traceback unless they pass
``--debug``: every failure is one line on stderr.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``gumroad-async`` console script and ``python -m gumroad_async``."""
    try:
        from gumroad_async.cli._app import cli
        from gumroad_async.cli._common import explain
    except ImportError as exc:  # click is in the ``cli`` extra
        if exc.name != "click":
            raise
        sys.stderr.write(
            "gumroad-async: the command line needs its extra: pip install 'gumroad-async[cli]'\n"
        )
        raise SystemExit(2) from exc
    arguments = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=argv, prog_name="gumroad-async")
    except Exception as exc:  # the last line of defence: click handled its own errors
        if "--debug" in arguments:
            raise
        sys.stderr.write(f"gumroad-async: error: {explain(exc)} (--debug shows where)\n")
        raise SystemExit(1) from None
