"""The click group; sub-commands are loaded from their own modules when first named."""

from __future__ import annotations

import importlib

import click

from gumroad_async._version import __version__


class _LazyGroup(click.Group):
    """Imports a sub-command's module only when that command runs (or help lists them all):
    `export` does not pay for importing SQLAlchemy, arq, redis and cryptography at start-up
    (0.5 to 0.9 s on a 2-core machine)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(name for _, name, _ in _COMMANDS)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            for module_name, name, extra in _COMMANDS:
                if name == cmd_name:
                    command = _load(module_name, name, extra)
                    self.add_command(command)
                    break
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def _load(module_name: str, name: str, extra: str | None) -> click.Command:
    # A command whose extra is missing still shows, and says what to install, so that
    # `pip install 'gumroad-async[cli]'` alone gives a working command line.
    try:
        module = importlib.import_module(f"gumroad_async.cli.{module_name}")
    except ModuleNotFoundError as exc:
        if extra is None or not exc.name or exc.name.startswith("gumroad_async"):
            raise
        return _needs_extra(name, extra, exc.name)
    command: click.Command = module.command
    return command
