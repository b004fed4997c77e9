"""The contract every :class:`~gumroad_async.webhooks.EventStore` must keep, as pytest tests.

Subclass :class:`EventStoreContract` in your tests and provide a ``store`` fixture (with
pytest-asyncio installed)::

    from gumroad_async.webhooks.store_contract import EventStoreContract

    class TestMyStore(EventStoreContract):
        @pytest.fixture
        async def store(self):
            async with make_my_store(DATABASE_URL) as store:
                yield store

A durable store shared by several processes also overrides ``second_store``: another
instance over the same database, to check that two receivers de-duplicate as one. Keys are
new for every test (a random id), so a durable store needs no cleaning between tests. A
store whose clock is coarse (whole seconds) raises ``lease_seconds``.

Needs pytest and pytest-asyncio (the ``dev`` extra); importing it is for tests only.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from gumroad_async.webhooks._store import Claim, EventStore, Key

__all__ = ["EventStoreContract"]

#: A lease no test outlives.
_LONG = 600.0


def _new_id() -> str:
    return f"contract-{uuid.uuid4().hex}"


class EventStoreContract:
    """Tests any event store must pass; subclass it and provide a ``store`` fixture."""

    pytestmark = pytest.mark.asyncio

    #: The short lease used to check that abandoned claims are taken over; the tests wait
    #: about three times this long.
    lease_seconds: float = 0.2

    @pytest.fixture
    def store(self) -> EventStore:  # pragma: no cover - overridden
        raise NotImplementedError("provide a `store` fixture in your subclass")

    @pytest.fixture
    async def second_store(self, store: EventStore) -> AsyncIterator[EventStore]:
        """Another handle on the same events (another process's); by default, ``store``."""
        yield store

    async def test_it_is_an_event_store(self, store: EventStore) -> None:
        assert isinstance(store, EventStore)

    async def test_a_new_event_is_claimed_once(self, store: EventStore) -> None:
        key = ("sale", _new_id())
        assert await store.claim(key, _LONG) is Claim.NEW
        assert await store.claim(key, _LONG) is Claim.IN_PROGRESS
        assert await store.claim(key, _LONG) is Claim.IN_PROGRESS

    async def test_a_completed_event_is_done_for_good(self, store: EventStore) -> None:
        key = ("sale", _new_id())
        assert await store.claim(key, self.lease_seconds) is Claim.NEW
        await store.complete(key)
        assert await store.claim(key, _LONG) is Claim.DONE
        await asyncio.sleep(self.lease_seconds * 3)  # done never expires with the lease
        assert await store.claim(key, _LONG) is Claim.DONE
        await store.complete(key)  # idempotent
        assert await store.claim(key, _LONG) is Claim.DONE

    async def test_release_lets_the_next_delivery_claim(self, store: EventStore) -> None:
        key = ("refund", _new_id())
        assert await store.claim(key, _LONG) is Claim.NEW
        await store.release(key)
        assert await store.claim(key, _LONG) is Claim.NEW
        assert await store.claim(key, _LONG) is Claim.IN_PROGRESS
        await store.complete(key)
        assert await store.claim(key, _LONG) is Claim.DONE

    async def test_release_never_undoes_done(self, store: EventStore) -> None:
        key = ("sale", _new_id())
        assert await store.claim(key, _LONG) is Claim.NEW
        await store.complete(key)
        await store.release(key)
        assert await store.claim(key, _LONG) is Claim.DONE

    async def test_releasing_an_unknown_event_does_nothing(self, store: EventStore) -> None:
        key = ("sale", _new_id())
        await store.release(key)
        assert await store.claim(key, _LONG) is Claim.NEW

    async def test_concurrent_claims_have_one_winner(self, store: EventStore) -> None:
        key = ("sale", _new_id())
        results = await asyncio.gather(*(store.claim(key, _LONG) for _ in range(25)))
        assert results.count(Claim.NEW) == 1
        assert results.count(Claim.IN_PROGRESS) == 24

    async def test_an_abandoned_claim_is_taken_over_once(self, store: EventStore) -> None:
        key = ("dispute", _new_id())
        assert await store.claim(key, self.lease_seconds) is Claim.NEW
        await asyncio.sleep(self.lease_seconds * 3)  # its process died: the lease ran out
        results = await asyncio.gather(*(store.claim(key, _LONG) for _ in range(10)))
        assert results.count(Claim.NEW) == 1
        assert await store.claim(key, _LONG) is Claim.IN_PROGRESS

    async def test_a_live_claim_is_not_taken_over(self, store: EventStore) -> None:
        key = ("sale", _new_id())
        assert await store.claim(key, _LONG) is Claim.NEW
        await asyncio.sleep(self.lease_seconds * 3)
        assert await store.claim(key, self.lease_seconds) is Claim.IN_PROGRESS

    async def test_keys_are_compared_whole(self, store: EventStore) -> None:
        base = _new_id()
        keys: list[Key] = [
            ("sale", base), ("refund", base), ("Sale", base), ("sale", base + " "),
            (f"sale:{base}", "x"), ("sale", f"{base}:x"), ("sale", f"{base}|x"),
            ("sale", f"{base}/x"), ("sale", f"{base}#é✓"), ("sale", f"{base}'\"%_\\"),
            ("sale", base + "x" * 500), ("", f"sale{base}"), (f"sale{base}", ""),
        ]
        for key in keys:
            assert await store.claim(key, _LONG) is Claim.NEW, key
        await store.complete(keys[0])
        assert await store.claim(keys[0], _LONG) is Claim.DONE
        for key in keys[1:]:
            assert await store.claim(key, _LONG) is Claim.IN_PROGRESS, key
            await store.release(key)
        assert await store.claim(keys[0], _LONG) is Claim.DONE

    async def test_stores_over_the_same_events_agree(
        self, store: EventStore, second_store: EventStore
    ) -> None:
        key = ("sale", _new_id())
        assert await store.claim(key, _LONG) is Claim.NEW
        assert await second_store.claim(key, _LONG) is Claim.IN_PROGRESS
        await store.release(key)
        assert await second_store.claim(key, _LONG) is Claim.NEW
        results = await asyncio.gather(
            *(s.claim(key, _LONG) for s in (store, second_store) * 5)
        )
        assert Claim.NEW not in results
        await second_store.complete(key)
        assert await store.claim(key, _LONG) is Claim.DONE
