"""What a test can inject into the fake, and what the fake records of each request."""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

import attrs

__all__ = ["EDGE_FAULTS", "EdgeAnswer", "Fault", "RecordedRequest"]


@attrs.frozen
class EdgeAnswer:
    """What the edge in front of Gumroad (Cloudflare, nginx) answers on its own."""

    status: int
    body: str
    content_type: str


def _proxy_page(status: int, reason: str) -> str:
    # The shape of an nginx/Cloudflare error page: HTML, no JSON, no `success` key.
    return (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>"
            "\r\n</body>\r\n</html>\r\n")


#: The answers the live edge gives by itself, by name: a proxy's HTML error pages and the
#: throttle's plain-text 429 (``config/initializers/rack_attack.rb``: no ``Retry-After``).
EDGE_FAULTS: Mapping[str, EdgeAnswer] = {
    "bad_gateway": EdgeAnswer(502, _proxy_page(502, "Bad Gateway"), "text/html"),
    "service_unavailable": EdgeAnswer(
        503, _proxy_page(503, "Service Temporarily Unavailable"), "text/html"),
    "gateway_timeout": EdgeAnswer(504, _proxy_page(504, "Gateway Time-out"), "text/html"),
    "rate_limited": EdgeAnswer(429, "Retry later\n", "text/plain"),
}


@attrs.define(eq=False)
class Fault:
    """One injected misbehaviour; it applies to the next ``times`` matching requests.

    ``status``/``body`` replace the answer; ``stall`` waits before answering (a client with
    a shorter timeout gives up); ``drop`` closes the connection without an answer. With
    ``after_handler`` the real work is done first and the fault replaces its answer: the
    case where the server acted but the client never heard.
    """

    method: str | None
    path: str | None
    times: int
    status: int | None = 500
    body: Any = None
    content_type: str | None = None
    headers: Mapping[str, str] | None = None
    stall: float | None = None
    drop: bool = False
    after_handler: bool = False
    hits: int = 0
    #: Take only every ``every``-th matching request (1: each one), as a flaky edge does.
    every: int = 1
    seen: int = 0

    @property
    def remaining(self) -> int:
        """How many more requests this fault will take."""
        return self.times - self.hits

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or fnmatchcase(path, self.path)

    def take(self, method: str, path: str) -> bool:
        """Whether this fault takes this request (counting it when it does)."""
        if not self.matches(method, path):
            return False
        self.seen += 1
        if self.seen % self.every:
            return False
        self.hits += 1
        return True


@attrs.define(frozen=True)
class RecordedRequest:
    """A request as the fake received it (``path`` decoded, ``raw_path`` as sent)."""

    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: Mapping[str, str]
    fault: Fault | None = None
