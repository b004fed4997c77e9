"""Sync many accounts with many worker processes: arq jobs on Redis, one rate limit per token.

Needs the ``workers`` extra (``pip install 'gumroad-async[workers]'``). ::

    gumroad-async accounts add shop-1 --db postgresql://... (token from $GUMROAD_ACCESS_TOKEN)
    gumroad-async worker --redis redis://127.0.0.1:6379/0 --db postgresql://...   # N times
    gumroad-async enqueue sync --all --redis ... --db ...
    gumroad-async status --redis ... --db ...

A ``sync_account`` job plans an account's windows with the export planner and queues one
``sync_window`` job per window; each window job writes pages into the database with the
window's cursor in the same transaction, so a retried job resumes mid-window. Every request
for a token waits for that token's shared rate limit, concurrency slot and back-off in
Redis, whichever process or machine sends it.
"""

from gumroad_async.workers._accounts import Account, AccountStore, UnknownAccountError
from gumroad_async.workers._client import limited_client, shared_limits_middleware
from gumroad_async.workers._config import WorkerConfig
from gumroad_async.workers._fleet import Fleet
from gumroad_async.workers._jobs import schedule_due_syncs, sync_account, sync_window
from gumroad_async.workers._limits import (
    PacingGrid,
    SharedTokenLimits,
    TokenPolicy,
    token_fingerprint,
)
from gumroad_async.workers._settings import WorkerSettings, create_worker, worker_settings
from gumroad_async.workers._status import AccountStatus, FleetStatus, fleet_status
from gumroad_async.workers._tokens import TOKEN_KEY_ENV, TokenCipher, new_key

__all__ = [
    "TOKEN_KEY_ENV",
    "Account",
    "AccountStatus",
    "AccountStore",
    "Fleet",
    "FleetStatus",
    "PacingGrid",
    "SharedTokenLimits",
    "TokenCipher",
    "TokenPolicy",
    "UnknownAccountError",
    "WorkerConfig",
    "WorkerSettings",
    "create_worker",
    "fleet_status",
    "limited_client",
    "new_key",
    "schedule_due_syncs",
    "shared_limits_middleware",
    "sync_account",
    "sync_window",
    "token_fingerprint",
    "worker_settings",
]
