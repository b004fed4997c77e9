"""The export's progress file: written atomically, so a kill leaves the old or the new one."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from gumroad_async.errors import GumroadError

__all__ = ["Checkpoint", "CheckpointError", "CheckpointMismatchError"]

_VERSION = 2
#: A checkpoint is a few kilobytes; anything far larger is not one (and is not read whole).
_MAX_BYTES = 64 * 1024 * 1024


class CheckpointError(GumroadError, ValueError):
    """The checkpoint file cannot be used: unreadable, malformed, or another export's."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint file belongs to a different export (other filters, dates, output)."""


def _fail(path: Path, problem: str) -> CheckpointError:
    return CheckpointError(
        f"checkpoint {path} {problem}: not an export checkpoint this version can resume; "
        "remove it to start over"
    )


def _differences(saved: Any, wanted: Mapping[str, Any]) -> str:
    if not isinstance(saved, Mapping):
        return "its parameters are unreadable"
    keys = sorted(set(saved) | set(wanted), key=str)
    changed = [f"{key} was {saved.get(key)!r}, now {wanted.get(key)!r}"
               for key in keys if saved.get(key) != wanted.get(key)]
    return "; ".join(changed)


def _check_state(state: Any) -> str | None:
    """What is wrong with a decoded checkpoint's shape, or ``None`` if it is usable."""
    if not isinstance(state, dict):
        return f"holds a JSON {type(state).__name__}, not an object"
    if state.get("version") != _VERSION:
        return f"has version {state.get('version')!r}, this gumroad-async writes {_VERSION}"
    if not isinstance(state.get("parameters"), dict):
        return "has no parameters"
    windows = state.get("windows")
    if not isinstance(windows, list) or not all(isinstance(w, dict) for w in windows):
        return "has no list of windows"
    for window in windows:
        for key in ("after", "before", "reached"):
            value = window.get(key)
            if value is None and key == "reached":
                continue
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                return f"has a window whose {key!r} is not a date"
        if not isinstance(window.get("cursor"), str | None) or not isinstance(
                window.get("done"), bool):
            return "has a window with a malformed cursor or done flag"
    records = state.get("records")
    if not isinstance(records, int) or isinstance(records, bool) or records < 0:
        return "has no record count"
    if not isinstance(state.get("sink"), dict | None):
        return "has a malformed sink state"
    return None


class Checkpoint:
    """A JSON file holding what an export has done; ``load`` / ``save`` it by path.

    The file records the export's parameters (kind, filters, dates, and the sink's own
    description: for a file, its format and absolute path), every window (its cursor, or
    done) and the sink's committed state (for files, the byte offset and a digest of the
    bytes before it). ``save`` writes a temporary file, syncs it and renames it over the
    old one. ``load`` refuses, with one line naming the file, anything it cannot resume.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self, parameters: dict[str, Any]) -> dict[str, Any] | None:
        """The saved state, or ``None`` if there is no file yet; refuses another export's."""
        try:
            with self.path.open("rb") as file:
                raw = file.read(_MAX_BYTES + 1)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise _fail(self.path, "is a directory") from None
        except OSError as exc:
            raise CheckpointError(
                f"checkpoint {self.path} cannot be read: {exc.strerror}") from None
        if len(raw) > _MAX_BYTES:
            raise _fail(self.path, "is far too large")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(self.path, f"is not UTF-8 text (byte {exc.start})") from None
        if not text.strip():
            raise _fail(self.path, "is empty")
        try:
            state = json.loads(text)
        except RecursionError:
            raise _fail(self.path, "is not valid JSON (nested too deeply)") from None
        except ValueError as exc:
            where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "it"
            raise _fail(self.path, f"is not valid JSON, or is truncated ({where})") from None
        problem = _check_state(state)
        if problem is not None:
            raise _fail(self.path, problem)
        if state["parameters"] != parameters:
            raise CheckpointMismatchError(
                f"checkpoint {self.path} belongs to another export "
                f"({_differences(state['parameters'], parameters)}): use another checkpoint "
                "file, or remove it to start over"
            )
        return dict(state)

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
