"""What a test can inject into the fake, and what the fake records of each request."""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

import attrs

__all__ = ["Fault", "RecordedRequest"]


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
