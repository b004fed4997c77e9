"""The documented example answers (``shared/gumroad-api/examples``), found from any checkout."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["EXAMPLES", "example", "example_names"]


def _find() -> Path:
    configured = os.environ.get("GUMROAD_API_EXAMPLES")
    if configured:
        return Path(configured)
    # The repository may be a worktree nested deeper than the main checkout.
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "gumroad-api" / "examples"
        if candidate.is_dir():
            return candidate
    raise RuntimeError("shared/gumroad-api/examples not found; set GUMROAD_API_EXAMPLES")


EXAMPLES = _find()


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


def example_names() -> list[str]:
    return sorted(path.stem for path in EXAMPLES.glob("*.json"))
