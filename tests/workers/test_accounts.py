"""The accounts table: adding, replacing, the fleet lease, tokens kept secret and encrypted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from gumroad_async.errors import GumroadError, InvalidArgumentError
from gumroad_async.sync import SyncStore
from gumroad_async.workers import AccountStore, TokenCipher, UnknownAccountError, new_key


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SyncStore]:
    async with SyncStore(sqlite_url) as opened:
        yield opened


async def _accounts(store: SyncStore, key: str | None = None) -> AccountStore:
    accounts = AccountStore(store.engine, TokenCipher(key))
    await accounts.create_tables()
    return accounts


async def _raw_token(store: SyncStore, name: str) -> str:
    async with store.engine.connect() as connection:
        row = await connection.execute(sa.text("SELECT token FROM accounts WHERE name = :n"),
                                       {"n": name})
        return str(row.scalar_one())


async def test_add_list_replace_remove(store: SyncStore) -> None:
    accounts = await _accounts(store)
    added = await accounts.add("shop", "tok-1", rate_limit=10, concurrency=2)
    assert (added.name, added.rate_limit, added.concurrency, added.state) == (
        "shop", 10, 2, "idle")
    with pytest.raises(InvalidArgumentError, match="exists"):
        await accounts.add("shop", "tok-2")
    await accounts.mark_failed("shop", "AuthenticationError: HTTP 401")
    assert (await accounts.get("shop")).state == "failed"
    replaced = await accounts.add("shop", "tok-2", replace=True)
    assert replaced.token == "tok-2" and replaced.state == "idle" and replaced.failure is None
    assert [a.name for a in await accounts.list()] == ["shop"]
    await accounts.remove("shop")
    with pytest.raises(UnknownAccountError):
        await accounts.get("shop")
    with pytest.raises(InvalidArgumentError, match="concurrency"):
        await accounts.add("other", "tok", concurrency=0)


async def test_tokens_never_show_and_are_encrypted_with_a_key(store: SyncStore) -> None:
    key = new_key()
    accounts = await _accounts(store, key)
    account = await accounts.add("shop", "very-secret-token")
    assert "very-secret-token" not in repr(account)
    assert all(a.token == "" for a in await accounts.list())  # listing never decrypts
    stored = await _raw_token(store, "shop")
    assert "very-secret-token" not in stored and stored.startswith("fernet:")
    assert (await accounts.get("shop")).token == "very-secret-token"
    # Without the key (or with another one) the token cannot be read.
    with pytest.raises(GumroadError, match="GUMROAD_TOKEN_KEY"):
        await (await _accounts(store)).get("shop")
    with pytest.raises(GumroadError, match="another"):
        await (await _accounts(store, new_key())).get("shop")


async def test_the_fleet_lease_is_held_by_one_run(store: SyncStore) -> None:
    accounts = await _accounts(store)
    await accounts.add("shop", "tok")
    assert await accounts.claim("shop", "run-1")
    assert not await accounts.claim("shop", "run-2")
    assert await accounts.claim("shop", "run-1")  # the holder may claim again (a retry)
    assert not await accounts.release("shop", "run-2")
    assert await accounts.release("shop", "run-1", error="ServerError: HTTP 502")
    assert not await accounts.release("shop", "run-1")  # once
    account = await accounts.get("shop")
    assert (account.state, account.failure, account.run_id) == (
        "error", "ServerError: HTTP 502", None)
    await accounts.mark_failed("shop", "revoked")
    assert not await accounts.claim("shop", "run-3")  # a failed account never runs
