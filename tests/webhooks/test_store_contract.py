"""The event store contract, run against the store the SDK ships."""

from __future__ import annotations

import pytest

from gumroad_async.webhooks import Claim, EventStore, InMemoryEventStore
from gumroad_async.webhooks.store_contract import EventStoreContract


class TestInMemoryEventStore(EventStoreContract):
    lease_seconds = 0.05

    @pytest.fixture
    def store(self) -> EventStore:
        return InMemoryEventStore()


async def test_a_full_store_forgets_done_and_abandoned_events_never_live_ones() -> None:
    store = InMemoryEventStore(max_entries=3)
    assert await store.claim(("sale", "done"), 60) is Claim.NEW
    await store.complete(("sale", "done"))
    assert await store.claim(("sale", "live-1"), 60) is Claim.NEW
    assert await store.claim(("sale", "live-2"), 60) is Claim.NEW
    assert await store.claim(("sale", "new"), 60) is Claim.NEW  # full: "done" goes
    assert store.state(("sale", "done")) is None
    for live in ("live-1", "live-2", "new"):
        assert await store.claim(("sale", live), 60) is Claim.IN_PROGRESS


class _ForgetfulStore(InMemoryEventStore):
    """A store that breaks the contract: it treats a live claim as done."""

    async def claim(self, key: tuple[str, str], lease: float) -> Claim:
        result = await super().claim(key, lease)
        return Claim.DONE if result is Claim.IN_PROGRESS else result


class TestTheContractCatchesABrokenStore(EventStoreContract):
    """The contract can fail: run against a broken store, its tests must fail."""

    @pytest.fixture
    def store(self) -> EventStore:
        return _ForgetfulStore()

    @pytest.fixture(autouse=True)
    def _expect_failure(self, request: pytest.FixtureRequest) -> None:
        if request.node.name in {
            "test_a_new_event_is_claimed_once",
            "test_concurrent_claims_have_one_winner",
            "test_an_abandoned_claim_is_taken_over_once",
            "test_a_live_claim_is_not_taken_over",
            "test_keys_are_compared_whole",
            "test_stores_over_the_same_events_agree",
            "test_release_lets_the_next_delivery_claim",
        }:
            request.applymarker(pytest.mark.xfail(strict=True, reason="broken store"))
