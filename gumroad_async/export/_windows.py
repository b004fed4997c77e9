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

    @property
    def days(self) -> int:
        return (self.before - self.after).days

    @property
    def started(self) -> bool:
        return self.cursor is not None or self.done

    def halves(self) -> tuple[Window, Window]:
        """The newer and the older half of an unstarted window of two days or more."""
        if self.started or self.days < 2:
            raise ValueError("only an unstarted window of two days or more can be halved")
        middle = self.after + timedelta(days=self.days // 2)
        return Window(middle, self.before), Window(self.after, middle)

    def to_json(self) -> dict[str, Any]:
        return {"after": self.after.isoformat(), "before": self.before.isoformat(),
                "cursor": self.cursor, "done": self.done}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Window:
        return cls(date.fromisoformat(data["after"]), date.fromisoformat(data["before"]),
                   data.get("cursor"), bool(data.get("done")))


def split_days(after: date, before: date, count: int) -> list[Window]:
    """``[after, before)`` cut into at most ``count`` windows of whole days, newest first."""
    days = (before - after).days
    if days <= 0:
        return []
    count = max(1, min(count, days))
    edges = [after + timedelta(days=days * i // count) for i in range(count + 1)]
    windows = [Window(edges[i], edges[i + 1]) for i in range(count)]
    return windows[::-1]
