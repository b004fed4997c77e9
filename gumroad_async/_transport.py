"""The only module that speaks HTTP.

One :class:`Transport` per client. It owns (or borrows) an ``aiohttp.ClientSession``, puts
the token in the ``Authorization`` header and nowhere else, enforces timeouts, concurrency
and rate limits, retries by the safety class of the call (see :func:`should_retry`), refuses
oversized answers and redirects, and maps every failure to :mod:`gumroad_async.errors`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import random
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from typing import Any, Final
from urllib.parse import quote

import aiohttp
import backoff
from aiolimiter import AsyncLimiter
from yarl import URL

from gumroad_async import _constants as defaults
from gumroad_async._arguments import check_positive_number, check_whole_number
from gumroad_async._responses import decode_answer
from gumroad_async._version import __version__
from gumroad_async.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    GumroadError,
    InvalidArgumentError,
    RateLimitError,
    ServerError,
)

__all__ = ["Transport", "api_path", "should_retry"]

logger: Final = logging.getLogger("gumroad_async")

_USER_AGENT: Final = f"gumroad-async/{__version__}"


def api_path(*segments: str) -> str:
    """``/v2/<segment>/...`` with every segment percent-encoded as one path segment.

    ``/`` and ``.`` are encoded too, so that an id such as ``../user`` or ``..`` cannot leave
    its segment or be folded away as a dot-segment.
    """
    return defaults.API_PREFIX + "".join(
        "/" + quote(segment, safe="").replace(".", "%2E") for segment in segments
    )


def should_retry(error: BaseException, *, repeatable: bool, max_retry_after: float) -> bool:
    """Whether a failed attempt may be sent again.

    Never reached the server (the connection could not be opened) and ``429`` are retried
    for every call; server errors, timeouts and dropped connections only for calls that are
    safe to repeat. A ``Retry-After`` longer than ``max_retry_after`` is not waited for.
    """
    if isinstance(error, RateLimitError):
        return error.retry_after is None or error.retry_after <= max_retry_after
    if isinstance(error, APIConnectionError):
        return repeatable or not error.sent
    if isinstance(error, ServerError):
        return repeatable
    return False


class _DisconnectedAfterSend(aiohttp.ClientConnectionError):
    """A dropped connection on a call that must not be sent twice.

    aiohttp resends a PUT or DELETE by itself once when a connection drops (RFC 9112
    retrying). It does so only for ``ClientOSError`` and ``ServerDisconnectedError``;
    re-raising as this class, inside the request, stops that resend.
    """


async def _no_resend(
    request: aiohttp.ClientRequest,
    handler: Callable[[aiohttp.ClientRequest], Awaitable[aiohttp.ClientResponse]],
) -> aiohttp.ClientResponse:
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # never opened: nothing was sent
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
        raise _DisconnectedAfterSend(str(exc) or type(exc).__name__) from exc


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Transport:
    """Sends requests to the Gumroad API and returns decoded payloads.

    Knows nothing of sales or products. Created by :class:`GumroadClient`; usable on its own
    for endpoints outside ``/v2`` (``/oauth/token``).
    """

    def __init__(
        self,
        access_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = defaults.DEFAULT_TIMEOUT,
        connect_timeout: float = defaults.DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = defaults.DEFAULT_MAX_RETRIES,
        max_retry_time: float = defaults.DEFAULT_MAX_RETRY_TIME,
        max_retry_after: float = defaults.DEFAULT_MAX_RETRY_AFTER,
        backoff_base: float = defaults.DEFAULT_BACKOFF_BASE,
        backoff_cap: float = defaults.DEFAULT_BACKOFF_CAP,
        max_concurrency: int = defaults.DEFAULT_MAX_CONCURRENCY,
        rate_limit: float | None = None,
        max_response_bytes: int = defaults.DEFAULT_MAX_RESPONSE_BYTES,
        session: aiohttp.ClientSession | None = None,
        user_agent: str | None = None,
        allow_insecure_http: bool = False,
        trace_configs: Iterable[aiohttp.TraceConfig] | None = None,
    ) -> None:
        self._token = access_token or None
        self._base_url = _check_base_url(
            base_url or os.environ.get(defaults.BASE_URL_ENV) or defaults.DEFAULT_BASE_URL,
            allow_insecure_http=allow_insecure_http,
        )
        check_positive_number("timeout", timeout)
        check_positive_number("connect_timeout", connect_timeout)
        check_whole_number("max_retries", max_retries, minimum=0)
        check_whole_number("max_concurrency", max_concurrency, minimum=1)
        if rate_limit is not None:
            check_positive_number("rate_limit", rate_limit)
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._max_retries = max_retries
        self._max_retry_time = max_retry_time
        self._max_retry_after = max_retry_after
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_concurrency = max_concurrency
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._rate_limit = rate_limit
        # Small buckets (a tenth of a second's worth) smooth the rate instead of allowing a
        # whole second's burst that a server counting per window would answer with 429.
        self._limiter = (
            AsyncLimiter(max(1.0, rate_limit / 10), max(1.0, rate_limit / 10) / rate_limit)
            if rate_limit
            else None
        )
        self._max_response_bytes = max_response_bytes
        self._session = session
        self._owns_session = session is None
        self._trace_configs = list(trace_configs or ())
        if session is not None and self._trace_configs:
            raise InvalidArgumentError(
                "trace_configs", "give them to your own ClientSession when you pass one in"
            )
        self._user_agent = f"{_USER_AGENT} {user_agent}" if user_agent else _USER_AGENT
        self._closed = False
        self._send_repeatable = self._retrying(repeatable=True)
        self._send_once = self._retrying(repeatable=False)

    # -- public surface --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API's base URL (without ``/v2``)."""
        return str(self._base_url)

    @property
    def has_token(self) -> bool:
        """Whether an access token is set."""
        return self._token is not None

    @property
    def max_concurrency(self) -> int:
        """Requests in flight at once, at most."""
        return self._max_concurrency

    @property
    def rate_limit(self) -> float | None:
        """Requests per second, at most (``None``: unlimited)."""
        return self._rate_limit

    def __repr__(self) -> str:
        token = "set" if self._token else "none"
        return f"<Transport {self._base_url} token={token}>"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        authenticated: bool = True,
        repeatable: bool | None = None,
        scope: str | None = None,
        expect_success: bool = True,
    ) -> dict[str, Any]:
        """Send one call (with its retries) and return the decoded JSON object.

        ``repeatable`` says whether the call may reach the server twice without harm
        (default: only ``GET``). ``scope`` is named in a ``PermissionDeniedError``.
        """
        if self._closed:
            raise GumroadError("This client is closed.")
        headers = {"User-Agent": self._user_agent, "Accept": "application/json"}
        if authenticated:
            if self._token is None:
                raise AuthenticationError(
                    "No access token: pass one to GumroadClient or set "
                    f"${defaults.ACCESS_TOKEN_ENV}.",
                )
            headers["Authorization"] = f"Bearer {self._token}"
        if repeatable is None:
            repeatable = method == "GET"
        url = self._base_url.with_path(self._base_url.raw_path.rstrip("/") + path, encoded=True)
        send = self._send_repeatable if repeatable else self._send_once
        result: dict[str, Any] = await send(
            method, url, params, data, headers, repeatable, scope, expect_success
        )
        return result

    async def close(self) -> None:
        """Close the session if this transport created it; a borrowed one stays open."""
        self._closed = True
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # -- internals -------------------------------------------------------------------------

    def _retrying(self, *, repeatable: bool) -> Callable[..., Awaitable[dict[str, Any]]]:
        def giveup(error: Exception) -> bool:
            return not should_retry(
                error, repeatable=repeatable, max_retry_after=self._max_retry_after
            )

        decorate = backoff.on_exception(
            self._waits,
            GumroadError,
            max_tries=self._max_retries + 1,
            max_time=self._max_retry_time,
            giveup=giveup,
            jitter=None,  # applied in _waits, which must not jitter a Retry-After
            on_backoff=_log_retry,
            logger=None,
        )
        wrapped: Callable[..., Awaitable[dict[str, Any]]] = decorate(self._attempt)
        return wrapped

    def _waits(self) -> Generator[float, BaseException | None, None]:
        """Exponential backoff with full jitter; a server's ``Retry-After`` is waited as said."""
        attempt = 0
        error = yield 0.0  # backoff primes the generator, then sends each failure
        while True:
            if isinstance(error, RateLimitError) and error.retry_after is not None:
                wait = error.retry_after
            else:
                wait = random.uniform(0, min(self._backoff_cap, self._backoff_base * 2**attempt))
            attempt += 1
            error = yield wait

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_concurrency)
            self._session = aiohttp.ClientSession(
                connector=connector,
                trace_configs=self._trace_configs or None,
                timeout=self._timeout,
            )
        return self._session

    async def _attempt(
        self,
        method: str,
        url: URL,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str],
        repeatable: bool,
        scope: str | None,
        expect_success: bool,
    ) -> dict[str, Any]:
        session = self._get_session()
        kwargs: dict[str, Any] = {}
        if not repeatable:
            # Keep the session's own middlewares (a borrowed session may have some) and add
            # ours innermost, next to the send.
            kwargs["middlewares"] = (*getattr(session, "_middlewares", ()), _no_resend)
        loop = asyncio.get_running_loop()
        async with self._semaphore:
            if self._limiter is not None:
                await self._limiter.acquire()
            started = loop.time()
            try:
                async with session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=headers,
                    timeout=self._timeout,
                    allow_redirects=False,
                    **kwargs,
                ) as response:
                    status = response.status
                    answer_headers = response.headers
                    body = await self._read_body(response)
            except aiohttp.ConnectionTimeoutError as exc:
                raise APITimeoutError(
                    f"Timed out connecting to {url.host}: {exc}", sent=False
                ) from exc
            except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
                raise APITimeoutError(
                    f"No answer from {url.host} within {self._timeout.total} s "
                    f"({method} {url.path})"
                ) from exc
            except aiohttp.ClientConnectorError as exc:
                raise APIConnectionError(
                    f"Could not connect to {url.host}: {exc.os_error or exc}", sent=False
                ) from exc
            except aiohttp.ClientError as exc:
                raise APIConnectionError(
                    f"Connection to {url.host} failed during {method} {url.path}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s in %.1f ms (request id %s)",
                method,
                url.path,
                status,
                (loop.time() - started) * 1000,
                answer_headers.get("X-Request-Id"),
            )
        return decode_answer(
            status, answer_headers, body, expect_success=expect_success, required_scope=scope
        )

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self._max_response_bytes
        length = response.content_length
        if length is not None and length <= limit:
            return await response.read()
        if length is not None:
            raise _too_large(response, limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, limit)
            chunks.append(chunk)
        return b"".join(chunks)


def _too_large(response: aiohttp.ClientResponse, limit: int) -> APIError:
    return APIError(
        f"The answer is larger than {limit} bytes and was refused.",
        status=response.status,
        request_id=response.headers.get("X-Request-Id"),
    )


def _check_base_url(value: str, *, allow_insecure_http: bool) -> URL:
    url = URL(value)
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgumentError("base_url", f"must be an http(s) URL, got {value!r}")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise InvalidArgumentError(
            "base_url",
            "http:// would send the access token in cleartext; use https://, a loopback "
            "address, or pass allow_insecure_http=True",
        )
    if url.query_string or url.fragment:
        raise InvalidArgumentError("base_url", "must not carry a query or fragment")
    return url.with_path(url.path.rstrip("/"))


def _log_retry(details: Any) -> None:
    error = details.get("exception")
    args = details.get("args", ())
    # backoff passes the bound method's arguments: (method, url, ...).
    method, url = (args[0], args[1]) if len(args) > 1 else ("?", "?")
    logger.info(
        "retrying %s %s in %.2f s (attempt %d failed: %s)",
        method,
        url.path if isinstance(url, URL) else url,
        details.get("wait", 0.0),
        details.get("tries", 0),
        type(error).__name__ if error is not None else "?",
    )
