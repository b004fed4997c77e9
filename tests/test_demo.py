"""`gumroad-async demo`: export, serial comparison, then the database mirror and a re-sync."""

from __future__ import annotations

import subprocess
import sys


def test_the_demo_shows_the_export_and_a_sync_then_a_resync() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gumroad_async", "demo", "--sales", "600", "--latency-ms", "0"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "windowed export: 600 sales written (600 lines)" in done.stdout
    assert "speed-up:" in done.stdout
    assert "sync into sqlite: backfill, 600 sales" in done.stdout
    assert "re-sync: incremental, 1 updated" in done.stdout
