"""The command line with only the `cli` extra: every command still listed, none breaks the rest."""

from __future__ import annotations

import subprocess
import sys

# Blocks the optional extras' packages as if they were not installed, then runs the CLI.
_RUN_WITHOUT_EXTRAS = """
import sys
for name in ("sqlalchemy", "aiosqlite", "asyncpg", "arq", "limits", "redis", "cryptography"):
    sys.modules[name] = None
from gumroad_async.cli import main
sys.argv = ["gumroad-async", *sys.argv[1:]]
main()
"""


def run_without_extras(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _RUN_WITHOUT_EXTRAS, *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_help_lists_every_command_without_the_extras() -> None:
    done = run_without_extras("--help")
    assert done.returncode == 0, done.stderr
    for name in ("export", "demo", "fake-server", "sync", "webhooks", "worker", "status"):
        assert name in done.stdout


def test_a_command_whose_extra_is_missing_says_what_to_install() -> None:
    done = run_without_extras("sync", "sales", "--db", "sqlite:///x.db")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "pip install 'gumroad-async[db]'" in done.stderr


def test_the_export_works_without_the_extras() -> None:
    done = run_without_extras("export", "--help")
    assert done.returncode == 0, done.stderr
    assert "sales" in done.stdout
