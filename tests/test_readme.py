"""The README's Python examples run as written (against the fake server they start)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, tmp_path: Path) -> None:
    source = BLOCKS[index]
    if "asyncio.run(" not in source:
        pytest.skip("a fragment, not a whole program")
    script = tmp_path / f"example_{index}.py"
    script.write_text(source)
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "error::ResourceWarning"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
