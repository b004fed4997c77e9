"""The authenticated user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gumroad_async.records._base import extra_field, record

__all__ = ["User"]


@record
class User:
    """The seller the token belongs to (``GET /v2/user``).

    ``email`` comes only with a scope other than ``view_public``; ``display_name`` only with
    ``view_profile``.
    """

    user_id: str | None = None
    id: str | None = None
    name: str | None = None
    email: str | None = None
    bio: str | None = None
    twitter_handle: str | None = None
    url: str | None = None
    currency_type: str | None = None
    profile_url: str | None = None
    links: tuple[str, ...] | None = None
    display_name: str | None = None
    extra: Mapping[str, Any] = extra_field()
