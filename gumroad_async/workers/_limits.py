"""One rate limit, one concurrency cap and one back-off per token, shared through Redis.

Every worker process on every machine that uses a token asks the same Redis before each
request it sends with it:

1. a shared back-off: after any worker sees a 429 for the token, all of them wait until
   the back-off key expires (``SET NX PX``: the first 429 sets it, the others join it);
2. a concurrency slot: one of ``concurrency`` keys taken with ``SET NX PX`` through
   redis-py's ``Lock`` (its release checks ownership), leased so that a killed worker's
   slots come back by themselves;
3. a pacing slot: each second (aligned to the Unix epoch, as a server counting per
   calendar second aligns its own) holds as many slots as the rate limit allows, spread
   evenly over its first ``1 - RATE_GUARD`` seconds; each slot admits one request
   (``limits``' fixed window on a per-slot key, one atomic ``INCR`` in Redis); a request
   reserves the first free slot and waits for its time. Requests go out evenly spaced
   instead of in bursts, and the guard at the end of each second absorbs the delay between
   "allowed" and "arrived at the server" (a stalled event loop, a new connection): a
   request sent up to ``RATE_GUARD`` late still lands in its own second. The whole limit
   is used (20 of 20 per second, not 19), and any one-second span holds at most the
   limit's slots, whatever the offset between our clock and the server's.

Keys are named by a fingerprint of the token (a truncated SHA-256), never the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import random
import time
import uuid
from typing import Final

import attrs
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

__all__ = ["PacingGrid", "SharedTokenLimits", "TokenPolicy", "TokenSlot", "token_fingerprint"]

#: Seconds at the end of each pacing window in which no request is sent: a request that
#: arrives up to this late still counts in its own second at the server.
RATE_GUARD: Final = 0.1
#: Seconds to wait after a 429 that came without ``Retry-After``.
DEFAULT_BACKOFF: Final = 1.0
#: Seconds ahead a request may reserve a pacing slot.
RESERVE_AHEAD: Final = 2
#: One request per pacing slot (the key names the slot; it outlives the reservation
#: horizon, so that a reserved slot cannot be handed out twice).
_ONE_PER_SLOT: Final = RateLimitItemPerSecond(1, RESERVE_AHEAD + 3)
#: Seconds between tries for a concurrency slot while all are taken.
SLOT_POLL: Final = 0.01
#: The longest pause between such tries (they double from ``SLOT_POLL`` while none frees).
SLOT_POLL_MAX: Final = 0.08


def token_fingerprint(token: str) -> str:
    """A short, stable, non-reversible name for a token, used in Redis keys."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@attrs.frozen
class PacingGrid:
    """Where a token's pacing slots fall in time.

    Time is cut into windows of ``window`` seconds aligned to the Unix epoch; each holds
    ``per_window`` slots, evenly spaced over its first ``window - guard`` seconds. Slot
    ``n`` is the ``n % per_window``-th of window ``n // per_window``.
    """

    per_window: int
    window: float
    guard: float

    @classmethod
    def for_rate(cls, rate_limit: float, guard: float = RATE_GUARD) -> PacingGrid:
        """The grid of a server limit of ``rate_limit`` requests per second: the whole limit
        each second, or for a limit under one per second, one request per enough seconds."""
        if rate_limit <= 0:
            raise ValueError(f"rate_limit must be positive, not {rate_limit!r}")
        window = 1.0 if rate_limit >= 1 else float(math.ceil(1 / rate_limit))
        # The epsilon keeps 0.1 * 10 from flooring to 0.
        per_window = max(1, math.floor(rate_limit * window + 1e-9))
        return cls(per_window, window, min(guard, window / 2))

    @property
    def spacing(self) -> float:
        return (self.window - self.guard) / self.per_window

    def slot_at(self, moment: float) -> int:
        """The slot under way at ``moment`` (the next window's first, inside the guard)."""
        index = math.floor(moment / self.window)
        position = math.floor((moment - index * self.window) / self.spacing)
        if position >= self.per_window:
            return (index + 1) * self.per_window
        return index * self.per_window + position

    def time_of(self, slot: int) -> float:
        """The Unix time at which ``slot`` opens."""
        index, position = divmod(slot, self.per_window)
        return index * self.window + position * self.spacing

    def send_by(self, slot: int) -> float:
        """The Unix time after which a request woken for ``slot`` must not go out on it: half
        the guard before its window ends (the other half covers the way to the server)."""
        index = slot // self.per_window
        return (index + 1) * self.window - self.guard / 2


@attrs.frozen
class TokenPolicy:
    """How hard a token may be used: ``rate_limit`` requests/s (``None``: no limit) and
    ``concurrency`` requests in flight, across the whole fleet."""

    rate_limit: float | None = None
    concurrency: int = 4


@attrs.define
class TokenSlot:
    """A concurrency slot held for one request; give it back with ``release``."""

    lock: Lock
    key: str
    index: int = 0


