"""Dicts that say when they change: what lets the fake keep encoded bytes between requests."""

from __future__ import annotations

from typing import Any, Protocol, Self

__all__ = ["Changes", "TrackedDict"]


class Versioned(Protocol):
    """Anything with a ``version`` counter that changes bump."""

    version: int


class Changes:
    """A counter shared by tracked dicts: bumped whenever one of them changes."""

    __slots__ = ("version",)

    def __init__(self) -> None:
        self.version = 0


class TrackedDict(dict[str, Any]):
    """A dict that bumps its watcher's ``version`` whenever one of its keys is set or
    removed (a nested value changed in place is not seen: assign the field to change it)."""

    __slots__ = ("_watcher",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watcher: Versioned | None = None

    def watched_by(self, watcher: Versioned) -> Self:
        """Bump ``watcher.version`` on every change from now on; returns the dict."""
        self._watcher = watcher
        return self

    def _changed(self) -> None:
        if self._watcher is not None:
            self._watcher.version += 1

    def __setitem__(self, key: str, value: Any) -> None:
        self._changed()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._changed()
        super().__delitem__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self._changed()
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        self._changed()
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._changed()
        return super().setdefault(key, default)

    def clear(self) -> None:
        self._changed()
        super().clear()

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        self._changed()
        return super().__ior__(other)
