"""The fleet's commands: accounts add|list|remove, enqueue sync, status."""

from __future__ import annotations

import os

from click.testing import CliRunner
from redis.asyncio import Redis

from gumroad_async.cli._app import cli

REDIS_URL = os.environ.get("GUMROAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_accounts_enqueue_and_status(sqlite_url: str, namespace: str, redis: Redis) -> None:
    fleet = ["--db", sqlite_url, "--redis", REDIS_URL, "--namespace", namespace]
    code, out = _invoke("accounts", "add", "shop", "--db", sqlite_url, "--rate-limit", "5",
                        env={"GUMROAD_ACCESS_TOKEN": "cli-secret-token"})
    assert code == 0, out
    code, out = _invoke("accounts", "add", "shop", "--db", sqlite_url, "--token", "x")
    assert code == 2 and "exists" in out
    code, out = _invoke("accounts", "list", "--db", sqlite_url)
    assert code == 0 and "shop" in out and "cli-secret-token" not in out

    code, out = _invoke("enqueue", "sync", *fleet)
    assert code == 2 and "--all" in out
    code, out = _invoke("enqueue", "sync", "--account", "nobody", *fleet)
    assert code == 1 and "nobody" in out
    code, out = _invoke("enqueue", "sync", "--all", *fleet)
    assert code == 0 and "shop: queued" in out

    code, out = _invoke("status", *fleet)
    assert code == 0 and "shop" in out and "idle" in out and "queue depth: 1" in out
    code, out = _invoke("status", "--json", *fleet)
    assert code == 0 and '"queue_depth": 1' in out and "cli-secret-token" not in out

    code, out = _invoke("accounts", "remove", "shop", "--db", sqlite_url)
    assert code == 0
    code, out = _invoke("accounts", "remove", "shop", "--db", sqlite_url)
    assert code == 1 and "no account named 'shop'" in out
