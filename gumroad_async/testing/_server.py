"""``FakeGumroad``: the fake's HTTP face, with auth, rate limits, faults and a request log."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Mapping
from datetime import date, datetime
from fnmatch import fnmatchcase
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http import HttpVersion11, RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

from gumroad_async._json import dumps, loads
from gumroad_async.testing._faults import EDGE_FAULTS, Fault, RecordedRequest
from gumroad_async.testing._pings import sale_ping_fields, send_ping, subscription_ping_fields
from gumroad_async.testing._routes import HTML, JSONBytes, Route, match_route
from gumroad_async.testing._state import Caller, FakeState

__all__ = ["FakeGumroad"]

_NOT_FOUND = dumps({"success": False, "error": "Not found"})  # ApplicationController#e404_json
# The application behind tokens made with `add_token`: resource subscriptions they create
# can be deleted by any of them, as with one app's tokens on the real service.
_PERSONAL_APP = "fake-personal-app"
_NO_CALLER = Caller(frozenset())
_EMPTY = b""
_CLIENT_MAX_SIZE = 10 * 1024 * 1024
# The one route of `app()`, and the paths it matches (aiohttp's pattern for it).
_ANY_PATH = "/{tail:.*}"
_ANY_PATH_PATTERN = re.compile(r"/(?P<tail>.*)")


class FakeGumroad:
    """A stateful fake of the Gumroad API v2 on ``127.0.0.1``, for tests and benchmarks.

    ::

        async with FakeGumroad() as fake:
            fake.add_sale(price=1000)
            async with GumroadClient(fake.token, base_url=fake.url) as gumroad:
                ...

    It serves every v2 method with the real service's semantics and odd error shapes,
    checks the bearer token and its scopes, records each request (``requests``), and takes
    injected faults (``inject``): an answer of your choosing, a stall, or a dropped
    connection, before or after the real work is done.
    """

    def __init__(
        self,
        *,
        token: str = "test-token",
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        rate_limit: float | None = None,
        retry_after: float | None = None,
        seed: int | None = None,
        sales: int = 0,
        request_log_limit: int | None = None,
    ) -> None:
        self.state = FakeState()
        self.token = token
        self.host = host
        self.port = port
        #: Seconds every answer waits, to make concurrency visible.
        self.latency = latency
        #: Requests per second before answering 429 (``None``: no limit).
        self.rate_limit = rate_limit
        #: The ``Retry-After`` seconds sent with a 429 (``None``: the header is left out).
        self.retry_after = retry_after
        # The request log: RecordedRequest objects, and at its end the requests not yet
        # read, as plain tuples (made into RecordedRequest when `requests` is read).
        self._log: list[Any] = []
        #: Keep only about this many of the latest requests (``None``: all of them), for a
        #: long-running server.
        self.request_log_limit = request_log_limit
        self.in_flight = 0
        self.max_in_flight = 0
        self._tokens: dict[str, Caller] = {token: Caller(frozenset({"account"}), _PERSONAL_APP)}
        self._faults: list[Fault] = []
        self._runner: web.BaseRunner | None = None
        # Served by aiohttp's low-level server (see `start`) rather than the application.
        self._direct = False
        self._request_number = 0
        self._bucket = 0.0
        self._bucket_time = 0.0
        if seed is not None or sales:
            self.state.seed(seed=seed or 0, sales=sales)

    # -- lifecycle --------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL to give a client, e.g. ``http://127.0.0.1:53411``."""
        if self._runner is None:
            raise RuntimeError("the fake is not started; use `async with FakeGumroad()`")
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        """The ``aiohttp.web`` application, to mount or run yourself."""
        app = web.Application(client_max_size=_CLIENT_MAX_SIZE)
        app.router.add_route("*", _ANY_PATH, self._serve)
        return app

    async def start(self) -> Self:
        # handler_cancellation: a client that gives up (timeout, cancel) ends the handler,
        # so a stalled request does not stay counted in `in_flight`.
        runner: web.BaseRunner
        if type(self).app is FakeGumroad.app:
            # The application is one catch-all route to `_serve`: aiohttp's low-level server
            # calls `_serve` directly, without the router and the application's handler
            # chain around it (work on every request); `_serve` then does the little they
            # would have done. A subclass that changes `app` gets its application.
            loop = asyncio.get_running_loop()

            def make_request(message: RawRequestMessage, payload: StreamReader,
                             protocol: RequestHandler, writer: AbstractStreamWriter,
                             task: asyncio.Task[None]) -> web.BaseRequest:
                return web.BaseRequest(message, payload, protocol, writer, task, loop,
                                       client_max_size=_CLIENT_MAX_SIZE)

            self._direct = True
            server = web.Server(self._serve, request_factory=make_request,
                                handler_cancellation=True, access_log=None)
            runner = web.ServerRunner(server)
        else:
            self._direct = False
            runner = web.AppRunner(self.app(), handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- the account ------------------------------------------------------------------
    def add_token(self, token: str, scopes: list[str] | tuple[str, ...] = ("account",), *,
                  application: str | None = None) -> None:
        """Accept another bearer token with the given scopes (``account``: all of them),
        issued to ``application`` (an OAuth client id; by default the seller's own app)."""
        self._tokens[token] = Caller(frozenset(str(s) for s in scopes),
                                     application or _PERSONAL_APP)

    def seed(
        self,
        seed: int = 0,
        *,
        products: int = 5,
        sales: int = 0,
        subscribers: int = 0,
        licenses: int = 0,
        start: date = date(2023, 1, 1),
        end: date = date(2025, 1, 1),
    ) -> None:
        """Fill the account with deterministic products, sales, subscribers and licenses."""
        self.state.seed(seed=seed, products=products, sales=sales, subscribers=subscribers,
                        licenses=licenses, start=start, end=end)

    def add_product(
        self, *, name: str = "Product", price: int = 100, **fields: Any
    ) -> dict[str, Any]:
        """Add a product; returns its JSON (``["id"]`` is its id)."""
        return self.state.add_product(name=name, price=price, **fields)

    def add_sku(self, product_id: str, *, name: str, price_difference_cents: int = 0,
                custom_sku: str | None = None, default: bool = False,
                **fields: Any) -> dict[str, Any]:
        """Give a product a SKU (the product then has SKUs enabled); returns its JSON."""
        return self.state.add_sku(product_id, name=name, custom_sku=custom_sku, default=default,
                                  price_difference_cents=price_difference_cents, **fields)

    def add_sale(
        self,
        *,
        product_id: str | None = None,
        created_at: datetime | str | None = None,
        email: str | None = None,
        price: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a sale (of the first product, made if needed, when none is named)."""
        return self.state.add_sale(product_id=product_id, created_at=created_at, email=email,
                                   price=price, **fields)

    def add_subscriber(self, *, product_id: str | None = None, user_email: str | None = None,
                       **fields: Any) -> dict[str, Any]:
        """Add an active subscriber of a product."""
        return self.state.add_subscriber(product_id=product_id, user_email=user_email, **fields)

    def add_license(self, *, product_id: str | None = None, uses: int = 0,
                    license_key: str | None = None) -> dict[str, Any]:
        """Add a license (and the sale it belongs to); ``["license_key"]`` is the key."""
        return self.state.add_license(product_id=product_id, uses=uses, license_key=license_key)

    def add_offer_code(self, product_id: str, *, name: str, amount_cents: int | None = None,
                       percent_off: int | None = None, universal: bool = False,
                       max_purchase_count: int | None = None) -> dict[str, Any]:
        """Add an offer code to a product (``percent_off`` or ``amount_cents``)."""
        return self.state.add_offer_code(
            product_id=product_id, name=name,
            offer_type="percent" if percent_off is not None else "cents",
            amount=percent_off if percent_off is not None else amount_cents,
            universal=universal, max_purchase_count=max_purchase_count,
        )

    def add_resource_subscription(self, resource_name: str, post_url: str) -> dict[str, Any]:
        """Subscribe a URL to a resource, as an app would have."""
        subscription = {"id": secrets.token_urlsafe(16), "resource_name": resource_name,
                        "post_url": post_url}
        self.state.resource_subscriptions[subscription["id"]] = subscription
        return subscription

    # -- OAuth ------------------------------------------------------------------------
    def add_oauth_app(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        """Register an OAuth application."""
        self.state.oauth_apps[client_id] = {"secret": client_secret, "redirect_uri": redirect_uri}

    def authorize(self, client_id: str, redirect_uri: str, scopes: list[str] | tuple[str, ...] = (
        "view_profile",)) -> str:
        """What a seller's click on "Authorize" does: returns the code sent to the app."""
        app = self.state.oauth_apps.get(client_id)
        if app is None or app["redirect_uri"] != redirect_uri:
            raise ValueError("unknown client_id or redirect_uri")
        code = secrets.token_urlsafe(24)
        self.state.oauth_codes[code] = {"client_id": client_id, "redirect_uri": redirect_uri,
                                        "scopes": [str(s) for s in scopes]}
        return code

    def _oauth_token(self, form: Mapping[str, str]) -> tuple[int, Any]:
        # Doorkeeper's token endpoint (config/initializers/doorkeeper.rb: use_refresh_token,
        # access tokens that never expire): OAuth error bodies, 400 or 401.
        grant_type = form.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            return _oauth_refusal("unsupported_grant_type",
                                  "The authorization grant type is not supported by the "
                                  "authorization server.")
        client_id = form.get("client_id", "")
        app = self.state.oauth_apps.get(client_id)
        if app is None or not secrets.compare_digest(app["secret"], form.get("client_secret", "")):
            return _oauth_refusal("invalid_client", "Client authentication failed due to "
                                  "unknown client, no client authentication included, or "
                                  "unsupported authentication method.", 401)
        if grant_type == "refresh_token":
            return self._refresh(client_id, form)
        grant = self.state.oauth_codes.pop(form.get("code", ""), None)
        if grant is None or grant["client_id"] != client_id or (
            grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return _oauth_refusal(*_INVALID_GRANT)
        return 200, self._issue_token(client_id, grant["scopes"])

    def _refresh(self, client_id: str, form: Mapping[str, str]) -> tuple[int, Any]:
        grant = self.state.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant["client_id"] != client_id:
            return _oauth_refusal(*_INVALID_GRANT)
        scopes: list[str] = grant["scopes"]
        if form.get("scope"):
            asked = form["scope"].split()
            if not set(asked) <= set(scopes):
                return _oauth_refusal("invalid_scope", "The requested scope is invalid, "
                                      "unknown, or malformed.")
            scopes = asked
        # Doorkeeper revokes the old access token, and with it its refresh token.
        del self.state.refresh_tokens[form["refresh_token"]]
        self._tokens.pop(grant["access_token"], None)
        return 200, self._issue_token(client_id, scopes)

    def _issue_token(self, client_id: str, scopes: list[str]) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.add_token(access, scopes, application=client_id)
        self.state.refresh_tokens[refresh] = {
            "access_token": access, "client_id": client_id, "scopes": list(scopes)}
        return {
            "access_token": access, "token_type": "Bearer", "scope": " ".join(scopes),
            "refresh_token": refresh, "created_at": int(time.time()),
        }

    # -- pings ------------------------------------------------------------------------
    def ping_payload(self, sale_id: str, resource_name: str = "sale", **overrides: Any
                     ) -> dict[str, Any]:
        """The fields of a sale-type ping about one of the fake's sales."""
        sale = self.state.sale(sale_id)
        if sale is None:
            raise KeyError(f"no sale {sale_id!r}")
        return sale_ping_fields(sale, resource_name, **overrides)

    def subscription_ping_payload(
        self, subscriber_id: str, resource_name: str = "cancellation", **overrides: Any
    ) -> dict[str, Any]:
        """The fields of a subscription-type ping about one of the fake's subscribers."""
        return subscription_ping_fields(self.state.subscribers[subscriber_id], resource_name,
                                        **overrides)

    async def send_ping(self, url: str, fields: Mapping[str, Any], *, json: bool = False,
                        deliveries: int = 1) -> list[int]:
        """POST a ping to ``url`` (form-encoded, or JSON), ``deliveries`` times."""
        return await send_ping(url, fields, json=json, deliveries=deliveries)

    async def deliver_pings(self, resource_name: str, fields: Mapping[str, Any]) -> list[int]:
        """Send a ping to every URL subscribed to ``resource_name``, as Gumroad would.

        (Resource subscriptions refuse loopback URLs as the real service does; add one
        with ``add_resource_subscription`` to deliver to a local receiver.)
        """
        statuses: list[int] = []
        for subscription in list(self.state.resource_subscriptions.values()):
            if subscription["resource_name"] == resource_name:
                statuses += await send_ping(subscription["post_url"], fields)
        return statuses

    # -- faults and the request log ---------------------------------------------------
    def inject(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        status: int | None = None,
        body: Any = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        stall: float | None = None,
        drop: bool = False,
        after_handler: bool = False,
        edge: str | None = None,
        every: int = 1,
    ) -> Fault:
        """Misbehave on the next ``times`` requests matching ``method`` and ``path``.

        ``path`` is a glob on the decoded path (``/v2/sales/*``). Without ``stall`` or
        ``drop`` the answer is ``status`` (500 by default) with ``body`` (a dict or list is
        sent as JSON, text or bytes as they are). ``stall`` waits that many seconds first
        (alone, it is a slow answer: the real one, late); ``drop`` closes the connection
        without an answer. ``after_handler`` does the real work first. Faults apply in the
        order they were injected. ``every=n`` takes only every n-th matching request.

        ``edge`` answers as the live service's edge does on its own: ``"bad_gateway"`` and
        ``"gateway_timeout"`` (502/504 HTML from the proxy), ``"service_unavailable"``
        (503 HTML), ``"rate_limited"`` (429 ``text/plain`` ``Retry later``, no
        ``Retry-After``). With ``stall`` the proxy gives up after that wait, and with
        ``after_handler`` the server did the work that the client never hears about.
        """
        if edge is not None:
            answer = EDGE_FAULTS.get(edge)
            if answer is None:
                raise ValueError(f"unknown edge fault {edge!r}; one of {sorted(EDGE_FAULTS)}")
            status = answer.status if status is None else status
            body = answer.body if body is None else body
            content_type = content_type or answer.content_type
        if status is None and body is None and stall is None and not drop:
            status = 500
        fault = Fault(method=method, path=path, times=times, status=status, body=body,
                      content_type=content_type, headers=headers, stall=stall, drop=drop,
                      after_handler=after_handler, every=max(1, every))
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (the latest ones with
        ``request_log_limit``); a list of your own to read, change or clear."""
        log = self._log
        first = len(log)
        while first and type(log[first - 1]) is tuple:
            first -= 1
        for index in range(first, len(log)):
            method, raw_path, query, form, headers, fault = log[index]
            log[index] = RecordedRequest(
                method=method, path=_decoded_path(raw_path), raw_path=raw_path, query=query,
                form=form, headers=headers, fault=fault)
        return log

    @requests.setter
    def requests(self, log: list[RecordedRequest]) -> None:
        self._log = log

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests with this method whose decoded path matches the glob."""
        return [r for r in self.requests if r.method == method and fnmatchcase(r.path, path)]

    def clear_requests(self) -> None:
        self._log.clear()

    # -- serving ----------------------------------------------------------------------
    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        # The whole request in one coroutine (no middleware, no frame more than needed):
        # this is the fake's hot path.
        target = request.raw_path
        headers = request.headers
        if self._direct and (target[:1] != "/" or "%0" in target or hdrs.EXPECT in headers):
            await _as_the_application_would(request)
        self.in_flight += 1
        if self.in_flight > self.max_in_flight:
            self.max_in_flight = self.in_flight
        try:
            method = request.method
            raw_path, mark, query_string = target.partition("?")
            query = _query(query_string, request) if mark else {}
            form = await _read_form(request) if request.body_exists else {}
            fault = self._take_fault(method, _decoded_path(raw_path)) if self._faults else None
            log = self._log
            log.append((method, raw_path, query, form, headers, fault))
            limit = self.request_log_limit
            if limit is not None and len(log) >= 2 * limit:
                del log[:-limit]  # amortized: one cut every `limit` requests
            if self.latency:
                await asyncio.sleep(self.latency)
            if fault is not None and not fault.after_handler:
                replaced = await self._misbehave(request, fault)
                if replaced is not None:
                    return replaced
            answer = self._answer(method, raw_path, query, form, headers)
            if fault is not None and fault.after_handler:
                replaced = await self._misbehave(request, fault)
                if replaced is not None:
                    return replaced
            return answer
        finally:
            self.in_flight -= 1

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.take(method, path):
                return fault
        return None

    async def _misbehave(self, request: web.BaseRequest, fault: Fault) -> web.Response | None:
        """Stall or drop as the fault says; the answer that replaces the real one, if any."""
        if fault.stall:
            await asyncio.sleep(fault.stall)
        if fault.drop:
            transport = request.transport
            if transport is not None:
                transport.abort()
            # The connection is gone: the handler is cancelled or its answer goes nowhere.
            await asyncio.sleep(3600)
        if fault.status is None and fault.body is None:
            return None
        return self._respond(fault.status or 200, fault.body, content_type=fault.content_type,
                             headers=fault.headers)

    def _answer(
        self,
        method: str,
        raw_path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> web.Response:
        if self.rate_limit is not None and self._over_rate_limit():
            extra = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
            limited = EDGE_FAULTS["rate_limited"]
            return self._respond(429, limited.body, content_type=limited.content_type,
                                 headers=extra)
        args = {**query, **form}
        segments, found = _route(method, raw_path)
        if segments == ("oauth", "token") and method == "POST":
            status, body = self._oauth_token(args)
            return self._respond(status, body)
        if found is None:
            return self._respond(404, _NOT_FOUND, content_type="application/json")
        route, variables = found
        caller = _NO_CALLER
        if route.scope is not None:
            known = self._caller(headers, args)
            # `account` (every method) first: the token of nearly every request.
            if known is None or "account" not in known.scopes:
                refusal = self._refuse_token(known, route.scope)
                if refusal is not None:
                    return refusal
            caller = known or caller
        args.pop("access_token", None)
        # Handlers are plain functions run without a pause: the caller cannot change
        # under them. (They get their own copy of the path's variables.)
        self.state.caller = caller
        status, body = route.handler(self.state, dict(variables) if variables else {}, args)
        return self._respond(status, body)

    def _caller(self, headers: Mapping[str, str], args: Mapping[str, str]) -> Caller | None:
        authorization = headers.get("Authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else args.get(
            "access_token")
        return self._tokens.get(token or "")

    def _refuse_token(self, caller: Caller | None, allowed: frozenset[str]
                      ) -> web.Response | None:
        if caller is None:
            # As Doorkeeper does (`head :unauthorized`): no body, the reason in the header.
            return self._respond(401, _EMPTY, headers={
                "WWW-Authenticate": 'Bearer realm="Doorkeeper", error="invalid_token"'})
        # `account` is the broad legacy scope Gumroad's CLI knows: it opens every method.
        if "account" not in caller.scopes and not caller.scopes & allowed:
            return self._respond(403, _EMPTY, headers={
                "WWW-Authenticate": 'Bearer realm="Doorkeeper", error="insufficient_scope", '
                                    f'scope="{" ".join(sorted(allowed))}"'})
        return None

    def _over_rate_limit(self) -> bool:
        if self.rate_limit is None:
            return False
        # A token bucket holding one second's worth of requests.
        now = time.monotonic()
        capacity = max(1.0, self.rate_limit)
        if self._bucket_time == 0.0:
            self._bucket = capacity
        else:
            self._bucket = min(capacity,
                               self._bucket + (now - self._bucket_time) * self.rate_limit)
        self._bucket_time = now
        if self._bucket < 1.0:
            return True
        self._bucket -= 1.0
        return False

    def _respond(
        self,
        status: int,
        body: Any,
        *,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        self._request_number += 1
        all_headers = {"X-Request-Id": f"fake-{self._request_number:08d}"}
        if headers:
            all_headers.update(headers)
        payload: bytes
        if isinstance(body, JSONBytes):
            payload = body.encode()
            content_type = content_type or "application/json"
        elif isinstance(body, dict | list):
            payload = dumps(body)
            content_type = content_type or "application/json"
        elif isinstance(body, HTML):
            payload = body.encode()
            content_type = content_type or "text/html"
        elif isinstance(body, str):
            payload = body.encode()
            content_type = content_type or "text/plain"
        elif isinstance(body, bytes):
            payload = body
        else:
            payload = _EMPTY
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        return web.Response(status=status, body=payload, headers=all_headers)


_INVALID_GRANT = (
    "invalid_grant",
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client.",
)


def _oauth_refusal(error: str, description: str, status: int = 400) -> tuple[int, Any]:
    return status, {"error": error, "error_description": description}


def _decoded_path(raw_path: str) -> str:
    """The path as the request log and fault globs see it: decoded segment by segment."""
    return "/" + "/".join(_segments(raw_path))


def _segments(raw_path: str) -> tuple[str, ...]:
    # Split before decoding, so that an id holding %2F stays one segment.
    if "%" not in raw_path:
        return tuple(raw_path.split("/")[1:])
    return tuple(unquote(s) for s in raw_path.split("/")[1:])



# (method, raw path) -> its segments and route: a client asks for the same few paths again
# and again (the routes are fixed, so a remembered match stays right).
_ROUTED: dict[tuple[str, str], tuple[tuple[str, ...], tuple[Route, dict[str, str]] | None]] = {}
_ROUTED_LIMIT = 4096


def _route(method: str, raw_path: str
           ) -> tuple[tuple[str, ...], tuple[Route, dict[str, str]] | None]:
    """The path's segments, and its route and variables (``match_route``), remembered."""
    key = (method, raw_path)
    routed = _ROUTED.get(key)
    if routed is None:
        segments = _segments(raw_path)
        routed = (segments, match_route(method, segments))
        if len(_ROUTED) >= _ROUTED_LIMIT:
            _ROUTED.clear()
        _ROUTED[key] = routed
    return routed


# A query of only these characters reads the same split by hand as through yarl (no
# escapes, no "+", no "#"): the cursors and flags the SDK sends.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*")


def _query(query_string: str, request: web.BaseRequest) -> dict[str, str]:
    """``dict(request.query)``: the first value of a repeated name, blanks kept."""
    if _PLAIN_QUERY.fullmatch(query_string) is None:
        return dict(request.query)
    query: dict[str, str] = {}
    for pair in query_string.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            if name not in query:
                query[name] = value
    return query


async def _as_the_application_would(request: web.BaseRequest) -> None:
    """What ``app()``'s router and application do before calling ``_serve``: a path its
    route cannot match is aiohttp's 404, and ``Expect: 100-continue`` is answered first."""
    if _ANY_PATH_PATTERN.fullmatch(request.rel_url.path_safe) is None:
        raise web.HTTPNotFound()
    if request.headers.get(hdrs.EXPECT):
        # aiohttp's default expect handler (web_urldispatcher._default_expect_handler).
        expect = request.headers.get(hdrs.EXPECT, "")
        if request.version == HttpVersion11:
            if expect.lower() != "100-continue":
                raise web.HTTPExpectationFailed(text=f"Unknown Expect: {expect}")
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # the answer's own bytes are still to come
        await request.writer.drain()


async def _read_form(request: web.BaseRequest) -> dict[str, str]:
    if request.content_type == "application/json":
        try:
            data = loads(await request.read())
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v if isinstance(v, str) else dumps(v).decode() for k, v in data.items()}
    posted = await request.post()
    return {k: v for k, v in posted.items() if isinstance(v, str)}
