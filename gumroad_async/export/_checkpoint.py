"""The export's progress file: written atomically, so a kill leaves the old or the new one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from gumroad_async.errors import GumroadError

__all__ = ["Checkpoint", "CheckpointMismatchError"]

_VERSION = 1


class CheckpointMismatchError(GumroadError, ValueError):
    """The checkpoint file belongs to a different export (other filters, dates or kind)."""


class Checkpoint:
    """A JSON file holding what an export has done; ``load`` / ``save`` it by path.

    The file records the export's parameters, every window (its cursor, or done) and the
    sink's committed state (for files, the byte offset). ``save`` writes a temporary file,
    syncs it and renames it over the old one.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self, parameters: dict[str, Any]) -> dict[str, Any] | None:
        """The saved state, or ``None`` if there is no file yet; refuses another export's."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            state: dict[str, Any] = json.loads(text)
        except ValueError as exc:
            raise CheckpointMismatchError(
                f"{self.path} is not an export checkpoint ({exc}); remove it to start over"
            ) from None
        if state.get("version") != _VERSION or state.get("parameters") != parameters:
            raise CheckpointMismatchError(
                f"{self.path} belongs to another export ({state.get('parameters')}); "
                f"this one is {parameters}. Use another checkpoint file, or remove it to "
                "start over."
            )
        return state

    def save(self, parameters: dict[str, Any], **state: Any) -> None:
        data = json.dumps({"version": _VERSION, "parameters": parameters, **state}, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
