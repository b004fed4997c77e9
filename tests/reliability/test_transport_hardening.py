"""The transport under hostile answers and inputs, over real HTTP on 127.0.0.1.

- the size cap counts bytes after decompression (gzip and deflate bombs, with or without
  a length, chunked or not);
- no body, however malformed, escapes as anything but an ``APIError``, with either JSON
  decoder;
- ``max_retries`` is a hard budget, even when connections drop (aiohttp's own resend
  included);
- what aiohttp would refuse at send time is refused when the client is created.
"""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import compression_utils

from gumroad_async import (
    APIConnectionError,
    APIError,
    GumroadClient,
    GumroadError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
    ServerError,
    _json,
)
from gumroad_async.testing import FakeGumroad

# -- a misbehaving server: raw bytes on a socket --------------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """Serve ``handler`` on 127.0.0.1; yield the base URL."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request's head (its body, if any, is read and dropped)."""
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":")[1]))
    return head


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "raw-deflate":  # what some servers send as "deflate": no zlib header
        packer = zlib.compressobj(wbits=-15)
        return packer.compress(body) + packer.flush()
    import brotli  # type: ignore[import-not-found]  # only when aiohttp can decode br

    return bytes(brotli.compress(body))


ENCODINGS = ["gzip", "deflate", "raw-deflate"] + (["br"] if compression_utils.HAS_BROTLI else [])


def user_body(bio_bytes: int) -> bytes:
    return b'{"success": true, "user": {"user_id": "u1", "bio": "' + b"x" * bio_bytes + b'"}}'


