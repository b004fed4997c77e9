"""``GET /v2/user``."""

from __future__ import annotations

from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.records import User
from gumroad_async.services._base import Service

__all__ = ["UserService"]

_USER = api_path("user")


class UserService(Service):
    """The seller the token belongs to."""

    async def get(self) -> User:
        """The authenticated user."""
        return await self._one("GET", _USER, "user", User, scope=Scope.VIEW_PUBLIC)
