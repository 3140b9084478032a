"""Cancellation refunds for stays: the rules the help center states, as code.

Check-in is at 15:00 on the check-in day (times are taken as UTC in the demo).
The cleaning fee is refunded whenever a guest cancels before check-in.

- flexible: full refund of the nights up to 24 h before check-in; later, the first night is kept.
- moderate: full refund up to 5 days before; later, 50 % of the nights.
- strict: full refund up to 14 days before; 7-14 days, 50 %; under 7 days, nothing for the nights.
- once a stay has started it cannot be cancelled here (unused nights are not refunded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

CHECK_IN = time(15, 0)


@dataclass(frozen=True)
class Refund:
    """What a guest gets back, and which rule gave it."""

    nights: float
    cleaning_fee: float
    rule: str

    @property
    def total(self) -> float:
        """Nights plus cleaning fee, in dollars."""
        return round(self.nights + self.cleaning_fee, 2)


def check_in_at(day: date) -> datetime:
    """The moment a stay starts."""
    return datetime.combine(day, CHECK_IN, tzinfo=UTC)


def nights_refund_rate(policy: str, check_in: date, now: datetime) -> tuple[float, str]:
    """The share of the nights' price refunded when cancelling at ``now`` (flexible handled by the caller)."""
    before = check_in_at(check_in) - now
    if policy == "moderate":
        return (1.0, "moderate: 5 or more days before check-in") if before >= timedelta(days=5) else (
            0.5, "moderate: less than 5 days before check-in")
    if policy == "strict":
        if before >= timedelta(days=14):
            return 1.0, "strict: 14 or more days before check-in"
        if before >= timedelta(days=7):
            return 0.5, "strict: 7 to 14 days before check-in"
        return 0.0, "strict: less than 7 days before check-in"
    raise ValueError(f"unknown cancellation policy {policy!r}")


def cancellation_refund(policy: str, nightly_price: float, nights: int, cleaning_fee: float,
                        check_in: date, now: datetime) -> Refund:
    """The refund for cancelling a stay at ``now``; ValueError once the stay has started."""
    if now >= check_in_at(check_in):
        raise ValueError("the stay has already started")
    if policy == "flexible":
        if check_in_at(check_in) - now >= timedelta(hours=24):
            return Refund(round(nightly_price * nights, 2), cleaning_fee, "flexible: 24 h or more before check-in")
        return Refund(round(nightly_price * (nights - 1), 2), cleaning_fee,
                      "flexible: less than 24 h before check-in, first night kept")
    rate, rule = nights_refund_rate(policy, check_in, now)
    return Refund(round(nightly_price * nights * rate, 2), cleaning_fee, rule)