def compressed_answer(body: bytes, encoding: str, framing: str) -> Handler:
    """An answer whose wire size is small, framed by length, chunks or connection close."""
    wire = compress(body, encoding)
    header = "deflate" if encoding == "raw-deflate" else encoding

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: {header}\r\n"
        if framing == "length":
            writer.write(f"{head}Content-Length: {len(wire)}\r\n\r\n".encode() + wire)
        elif framing == "chunked":
            writer.write(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
            for start in range(0, len(wire), 512):
                piece = wire[start:start + 512]
                writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            writer.write(b"0\r\n\r\n")
        else:  # no length, no chunks: the body ends when the connection closes
            writer.write(f"{head}Connection: close\r\n\r\n".encode() + wire)
        await writer.drain()

    return handler


# -- 1. the size cap holds after decompression ----------------------------------------------


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_a_compressed_body_over_the_cap_is_refused(encoding: str, framing: str) -> None:
    body = user_body(4 * 1024 * 1024)  # 4 MiB inflated, a few kB on the wire
    async with (
        raw_server(compressed_answer(body, encoding, framing)) as url,
        GumroadClient("t", base_url=url, max_response_bytes=64 * 1024, max_retries=0) as gumroad,
    ):
        with pytest.raises(APIError, match="larger than 65536 bytes") as info:
            await gumroad.user.get()
    assert type(info.value) is APIError
    assert info.value.status == 200


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_a_compressed_body_under_the_cap_is_read(encoding: str, framing: str) -> None:
    # The same answers, smaller than the cap once inflated: compression itself works.
    async with (
        raw_server(compressed_answer(user_body(50_000), encoding, framing)) as url,
        GumroadClient("t", base_url=url, max_response_bytes=64 * 1024, max_retries=0) as gumroad,
    ):
        user = await gumroad.user.get()
    assert user.bio == "x" * 50_000


async def test_the_cap_holds_on_a_borrowed_session_without_decompression() -> None:
    body = user_body(4 * 1024 * 1024)
    async with (
        raw_server(compressed_answer(body, "gzip", "length")) as url,
        aiohttp.ClientSession(auto_decompress=False) as session,
        GumroadClient("t", base_url=url, session=session, max_retries=0,
                      max_response_bytes=64 * 1024) as gumroad,
    ):
        with pytest.raises(APIError, match="larger than"):
            await gumroad.user.get()


async def test_an_uncompressed_chunked_body_over_the_cap_is_refused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(100):
            writer.write(b"400\r\n" + b" " * 1024 + b"\r\n")
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async with (
        raw_server(handler) as url,
        GumroadClient("t", base_url=url, max_response_bytes=10_000) as gumroad,
    ):
        with pytest.raises(APIError, match="larger than 10000 bytes"):
            await gumroad.user.get()


# -- 2. no body escapes as anything but an APIError, with either decoder ------------------

DECODERS = ["stdlib", "orjson"]


@pytest.fixture(params=DECODERS)
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force one JSON decoder for the whole test (orjson is installed in dev)."""
    if request.param == "orjson":
        assert _json.orjson_loads is not None, "the dev extras install orjson"
        monkeypatch.setattr(_json, "loads", _json.orjson_loads)
    else:
        monkeypatch.setattr(_json, "loads", _json.stdlib_loads)
    return str(request.param)


HOSTILE_BODIES = {
    "nested 100,000 deep": b'{"success": true, "user": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "a list 1,000 deep": b"[" * 1000 + b"]" * 1000,
    "an object 5,000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "invalid UTF-8": b'{"success": true, "user": {"name": "\xff\xfe"}}',
    "a 5,000-digit number": b'{"success": true, "user": {"n": ' + b"9" * 5000 + b"}}",
    "NaN": b'{"success": true, "user": {"n": NaN}}',
    "Infinity": b'{"success": true, "user": {"n": -Infinity}}',
    "1e999": b'{"success": true, "user": {"n": 1e999}}',
    "a lone surrogate": b'{"success": true, "user": {"name": "\\ud800"}}',
    "a byte order mark": b'\xef\xbb\xbf{"success": true, "user": {}}',
    "UTF-16": '{"success": true, "user": {}}'.encode("utf-16"),
    "a NUL after the object": b'{"success": true, "user": {}}\x00',
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
@pytest.mark.parametrize(("status", "error"), [(200, APIError), (404, NotFoundError),
                                               (502, ServerError)])
async def test_a_malformed_body_is_a_typed_error(
    fake: FakeGumroad, decoder: str, body: bytes, status: int, error: type[APIError]
) -> None:
    fake.inject(method="GET", path="/v2/user", status=status, body=body,
                content_type="application/json", headers={"X-Request-Id": "rid-7"})
    async with GumroadClient(fake.token, base_url=fake.url, max_retries=0) as gumroad:
        with pytest.raises(GumroadError) as info:
            await gumroad.user.get()
    assert type(info.value) is error, repr(info.value)
    assert info.value.status == status
    assert info.value.request_id == "rid-7"
    assert len(str(info.value)) < 1000  # a snippet, not the whole body


# The one difference: how deep each decoder goes (orjson: 1,024 levels; the standard library:
# Python's recursion limit, less the stack in use). Past either, a typed error, as above.
SAME_VERDICT = {name: body for name, body in HOSTILE_BODIES.items() if "1,000 deep" not in name}


@pytest.mark.parametrize("body", SAME_VERDICT.values(), ids=SAME_VERDICT.keys())
def test_both_decoders_refuse_the_same_bodies(body: bytes) -> None:
    assert _json.orjson_loads is not None
    outcomes = []
    for loads in (_json.stdlib_loads, _json.orjson_loads):
        try:
            loads(body)
        except ValueError:
            outcomes.append("refused")
        else:
            outcomes.append("accepted")
    assert outcomes[0] == outcomes[1], outcomes


# -- 3. max_retries is a hard budget ---------------------------------------------------------


async def count_sent(fake: FakeGumroad, call: str, max_retries: int) -> int:
    """Warm a kept-alive connection, then drop every connection: how many requests came?"""
    product_id = fake.add_product(name="Book", price=100)["id"]
    sale_id = fake.add_sale(price=1000)["id"]
    calls: dict[str, tuple[str, str, Callable[[GumroadClient], Awaitable[Any]]]] = {
        "GET user": ("GET", "/v2/user", lambda c: c.user.get()),
        "GET sale": ("GET", f"/v2/sales/{sale_id}", lambda c: c.sales.get(sale_id)),
        "PUT update": ("PUT", f"/v2/products/{product_id}",
                       lambda c: c.products.update(product_id, name="New")),
        "DELETE": ("DELETE", f"/v2/products/{product_id}", lambda c: c.products.delete(product_id)),
        "PUT refund": ("PUT", f"/v2/sales/{sale_id}/refund", lambda c: c.sales.refund(sale_id)),
        "POST create": ("POST", f"/v2/products/{product_id}/offer_codes",
                        lambda c: c.offer_codes.create(product_id, name="ONCE", amount_cents=1)),
    }
    method, path, send = calls[call]
    async with GumroadClient(fake.token, base_url=fake.url, max_retries=max_retries,
                             backoff_base=0.001, timeout=5) as gumroad:
        await gumroad.user.get()  # leaves a kept-alive connection for the next call to reuse
        fake.clear_requests()
        fake.inject(method=method, path=path, drop=True, times=100)
        with pytest.raises(APIConnectionError):
            await send(gumroad)
    return len(fake.requests_to(method, path))


@pytest.mark.parametrize("max_retries", [0, 1, 4])
@pytest.mark.parametrize("call", ["GET user", "GET sale", "PUT update", "DELETE"])
async def test_repeatable_calls_reach_the_server_at_most_max_retries_plus_one_times(
    fake: FakeGumroad, call: str, max_retries: int
) -> None:
    assert await count_sent(fake, call, max_retries) == max_retries + 1


@pytest.mark.parametrize("max_retries", [0, 4])
@pytest.mark.parametrize("call", ["PUT refund", "POST create"])
async def test_calls_that_must_not_repeat_reach_the_server_once(
    fake: FakeGumroad, call: str, max_retries: int
) -> None:
    assert await count_sent(fake, call, max_retries) == 1


async def test_a_borrowed_session_gets_the_same_budget(fake: FakeGumroad) -> None:
    async with (
        aiohttp.ClientSession() as session,
        GumroadClient(fake.token, base_url=fake.url, session=session, max_retries=0) as gumroad,
    ):
        await gumroad.user.get()
        fake.inject(method="GET", path="/v2/user", drop=True, times=10)
        with pytest.raises(APIConnectionError):
            await gumroad.user.get()
    assert len(fake.requests_to("GET", "/v2/user")) == 2  # the warm-up and one attempt


# -- 4. what aiohttp would refuse later is refused at creation ------------------------------

SECRET = "s3cr3t-t0ken"

BAD_TOKENS = {
    "trailing newline": SECRET + "\n",
    "CRLF inside": SECRET[:4] + "\r\nX-Evil: 1" + SECRET[4:],
    "NUL": SECRET + "\x00",
    "DEL": SECRET + "\x7f",
    "tab": SECRET + "\t",
    "space inside": SECRET[:4] + " " + SECRET[4:],
    "leading space": " " + SECRET,
    "non-ASCII": SECRET + "é",
    "a lone surrogate": SECRET + "\ud800",
}


@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_token_aiohttp_would_refuse_is_refused_at_creation(token: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        GumroadClient(token, base_url="http://127.0.0.1:9")
    assert info.value.argument == "access_token"
    assert isinstance(info.value, ValueError)
    for shown in (str(info.value), repr(info.value), info.value.problem):
        assert SECRET not in shown and SECRET[:4] not in shown


def test_a_token_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUMROAD_ACCESS_TOKEN", SECRET + "\n")
    with pytest.raises(InvalidArgumentError, match="access_token") as info:
        GumroadClient(base_url="http://127.0.0.1:9")
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("token", [123, b"bytes-token"])
def test_a_token_that_is_not_text_is_refused(token: object) -> None:
    with pytest.raises(InvalidArgumentError, match="access_token: must be a string"):
        GumroadClient(token, base_url="http://127.0.0.1:9")  # type: ignore[arg-type]


BAD_BASE_URLS = {
    "user and password": "http://user:pa55word@127.0.0.1:8765",
    "user only": "https://user@api.gumroad.com",
    "port out of range": "http://127.0.0.1:99999",
    "port 0": "http://127.0.0.1:0",
    "broken IPv6 literal": "http://[::1",
    "space in the host": "https://api .gumroad.com",
    "not text": b"https://api.gumroad.com",
}


@pytest.mark.parametrize("base_url", BAD_BASE_URLS.values(), ids=BAD_BASE_URLS.keys())
def test_a_base_url_aiohttp_would_refuse_is_refused_at_creation(base_url: Any) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        GumroadClient(SECRET, base_url=base_url)
    assert info.value.argument == "base_url"
    assert "pa55word" not in str(info.value)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("user_agent", ["my-app\r\nX-Evil: 1", "my-app\x00", 42])
def test_a_user_agent_aiohttp_would_refuse_is_refused_at_creation(user_agent: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="user_agent"):
        GumroadClient(SECRET, base_url="http://127.0.0.1:9", user_agent=user_agent)


@pytest.mark.parametrize(("option", "value"), [
    ("timeout", float("inf")),
    ("connect_timeout", float("inf")),
    ("max_response_bytes", 0),
    ("max_response_bytes", -1),
    ("backoff_base", float("nan")),
    ("backoff_base", -1.0),
    ("max_retry_after", -1.0),
    ("max_retry_time", 0),
])
def test_numbers_that_would_fail_later_are_refused_at_creation(option: str, value: object) -> None:
    with pytest.raises(InvalidArgumentError, match=option):
        GumroadClient(SECRET, base_url="http://127.0.0.1:9", **{option: value})


async def test_accepted_inputs_still_work(fake: FakeGumroad) -> None:
    # A non-ASCII user agent, a base URL with a trailing slash: fine, as before.
    async with GumroadClient(fake.token, base_url=fake.url + "/", user_agent="café/1") as c:
        assert (await c.user.get()).user_id
    assert "café/1" in fake.requests[-1].headers["User-Agent"]


# -- the sweep: no other raw exception escapes the transport ---------------------------------


@pytest.mark.parametrize("send", [
    lambda c: c.sales.get("\ud800"),
    lambda c: c.products.update("p1", name="\udfff"),
    lambda c: c.sales.list(email="a\ud800@b.c").to_list(),
    lambda c: c.licenses.verify("p1", "KEY-\ud800"),
], ids=["path segment", "form field", "query parameter", "anonymous form field"])
async def test_text_that_cannot_be_encoded_is_refused_before_sending(
    fake: FakeGumroad, send: Callable[[GumroadClient], Awaitable[Any]]
) -> None:
    async with GumroadClient(fake.token, base_url=fake.url) as gumroad:
        with pytest.raises(InvalidArgumentError, match="lone surrogate"):
            await send(gumroad)
    assert fake.requests == []


async def test_a_closed_borrowed_session_is_a_gumroad_error(fake: FakeGumroad) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    async with GumroadClient(fake.token, base_url=fake.url, session=session) as gumroad:
        with pytest.raises(GumroadError, match="session given to this client is closed"):
            await gumroad.user.get()


async def test_a_retry_after_past_max_retry_time_raises_instead_of_retrying_early(
    fake: FakeGumroad,
) -> None:
    # Waiting less than the server asked only meets another 429: give up at once instead.
    fake.inject(method="GET", path="/v2/user", status=429, body="Retry later",
                content_type="text/plain", headers={"Retry-After": "30"}, times=5)
    async with GumroadClient(fake.token, base_url=fake.url, max_retry_time=0.2) as gumroad:
        with pytest.raises(RateLimitError) as info:
            await gumroad.user.get()
    assert info.value.retry_after == 30.0
    assert len(fake.requests_to("GET", "/v2/user")) == 1