class SharedTokenLimits:
    """Per-token rate limit, concurrency cap and back-off, kept in Redis.

    ``prefix`` namespaces every key (one fleet, or one test run, per prefix).
    ``slot_lease`` is how long a slot stays taken if its holder dies (make it longer than
    one request's timeout).
    """

    def __init__(self, redis: Redis, *, prefix: str, slot_lease: float = 35.0) -> None:
        self._redis = redis
        self._prefix = prefix
        self._slot_lease = slot_lease
        # The URI only has to parse: the connections come from the pool handed over.
        storage = RedisStorage(
            "async+redis://shared-pool:6379", implementation="redispy", key_prefix=f"{prefix}:rate",
            connection_pool=redis.connection_pool,  # type: ignore[arg-type]
        )
        self._limiter = FixedWindowRateLimiter(storage)
        #: Per token, the first pacing slot this process has not yet seen taken.
        self._hints: dict[str, int] = {}
        #: Per token's slot key: one coroutine of this process polls Redis for a slot at a
        #: time (the others queue here, not on Redis), the slots this process holds (not
        #: worth asking for), and an event set when it gives one back (its poller retries
        #: at once instead of at the next poll).
        self._gates: dict[str, asyncio.Lock] = {}
        self._held: dict[str, set[int]] = {}
        self._freed: dict[str, asyncio.Event] = {}

    def _key(self, kind: str, token_key: str) -> str:
        return f"{self._prefix}:{kind}:{token_key}"

    async def acquire(self, token_key: str, policy: TokenPolicy) -> TokenSlot:
        """Wait until this token may send one more request; returns the slot to release."""
        await self.wait_for_backoff(token_key)
        slot = await self._take_slot(token_key, policy.concurrency)
        try:
            if policy.rate_limit is not None:
                await self._take_rate(token_key, PacingGrid.for_rate(policy.rate_limit))
        except BaseException:
            await self.release(slot)
            raise
        return slot

    async def release(self, slot: TokenSlot) -> None:
        """Give a slot back (a slot whose lease ran out is already free)."""
        self._held.get(slot.key, set()).discard(slot.index)
        try:
            with contextlib.suppress(LockError):
                await slot.lock.release()
        finally:
            if slot.key in self._freed:
                self._freed[slot.key].set()

    async def back_off(self, token_key: str, seconds: float | None) -> None:
        """Make every worker wait ``seconds`` (default 1) before its next request with this
        token; an active back-off is not shortened or extended."""
        wait = DEFAULT_BACKOFF if seconds is None or seconds <= 0 else seconds
        await self._redis.set(self._key("backoff", token_key), b"1", px=int(wait * 1000),
                              nx=True)

    async def wait_for_backoff(self, token_key: str) -> None:
        while True:
            remaining_ms = await self._redis.pttl(self._key("backoff", token_key))
            if remaining_ms <= 0:
                return
            await asyncio.sleep(remaining_ms / 1000)

    async def _take_slot(self, token_key: str, concurrency: int) -> TokenSlot:
        base = self._key("slot", token_key)
        owner = uuid.uuid4().hex
        gate = self._gates.setdefault(base, asyncio.Lock())
        held = self._held.setdefault(base, set())
        freed = self._freed.setdefault(base, asyncio.Event())
        async with gate:
            misses = 0
            while True:
                freed.clear()
                # Random order spreads contenders over the slots instead of all racing for
                # slot 0; the ones this process holds are known taken.
                for index in random.sample(range(concurrency), concurrency):
                    if index in held:
                        continue
                    lock = Lock(self._redis, f"{base}:{index}", timeout=self._slot_lease)
                    if await lock.acquire(blocking=False, token=owner):
                        held.add(index)
                        return TokenSlot(lock, base, index)
                # A slot another process frees is seen at the next poll; polls thin out
                # while every slot stays taken (as when the rate limit binds and holders
                # wait for their pacing slots).
                misses += 1
                pause = min(SLOT_POLL_MAX, SLOT_POLL * 2 ** min(misses - 1, 8))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(freed.wait(), pause * (1 + random.random()))

    async def _take_rate(self, token_key: str, grid: PacingGrid) -> None:
        """Reserve the first free pacing slot (at most two seconds ahead) and wait for it.

        Reserving instead of polling the current slot keeps waiters from all asking Redis
        at every slot; the hint remembers where this process last found slots taken, so a
        request usually costs one ``INCR``.
        """
        # Slots are numbered per grid: fleets that disagree on a token's limit never
        # share (and so never double-book) a slot number.
        shape = f"{grid.per_window}/{grid.window:g}"
        hint_key = f"{token_key}/{shape}"
        while True:
            now = time.time()
            slot = max(grid.slot_at(now), self._hints.get(hint_key, 0))
            horizon = grid.slot_at(now + RESERVE_AHEAD)
            while slot < horizon:
                if await self._limiter.hit(_ONE_PER_SLOT, token_key, shape, str(slot)):
                    self._hints[hint_key] = slot + 1
                    wait = grid.time_of(slot) - time.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    # A process that was not scheduled for a while (a loaded machine) wakes
                    # too late to land in the slot's second: that slot is lost, take another.
                    if time.time() <= grid.send_by(slot):
                        return
                    break
                slot += 1
            else:
                self._hints[hint_key] = horizon
                await asyncio.sleep(RESERVE_AHEAD / 2)
