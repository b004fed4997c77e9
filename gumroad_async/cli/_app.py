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


#: Sub-command modules, with the command each defines and the extra its imports need.
_COMMANDS: tuple[tuple[str, str, str | None], ...] = (
    ("_export", "export", None),
    ("_demo", "demo", None),
    ("_fake_server", "fake-server", None),
    ("_offer_codes", "offer-codes", None),
    ("_sync", "sync", "db"),
    ("_webhooks_serve", "webhooks", "db"),
    ("_workers", "worker", "workers"),
    ("_accounts", "accounts", "workers"),
    ("_enqueue", "enqueue", "workers"),
    ("_status", "status", "workers"),
)


def _needs_extra(name: str, extra: str, missing: str) -> click.Command:
    """A stand-in for a command whose optional dependencies are not installed."""

    @click.command(name, context_settings={"ignore_unknown_options": True,
                                            "allow_extra_args": True},
                   help=f"(needs the '{extra}' extra: pip install 'gumroad-async[{extra}]')")
    def stand_in() -> None:
        raise click.UsageError(
            f"'{name}' needs the '{extra}' extra ({missing} is not installed): "
            f"pip install 'gumroad-async[{extra}]'"
        )

    return stand_in


def _register() -> None:
    # A command whose extra is missing still shows, and says what to install, so that
    # `pip install 'gumroad-async[cli]'` alone gives a working command line.
    import importlib

    for module_name, name, extra in _COMMANDS:
        try:
            module = importlib.import_module(f"gumroad_async.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if extra is None or not exc.name or exc.name.startswith("gumroad_async"):
                raise
            cli.add_command(_needs_extra(name, extra, exc.name))
            continue
        cli.add_command(module.command)


_register()
