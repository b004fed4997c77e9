"""Remembering which pings were handled: Gumroad re-delivers, the handler must run once."""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

__all__ = ["EventStore", "InMemoryEventStore"]

Key = tuple[str, str]


@runtime_checkable
class EventStore(Protocol):
    """Where the receiver records events, so that each is handled once.

    ``claim`` must be atomic: of concurrent calls with one key, exactly one gets ``True``
    (the event is new and now in progress). ``complete`` marks it handled for good;
    ``release`` forgets a claim after the handler failed, so Gumroad's retry is handled.

    A durable store makes "handled once" hold across restarts and several workers:

    - Redis: ``claim`` = ``SET key "running" NX EX 300`` (true if set), ``complete`` =
      ``SET key "done"`` (with a long expiry), ``release`` = ``DEL key``.
    - SQL: ``claim`` = ``INSERT INTO pings (key, state) VALUES (?, 'running') ON CONFLICT
      DO NOTHING`` (true if a row was inserted); ``complete`` = ``UPDATE ... SET state =
      'done'``; ``release`` = ``DELETE ... WHERE state = 'running'``. Doing the handler's
      own writes in the same transaction as ``complete`` makes it exactly once.
    """

    async def claim(self, key: Key) -> bool:
        """Take the event if nobody has: ``True`` means handle it now."""

    async def complete(self, key: Key) -> None:
        """The event was handled."""

    async def release(self, key: Key) -> None:
        """Handling failed: let a later delivery claim it again."""


class InMemoryEventStore:
    """The default store: a dict in this process (lost on restart; bounded in size)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._states: dict[Key, str] = {}
        self._lock = asyncio.Lock()
        self._max_entries = max_entries

    async def claim(self, key: Key) -> bool:
        async with self._lock:
            if key in self._states:
                return False
            if len(self._states) >= self._max_entries:
                # Forget the oldest completed events first (dicts keep insertion order).
                for old in [k for k, s in self._states.items() if s == "done"][:1000]:
                    del self._states[old]
            self._states[key] = "running"
            return True

    async def complete(self, key: Key) -> None:
        self._states[key] = "done"

    async def release(self, key: Key) -> None:
        if self._states.get(key) == "running":
            del self._states[key]

    def state(self, key: Key) -> str | None:
        """``"running"``, ``"done"`` or ``None``: for tests and diagnostics."""
        return self._states.get(key)
