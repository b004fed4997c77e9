"""A first-come, first-served counting semaphore whose uncontended path is two lines inline.

``asyncio.Semaphore`` costs half a dozen Python calls per ``async with`` even when a slot is
free, which a single API call pays on every request. Here the caller takes a free slot
itself (``if slots.free: slots.free -= 1 else: await slots.wait()``) and gives it back with
:meth:`Slots.release`.
"""

from __future__ import annotations

import asyncio
from collections import deque

__all__ = ["Slots"]


class Slots:
    """``size`` slots; tasks that find none free wait in arrival order.

    A released slot is handed straight to the oldest waiter, never put back while someone
    waits, so ``free > 0`` implies nobody waits: a newcomer cannot overtake a waiter.
    """

    __slots__ = ("_waiters", "free")

    def __init__(self, size: int) -> None:
        #: Slots nobody holds. Take one only when it is not 0, else ``await wait()``.
        self.free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def wait(self) -> None:
        """Wait until a released slot is handed over (call only when ``free`` is 0)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                # The slot was handed over just as this task was cancelled: pass it on.
                self.release()
            elif future in self._waiters:  # a release may have dropped it already
                future.cancel()
                self._waiters.remove(future)
            raise

    def release(self) -> None:
        """Give a slot back: to the oldest waiter, or to the free count."""
        waiters = self._waiters
        while waiters:
            future = waiters.popleft()
            if not future.done():
                future.set_result(None)
                return
        self.free += 1
