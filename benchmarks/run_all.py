"""Run every benchmark, one after the other, and print their tables (``make bench``).

Each script starts its own FakeGumroad process and prints figures side by side with a
baseline measured in the same run: compare ratios, not absolute times (shared machines
are noisy).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "fake_server_throughput.py",
    "streaming.py",
    "memory.py",
    "export_throughput.py",
    "single_calls.py",
    "windowed_export.py",
    "cli_export.py",
    "rate_limited_export.py",
]


def main() -> int:
    failed = 0
    for script in SCRIPTS:
        print(f"$ python benchmarks/{script}", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / script)], check=False).returncode != 0
        print(flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
