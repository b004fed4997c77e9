"""Stores for the sync tests: a SQLite file always, and a real PostgreSQL database.

PostgreSQL comes from ``$GUMROAD_TEST_POSTGRES_URL`` (an admin connection, by default
``postgresql://postgres@127.0.0.1:5432/postgres``): a fresh database is created for the
test session and dropped after. Without a server the PostgreSQL cases are skipped, except
under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from sqlalchemy.engine import make_url

from gumroad_async.sync import SyncStore

POSTGRES_ADMIN_URL = os.environ.get(
    "GUMROAD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def admin_execute(statement: str) -> None:
    """Run one statement on the admin connection (outside any test database)."""
    import asyncpg

    url = make_url(POSTGRES_ADMIN_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database=url.database or "postgres", timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test session's own (``postgresql://...`` URL)."""
    name = f"gumroad_sync_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        asyncio.run(admin_execute(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # refused, unknown host, bad credentials, timeout
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {exc!r}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    asyncio.run(admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


AdminExecute = Callable[[str], Awaitable[None]]


@pytest.fixture
def postgres_admin(postgres_url: str) -> AdminExecute:
    """Runs one statement on the admin connection (outside the test database)."""
    return admin_execute


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database URL: a new SQLite file, or the session's PostgreSQL database
    (tests on PostgreSQL use their own account names, so they do not see each other)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'gumroad.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def account() -> str:
    """An account name of this test's own."""
    return f"acct-{secrets.token_hex(4)}"


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SyncStore]:
    async with SyncStore(store_url) as opened:
        yield opened
