"""Receivers served for real on 127.0.0.1: on aiohttp.web, and inside a Starlette app run by
uvicorn (as a FastAPI user would mount it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
import uvicorn
from aiohttp import web
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gumroad_async.webhooks import WebhookReceiver

PATH = "/gumroad/ping"
Serve = Callable[[WebhookReceiver], AbstractAsyncContextManager[str]]


@asynccontextmanager
async def serve_on_aiohttp(
    receiver: WebhookReceiver, *, handler_cancellation: bool = False
) -> AsyncIterator[str]:
    """The receiver on an aiohttp.web app; yields the ping URL (without the secret)."""
    app = web.Application()
    receiver.add_routes(app, PATH)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=handler_cancellation)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}{PATH}"
    finally:
        await runner.cleanup()


async def _hello(request: object) -> PlainTextResponse:
    return PlainTextResponse("the rest of the app")


@asynccontextmanager
async def serve_on_starlette(receiver: WebhookReceiver) -> AsyncIterator[str]:
    """The receiver as a route of a Starlette app, served by uvicorn on a real socket."""
    app = Starlette(routes=[
        Route("/", _hello),
        Route(PATH, receiver.asgi_app(), methods=["POST"]),
    ])
    # log_config=None: uvicorn keeps its loggers propagating, so tests see what it logs.
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # uvicorn failed to start: raise its error
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}{PATH}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture(params=["aiohttp", "starlette"])
def serve(request: pytest.FixtureRequest) -> Serve:
    """Serves a receiver on each framework in turn: the guarantees are the same."""
    if request.param == "aiohttp":
        return serve_on_aiohttp
    return serve_on_starlette
