"""The receiver over real HTTP, fed by the fake's ping sender."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from gumroad_async import GumroadClient
from gumroad_async.testing import FakeGumroad
from gumroad_async.webhooks import (
    InMemoryEventStore,
    SaleEvent,
    SubscriptionEvent,
    WebhookError,
    WebhookReceiver,
    confirm_sale,
)

SECRET = "s3cret-in-the-post-url"


class Recorder:
    def __init__(self, failures: int = 0, delay: float = 0.0) -> None:
        self.events: list[SaleEvent | SubscriptionEvent] = []
        self.failures = failures
        self.delay = delay

    async def __call__(self, event: SaleEvent | SubscriptionEvent) -> None:
        await asyncio.sleep(self.delay)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database down")
        self.events.append(event)


async def serve(receiver: WebhookReceiver) -> AsyncIterator[str]:
    app = web.Application()
    receiver.add_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/gumroad/ping"
    finally:
        await runner.cleanup()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def url(recorder: Recorder) -> AsyncIterator[str]:
    async for address in serve(WebhookReceiver(recorder, secret=SECRET)):
        yield address


async def test_a_sale_ping_is_handled(fake: FakeGumroad, recorder: Recorder, url: str) -> None:
    sale = fake.add_sale(price=2500, email="b@example.com", custom_fields={"Company": "ACME"})
    assert await fake.send_ping(f"{url}?secret={SECRET}", fake.ping_payload(sale["id"])) == [200]
    (event,) = recorder.events
    assert isinstance(event, SaleEvent)
    assert (event.sale_id, event.price, event.email) == (sale["id"], 2500, "b@example.com")
    assert event.custom_fields == {"Company": "ACME"}


@pytest.mark.parametrize("query", ["", "?secret=wrong", f"?secret={SECRET}x", "?other=1"])
async def test_a_bad_secret_is_refused(
    fake: FakeGumroad, recorder: Recorder, url: str, query: str
) -> None:
    sale = fake.add_sale()
    assert await fake.send_ping(url + query, fake.ping_payload(sale["id"])) == [403]
    assert recorder.events == []


async def test_duplicates_are_handled_once(fake: FakeGumroad, recorder: Recorder, url: str) -> None:
    sale = fake.add_sale()
    statuses = await fake.send_ping(f"{url}?secret={SECRET}", fake.ping_payload(sale["id"]),
                                    deliveries=3)
    assert statuses == [200, 200, 200] and len(recorder.events) == 1
    refund = fake.ping_payload(sale["id"], "refund", refunded=True)
    assert await fake.send_ping(f"{url}?secret={SECRET}", refund, json=True) == [200]
    assert [e.kind for e in recorder.events] == ["sale", "refund"]


async def test_a_failing_handler_gets_the_retry(fake: FakeGumroad) -> None:
    recorder = Recorder(failures=1)
    async for url in serve(WebhookReceiver(recorder, secret=SECRET)):
        sale = fake.add_sale()
        statuses = await fake.send_ping(f"{url}?secret={SECRET}", fake.ping_payload(sale["id"]),
                                        deliveries=3)
    assert statuses == [500, 200, 200]
    assert len(recorder.events) == 1 and recorder.events[0].retry_count == 1


async def test_concurrent_duplicates_are_handled_once(fake: FakeGumroad) -> None:
    recorder = Recorder(delay=0.05)
    store = InMemoryEventStore()
    async for url in serve(WebhookReceiver(recorder, secret=SECRET, store=store)):
        sale = fake.add_sale()
        payload = fake.ping_payload(sale["id"])
        results = await asyncio.gather(*(
            fake.send_ping(f"{url}?secret={SECRET}", payload) for _ in range(20)
        ))
        statuses = [status for (status,) in results]
        # One delivery ran the handler; those that came while it ran were asked to retry.
        assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}
        assert len(recorder.events) == 1
        assert store.state(("sale", sale["id"])) == "done"
        retried = await asyncio.gather(*(
            fake.send_ping(f"{url}?secret={SECRET}", payload) for s in statuses if s == 503
        ))
    assert all(r == [200] for r in retried) and len(recorder.events) == 1


async def test_subscription_pings(fake: FakeGumroad, recorder: Recorder, url: str) -> None:
    subscriber = fake.add_subscriber(user_email="m@example.com")
    for resource in ("cancellation", "subscription_ended", "subscription_restarted"):
        payload = fake.subscription_ping_payload(subscriber["id"], resource)
        assert await fake.send_ping(f"{url}?secret={SECRET}", payload, deliveries=2) == [200, 200]
    assert [e.kind for e in recorder.events] == [
        "cancellation", "subscription_ended", "subscription_restarted"]
    assert all(isinstance(e, SubscriptionEvent) for e in recorder.events)


async def test_a_malformed_body_answers_400(recorder: Recorder, url: str) -> None:
    from gumroad_async.testing._pings import send_ping

    assert await send_ping(f"{url}?secret={SECRET}", {}, json=True) == [400]
    assert recorder.events == []


async def test_the_framework_neutral_entry_point() -> None:
    recorder = Recorder()
    receiver = WebhookReceiver(recorder, secret=SECRET)
    body = "sale_id=s1&price=100&resource_name=sale"
    assert await receiver.handle(body, "application/x-www-form-urlencoded",
                                 {"secret": SECRET}) == (200, "ok")
    assert await receiver.handle(body, "application/x-www-form-urlencoded",
                                 {"secret": SECRET}) == (200, "duplicate")
    assert (await receiver.handle(body, "text/plain", {"secret": SECRET}))[0] == 415


async def test_deliver_pings_to_subscribed_urls(fake: FakeGumroad, recorder: Recorder,
                                                url: str) -> None:
    fake.add_resource_subscription("sale", f"{url}?secret={SECRET}")
    sale = fake.add_sale()
    assert await fake.deliver_pings("sale", fake.ping_payload(sale["id"])) == [200]
    assert len(recorder.events) == 1


async def test_confirm_sale(fake: FakeGumroad, client: GumroadClient) -> None:
    sale = fake.add_sale(email="real@example.com")
    from gumroad_async.webhooks import parse_ping

    genuine = parse_ping(fake.ping_payload(sale["id"]))
    assert isinstance(genuine, SaleEvent)
    assert (await confirm_sale(client, genuine)).id == sale["id"]
    forged = parse_ping(fake.ping_payload(sale["id"], email="attacker@example.com"))
    assert isinstance(forged, SaleEvent)
    with pytest.raises(WebhookError, match="email"):
        await confirm_sale(client, forged)


def test_subscription_event_ids_differ_by_moment() -> None:
    from gumroad_async.webhooks import parse_ping

    one = parse_ping({"resource_name": "cancellation", "subscription_id": "x",
                      "cancelled_at": datetime(2024, 1, 1, tzinfo=UTC).isoformat()})
    two = parse_ping({"resource_name": "cancellation", "subscription_id": "x",
                      "cancelled_at": datetime(2024, 2, 1, tzinfo=UTC).isoformat()})
    assert one.dedup_key != two.dedup_key
