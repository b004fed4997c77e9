"""The only module that speaks HTTP.

One :class:`Transport` per client. It owns (or borrows) an ``aiohttp.ClientSession``, puts
the token in the ``Authorization`` header and nowhere else, enforces timeouts, concurrency
and rate limits, retries by the safety class of the call (see :func:`should_retry`), refuses
oversized answers and redirects, and maps every failure to :mod:`gumroad_async.errors`.

It is also the only place that decides to send a request again: aiohttp's own resend of a
dropped connection is turned off for every call, so ``max_retries`` is a hard budget.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import math
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, Final
from urllib.parse import quote

import aiohttp
import backoff
from aiolimiter import AsyncLimiter
from multidict import CIMultiDict
from yarl import URL

from gumroad_async import _constants as defaults
from gumroad_async import _json
from gumroad_async._arguments import check_positive_number, check_whole_number
from gumroad_async._responses import decode_answer
from gumroad_async._slots import Slots
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

# Segments made only of these need no quoting (most ids and every fixed path word).
_PLAIN_SEGMENT: Final = re.compile(r"[A-Za-z0-9_~-]+")
# Query keys and values that yarl leaves as they are (unreserved characters), so that a
# query made only of them can be joined by hand to the very string yarl would build.
_PLAIN_QUERY_TEXT: Final = re.compile(r"[A-Za-z0-9_.~-]*")


# Ids repeat (a web service asks for the same sale, product or license again and again), and
# real ids are base64 (``...Q==``), which needs quoting: a path asked for before is one lookup.
@functools.lru_cache(maxsize=4096)
def api_path(*segments: str) -> str:
    """``/v2/<segment>/...`` with every segment percent-encoded as one path segment.

    ``/`` and ``.`` are encoded too, so that an id such as ``../user`` or ``..`` cannot leave
    its segment or be folded away as a dot-segment. Text that is not valid Unicode (a lone
    surrogate) raises :class:`InvalidArgumentError`.
    """
    if _PLAIN_SEGMENT.fullmatch("".join(segments)) is not None:  # one match for them all
        return defaults.API_PREFIX + "/" + "/".join(segments)
    path = defaults.API_PREFIX
    for segment in segments:
        if _PLAIN_SEGMENT.fullmatch(segment) is None:
            segment = _quote_segment(segment)
        path += "/" + segment
    return path


# Quoting a segment costs a Python-level loop over its bytes; ids recur in many paths.
@functools.lru_cache(maxsize=4096)
def _quote_segment(segment: str) -> str:
    try:
        return quote(segment, safe="").replace(".", "%2E")
    except UnicodeEncodeError:
        raise InvalidArgumentError("id", "is not valid text (it holds a lone surrogate)") from None


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


class _DroppedAfterSend(aiohttp.ClientConnectionError):
    """A connection that dropped once the request may have been sent.

    aiohttp resends a GET, PUT or DELETE by itself once when a connection drops (RFC 9112
    retrying), below the SDK's retry loop: a call with ``max_retries=0`` could reach the
    server twice, and a refund too. aiohttp resends only after ``ClientOSError`` and
    ``ServerDisconnectedError``; re-raising as this class, inside the request, stops it, so
    that the SDK's own loop is the only place that decides to send again.
    """


_DROPPED: Final = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


async def _no_resend(
    request: aiohttp.ClientRequest,
    handler: Callable[[aiohttp.ClientRequest], Awaitable[aiohttp.ClientResponse]],
) -> aiohttp.ClientResponse:
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # never opened: nothing was sent
    except _DROPPED as exc:
        raise _DroppedAfterSend(str(exc) or type(exc).__name__) from exc


_MAX_REMEMBERED_URLS: Final = 1024

# aiohttp keeps its resend switch in a session attribute it lets callers set (it is in
# ClientSession.ATTRS, since 3.9). Turned off on the sessions this module creates, it costs
# nothing per request, where the middleware costs a closure and two coroutines (about 2% of
# a single call); a borrowed session is never changed and keeps the middleware.
_SESSION_RESEND_SWITCH: Final = "_retry_connection" in getattr(aiohttp.ClientSession, "ATTRS", ())


class Transport:
    """Sends requests to the Gumroad API and returns decoded payloads.

    Knows nothing of sales or products. Created by :class:`GumroadClient`; usable on its own
    for endpoints outside ``/v2`` (``/oauth/token``). Every argument is checked here, so
    that nothing aiohttp would refuse later (a token with a newline, a URL with
    ``user:pass@``) gets past the constructor.
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
        self._token = _check_token(access_token)
        self._base_url = _check_base_url(
            base_url or os.environ.get(defaults.BASE_URL_ENV) or defaults.DEFAULT_BASE_URL,
            allow_insecure_http=allow_insecure_http,
        )
        self._base_path = self._base_url.raw_path.rstrip("/")
        # The encoded parts a request URL is built from: the path and query are added as text.
        self._scheme = self._base_url.scheme
        self._authority = self._base_url.raw_authority
        self._urls: dict[str, URL] = {}
        _check_finite_seconds("timeout", timeout)
        _check_finite_seconds("connect_timeout", connect_timeout)
        check_whole_number("max_retries", max_retries, minimum=0)
        check_positive_number("max_retry_time", max_retry_time)
        _check_wait("max_retry_after", max_retry_after)
        _check_wait("backoff_base", backoff_base, finite=True)
        _check_wait("backoff_cap", backoff_cap, finite=True)
        check_whole_number("max_concurrency", max_concurrency, minimum=1)
        check_whole_number("max_response_bytes", max_response_bytes, minimum=1)
        if rate_limit is not None:
            check_positive_number("rate_limit", rate_limit)
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._max_retries = max_retries
        self._max_retry_time = max_retry_time
        self._max_retry_after = max_retry_after
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_concurrency = max_concurrency
        self._slots = Slots(max_concurrency)
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
        # A borrowed session keeps its own middlewares; ours goes innermost, next to the send.
        # The size cap counts decoded bytes, even on a borrowed session that turned
        # decompression off.
        self._request_options: dict[str, Any] = {
            "timeout": self._timeout,
            "auto_decompress": True,
            "middlewares": (*getattr(session, "_middlewares", ()), _no_resend),
        }
        user_agent = _check_header_text("user_agent", user_agent)
        fixed = {
            "User-Agent": f"{_USER_AGENT} {user_agent}" if user_agent else _USER_AGENT,
            "Accept": "application/json",
        }
        # Our own session sends the fixed headers as its defaults (aiohttp copies those in
        # one step); each request adds the token only. A borrowed session keeps its own
        # defaults, so there every request carries all of them. Built once: aiohttp copies
        # them into each request and never changes them.
        # Per-request headers are a CIMultiDict, which aiohttp merges as it is: a dict it
        # would first copy into one (about 0.7 us a call).
        self._session_headers: Mapping[str, str] = fixed if session is None else {}
        anonymous: Mapping[str, str] = {} if session is None else fixed
        self._anonymous_headers: Mapping[str, str] = CIMultiDict(anonymous)
        self._token_headers: Mapping[str, str] | None = (
            CIMultiDict({**anonymous, "Authorization": f"Bearer {self._token}"})
            if self._token is not None
            else None
        )
        self._closed = False

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
        (default: only ``GET``). ``scope`` is named in a ``PermissionDeniedError``. At most
        ``max_retries + 1`` requests reach the server, whatever fails.
        """
        if self._closed:
            raise GumroadError("This client is closed.")
        if not authenticated:
            headers = self._anonymous_headers
        elif self._token_headers is not None:
            headers = self._token_headers
        else:
            raise AuthenticationError(
                f"No access token: pass one to GumroadClient or set ${defaults.ACCESS_TOKEN_ENV}.",
            )
        if data and not "".join([*data, *data.values()]).isascii():  # ASCII: nothing to check
            _check_encodable(data)
        if repeatable is None:
            repeatable = method == "GET"
        url: URL | None
        if params:
            url, params = self._url(path, params)
        else:
            url = self._urls.get(path)
            if url is None:  # (not ``or``: a URL's truth is a Python call)
                url = self._path_url(path)
        started = time.monotonic()
        retries = 0
        schedule: Iterator[float] | None = None  # made on the first failure only
        while True:
            try:
                return await self._attempt(
                    method, url, params, data, headers, scope, expect_success
                )
            except GumroadError as error:
                schedule = schedule or self._backoff_schedule()
                wait = self._retry_wait(
                    error, retries, repeatable, time.monotonic() - started, schedule
                )
                if wait is None:
                    raise
                retries += 1
                logger.info(
                    "retrying %s %s in %.2f s (attempt %d failed: %s)",
                    method,
                    url.path,
                    wait,
                    retries,
                    type(error).__name__,
                )
                await asyncio.sleep(wait)

    async def close(self) -> None:
        """Close the session if this transport created it; a borrowed one stays open."""
        self._closed = True
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # -- internals -------------------------------------------------------------------------

    def _backoff_schedule(self) -> Iterator[float]:
        """``backoff``'s exponential waits (base, 2 x base, ... up to the cap), fully jittered."""
        waits = backoff.expo(factor=self._backoff_base, max_value=self._backoff_cap)
        next(waits)  # backoff's generators open with a bare yield, primed by its decorator
        return (backoff.full_jitter(wait) for wait in waits)

    def _retry_wait(
        self,
        error: GumroadError,
        retries: int,
        repeatable: bool,
        elapsed: float,
        schedule: Iterator[float],
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up.

        Exponential backoff with full jitter; a server's ``Retry-After`` is waited as said,
        never cut short (a shorter wait would only meet another 429). Nothing is waited
        past ``max_retry_time``.
        """
        if retries >= self._max_retries or not should_retry(
            error, repeatable=repeatable, max_retry_after=self._max_retry_after
        ):
            return None
        remaining = self._max_retry_time - elapsed
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return error.retry_after if error.retry_after < remaining else None
        if remaining <= 0:
            return None
        return min(next(schedule), remaining)

    def _url(
        self, path: str, params: Mapping[str, str]
    ) -> tuple[URL, Mapping[str, str] | None]:
        """The URL of a request with a query, and the parameters aiohttp has still to add.

        A query of unreserved characters only (dates, ids, cursors) is joined here into the
        very string yarl would make: yarl's ``extend_query`` costs a few microseconds per
        page. Any other query is checked, then left to aiohttp, which encodes it with yarl.
        """
        if _PLAIN_QUERY_TEXT.fullmatch("".join([*params, *params.values()])) is not None:
            query = "&".join([key + "=" + value for key, value in params.items()])
            # From its parts: parsing the joined text again costs twice as much (3.3 us).
            url = URL.build(
                scheme=self._scheme,
                authority=self._authority,
                path=self._base_path + path,
                query_string=query,
                encoded=True,
            )
            return url, None
        _check_encodable(params)
        return self._urls.get(path) or self._path_url(path), params  # rare: a query to encode

    def _path_url(self, path: str) -> URL:
        """The URL of ``path``, remembered: most calls ask for the same few paths again."""
        url = self._base_url.with_path(self._base_path + path, encoded=True)
        if len(self._urls) >= _MAX_REMEMBERED_URLS:
            self._urls.clear()  # ids seen once: start again rather than grow
        self._urls[path] = url
        return url

    def _get_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None:
            connector = aiohttp.TCPConnector(limit=self._max_concurrency)
            session = aiohttp.ClientSession(
                connector=connector,
                trace_configs=self._trace_configs or None,
                timeout=self._timeout,
                headers=self._session_headers,
            )
            if _SESSION_RESEND_SWITCH:
                session._retry_connection = False  # aiohttp never resends: _no_resend's work
                # Our session's own timeout, decompression and (no) middlewares are already
                # what each request needs: nothing to pass.
                self._request_options = {}
            self._session = session
        return session

    async def _attempt(
        self,
        method: str,
        url: URL,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str],
        scope: str | None,
        expect_success: bool,
    ) -> dict[str, Any]:
        session = self._session or self._get_session()
        slots = self._slots
        if slots.free:
            slots.free -= 1
        else:
            await slots.wait()
        try:
            if self._limiter is not None:
                await self._limiter.acquire()
            if not self._owns_session and session.closed:  # its owner has closed it
                raise GumroadError("The aiohttp session given to this client is closed.")
            started = time.monotonic()
            try:
                async with session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=headers,
                    allow_redirects=False,
                    **self._request_options,
                ) as response:
                    status = response.status
                    answer_headers = response.headers
                    # An uncompressed body within the cap, as its length says: read at once.
                    length = answer_headers.get("Content-Length")
                    if (
                        length is not None
                        and int(length) <= self._max_response_bytes
                        and "Content-Encoding" not in answer_headers
                    ):
                        body = await response.read()
                    else:
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
                cause = exc.__cause__ if isinstance(exc, _DroppedAfterSend) else exc
                detail = str(exc)
                if not detail and isinstance(exc, _DROPPED):  # worded as _no_resend does
                    detail = type(exc).__name__
                raise APIConnectionError(
                    f"Connection to {url.host} failed during {method} {url.path}: "
                    f"{type(cause).__name__}: {detail}"
                ) from exc
            except ValueError as exc:
                # aiohttp refuses some inputs only when sending; the constructor checks the
                # known ones, and no other must escape as a bare ValueError.
                raise InvalidArgumentError(
                    "request", f"refused by aiohttp before sending: {type(exc).__name__}"
                ) from exc
        finally:
            slots.release()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s in %.1f ms (request id %s)",
                method,
                url.path,
                status,
                (time.monotonic() - started) * 1000,
                answer_headers.get("X-Request-Id"),
            )
        # The common answer, a JSON object that does not say it failed, is returned here;
        # decode_answer reads any other (and raises the matching error).
        if 200 <= status < 300 and body:
            try:
                payload = _json.loads(body)  # looked up here: tests swap the decoder
            except ValueError:
                payload = None
            if type(payload) is dict and (
                not expect_success or payload.get("success", True) is True
            ):
                return payload
        return decode_answer(
            status, answer_headers, body, expect_success=expect_success, required_scope=scope
        )

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        """The decoded body, refused once it passes ``max_response_bytes``.

        The cap counts bytes after decompression, as they arrive: a ``Content-Length``
        gives the size on the wire only, which a compressed body can exceed a thousand
        times over. Only an uncompressed body's length is taken at its word.
        """
        limit = self._max_response_bytes
        length = response.content_length
        if length is not None and "Content-Encoding" not in response.headers:
            if length > limit:
                raise _too_large(response, limit)
            return await response.read()
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, limit)
            chunks.append(chunk)
        return b"".join(chunks)


def _too_large(response: aiohttp.ClientResponse, limit: int) -> APIError:
    response.close()  # stop reading (and inflating) the rest: the connection is not reused
    return APIError(
        f"The answer is larger than {limit} bytes and was refused.",
        status=response.status,
        request_id=response.headers.get("X-Request-Id"),
    )


def _check_encodable(fields: Mapping[str, str]) -> None:
    """Refuse text that UTF-8 cannot encode (a lone surrogate).

    aiohttp would raise a bare ``UnicodeEncodeError`` for a form field, and yarl silently
    drops the character from a query parameter, which would change a filter unseen.
    """
    for key, value in fields.items():
        if not (key.isascii() and value.isascii()):
            try:
                key.encode("utf-8")
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgumentError(
                    key, "is not valid text (it holds a lone surrogate)"
                ) from None


# -- checks of the constructor's arguments -------------------------------------------------

# What a bearer token can hold: visible ASCII. A control character would be refused by
# aiohttp at the first call (or split the header); whitespace is usually a stray newline
# read from a file or an environment variable.
_TOKEN_TEXT: Final = re.compile(r"[\x21-\x7e]+")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_HOST_NAME: Final = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")


def _check_token(value: object) -> str | None:
    """The token, or ``None`` for none; never shown in an error."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgumentError(
            "access_token", f"must be a string, got {type(value).__name__}"
        )
    if _TOKEN_TEXT.fullmatch(value) is None:
        position, char = next(
            (i, c) for i, c in enumerate(value) if not "\x21" <= c <= "\x7e"
        )
        kind = (
            "a line break"
            if char in "\r\n"
            else "whitespace"
            if char.isspace()
            else "a control character"
            if _CONTROL.match(char)
            else "a non-ASCII character"
        )
        raise InvalidArgumentError(
            "access_token",
            f"holds {kind} at position {position} of {len(value)} (the token is not shown); "
            "tokens are visible ASCII: look for a stray newline or space from a file or "
            "an environment variable",
        )
    return value


