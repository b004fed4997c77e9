"""Real Redis and PostgreSQL for the worker tests, each test run in its own namespace.

Redis: ``$GUMROAD_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); every key a test
makes holds its namespace, and they are deleted afterwards. PostgreSQL:
``$GUMROAD_TEST_POSTGRES_URL`` (an admin URL, default
``postgresql://postgres@127.0.0.1:5432/postgres``); each test gets a database of its own,
dropped afterwards. Where a service cannot be reached the tests skip, except under ``CI``,
where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from gumroad_async.workers import WorkerConfig

REDIS_URL = os.environ.get("GUMROAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_ADMIN_URL = os.environ.get(
    "GUMROAD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _unavailable(what: str, error: BaseException) -> None:
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI runs these tests, it never skips them")
    pytest.skip(message)


@pytest.fixture
def namespace() -> str:
    return f"gatest-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis(namespace: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # any failure to connect
        await client.aclose()
        _unavailable(f"Redis at {REDIS_URL}", exc)
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=f"*{namespace}*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (a plain ``postgresql://`` URL), dropped afterwards."""
    name = f"gatest_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    except Exception as exc:
        _unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL}", exc)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'fleet.db'}"


@pytest.fixture
def config(namespace: str, postgres_url: str, redis: Redis) -> WorkerConfig:
    """A fleet on the test's own Redis namespace and database, with short jobs."""
    return WorkerConfig(
        redis_url=REDIS_URL, db_url=postgres_url, namespace=namespace, slice_seconds=1.0,
        job_timeout=5.0, max_tries=3, windows_per_run=4, client_timeout=5.0,
        client_max_retries=2, client_backoff_base=0.05, schedule_every=1,
    )
