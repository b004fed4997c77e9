"""Random fault sequences through a multi-page sales walk: every record arrives, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gumroad_async import GumroadClient
from gumroad_async.testing import FakeGumroad

FAULTS = st.sampled_from([
    {"status": 429, "body": "Retry later", "content_type": "text/plain"},
    {"status": 429, "body": "Retry later", "content_type": "text/plain",
     "headers": {"Retry-After": "0"}},
    {"status": 500, "body": {"success": False, "message": "boom"}},
    {"status": 502, "body": "<html>bad gateway</html>", "content_type": "text/html"},
    {"status": 503, "body": ""},
    {"drop": True},
    {"drop": True, "after_handler": True},
    {"stall": 0.5},
])


async def walk_with_faults(faults: list[tuple[int, dict[str, object]]]) -> None:
    async with FakeGumroad() as fake:
        start = datetime(2024, 1, 1, tzinfo=UTC)
        ids = {fake.add_sale(created_at=start + timedelta(minutes=i))["id"] for i in range(45)}
        for times, fault in faults:
            fake.inject(method="GET", path="/v2/sales", times=times, **fault)  # type: ignore[arg-type]
        budget = sum(times for times, _ in faults) + 1
        async with GumroadClient(fake.token, base_url=fake.url, max_retries=budget,
                                 backoff_base=0.001, timeout=0.2) as client:
            received = [sale.id async for sale in client.sales.list()]
    assert len(received) == len(ids)
    assert set(received) == ids


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(min_value=1, max_value=2), FAULTS), max_size=6))
def test_every_record_once_under_random_faults(faults: list[tuple[int, dict[str, object]]]) -> None:
    asyncio.run(walk_with_faults(faults))
