"""Without a PostgreSQL server the PostgreSQL cases are skipped locally, and FAIL under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_postgres_case(ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["GUMROAD_TEST_POSTGRES_URL"] = "postgresql://postgres@127.0.0.1:1/postgres"  # closed
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/sync/test_store.py", "-k", "newer_schema_is_refused and postgresql"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("ci", "status", "words"), [
    (False, 0, "1 skipped"),
    (True, 1, "is not reachable"),
])
def test_an_unreachable_postgres(ci: bool, status: int, words: str) -> None:
    result = _run_postgres_case(ci)
    assert result.returncode == status, result.stdout[-2000:]
    assert words in result.stdout
