"""The one clock. Every "now" in Concierge comes from a :class:`Clock` that is passed in.

Whether a stay is upcoming or under way, whether a refund window is open, when a
customer token or a conversation expires, and every stored timestamp depend on
the time. Reading the wall clock in each place would make all of that untestable
and make tests depend on the day they run; instead the composition root makes one
clock (:class:`SystemClock` in production) and hands it to the stores, the tool
runner (tools see it as ``ctx.now``), the identity checks, seeding and the
evaluations. Tests and evaluations pin it with :class:`FixedClock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that says what time it is (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current time."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until told to move: for tests and evaluations."""

    at: datetime

    def now(self) -> datetime:
        """The pinned time."""
        return self.at

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. ``advance(hours=25)``."""
        self.at += timedelta(**delta)


def noon(day: date) -> FixedClock:
    """A clock pinned at 12:00 UTC on ``day`` (the time evaluations and tests use)."""
    return FixedClock(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
