"""The receiver as a plain ASGI application: Starlette, FastAPI or any ASGI server, no
framework needed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from gumroad_async.webhooks._parse import MAX_PING_BYTES

__all__ = ["PingASGIApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Handle = Callable[[bytes, str, Mapping[str, str]], Awaitable[tuple[int, str]]]


class PingASGIApp:
    """An ASGI app that answers ``POST`` pings with :meth:`WebhookReceiver.handle`.

    Made by ``WebhookReceiver.asgi_app()``; mount it with
    ``Route("/gumroad/ping", receiver.asgi_app(), methods=["POST"])`` in Starlette, or
    ``app.add_route(...)`` / ``app.mount(...)`` in FastAPI. The body is read up to the ping
    size cap (413 beyond it).
    """

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan and websockets: nothing to do here
        if scope["method"] != "POST":
            await _answer(send, 405, "method not allowed", [(b"allow", b"POST")])
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_PING_BYTES:
            await _answer(send, 413, "ping body too large")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender went away: nobody to answer
            body += message.get("body", b"")
            if len(body) > MAX_PING_BYTES:
                await _answer(send, 413, "ping body too large")
                return
            if not message.get("more_body", False):
                break
        query_string = scope.get("query_string", b"").decode("latin-1")
        query: dict[str, str] = {}
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            query.setdefault(name, value)  # the first value wins, as in aiohttp
        status, text = await self._handle(bytes(body), headers.get("content-type", ""), query)
        await _answer(send, status, text)


async def _answer(
    send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = text.encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(payload)).encode()),
            *(headers or []),
        ],
    })
    await send({"type": "http.response.body", "body": payload})
