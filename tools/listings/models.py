"""SQLModel tables of the listing & reservation system (an Airbnb-style marketplace)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

CancellationPolicy = Literal["flexible", "moderate", "strict"]
ReservationState = Literal["upcoming", "in_stay", "completed", "cancelled"]


class Host(SQLModel, table=True):
    """A person or company renting out listings."""

    __tablename__ = "hosts"

    id: str = Field(primary_key=True)
    name: str
    email: str = Field(index=True)
    joined: date
    superhost: bool = False


class Guest(SQLModel, table=True):
    """A person who books stays. Some share an email with a store customer."""

    __tablename__ = "guests"

    id: str = Field(primary_key=True)
    first_name: str
    last_name: str
    email: str = Field(index=True)
    customer_id: str | None = Field(default=None, index=True,
                                    description="the store customer with the same email, if any")


class Listing(SQLModel, table=True):
    """A place to stay."""

    __tablename__ = "listings"

    id: str = Field(primary_key=True)
    host_id: str = Field(foreign_key="hosts.id", index=True)
    title: str
    city: str = Field(index=True)
    country: str
    neighbourhood: str
    property_type: str
    bedrooms: int
    max_guests: int
    nightly_price: float
    cleaning_fee: float
    cancellation_policy: str = Field(description="flexible | moderate | strict")
    house_rules: list[str] = Field(sa_column=Column(JSON, nullable=False))
    amenities: list[str] = Field(sa_column=Column(JSON, nullable=False))
    rating: float


class AvailabilityBlock(SQLModel, table=True):
    """Nights the host has closed (``start`` inclusive, ``end`` exclusive).

    A night is available when no block and no confirmed reservation covers it.
    """

    __tablename__ = "availability_blocks"

    id: int | None = Field(default=None, primary_key=True)
    listing_id: str = Field(foreign_key="listings.id", index=True)
    start: date
    end: date
    reason: str = "host_blocked"


class Reservation(SQLModel, table=True):
    """A booking of a listing for nights ``check_in`` .. ``check_out`` (exclusive).

    ``status`` is what was recorded (confirmed or cancelled); where a confirmed
    stay stands today (upcoming, in stay, completed) follows from its dates, see
    :func:`reservation_state`.
    """

    __tablename__ = "reservations"

    id: str = Field(primary_key=True, description="e.g. HM4K7Q2ZP")
    listing_id: str = Field(foreign_key="listings.id", index=True)
    guest_id: str = Field(foreign_key="guests.id", index=True)
    check_in: date
    check_out: date
    guests: int
    status: str = Field(description="confirmed | cancelled")
    nightly_price: float
    cleaning_fee: float
    total: float
    booked_at: datetime
    cancelled_at: datetime | None = None


class ReservationPayment(SQLModel, table=True):
    """A charge or refund on a reservation."""

    __tablename__ = "reservation_payments"

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: str = Field(foreign_key="reservations.id", index=True)
    kind: str = Field(description="charge | refund")
    amount: float
    at: datetime


class HostMessage(SQLModel, table=True):
    """A message from a guest to the host of a reservation."""

    __tablename__ = "host_messages"

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: str = Field(foreign_key="reservations.id", index=True)
    guest_id: str
    host_id: str
    text: str
    sent_at: datetime


class ProblemReport(SQLModel, table=True):
    """A problem a guest reports during (or right after) a stay."""

    __tablename__ = "problem_reports"

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: str = Field(foreign_key="reservations.id", index=True)
    guest_id: str
    description: str
    status: str = "open"
    created_at: datetime


def reservation_state(reservation: Reservation | dict[str, Any], today: date) -> ReservationState:
    """Where a reservation stands on ``today``."""
    r = reservation if isinstance(reservation, dict) else reservation.model_dump()
    if r["status"] == "cancelled":
        return "cancelled"
    if today < r["check_in"]:
        return "upcoming"
    if today < r["check_out"]:
        return "in_stay"
    return "completed"

