"""The airline's tables: members and their payment methods, flights by date, reservations.

Lists that travel with a record and are only ever replaced whole (a reservation's flights, passengers and
payment history; a member's saved passengers) are JSON columns; what the policy looks up or money moves
through (payment methods with balances, a flight's status on a date) has rows of its own. ``position``
keeps the order of the source files, so records export back to τ-bench's shape exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class Member(SQLModel, table=True):
    """A member of the airline's loyalty programme (τ-bench ``user``)."""

    __tablename__ = "airline_members"

    id: str = Field(primary_key=True, description="e.g. mia_li_3668")
    first_name: str
    last_name: str
    email: str = Field(index=True)
    dob: str
    membership: str = Field(description="regular | silver | gold")
    address: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    saved_passengers: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    reservation_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))


class MemberPaymentMethod(SQLModel, table=True):
    """A credit card, gift card (with a balance) or travel certificate (with an amount) of a member."""

    __tablename__ = "airline_payment_methods"

    member_id: str = Field(foreign_key="airline_members.id", primary_key=True)
    id: str = Field(primary_key=True, description="e.g. gift_card_7815826")
    position: int
    source: str = Field(description="credit_card | gift_card | certificate")
    brand: str | None = None
    last_four: str | None = None
    amount: float | None = None


class Flight(SQLModel, table=True):
    """A scheduled flight between two airports (times are local, as in the source data)."""

    __tablename__ = "airline_flights"

    flight_number: str = Field(primary_key=True, description="e.g. HAT001")
    origin: str = Field(index=True)
    destination: str = Field(index=True)
    scheduled_departure_time_est: str
    scheduled_arrival_time_est: str = Field(description="'+1' at the end: it lands the next day")


class FlightDate(SQLModel, table=True):
    """A flight on one date: its status, and seats and prices while it can be booked."""

    __tablename__ = "airline_flight_dates"

    flight_number: str = Field(foreign_key="airline_flights.flight_number", primary_key=True)
    date: str = Field(primary_key=True)
    status: str = Field(description="available | delayed | on time | flying | landed | cancelled")
    details: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False),
                                    description="available_seats and prices per cabin, or actual/estimated times")


class Booking(SQLModel, table=True):
    """A reservation: its trip, cabin, flights, passengers, payments, bags and insurance."""

    __tablename__ = "airline_reservations"

    id: str = Field(primary_key=True, description="e.g. ZFA04Y")
    user_id: str = Field(foreign_key="airline_members.id", index=True)
    origin: str
    destination: str
    flight_type: str = Field(description="one_way | round_trip")
    cabin: str = Field(description="basic_economy | economy | business")
    flights: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    passengers: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    payment_history: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: str
    total_baggages: int
    nonfree_baggages: int
    insurance: str = Field(description="yes | no")
    status: str | None = Field(default=None, description="'cancelled' once cancelled")
    # τ-bench's record keeps ``cabin`` as booked when a change moves the passengers to another cabin (its
    # expected records depend on it); the cabin they fly in now is kept here, and is what the policy reads.
    cabin_now: str | None = None
