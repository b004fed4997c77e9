"""Helpers shared by the benchmark scripts: a fake server in its own process, and timing."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

TOKEN = "bench-token"


@contextmanager
def fake_server_process(*args: str) -> Iterator[str]:
    """Run ``gumroad-async fake-server`` in a child process (its own core); yield its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gumroad_async", "fake-server", "--port", "0",
         "--token", TOKEN, *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if " on " not in line:
            raise RuntimeError(f"fake server did not start: {line!r}")
        yield line.split(" on ")[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds``."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
