"""Once per event over real HTTP, on aiohttp and inside Starlette: a re-delivery never gets a
2xx before the first run succeeded, and a run that fails, times out or is cancelled gives the
event back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from _ping_wire import FORM, form_body, redelivery, sale_params
from conftest import Serve, serve_on_aiohttp

from gumroad_async.errors import InvalidArgumentError
from gumroad_async.webhooks import (
    Claim,
    InMemoryEventStore,
    SaleEvent,
    SubscriptionEvent,
    WebhookReceiver,
)

SECRET = "a-long-random-secret"
Event = SaleEvent | SubscriptionEvent


async def post(http: aiohttp.ClientSession, url: str, body: bytes) -> tuple[int, str]:
    async with http.post(f"{url}?secret={SECRET}", data=body,
                         headers={"Content-Type": FORM}) as response:
        return response.status, await response.text()


class HeldHandler:
    """Records events; each run waits until the test lets it finish (or fail)."""

    def __init__(self) -> None:
        self.calls: list[Event] = []
        self.started = asyncio.Event()
        self.finish = asyncio.Event()
        self.fail = False

    async def __call__(self, event: Event) -> None:
        self.calls.append(event)
        self.started.set()
        await self.finish.wait()
        if self.fail:
            raise RuntimeError("database down")


async def test_a_redelivery_while_the_first_run_is_in_progress_is_asked_to_retry(
    serve: Serve,
) -> None:
    handler = HeldHandler()
    params = sale_params("sale-1")
    async with serve(WebhookReceiver(handler, secret=SECRET)) as url, \
            aiohttp.ClientSession() as http:
        first = asyncio.create_task(post(http, url, form_body(params)))
        await handler.started.wait()
        # Gumroad re-delivers after 499/500/502/503/504 only: 503, never a 2xx or a 409.
        assert await post(http, url, form_body(redelivery(params, 1))) == (503, "in progress")
        handler.finish.set()
        assert await first == (200, "ok")
        assert await post(http, url, form_body(redelivery(params, 2))) == (200, "duplicate")
    assert len(handler.calls) == 1


async def test_a_first_run_that_fails_leaves_the_event_to_the_retry(serve: Serve) -> None:
    handler = HeldHandler()
    handler.fail = True
    params = sale_params("sale-2")
    async with serve(WebhookReceiver(handler, secret=SECRET)) as url, \
            aiohttp.ClientSession() as http:
        first = asyncio.create_task(post(http, url, form_body(params)))
        await handler.started.wait()
        assert (await post(http, url, form_body(redelivery(params, 1))))[0] == 503
        handler.finish.set()
        assert await first == (500, "handler failed")
        handler.fail = False
        assert await post(http, url, form_body(redelivery(params, 2))) == (200, "ok")
        assert await post(http, url, form_body(redelivery(params, 3))) == (200, "duplicate")
    assert len(handler.calls) == 2


async def test_a_handler_that_times_out_releases_its_claim(serve: Serve) -> None:
    never = asyncio.Event()
    calls: list[Event] = []

    async def handler(event: Event) -> None:
        calls.append(event)
        if len(calls) == 1:
            await never.wait()  # hangs: the receiver's timeout must end it

    params = sale_params("sale-3")
    receiver = WebhookReceiver(handler, secret=SECRET, handler_timeout=0.1)
    async with serve(receiver) as url, aiohttp.ClientSession() as http:
        assert await post(http, url, form_body(params)) == (503, "handler timed out")
        assert await post(http, url, form_body(redelivery(params, 1))) == (200, "ok")
        assert await post(http, url, form_body(redelivery(params, 2))) == (200, "duplicate")
    assert len(calls) == 2


async def _until(condition: Callable[[], bool]) -> bool:
    for _ in range(500):
        if condition():
            return True
        await asyncio.sleep(0.01)
    return condition()


async def test_a_handler_cancelled_by_a_dropped_connection_releases_its_claim() -> None:
    handler = HeldHandler()
    store = InMemoryEventStore()
    receiver = WebhookReceiver(handler, secret=SECRET, store=store)
    params = sale_params("sale-4")
    key = ("sale", "sale-4")
    async with serve_on_aiohttp(receiver, handler_cancellation=True) as url:
        async with aiohttp.ClientSession() as http:
            first = asyncio.create_task(post(http, url, form_body(params)))
            await handler.started.wait()
            first.cancel()  # the sender gives up; the server cancels the handler
            with pytest.raises(asyncio.CancelledError):
                await first
        assert await _until(lambda: store.state(key) is None), "the claim was not released"
        handler.finish.set()
        async with aiohttp.ClientSession() as http:
            assert await post(http, url, form_body(redelivery(params, 1))) == (200, "ok")
    assert len(handler.calls) == 2


async def test_a_cancelled_handle_releases_its_claim() -> None:
    handler = HeldHandler()
    store = InMemoryEventStore()
    receiver = WebhookReceiver(handler, secret=SECRET, store=store)
    body = form_body(sale_params("sale-5"))
    task = asyncio.create_task(receiver.handle(body, FORM, {"secret": SECRET}))
    await handler.started.wait()
    assert store.state(("sale", "sale-5")) == "running"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store.state(("sale", "sale-5")) is None
    handler.finish.set()
    assert await receiver.handle(body, FORM, {"secret": SECRET}) == (200, "ok")


class BrokenStore(InMemoryEventStore):
    async def claim(self, key: tuple[str, str], lease: float) -> Claim:
        raise ConnectionError("database unreachable")


async def test_an_unreachable_store_asks_for_a_retry_without_calling_the_handler(
    serve: Serve,
) -> None:
    calls: list[Event] = []

    async def handler(event: Event) -> None:
        calls.append(event)

    receiver = WebhookReceiver(handler, secret=SECRET, store=BrokenStore())
    async with serve(receiver) as url, aiohttp.ClientSession() as http:
        assert (await post(http, url, form_body(sale_params("sale-6"))))[0] == 503
    assert calls == []


@pytest.mark.parametrize("secret", ["", "   ", "\n"])
def test_an_empty_secret_is_refused(secret: str) -> None:
    async def handler(event: Event) -> None:
        return None

    with pytest.raises(InvalidArgumentError, match="secret"):
        WebhookReceiver(handler, secret=secret)


@pytest.mark.parametrize(("timeout", "lease"), [(0, 30), (-1, 30), (5, 5), (10, 2), (1, 0)])
def test_timeouts_and_leases_that_could_run_an_event_twice_are_refused(
    timeout: float, lease: float
) -> None:
    async def handler(event: Event) -> None:
        return None

    with pytest.raises(InvalidArgumentError):
        WebhookReceiver(handler, secret=SECRET, handler_timeout=timeout, claim_lease=lease)


async def test_a_claim_abandoned_by_a_dead_process_is_taken_over(serve: Serve) -> None:
    store = InMemoryEventStore()
    params = sale_params("sale-7")
    # Another receiver process claimed the event, then died: its lease runs out.
    assert await store.claim(("sale", "sale-7"), 0.05) is Claim.NEW
    await asyncio.sleep(0.2)
    calls: list[Event] = []

    async def handler(event: Event) -> None:
        calls.append(event)

    handle: Callable[[Event], Awaitable[None]] = handler
    async with serve(WebhookReceiver(handle, secret=SECRET, store=store)) as url, \
            aiohttp.ClientSession() as http:
        assert await post(http, url, form_body(redelivery(params, 1))) == (200, "ok")
    assert len(calls) == 1