def _check_header_text(name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgumentError(name, f"must be a string, got {type(value).__name__}")
    if _CONTROL.search(value):
        raise InvalidArgumentError(name, f"must not hold control characters, got {value!r}")
    return value


def _check_finite_seconds(name: str, value: object) -> None:
    check_positive_number(name, value)
    if not math.isfinite(value):  # type: ignore[arg-type]
        raise InvalidArgumentError(name, f"must be a finite number of seconds, got {value!r}")


def _check_wait(name: str, value: object, *, finite: bool = False) -> None:
    """Seconds that may be zero (no wait) but not negative or NaN."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not value >= 0
        or (finite and not math.isfinite(value))
    ):
        raise InvalidArgumentError(name, f"must be a number of seconds >= 0, got {value!r}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return _HOST_NAME.fullmatch(host) is not None
    return True


def _check_base_url(value: object, *, allow_insecure_http: bool) -> URL:
    if not isinstance(value, str):
        raise InvalidArgumentError("base_url", f"must be a string, got {type(value).__name__}")
    try:
        url = URL(value)
        host = url.raw_host
    except (ValueError, TypeError) as exc:
        # yarl's words name the problem (a port out of range, a broken IPv6 literal) and
        # never echo the URL, which may hold a password.
        raise InvalidArgumentError("base_url", f"is not a valid URL: {exc}") from None
    if url.raw_user is not None or url.raw_password is not None:
        raise InvalidArgumentError(
            "base_url",
            "must not hold credentials (user:password@): the access token is the only "
            "credential, sent as a header",
        )
    if url.scheme not in ("http", "https") or not host:
        raise InvalidArgumentError("base_url", f"must be an http(s) URL, got {value!r}")
    if not _is_valid_host(host):
        raise InvalidArgumentError("base_url", f"has an invalid host name: {host!r}")
    if url.explicit_port == 0:
        raise InvalidArgumentError("base_url", "port 0 cannot be connected to")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(host):
        raise InvalidArgumentError(
            "base_url",
            "http:// would send the access token in cleartext; use https://, a loopback "
            "address, or pass allow_insecure_http=True",
        )
    if url.query_string or url.fragment:
        raise InvalidArgumentError("base_url", "must not carry a query or fragment")
    return url.with_path(url.path.rstrip("/"))
