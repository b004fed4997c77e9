"""License keys: ``/v2/licenses/...``."""

from __future__ import annotations

from gumroad_async._arguments import check_flag, check_id, check_text
from gumroad_async._scopes import Scope
from gumroad_async._transport import api_path
from gumroad_async.errors import APIError
from gumroad_async.records import License
from gumroad_async.services._base import Service, structured

__all__ = ["LicensesService"]

_VERIFY = api_path("licenses", "verify")


class LicensesService(Service):
    """Verify, enable, disable license keys and give uses back."""

    async def verify(
        self, product_id: str, license_key: str, increment_uses_count: bool = True
    ) -> License:
        """Check a license key; counts a use unless ``increment_uses_count=False``.

        Needs no token and sends none. A verify that counts a use is never sent twice.
        """
        data = _fields(product_id, license_key)
        data["increment_uses_count"] = check_flag("increment_uses_count", increment_uses_count)
        payload = await self._transport.request(
            "POST", _VERIFY, data=data, authenticated=False,
            repeatable=not increment_uses_count,
        )
        return _license(payload)

    async def enable(self, product_id: str, license_key: str) -> License:
        """Enable a license key."""
        return await self._put("enable", product_id, license_key, repeatable=True)

    async def disable(self, product_id: str, license_key: str) -> License:
        """Disable a license key: verifying it then fails."""
        return await self._put("disable", product_id, license_key, repeatable=True)

    async def decrement_uses_count(self, product_id: str, license_key: str) -> License:
        """Give one use back. Sent once: repeating it would give back two."""
        return await self._put("decrement_uses_count", product_id, license_key, repeatable=False)

    async def _put(
        self, action: str, product_id: str, license_key: str, *, repeatable: bool
    ) -> License:
        payload = await self._call(
            "PUT", api_path("licenses", action), scope=Scope.EDIT_PRODUCTS,
            data=_fields(product_id, license_key), repeatable=repeatable,
        )
        return _license(payload)


def _fields(product_id: str, license_key: str) -> dict[str, str]:
    return {
        "product_id": check_id("product_id", product_id),
        "license_key": check_text("license_key", license_key),
    }


def _license(payload: dict[str, object]) -> License:
    record = structured(payload, License)
    if record is None:  # pragma: no cover - the transport only returns objects
        raise APIError("The answer is not a license.", status=200, body=payload)
    return record
