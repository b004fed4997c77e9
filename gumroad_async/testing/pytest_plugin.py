"""A pytest fixture for users' own tests: ``pytest -p gumroad_async.testing.pytest_plugin``.

Or in ``conftest.py``: ``pytest_plugins = ["gumroad_async.testing.pytest_plugin"]``. The
fixture is async, so it needs pytest-asyncio (or anyio's plugin) in the user's test run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gumroad_async.testing._server import FakeGumroad

__all__ = ["fake_gumroad"]


@pytest.fixture
async def fake_gumroad() -> AsyncIterator[FakeGumroad]:
    """A started ``FakeGumroad``; ``fake_gumroad.url`` and ``fake_gumroad.token`` to connect."""
    async with FakeGumroad() as fake:
        yield fake
