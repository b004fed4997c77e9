"""Remembering which pings were handled: Gumroad re-delivers, the handler must run once."""

from __future__ import annotations

import asyncio
import enum
import time
from typing import Protocol, runtime_checkable

__all__ = ["Claim", "EventStore", "InMemoryEventStore", "Key"]

#: ``(resource_name, event_id)``: see ``SaleEvent.dedup_key`` / ``SubscriptionEvent.dedup_key``.
Key = tuple[str, str]


class Claim(enum.Enum):
    """What :meth:`EventStore.claim` found."""

    #: Nobody had the event (or its last claim was released or abandoned): it is yours now;
    #: handle it, then call ``complete`` or ``release``.
    NEW = "new"
    #: Another delivery holds a live claim: it may still fail, so this one is not "handled".
    IN_PROGRESS = "in_progress"
    #: The event was handled for good.
    DONE = "done"


@runtime_checkable
class EventStore(Protocol):
    """Where the receiver records events, so that each is handled once.

    Three states per key: absent, *running* (claimed, with a lease) and *done*.

    - ``claim(key, lease)`` is atomic: of concurrent calls with one key, exactly one gets
      :attr:`Claim.NEW`; the others get :attr:`Claim.IN_PROGRESS` while that claim is live,
      and :attr:`Claim.DONE` once it completed. A running claim older than ``lease`` seconds
      was abandoned (its process died): the next ``claim`` takes it over (``NEW``).
    - ``complete(key)`` marks the event done for good (idempotent; done never expires
      through the lease).
    - ``release(key)`` forgets a running claim after the handler failed, so Gumroad's retry
      is handled; it never undoes *done*.

    The two parts of the key must stay apart (``("a:b", "c")`` and ``("a", "b:c")`` are two
    events): use two columns, or escape the separator. Every store must pass the contract
    in :mod:`gumroad_async.webhooks.store_contract`. Sketches of durable stores, which make
    "handled once" hold across restarts and a fleet of receivers:

    - SQL: a table ``pings(kind, event_id, state, expires_at, PRIMARY KEY (kind,
      event_id))``. ``claim`` = ``INSERT ... VALUES (?, ?, 'running', now + lease) ON
      CONFLICT (kind, event_id) DO UPDATE SET expires_at = excluded.expires_at WHERE
      pings.state = 'running' AND pings.expires_at < now RETURNING state``: a row back means
      ``NEW``; otherwise ``SELECT state`` tells ``IN_PROGRESS`` from ``DONE``. ``complete`` =
      ``UPDATE ... SET state = 'done'`` (or an upsert); ``release`` = ``DELETE ... WHERE
      state = 'running'``. Doing the handler's own writes in the transaction of
      ``complete`` makes it exactly once.
    - Redis: ``claim`` = ``SET key running NX PX lease_ms`` (set means ``NEW``; else ``GET``
      tells ``running`` from ``done``; the key's expiry is the lease), ``complete`` =
      ``SET key done`` (with a long expiry, e.g. a week: Gumroad's last retry comes about
      14 minutes after the first delivery), ``release`` = a ``GET``-compare-``DEL`` script
      that deletes only ``running``.
    """

    async def claim(self, key: Key, lease: float) -> Claim:
        """Take the event if nobody has it (``NEW``: handle it now), for ``lease`` seconds."""

    async def complete(self, key: Key) -> None:
        """The event was handled."""

    async def release(self, key: Key) -> None:
        """Handling failed: let a later delivery claim it again."""


class InMemoryEventStore:
    """The default store: a dict in this process (lost on restart; bounded in size).

    Only deliveries that reach this process are de-duplicated: run one receiver process, or
    give every process one durable store.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        # key -> "done", or the monotonic time at which a running claim's lease ends.
        self._states: dict[Key, str | float] = {}
        self._lock = asyncio.Lock()
        self._max_entries = max_entries

    async def claim(self, key: Key, lease: float) -> Claim:
        async with self._lock:
            now = time.monotonic()
            state = self._states.get(key)
            if state == "done":
                return Claim.DONE
            if isinstance(state, float) and state > now:
                return Claim.IN_PROGRESS
            if state is None and len(self._states) >= self._max_entries:
                self._forget_some(now)
            self._states[key] = now + lease
            return Claim.NEW

    def _forget_some(self, now: float) -> None:
        # Abandoned claims first, then the oldest completed events (dicts keep insertion
        # order); live claims are never dropped, or their event could run twice.
        stale = [k for k, s in self._states.items() if isinstance(s, float) and s <= now]
        done = [k for k, s in self._states.items() if s == "done"]
        for old in (stale + done)[:1000]:
            del self._states[old]

    async def complete(self, key: Key) -> None:
        self._states[key] = "done"

    async def release(self, key: Key) -> None:
        if isinstance(self._states.get(key), float):
            del self._states[key]

    def state(self, key: Key) -> str | None:
        """``"running"``, ``"done"`` or ``None`` (absent or abandoned): for tests and
        diagnostics."""
        state = self._states.get(key)
        if isinstance(state, float):
            return "running" if state > time.monotonic() else None
        return state
