"""The click group; sub-commands are added from their own modules."""

from __future__ import annotations

import click

from gumroad_async._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gumroad-async")
@click.option("--debug", is_flag=True,
              help="Show the full traceback of a failure (errors are one line otherwise).")
@click.pass_context
def cli(context: click.Context, debug: bool) -> None:
    """Work with the Gumroad API v2 from the shell: bulk export, a fake server, a demo."""
    context.obj = {"debug": debug}


def _register() -> None:
    # Each module defines `command` (a click.Command or click.Group). Modules that do not
    # exist yet are skipped so that sub-commands can land one at a time.
    import importlib

    for name in ("_export", "_demo", "_fake_server", "_offer_codes", "_sync", "_webhooks_serve",
                 "_workers", "_accounts", "_enqueue", "_status"):
        try:
            module = importlib.import_module(f"gumroad_async.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"gumroad_async.cli.{name}":
                raise
            continue
        cli.add_command(module.command)


_register()
