"""Day-aligned windows of a sales export: pure data, no I/O.

``after`` is inclusive and ``before`` exclusive, both whole days, so windows that share
their edges partition the sales exactly: every sale is in one window, none in two.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import attrs

__all__ = ["Window", "split_days"]


@attrs.define
class Window:
    """A range of days ``[after, before)`` and how far its cursor walk has got."""

    after: date
    before: date
    cursor: str | None = None
    done: bool = False
    #: The UTC day of the last record delivered: the cursor's position, which no record
    #: still to come is newer than (the server selects ``created_at <= cursor time``).
    reached: date | None = None

    @property
    def days(self) -> int:
        return (self.before - self.after).days

    @property
    def started(self) -> bool:
        return self.cursor is not None or self.done

    @property
    def divisible(self) -> bool:
        """Whether what is left of this window spans two days or more (see ``halves``)."""
        remaining = self._remaining()
        return remaining is not None and (remaining[1] - remaining[0]).days >= 2

    def _remaining(self) -> tuple[date, date] | None:
        if self.done:
            return None
        if not self.started:
            return self.after, self.before
        if self.reached is None:
            return None  # a cursor at an unknown day: only its own walk can go on
        return self.after, min(self.before, self.reached + timedelta(days=1))

    def halves(self) -> tuple[Window, ...]:
        """This window cut in two (newer part first), keeping what it has walked.

        An unstarted window gives its two halves. A started one is first narrowed to the
        days its cursor has not passed (ending the day after ``reached``; the part before
        that comes back done); the newer half keeps the cursor and the older half starts
        afresh. No record delivered so far is in either half, none to come is left out.
        """
        remaining = self._remaining()
        if remaining is None or (remaining[1] - remaining[0]).days < 2:
            raise ValueError("only a window with two days or more left can be halved")
        start, end = remaining
        middle = start + timedelta(days=(end - start).days // 2)
        newer = Window(middle, end, self.cursor, reached=self.reached)
        parts: tuple[Window, ...] = (newer, Window(start, middle))
        if end < self.before:
            parts = (Window(end, self.before, done=True), *parts)
        return parts

    def to_json(self) -> dict[str, Any]:
        return {"after": self.after.isoformat(), "before": self.before.isoformat(),
                "cursor": self.cursor, "done": self.done,
                "reached": self.reached and self.reached.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Window:
        reached = data.get("reached")
        return cls(date.fromisoformat(data["after"]), date.fromisoformat(data["before"]),
                   data.get("cursor"), bool(data.get("done")),
                   date.fromisoformat(reached) if reached else None)


def split_days(after: date, before: date, count: int) -> list[Window]:
    """``[after, before)`` cut into at most ``count`` windows of whole days, newest first."""
    days = (before - after).days
    if days <= 0:
        return []
    count = max(1, min(count, days))
    edges = [after + timedelta(days=days * i // count) for i in range(count + 1)]
    windows = [Window(edges[i], edges[i + 1]) for i in range(count)]
    return windows[::-1]
