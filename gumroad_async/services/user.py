"""``GET /v2/user``."""

from __future__ import annotations

from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.records import User
from gumroad_async.services._base import Service, record_of

__all__ = ["UserService"]

_USER = api_path("user")


class UserService(Service):
    """The seller the token belongs to."""

    async def get(self) -> User:
        """The authenticated user."""
        # The transport directly (as _one would): a web service's hot call, one coroutine less.
        payload = await self._transport.request("GET", _USER, scope=Scope.VIEW_PUBLIC)
        return record_of(payload, "user", User)
